"""Issue 17, the second adversarial pass: files the user never named, formulas after quotes,
personal data in columns lospw does not need, in item cells and in Delphi comments.

Each test is named after what it guards; the recipes come from the harness run against
main (output side files, ``;`` files with quoted payloads, odd personal column names, SPSS
labels, values under neutral names, e-mail addresses typed into item cells).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.core.csv_safe import csv_text
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import load_key
from lospw.analysis.intake.personal import cell_for_log, quotable
from lospw.analysis.intake.responses import read_responses
from lospw.instrument.delphi.audit import anonymise_comment
from tests.conftest import ROOT
from tests.robustness._spreadsheet import live_formulas
from tests.robustness.test_corpus import RESP_KEY, run_cli

KEY = load_key(RESP_KEY)
POPULATION = ROOT / "data" / "raw" / "fieldtest" / "population.yaml"


def _data(n: int = 40, **extra) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(n)]})
    for item in "abc":
        frame[item] = rng.integers(1, 6, n)
    for col, values in extra.items():
        frame[col] = values
    return frame


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# -- formulas behind quotes ----------------------------------------------------------------
def test_formula_after_doubled_quotes_at_a_line_break_is_neutralised(tmp_path):
    frame = pd.DataFrame({"t": ['x\r"=1"', '"=1+1', '  "@SUM(1)', ' "" -2+a']})
    text = csv_text(frame, sep=";")
    path = tmp_path / "t.csv"
    path.write_text(text)
    assert live_formulas(path) == []


def test_semicolon_file_with_quoted_payloads_leaves_no_live_formula(tmp_path):
    lines = ["id;a;b;c;t"]
    payloads = ['"=1+1"', '"x\r""=1"""', '"  @x"', '"\t-3+a"', '""""=1', '"a;=b"']
    for i in range(30):
        lines.append(f"r{i};{1 + i % 5};{1 + (i * 2) % 5};{1 + (i * 3) % 5};"
                     f"{payloads[i % len(payloads)]}")
    (tmp_path / "d.csv").write_text("\r\n".join(lines) + "\r\n")
    code, _, err = run_cli("intake", tmp_path / "d.csv", "--key", RESP_KEY, "--keep", "t",
                           "-o", tmp_path / "o")
    assert code == 0, err
    assert live_formulas(tmp_path / "o") == []


# -- files the user never named ------------------------------------------------------------
def test_score_never_overwrites_an_unnamed_side_file(tmp_path):
    _data(team=["x", "y"] * 20).to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "s_by_team.csv").write_text("my own analysis\n")
    code, _, err = run_cli("score", tmp_path / "d.csv", "--key", RESP_KEY, "--by", "team",
                           "-o", tmp_path / "s.csv")
    assert code == 2 and "s_by_team.csv" in err and "did not name" in err
    assert len(err.strip().splitlines()) == 1
    assert (tmp_path / "s_by_team.csv").read_text() == "my own analysis\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv", "s_by_team.csv"]


def test_refused_score_writes_nothing(tmp_path):
    _data(team=["x", "y"] * 20).to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "s_profiles").mkdir()
    (tmp_path / "s_profiles" / "my.png").write_text("mine")
    before = _tree(tmp_path)
    code, _, err = run_cli("score", tmp_path / "d.csv", "--key", RESP_KEY, "--by", "team",
                           "-o", tmp_path / "s.csv")
    assert code == 2 and "s_profiles" in err
    assert _tree(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv", "s_profiles"]


def test_score_rerun_replaces_its_own_side_files_but_not_edited_ones(tmp_path):
    _data(team=["x", "y"] * 20).to_csv(tmp_path / "d.csv", index=False)
    args = ("score", tmp_path / "d.csv", "--key", RESP_KEY, "--by", "team", "-o",
            tmp_path / "out" / "s.csv")
    for _ in range(2):
        code, _, err = run_cli(*args)
        assert code == 0, err
    assert (tmp_path / "out" / "s_by_team_scales.csv").is_file()
    (tmp_path / "out" / "s_by_team.csv").write_text("edited since\n")
    code, _, err = run_cli(*args)
    assert code == 2 and "changed since" in err
    assert (tmp_path / "out" / "s_by_team.csv").read_text() == "edited since\n"


def test_simulate_population_never_overwrites_a_file_it_did_not_write(tmp_path):
    (tmp_path / "population.yaml").write_text("mine: 1\n")
    code, _, err = run_cli("simulate", "population", "--key",
                           ROOT / "data" / "raw" / "fieldtest" / "key.yaml", "--seed", "1",
                           "-o", tmp_path)
    assert code == 2 and "population.yaml" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["population.yaml"]
    assert (tmp_path / "population.yaml").read_text() == "mine: 1\n"


def test_simulate_fieldtest_never_overwrites_an_unnamed_truth_file(tmp_path):
    (tmp_path / "f.truth.json").write_text('{"mine": true}')
    code, _, err = run_cli("simulate", "fieldtest", "--population", POPULATION, "--seed", "1",
                           "-n", "20", "-o", tmp_path / "f.csv")
    assert code == 2 and "f.truth.json" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.truth.json"]
    code, _, err = run_cli("simulate", "fieldtest", "--population", POPULATION, "--seed", "1",
                           "-n", "20", "-o", tmp_path / "g.csv")
    assert code == 0, err
    code, _, err = run_cli("simulate", "fieldtest", "--population", POPULATION, "--seed", "2",
                           "-n", "20", "-o", tmp_path / "g.csv")
    assert code == 0, err   # its own earlier truth file is replaced
    assert json.loads((tmp_path / "g.truth.json").read_text())["seed"] == 2


# -- personal data in columns lospw does not need -------------------------------------------
ODD = {"Tel.": "TEL1", "Remote Address": "IP1", "Straat + huisnummer": "ADR1",
       "Burgerservicenummer": "BSN1", "Studentnr.": "SID1", "attribute_1": "ATTR1",
       "Collector ID": "COLL1", "Custom Data 1": "CUST1", "Nom": "NOM1", "Vorname": "VOR1",
       "who": "Pietersen", "x7": "piet [at] mail [dot] nl", "pc": "1234 AB",
       "rek": "NL91ABNA0417164300", "info": "+31 (0)6-1234 5678", "dept": "HR"}


def test_only_the_columns_lospw_needs_are_written(tmp_path):
    n = 40
    _data(n, **{c: [f"{v}{i:02d}" if c != "pc" else v for i in range(n)]
                for c, v in ODD.items()}).to_csv(tmp_path / "d.csv", index=False)
    code, out, err = run_cli("intake", tmp_path / "d.csv", "--key", RESP_KEY, "-o",
                             tmp_path / "o")
    assert code == 0, err
    assert (tmp_path / "o" / "responses.csv").read_text().splitlines()[0] == \
        "respondent,row,a,b,c"
    text = "".join(p.read_text() for p in (tmp_path / "o").rglob("*.csv"))
    for value in ("TEL1", "IP1", "ADR1", "BSN1", "SID1", "ATTR1", "COLL1", "CUST1", "NOM1",
                  "VOR1", "Pietersen", "piet [at]", "1234 AB", "NL91", "1234 56", "HR0"):
        assert value not in text, value
    left = {e["column"]: e["reason"]
            for e in json.loads((tmp_path / "o" / "intake.json").read_text())[
                "columns_left_out"]}
    assert set(left) == {*ODD, "id"} and left["dept"] == "not needed"
    for col in ("Tel.", "Remote Address", "Straat + huisnummer", "Burgerservicenummer",
                "Studentnr.", "attribute_1", "Collector ID", "Custom Data 1", "Nom",
                "Vorname"):
        assert left[col] == "name", col
    assert left["x7"] == "e-mail addresses" and left["pc"] == "postcodes"
    assert left["rek"] == "IBANs" and left["info"] == "phone numbers"
    assert "non-item column(s) left out" in out


def test_a_kept_column_is_written_and_a_personal_one_cannot_be_kept(tmp_path):
    n = 40
    _data(n, dept=["HR", "IT"] * 20, who=[f"Jan Jansen{i}" for i in range(n)],
          mail=[f"p{i}@x.nl" for i in range(n)]).to_csv(tmp_path / "d.csv", index=False)
    code, _, err = run_cli("intake", tmp_path / "d.csv", "--key", RESP_KEY, "--keep", "dept",
                           "-o", tmp_path / "o")
    assert code == 0, err
    assert (tmp_path / "o" / "responses.csv").read_text().splitlines()[0] == \
        "respondent,row,dept,a,b,c"
    for bad, why in (("mail", "looks personal"), ("id", "respondent id"),
                     ("nope", "No column 'nope'")):
        code, _, err = run_cli("intake", tmp_path / "d.csv", "--key", RESP_KEY, "--keep", bad,
                               "-o", tmp_path / f"o_{bad}")
        assert code == 2 and why in err and len(err.strip().splitlines()) == 1, err
        assert not (tmp_path / f"o_{bad}").exists()


def test_spss_variable_label_naming_personal_data_marks_its_column(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    frame = _data(20, V7=[f"SAVNAME{i}" for i in range(20)]).drop(columns="id")
    pyreadstat.write_sav(frame, str(tmp_path / "d.sav"),
                         column_labels={"V7": "Voornaam en achternaam"})
    code, _, err = run_cli("intake", tmp_path / "d.sav", "--key", RESP_KEY, "-o",
                           tmp_path / "o")
    assert code == 0, err
    s = json.loads((tmp_path / "o" / "intake.json").read_text())
    assert {"column": "V7", "reason": "label"} in s["columns_left_out"]
    assert "SAVNAME" not in (tmp_path / "o" / "responses.csv").read_text()
    code, _, err = run_cli("intake", tmp_path / "d.sav", "--key", RESP_KEY, "--keep", "V7",
                           "-o", tmp_path / "o2")
    assert code == 2 and "looks personal (label)" in err


# -- personal data typed into item cells ---------------------------------------------------
def test_personal_data_typed_into_an_item_cell_is_not_echoed(tmp_path):
    frame = _data(20).astype(object)
    frame.loc[3, "a"] = "itemleak@mail.nl"
    frame.loc[4, "b"] = "0612345678"
    frame.loc[5, "c"] = "Jan Jansen"
    frame.loc[6, "c"] = "weet niet"
    frame.to_csv(tmp_path / "d.csv", index=False)
    res = read_responses(tmp_path / "d.csv", KEY, non_numeric="missing")
    values = res.cell_log["value"].tolist()
    assert "weet niet" in values
    assert not any(v in " ".join(values) for v in ("itemleak", "0612345678", "Jansen"))
    with pytest.raises(InputError) as info:
        read_responses(tmp_path / "d.csv", KEY)
    assert "itemleak" not in str(info.value) and "row 4, column a" in str(info.value)
    assert "not shown" in str(info.value)


def test_only_short_codes_are_quoted_from_cells():
    assert [quotable(c) for c in ("n.v.t.", "A3", "2,5", 7, 1e400)] == [True] * 5
    assert not any(quotable(c) for c in ("a.b@c.nl", "x [at] y", "+31 6 12345678",
                                         "www.x.nl/jan", "NL91ABNA0417164300", "Piet Paulusma",
                                         "a" * 25, pd.Timestamp("1990-01-01")))
    assert cell_for_log("0612345678") == "(text of 10 characters, not shown)"


# -- Delphi comments ------------------------------------------------------------------------
@pytest.mark.parametrize("comment, secret", [
    ("bel me op +31 (0)6 2345 6789", "2345 6789"), ("mail: a.b@c.nl", "a.b@c.nl"),
    ("mijn IBAN NL91ABNA0417164300", "NL91ABNA"), ("BSN 111222333", "111222333"),
    ("ik woon op Dorpsstraat 12, 1234 AB Urk", "1234 AB"),
    ("ik woon op Dorpsstraat 12, 1234 AB Urk", "Dorpsstraat 12"),
    ("zie https://intranet/people/jan.devries", "jan.devries"),
    ("groet, Jan de Vries", "Jan de Vries"), ("jan [at] uni [dot] nl", "jan [at]"),
    ("jan at uni dot nl", "jan at uni"), ("ip 10.20.30.40", "10.20.30.40"),
    ("Kind regards, Anna", "Anna")])
def test_delphi_comment_personal_data_is_redacted(comment, secret):
    assert secret not in anonymise_comment(comment)


def test_delphi_comment_without_personal_data_is_kept():
    for text in ("Item 3 is vaag; zie ronde 2 van 2024.", "Goed item, maar lastig.",
                 "I looked at it at 12:30:45 and it is fine"):
        assert anonymise_comment(text) == text


# -- Delphi rows merged by a quote ------------------------------------------------------------
DELPHI = ROOT / "tests" / "fixtures" / "malformed" / "delphi"


def test_delphi_quote_that_merges_rating_rows_is_refused(tmp_path):
    code, _, err = run_cli("delphi", DELPHI / "quote_merges_rating_rows.csv", "--items",
                           DELPHI / "_items.txt", "-o", tmp_path / "o")
    assert code == 2 and "lines 2-4 were read as one row" in err
    assert "'comment'" in err and not (tmp_path / "o").exists()


def test_delphi_comment_over_two_lines_is_still_read(tmp_path):
    text = (DELPHI / "_good.csv").read_text().splitlines()
    text[1] += '"eerste regel\ntweede regel"'
    (tmp_path / "r.csv").write_text("\n".join(text) + "\n")
    code, _, err = run_cli("delphi", tmp_path / "r.csv", "--items", DELPHI / "_items.txt",
                           "-o", tmp_path / "o")
    assert code == 0, err
    assert json.loads((tmp_path / "o" / "summary.json").read_text())["ratings"]["n_rows"] == 6


# -- score --by: no exit-1 crash when the grouping column is empty or is the id -----------------
def _score_by_data(tmp_path, team_values):
    data = tmp_path / "d.csv"
    rows = ["id,team,a,b,c"] + [f"r{i},{team_values[i]},{1 + i % 5},{1 + (i + 1) % 5},"
                                f"{1 + (i + 2) % 5}" for i in range(len(team_values))]
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    key = tmp_path / "k.yaml"
    key.write_text("response_scale: {min: 1, max: 5}\nscales: {S: [a, b, c]}\n",
                   encoding="utf-8")
    return data, key


def test_score_by_an_empty_column_is_refused_in_one_line(tmp_path):
    data, key = _score_by_data(tmp_path, [""] * 12)
    code, _, err = run_cli("score", data, "--key", key, "--by", "team", "-o", tmp_path / "o.csv")
    assert code == 2 and "nothing to aggregate" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o.csv").exists()


def test_score_by_the_id_column_is_refused_in_one_line(tmp_path):
    data, key = _score_by_data(tmp_path, ["x", "y"] * 6)
    code, _, err = run_cli("score", data, "--key", key, "--id", "team", "--by", "team",
                           "-o", tmp_path / "o.csv")
    assert code == 2 and "respondent id column" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o.csv").exists()


def test_analyze_wlsmv_with_missing_cells_keeps_every_stage(tmp_path):
    """WLSMV's default treatment of missing cells is pairwise (as lavaan): the competing
    models and validity take it instead of failing the stage."""
    import numpy as np

    rng = np.random.default_rng(3)
    f = rng.normal(size=(200, 2))
    x = (f[:, [0, 0, 0, 1, 1, 1]] + rng.normal(size=(200, 6)) > 0).astype(float)
    x[rng.random(x.shape) < 0.05] = np.nan
    data = tmp_path / "d.csv"
    lines = ["a,b,c,d,e,g"] + [",".join("" if np.isnan(v) else str(int(v)) for v in row)
                               for row in x]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    key = tmp_path / "k.yaml"
    key.write_text("response_scale: {min: 0, max: 1}\nscales: {S: [a, b, c], T: [d, e, g]}\n",
                   encoding="utf-8")
    code, _, err = run_cli("analyze", data, "--key", key, "--estimator", "WLSMV",
                           "-o", tmp_path / "o")
    assert code == 0, err
    stages = json.loads((tmp_path / "o" / "manifest.json").read_text())["stages"]
    status = {s["name"]: s["status"] for s in stages}
    assert status["cfa"] == "ok" and status["validity"] == "ok", status
