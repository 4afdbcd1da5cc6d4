"""Issue 17, reading and writing tables: no live formula in any CSV, no personal column or
cell echoed, no silent row loss, Excel cells that hold no value logged, recode alike in every
format, and the reading crashes and low-severity failures of the adversarial pass.

The malformed files are in tests/fixtures/malformed/ (their expectations in _expect.yaml);
these tests check what the corpus run cannot see: the written artifacts.
"""

from __future__ import annotations

import io
import json
import math
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.classical.reliability import reliability
from lospw.analysis.core.csv_safe import csv_text, neutralise_cell, rows_text
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import ResponseScale, key_from_dict, load_key
from lospw.analysis.intake.readers import MAX_CELL_CHARS, read_table
from lospw.analysis.intake.responses import read_responses
from tests.conftest import FIXTURES, ROOT
from tests.robustness._spreadsheet import is_live, live_formulas
from tests.robustness.test_corpus import RESP_KEY, run_cli

RESP = FIXTURES / "malformed" / "responses"
KEY = load_key(RESP_KEY)


def _intake(path: Path, out: Path, *args: str) -> dict:
    code, _, err = run_cli("intake", path, "--key", RESP_KEY, "-o", out, *args)
    assert code == 0, err
    return json.loads((out / "intake.json").read_text(encoding="utf-8"))


def _all_text(folder: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*"))
                   if p.is_file() and p.suffix in (".csv", ".json", ".txt", ".tsv"))


# -- 3. CR breaks CSV quoting -> live formulas ---------------------------------------------
def test_cr_in_a_cell_is_quoted_and_every_fragment_neutralised():
    frame = pd.DataFrame({"t": ["x\r=1+1", "A\r@SUM(9)", "a\nb,-c", " =2", "\t1", "ok"],
                          "n": [-0.0, 1.5, -2.0, 0.0, 3.0, 4.0]})
    text = csv_text(frame)
    assert '"x\r\'=1+1"' in text and '"A\r\'@SUM(9)"' in text and "\n'\t1," in text
    assert "-0" not in text.replace("-2", "")
    assert not any(is_live(c) for c in re.split("[\r\n,]", text))
    back = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert back["t"].tolist() == [neutralise_cell(v) for v in frame["t"]]
    assert rows_text([["=a", "=b\r=c"]], neutralise=[False, True]) == '=a,"\'=b\r\'=c"\n'


def test_cr_in_text_cells_leaves_no_live_formula_in_intake_and_score(tmp_path):
    data = RESP / "cr_in_text_cell.csv"
    _intake(data, tmp_path / "intake", "--keep", "opmerking")
    code, _, err = run_cli("score", data, "--key", RESP_KEY, "--id", "id", "--by",
                           "opmerking", "-o", tmp_path / "scores" / "s.csv")
    assert code == 0, err
    assert live_formulas(tmp_path) == []
    text = (tmp_path / "intake" / "responses.csv").read_bytes().decode("utf-8")
    assert '"x\r\'=1+1"' in text and "\n" + "R0003,3,'-cmd," in text


@pytest.mark.slow
def test_no_live_formula_in_any_csv_of_an_analyze_run(tmp_path):
    """Group, cluster and free-text labels holding CR + formulas through every stage."""
    d = pd.read_csv(ROOT / "tests" / "data" / "bfi.csv").dropna().head(300)
    d["groep"] = ["x\r=1+1" if i % 2 else "A\r@SUM(9)" for i in range(len(d))]
    d["team"] = [f"=t{i % 6}" if i % 3 else f"-t{i % 6}\r+x" for i in range(len(d))]
    d["opmerking"] = ["y\r=HYPERLINK(\"x\")" if i % 5 else "ok, -a\n@b" for i in range(len(d))]
    data = tmp_path / "in.csv"
    d.to_csv(data, index=False, lineterminator="\r\n")  # \r\n: pandas quotes the bare CRs
    code, _, err = run_cli("analyze", data, "--key", FIXTURES / "keys" / "bfi.yaml",
                           "--group", "groep", "--cluster", "team", "-o", tmp_path / "out")
    assert code == 0, err
    tables = [p for p in (tmp_path / "out").rglob("*.csv")]
    assert len(tables) > 15
    assert live_formulas(tmp_path / "out") == []


# -- 5. personal columns --------------------------------------------------------------------
def test_personal_columns_left_out_by_name_and_content(tmp_path):
    s = _intake(RESP / "personal_columns.csv", tmp_path / "o", "--id", "id", "--keep",
                "opmerking")
    header = (tmp_path / "o" / "responses.csv").read_text().splitlines()[0]
    assert header == "respondent,row,opmerking,a,b,c"
    left = {e["column"]: e["reason"] for e in s["columns_left_out"]}
    assert left["contact"] == "phone numbers" and left["id"] == "respondent id"
    assert len(left) == 34 and all(v in ("name", "respondent id", "phone numbers")
                                   for v in left.values())
    # without --keep, the free-text column is left out too: only what lospw needs is written
    s = _intake(RESP / "personal_columns.csv", tmp_path / "o2", "--id", "id")
    assert (tmp_path / "o2" / "responses.csv").read_text().splitlines()[0] == \
        "respondent,row,a,b,c"
    assert {e["column"]: e["reason"] for e in s["columns_left_out"]}["opmerking"] == \
        "not needed"
    text = _all_text(tmp_path / "o")
    for leak in ("@x.nl", "10.0.0.", "0612345678", "Jansen", "1234AB", "tok1", "id1"):
        assert leak not in text, leak


def test_group_and_cluster_columns_are_kept_although_they_look_personal(tmp_path):
    frame = pd.DataFrame({"naam_team": ["t1", "t2"] * 20, "status": ["a", "b"] * 20,
                          "a": [1, 2] * 20, "b": [2, 3] * 20, "c": [3, 4] * 20})
    from lospw.analysis.intake.artifacts import left_out
    from lospw.analysis.intake.responses import responses_from_frame

    res = responses_from_frame(frame, KEY)
    assert set(left_out(res, KEY)) == {"naam_team", "status"}
    assert left_out(res, KEY, keep=("naam_team", "status")) == {}


def test_malformed_row_detail_echoes_no_cell(tmp_path):
    _intake(RESP / "extra_fields_hold_personal_data.csv", tmp_path / "o")
    ex = (tmp_path / "o" / "exclusions.csv").read_text()
    assert "malformed_row" in ex and "position(s) 5, 6" in ex
    assert "@" not in _all_text(tmp_path / "o") and "0612345678" not in _all_text(tmp_path)


def test_messages_name_rows_not_ids(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("id,a,b,c\njan@x.nl,1,2,3\njan@x.nl,2,3,4\n")
    with pytest.raises(InputError) as info:
        read_responses(p, KEY, id_column="id", duplicate_ids="error")
    assert "rows 1, 2 share a respondent id" in str(info.value)
    assert "jan" not in str(info.value)


# -- 6. rows merged silently ---------------------------------------------------------------
def test_quote_left_open_is_refused_with_its_physical_lines():
    with pytest.raises(InputError, match=r"lines 6-10 were read as one row: a quote \(\"\) "
                                         r"opened in column 'opmerking' on line 6"):
        read_table(RESP / "quote_left_open_merges_rows.csv")


def test_quote_never_closed_is_refused(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("id,t,a,b,c\n1,ok,1,2,3\n2,\"open,1,2,3\n3,ok,1,2,3\n4,ok,2,3,4\n")
    with pytest.raises(InputError, match="lines 3-5 were read as one row"):
        read_table(p)


def test_line_breaks_in_quoted_cells_are_counted_with_their_lines(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("id,t,a,b,c\n1,\"two\nlines\",1,2,3\n2,ok,2,3,4\n3,\"a\r\nb\rc\",3,4,5\n")
    t = read_table(p)
    assert t.n_rows == 3
    assert ("2 row(s) span several lines (quoted cells with line breaks): row 1 (lines 2-3), "
            "row 3 (lines 5-7)") in t.notes


# -- 7. Excel cells that hold no value -----------------------------------------------------
def test_formula_cells_without_a_value_are_in_the_cell_log():
    res = read_responses(RESP / "formula_without_cached_value.xlsx", KEY)
    log = res.cell_log[["row", "column", "problem", "action"]].to_dict("records")
    assert log == [{"row": 1, "column": "a", "problem": "formula_without_value",
                    "action": "set missing"},
                   {"row": 2, "column": "b", "problem": "formula_without_value",
                    "action": "set missing"},
                   {"row": 2, "column": "c", "problem": "formula_without_value",
                    "action": "set missing"}]
    assert res.to_dict()["n_cells_changed"] == 3


def test_merged_cells_are_in_the_cell_log():
    res = read_responses(RESP / "merged_item_cells.xlsx", KEY)
    log = res.cell_log[["row", "column", "problem"]].to_dict("records")
    assert log == [{"row": 2, "column": "a", "problem": "merged_cell"}]
    assert res.items.loc[1, "a"] == 4 and math.isnan(res.items.loc[2, "a"])


def test_hidden_first_sheet_is_refused_unless_named():
    with pytest.raises(InputError, match=r"the first sheet 'lists' is hidden.*visible "
                                         r"sheet.*: data"):
        read_table(RESP / "hidden_first_sheet.xlsx")
    assert read_table(RESP / "hidden_first_sheet.xlsx", sheet="data").n_rows == 1
    named = read_table(RESP / "hidden_first_sheet.xlsx", sheet="lists")
    assert "sheet 'lists' is hidden in the workbook; read as named" in named.notes


def test_stray_blank_cell_far_away_costs_nothing():
    t = read_table(RESP / "blank_cell_at_xfd1048576.xlsx")
    assert t.n_rows == 3 and t.columns == ("id", "a", "b", "c")
    assert "blank cells beyond the data (as far as XFD1048576) ignored" in t.notes


# -- 11. recode alike in every format ------------------------------------------------------
def test_recode_changes_csv_xlsx_and_sav_cells_alike(tmp_path):
    import openpyxl
    import pyreadstat

    frame = pd.DataFrame({"id": [1, 2, 3], "a": [1, 5, 3], "b": [5, 5, 1], "c": [2, 3, 4]})
    frame.to_csv(tmp_path / "d.csv", index=False)
    wb = openpyxl.Workbook()
    wb.active.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        wb.active.append(list(row))
    wb.save(tmp_path / "d.xlsx")
    pyreadstat.write_sav(frame.astype(float), str(tmp_path / "d.sav"))
    results = [read_responses(tmp_path / f"d.{ext}", KEY, recode={1: 5, 5: 1})
               for ext in ("csv", "xlsx", "sav")]
    expect = {"a": [5.0, 1.0, 3.0], "b": [1.0, 1.0, 5.0], "c": [2.0, 3.0, 4.0]}
    for res in results:
        assert res.items.to_dict("list") == expect
        assert res.to_dict()["n_cells_changed"] == 5
        assert (res.cell_log["problem"] == "recoded").sum() == 5
        assert res.cell_log["action"].tolist().count("set to 5") == 2
    text = read_responses(tmp_path / "d.csv", KEY, recode={"1": None, "3": 3})
    assert text.cell_log["action"].tolist() == ["set missing", "set missing"]


# -- 12. reading crashes ---------------------------------------------------------------------
@pytest.mark.parametrize("name", ["column_named_row.csv", "respondent_next_to_id.csv"])
def test_columns_named_like_lospw_columns_do_not_crash(name, tmp_path):
    # a data column named like lospw's own `row` is read as row_in_<file>
    keep = ("--keep", "row_in_column_named_row") if name == "column_named_row.csv" else ()
    for args in ((), ("--id", "id")):
        s = _intake(RESP / name, tmp_path / f"o{len(args)}", *args, *keep)
        header = (tmp_path / f"o{len(args)}" / "responses.csv").read_text().splitlines()[0]
        assert header in ("respondent,row,row_in_column_named_row,a,b,c",
                          "respondent,row,a,b,c"), header
        assert s["reconciles"]
    s = json.loads((tmp_path / "o2" / "intake.json").read_text())
    if name == "column_named_row.csv":
        assert not s.get("columns_renamed")
    else:  # 'respondent' holds ids too: left out, never written
        assert "r1" not in (tmp_path / "o2" / "responses.csv").read_text()


def test_categories_are_counted_not_listed():
    assert ResponseScale(1, 10**9).n_categories == 10**9   # instantly, no billion-tuple


# -- 15. low -------------------------------------------------------------------------------
def test_free_text_cell_longer_than_the_csv_default_is_read(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("id,t,a,b,c\n1,\"" + "x" * 200_000 + "\",1,2,3\n")
    assert read_responses(p, KEY).n_analysed == 1


def test_cell_beyond_the_limit_is_refused_in_one_line(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("id,t,a,b,c\n1,ok,1,2,3\n2,\"" + "x" * (MAX_CELL_CHARS + 10) + "\",1,2,3\n")
    with pytest.raises(InputError, match="line 3 holds a cell of more than 16,777,216 "
                                         "characters"):
        read_table(p)


def test_utf16_without_bom_is_read():
    t = read_table(RESP / "utf16_without_bom.csv")
    assert t.encoding == "utf-16-le" and t.n_rows == 2


def test_nfd_header_matches_nfc_key(tmp_path):
    key = key_from_dict({"response_scale": {"min": 1, "max": 5},
                         "scales": {"S": [unicodedata.normalize("NFC", "café"), "b"]}})
    p = tmp_path / "d.csv"
    p.write_text(unicodedata.normalize("NFD", "café") + ",b\n1,2\n", encoding="utf-8")
    assert list(read_responses(p, key).items.columns) == ["café", "b"]
    nfd = key_from_dict({"response_scale": {"min": 1, "max": 5},
                         "scales": {"S": [unicodedata.normalize("NFD", "café"), "b"]}})
    assert nfd.items == key.items


def test_cyrillic_lookalike_item_id_is_warned(tmp_path):
    key = key_from_dict({"response_scale": {"min": 1, "max": 5},
                         "scales": {"S": ["A1", "A2", "\u04101"]}})
    [w] = key.warnings()
    assert (w.code, w.message, dict(w.context)) == (
        "mixed_script_id", "item id '\u04101' is written in CYRILLIC letters while the other "
        "ids are LATIN (a lookalike?); retype it", {"id": "\u04101"})
    p = tmp_path / "d.csv"
    p.write_text("A1,A2,\u04101\n1,2,3\n", encoding="utf-8")
    assert key.warnings()[0] in read_responses(p, key).warnings
    p.write_text("A1,A2,A3\n1,2,3\n", encoding="utf-8")
    with pytest.raises(InputError, match="Cyrillic or Greek lookalikes: \u04101~A1"):
        read_responses(p, key)


def test_negative_zero_is_written_as_zero(tmp_path):
    key = key_from_dict({"response_scale": {"min": 0, "max": 4}, "scales": {"S": ["a", "b"]}})
    p = tmp_path / "d.csv"
    p.write_text("a,b,x\n-0,1,-0.0\n2,-0.0,1.5\n")
    res = read_responses(p, key)
    from lospw.analysis.intake.artifacts import write_intake

    write_intake(res, key, tmp_path / "o")
    text = (tmp_path / "o" / "responses.csv").read_text()
    assert "-0" not in text and np.signbit(res.items.to_numpy()).sum() == 0


def test_too_few_usable_rows_says_how_many_and_why():
    key = key_from_dict({"response_scale": {"min": 1, "max": 5}, "scales": {"S": list("abc")}})
    rng = np.random.default_rng(0)
    d = pd.DataFrame(rng.integers(1, 6, (300, 3)).astype(float), columns=list("abc"))
    d.loc[3:, "a"] = np.nan
    d.loc[:2, "b"] = np.nan
    with pytest.raises(InputError, match=r"300 row\(s\) answer some of its items, but items "
                                         r"a and b are answered together by only 0"):
        reliability(d, key, missing="pairwise", omega=False, ordinal=False)
