"""Tests for ``lospw score`` and ``lospw scheme``: files written, rows kept, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from lospw.cli import main
from tests.conftest import reference

FIX = Path(__file__).parents[1] / "fixtures" / "scoring"
WAVE1, WAVE2 = FIX / "lospw_wave1.csv", FIX / "lospw_wave2.csv"
#: the interim scheme once shipped in the package, for the fixture's 36 items
INTERIM = FIX / "interim_scheme.json"
#: the SYNTHETIC demo field test the shipped demo scheme was derived from (make demo-scheme)
FIELDTEST = Path(__file__).parents[2] / "data" / "raw" / "fieldtest" / "responses.csv"


def call(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_score_with_the_demo_scheme_out_of_the_box(capsys, tmp_path):
    out = tmp_path / "scores.csv"
    code, stdout, err = call(capsys, "score", FIELDTEST, "-o", out, "--json", "--scheme", "demo")
    assert code == 0, err
    summary = json.loads(stdout)
    assert summary["scheme"]["synthetic_norms"] is True
    assert any("DEMO" in n and "SYNTHETIC" in n for n in summary["notes"])
    table = pd.read_csv(out)
    raw = pd.read_csv(FIELDTEST)
    assert table["respondent_id"].tolist() == raw["respondent_id"].tolist()   # id, order
    assert list(table.columns[1:9]) == ["LOS", "LOS_n", "LOS_se", "LOS_lo", "LOS_hi",
                                        "LOS_pct", "LOS_band", "LOS_reason"]


def test_score_keeps_excluded_and_too_few_rows(capsys, tmp_path):
    raw = pd.read_csv(WAVE1).head(20)
    items = [c for c in raw.columns if c not in ("respondent", "workplace", "stakeholder")]
    raw.loc[2, items] = None                     # empty: excluded by the intake
    raw.loc[5, items[:4]] = None                 # LOS: 2 of 6 answered -> too few
    data = tmp_path / "d.csv"
    raw.to_csv(data, index=False)
    out = tmp_path / "s.csv"
    code, _, err = call(capsys, "score", data, "--scheme", INTERIM, "-o", out)
    assert code == 0, err
    t = pd.read_csv(out, keep_default_na=False)
    assert len(t) == 20 and t["respondent"].tolist() == raw["respondent"].tolist()
    assert t.loc[2, "LOS"] == "" and t.loc[2, "LOS_reason"].startswith("excluded: empty_row")
    assert t.loc[5, "LOS_reason"] == "too_few_items: 2 answered, 4 needed"
    assert t.loc[5, "GOC"] != ""


def test_score_with_key_only(capsys, tmp_path):
    out = tmp_path / "k.csv"
    code, stdout, err = call(capsys, "score", FIX / "workplaces.csv", "--key",
                             FIX / "workplaces.yaml", "-o", out, "--min-fraction", "1",
                             "--json")
    assert code == 0, err
    t = pd.read_csv(out)
    assert "L_se" not in t.columns and "L_n" in t.columns
    assert t["L"].isna().sum() == 2          # two rows miss one L item; rule: all 3
    assert any("key only" in n for n in json.loads(stdout)["notes"])


def test_score_by_workplace_and_baseline(capsys, tmp_path):
    out = tmp_path / "w2.csv"
    code, stdout, err = call(capsys, "score", WAVE2, "--scheme", INTERIM, "-o", out,
                             "--by", "workplace",
                             "--baseline", WAVE1, "--norm-group", "stakeholder", "--json")
    assert code == 0, err
    s = json.loads(stdout)
    assert s["change"]["n_matched"] == 384          # 80% of wave 1 kept their id
    um = pd.read_csv(tmp_path / "w2_unmatched.csv")
    assert len(um) == 96 + 80 and set(um["wave"]) == {"baseline", "followup"}
    agg = pd.read_csv(tmp_path / "w2_by_workplace.csv")
    assert len(agg) == 12 * 6 and {"rwg_j", "ad_m", "icc1", "flags"} <= set(agg.columns)
    ch = pd.read_csv(tmp_path / "w2_change_by_workplace.csv")
    assert (ch["method"] == "paired").all()
    # the planted change: PW01-PW04 improve by .4 on LOS and GOC
    up = ch[ch["group"].isin(["PW01", "PW02", "PW03", "PW04"]) & ch["scale"].isin(["LOS"])]
    assert (up["change"] > 0.15).all()
    rci = pd.read_csv(tmp_path / "w2_change.csv")
    assert set(rci["reliable"].dropna()) <= {"increased", "decreased", "no"}
    charts = sorted(p.name for p in (tmp_path / "w2_profiles").iterdir())
    assert charts[0] == ".lospw-output.json"  # the record of lospw's own output folder
    assert len(charts) == 25 and charts[1] == "profile_PW01.png"


def test_scheme_then_score_round_trip(capsys, tmp_path):
    sch = tmp_path / "bfi_scheme.json"
    code, _, err = call(capsys, "scheme", Path(__file__).parents[1] / "data" / "bfi.csv",
                        "--key", FIX.parent / "keys" / "bfi.yaml", "-o", sch, "--group",
                        "gender", "--seed", "none=0")
    assert code == 0, err
    d = json.loads(sch.read_text())
    assert d["provenance"]["synthetic"] is False and set(d["norms"]["groups"]) == {"1", "2"}
    out = tmp_path / "bfi_scores.csv"
    code, _, err = call(capsys, "score", Path(__file__).parents[1] / "data" / "bfi.csv",
                        "--scheme", sch, "-o", out)
    assert code == 0, err
    assert len(pd.read_csv(out)) == 2800


@pytest.mark.parametrize(("args", "message"), [
    (["--scheme", "x.json", "--key", "k.yaml"], "Give --scheme or --key, not both"),
    (["--min-fraction", "0.5"], "--min-fraction applies to --key only"),
    (["--scheme", "nope.json"], "no such scoring scheme file"),
    (["--scheme", str(INTERIM), "--by", "team"], "No column 'team'"),
    (["--scheme", str(INTERIM), "--norm-group", "team"], "No norm-group column 'team'"),
    (["--key", str(FIX / "lospw_interim.yaml"), "--norm-group", "stakeholder"],
     "--norm-group needs a scheme"),
])
def test_score_errors_are_one_line(capsys, tmp_path, args, message):
    code, _, err = call(capsys, "score", WAVE1, "-o", tmp_path / "o.csv", *args)
    assert code == 2 and message in err and err.count("\n") == 1


def test_score_with_a_scheme_for_another_instrument(capsys, tmp_path):
    code, _, err = call(capsys, "score", FIX / "workplaces.csv", "-o", tmp_path / "o.csv",
                        "--scheme", "demo")
    assert code == 2 and err.count("\n") == 1
    assert "The scheme's items do not match the data (the scheme is for LOS-PW" in err


def test_score_with_corrupt_and_newer_schemes(capsys, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    code, _, err = call(capsys, "score", WAVE1, "--scheme", bad, "-o", tmp_path / "o.csv")
    assert code == 2 and "invalid JSON" in err
    d = json.loads((Path(__file__).parents[2] / "analysis" / "data" /
                    "demo_scheme.json").read_text())
    d["schema_version"] = "2.0.0"
    bad.write_text(json.dumps(d))
    code, _, err = call(capsys, "score", WAVE1, "--scheme", bad, "-o", tmp_path / "o.csv")
    assert code == 2 and "newer than this lospw reads" in err


def test_scheme_errors(capsys, tmp_path):
    code, _, err = call(capsys, "scheme", WAVE1, "--key", FIX / "lospw_interim.yaml", "-o",
                        tmp_path / "s.json", "--seed", "abc")
    assert code == 2 and "--seed must look like NAME=NUMBER" in err


def test_score_json_reports_rows_read_and_rows_scored(capsys, tmp_path):
    """psychTools' ability data: 1525 rows, 16 without any answer (tests/reference/
    score_rows.R); the table holds all 1525, the scorer saw 1509."""
    from tests.conftest import FIXTURES, reference_data

    ref = reference("score_rows")
    out = tmp_path / "ability.csv"
    code, stdout, err = call(capsys, "score", reference_data("ability.csv"), "--key",
                             FIXTURES / "keys" / "ability.yaml", "-o", out,
                             "--min-fraction", "0.25", "--json")
    assert code == 0, err
    summary = json.loads(stdout)
    scores = summary["scores"]
    assert scores["n_rows_read"] == summary["n_read"] == len(pd.read_csv(out)) == 1525
    assert scores["n_rows_read"] == ref["n_rows_read"]
    assert scores["n_rows_scored"] == summary["n_analysed"] == ref["n_rows_with_answers"]
    assert "n_rows" not in scores
    for s, r in ref["scales"].items():  # one answered item of 4 suffices, as psych
        assert scores["scales"][s]["n_scored"] == r["n_scored"]
        assert scores["scales"][s]["mean"] == pytest.approx(r["mean"], abs=1e-12)
        assert scores["scales"][s]["sd"] == pytest.approx(r["sd"], abs=1e-12)


def test_score_by_many_groups_writes_tables_without_charts(capsys, tmp_path):
    """More --by groups than --max-charts: the by-group tables are written, no chart is drawn
    (each takes about 0.2 s: 40,000 groups took hours), and a profile_charts_skipped warning
    says so; the group means equal those of a plain groupby."""
    key = tmp_path / "k.yaml"
    key.write_text("instrument: t\nresponse_scale: {min: 1, max: 5}\nscales:\n  S: [a, b, c]\n")
    n = 3000
    frame = pd.DataFrame({"id": range(n), "a": [1 + i % 5 for i in range(n)],
                          "b": [1 + (i // 5) % 5 for i in range(n)],
                          "c": [1 + (i // 7) % 5 for i in range(n)],
                          "team": [f"w{i % 600}" for i in range(n)]})
    data = tmp_path / "d.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "s.csv"
    code, stdout, err = call(capsys, "score", data, "--key", key, "--by", "team", "-o", out,
                             "--json")
    assert code == 0, err
    summary = json.loads(stdout)
    assert [w["code"] for w in summary["warnings"]] == ["profile_charts_skipped"]
    assert summary["warnings"][0]["context"]["groups"] == "600"
    assert not (tmp_path / "s_profiles").exists()
    by = pd.read_csv(tmp_path / "s_by_team.csv")
    expected = frame.assign(S=frame[["a", "b", "c"]].mean(axis=1)).groupby("team")["S"].mean()
    got = by.set_index("group")["mean"].sort_index()
    pd.testing.assert_series_equal(got, expected.sort_index(), check_names=False,
                                   check_index_type=False)
    code, stdout, err = call(capsys, "score", data, "--key", key, "--by", "team", "-o",
                             tmp_path / "t.csv", "--json", "--max-charts", "0")
    assert code == 0 and json.loads(stdout)["warnings"], err
