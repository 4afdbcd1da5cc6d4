"""Issue 20 (points 2, 4, 5, 6): every respondent kept by default, truthful exit status,
lospw's own intake output as input, LimeSurvey names, small things, ``lospw key init``.

The data are the SYNTHETIC TCQ-15 example that ships with lospw (lospw/examples/teamwork)
and small SYNTHETIC tables written here.
"""

from __future__ import annotations

import dataclasses
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from lospw.analysis.core.key import load_key
from lospw.cli import main

EX = Path(__file__).parents[2] / "lospw" / "examples" / "teamwork"


def call(capsys, *args) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out = capsys.readouterr()
    return exc.value.code or 0, out.out, out.err


def test_default_cfa_uses_every_analysed_row(capsys):
    """Acceptance: 5% missing cells at random -> the default CFA uses every analysed row."""
    code, out, err = call(capsys, "cfa", EX / "simulated.csv", "--key", EX / "key.yaml",
                          "--json")
    assert code == 0, err
    res = json.loads(out)
    items = pd.read_csv(EX / "simulated.csv")[list(load_key(EX / "key.yaml").items)]
    assert items.replace(9, np.nan).isna().to_numpy().mean() > 0.04   # the 5% are there
    assert res["estimator"] == "MLR" and res["missing"] == "fiml"
    assert res["n_obs"] == res["intake"]["n_analysed"] == 246
    code, out, err = call(capsys, "cfa", EX / "simulated.csv", "--key", EX / "key.yaml")
    assert "CFA: n = 246 of 246 analysed rows" in out
    assert out.index("rows read 246, rows analysed 246") < out.index("Fit")


def test_listwise_names_the_option_that_keeps_the_rows(capsys):
    code, out, err = call(capsys, "cfa", EX / "simulated.csv", "--key", EX / "key.yaml",
                          "--missing-data", "listwise")
    assert code == 0, err
    assert "fewer than 90%: --missing-data available keeps them" in out


def test_every_default_keeps_every_row(capsys):
    for command in ("reliability", "efa", "validity", "items"):
        code, out, err = call(capsys, command, EX / "simulated.csv", "--key",
                              EX / "key.yaml", "--json", *(["--n-iter", "2"]
                                                           if command == "efa" else []))
        assert code == 0, err
        res = json.loads(out)
        if command == "reliability":
            assert res["missing"] == "pairwise"
        if command == "validity":
            assert res["n_obs"] == 246


def test_analyze_exit_3_when_a_stage_fails_and_own_intake_output(capsys, tmp_path,
                                                                  monkeypatch):
    code, out, err = call(capsys, "intake", EX / "limesurvey.csv", "--key", EX / "key.yaml",
                          "--map", EX / "map_limesurvey.yaml", "-o", tmp_path / "in",
                          "--keep", "role")
    assert code == 0, err
    code, out, err = call(capsys, "analyze", tmp_path / "in" / "responses.csv", "--key",
                          EX / "key.yaml", "-o", tmp_path / "an", "--group", "role",
                          "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert not [s for s in summary["stages"] if s["status"] == "failed"]
    # items without variance in one scale are a data condition: the factor-model stages are
    # skipped with the named reason, and the run exits 0
    flat = pd.read_csv(EX / "simulated.csv")
    flat["COM1"] = 3
    flat["COM2"] = 3
    flat["COM3"] = 3
    flat["COM4"] = 3
    flat["COM5"] = 3
    flat.to_csv(tmp_path / "flat.csv", index=False)
    code, out, err = call(capsys, "analyze", tmp_path / "flat.csv", "--key", EX / "key.yaml",
                          "-o", tmp_path / "an2", "--json")
    assert code == 0, err
    status = {s["name"]: s for s in json.loads(out)["stages"]}
    assert status["cfa"]["status"] == "skipped"
    assert status["cfa"]["reason"].startswith("[zero_variance_item]")
    # a stage that fails for another reason than its data: exit 3
    from lospw.analysis.core.errors import LospwError
    from lospw.analysis.pipeline import stages

    def broken(ctx):
        raise LospwError("The CFA engine could not compute the MLR corrections (test).")

    monkeypatch.setattr(stages, "STAGES", tuple(
        dataclasses.replace(s, run=broken) if s.name == "cfa" else s for s in stages.STAGES))
    code, out, err = call(capsys, "analyze", EX / "simulated.csv", "--key", EX / "key.yaml",
                          "-o", tmp_path / "an3")
    assert code == 3, err
    assert "failed" in err and "exit status 3" in err


def test_limesurvey_names_refused_with_the_fix(capsys):
    code, _, err = call(capsys, "key", "check", EX / "key_limesurvey.yaml")
    assert code == 2 and "'Q1_SQ001'" in err and err.count("\n") == 1


def test_excel_title_row_and_value_labels(capsys):
    code, out, err = call(capsys, "intake", EX / "excel.xlsx", "--key", EX / "key.yaml",
                          "--json")
    assert code == 0, err
    res = json.loads(out)
    assert any("read as a title above the header" in n for n in res["notes"])
    assert res["n_analysed"] == 245 and res["excluded_by_reason"] == {
        "duplicate_id": 4, "empty_row": 1}
    code, out, err = call(capsys, "invariance", EX / "spss.sav", "--key",
                          EX / "key_spss.yaml", "--group", "rol", "--no-search",
                          "--top-scores", "0", "--json")
    assert code == 0, err
    assert set(json.loads(out)["group_sizes"]) == {"lead", "member"}


def test_small_group_left_out_by_name(capsys, tmp_path):
    data = pd.read_csv(EX / "simulated.csv")
    rows = data.index[data["role"] == "member"][:6]
    data.loc[rows, "role"] = "trainee"
    data.to_csv(tmp_path / "three.csv", index=False)
    code, out, err = call(capsys, "invariance", tmp_path / "three.csv", "--key",
                          EX / "key.yaml", "--group", "role", "--no-search", "--top-scores",
                          "0", "--json")
    assert code == 0, err
    res = json.loads(out)
    assert set(res["group_sizes"]) == {"lead", "member"}
    assert any(w["code"] == "group_too_small_dropped" and "trainee (n = 6)" in w["message"]
               for w in res["group_warnings"])
    assert any(s["estimable"] for s in res["steps"])
    code, out, err = call(capsys, "invariance", tmp_path / "three.csv", "--key",
                          EX / "key.yaml", "--group", "role", "--no-search", "--top-scores",
                          "0", "--json", "--invariance-groups", "lead,member+trainee")
    assert code == 0, err
    assert json.loads(out)["group_sizes"] == {"lead": 61, "member+trainee": 185}


def test_score_refuses_without_scheme_or_key(capsys, tmp_path):
    code, _, err = call(capsys, "score", EX / "simulated.csv", "-o", tmp_path / "s.csv")
    assert code == 2 and "--scheme" in err and "--key" in err and err.count("\n") == 1
    assert not (tmp_path / "s.csv").exists()


def test_change_words_follow_the_key_direction(capsys, tmp_path):
    key = yaml.safe_load((EX / "key.yaml").read_text(encoding="utf-8"))
    # the example key states every scale's direction: one key without any, one with WLD's
    items = {s: spec["items"] for s, spec in key["scales"].items()}
    (tmp_path / "plain.yaml").write_text(yaml.safe_dump({**key, "scales": items},
                                                        sort_keys=False))
    key["scales"] = {**items, "WLD": {"items": items["WLD"], "direction": "lower_is_better",
                                      "label": "Workload"}}
    (tmp_path / "k.yaml").write_text(yaml.safe_dump(key, sort_keys=False))
    wave2 = pd.read_csv(EX / "simulated.csv")
    for i in range(1, 6):
        col = f"WLD{i}"
        wave2[col] = np.where(wave2[col].isin([1, 2, 3]), wave2[col] + 2, wave2[col])
    wave2.to_csv(tmp_path / "w2.csv", index=False)
    for key_file, up in ((tmp_path / "plain.yaml", "increased"), (tmp_path / "k.yaml",
                                                                  "declined")):
        code, _, err = call(capsys, "scheme", EX / "simulated.csv", "--key", key_file, "-o",
                            tmp_path / "s.json")
        assert code == 0, err
        code, _, err = call(capsys, "score", tmp_path / "w2.csv", "--scheme",
                            tmp_path / "s.json", "--baseline", EX / "simulated.csv", "-o",
                            tmp_path / "o.csv")
        assert code == 0, err
        ch = pd.read_csv(tmp_path / "o_change.csv")
        wld = set(ch[ch["scale"] == "WLD"]["reliable"].dropna())
        assert up in wld and wld <= {up, "no", "improved" if up == "declined" else "decreased"}
        assert set(ch[ch["scale"] == "COM"]["reliable"].dropna()) <= {
            "no", "increased", "decreased"}
        (tmp_path / "s.json").unlink()
        for p in tmp_path.glob("o*"):
            p.unlink()


def test_score_xlsx_is_a_workbook(capsys, tmp_path):
    out = tmp_path / "scores.xlsx"
    code, _, err = call(capsys, "score", EX / "simulated.csv", "--key", EX / "key.yaml", "-o",
                        out)
    assert code == 0, err
    assert zipfile.is_zipfile(out)
    table = pd.read_excel(out)
    assert len(table) == 246 and "COM" in table.columns


def test_cell_log_lists_missing_codes(capsys, tmp_path):
    code, _, err = call(capsys, "intake", EX / "spss.sav", "--key", EX / "key_spss.yaml", "-o",
                        tmp_path / "in")
    assert code == 0, err
    log = pd.read_csv(tmp_path / "in" / "cell_log.csv")
    assert (log["problem"] == "missing_code").sum() == 38


def test_key_init_drafts_a_usable_key(capsys, tmp_path):
    for data in ("spss.sav", "limesurvey.csv", "excel.xlsx"):
        out = tmp_path / f"{data}.yaml"
        code, _, err = call(capsys, "key", "init", EX / data, "-o", out)
        assert code == 0, err
        text = out.read_text(encoding="utf-8")
        key = load_key(out)
        assert len(key.scales) == 3 and key.n_items == 15
        assert key.response_scale.categories == (1, 2, 3, 4, 5)
        assert key.missing_codes == (9.0,)
        assert len(key.reverse_items) == 4 and "CONFIRM" in text
        assert "email: personal data" in text or data != "limesurvey.csv"
        code, _, err = call(capsys, "reliability", EX / data, "--key", out, "--json")
        assert code == 0, err
    code, _, err = call(capsys, "key", "init", EX / "spss.sav", "-o", out)
    assert code == 2 and "does not overwrite" in err
    code, stdout, _ = call(capsys, "key", "init", EX / "simulated.csv")
    assert stdout.startswith("# Draft key") and "COM:" in stdout
