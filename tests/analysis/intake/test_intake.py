"""Tests for lospw.analysis.intake.responses and lospw.analysis.intake.readers: formats, checks, the exclusion log."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import key_from_dict, load_key
from lospw.analysis.intake.readers import read_table
from lospw.analysis.intake.responses import pseudonyms, read_responses, responses_from_frame
from tests.conftest import FIXTURES

BAD_DIR = FIXTURES / "responses" / "bad"
KEY = key_from_dict({"instrument": "t", "response_scale": {"min": 1, "max": 5},
                     "missing_codes": [9], "scales": {"S": ["a", "b", "c"]}})

# name -> (options, expectation). Expectations: ("error", fragment of the one-line message),
# ("excluded", {reason: count}) with the analysed count, or ("ok", analysed count, note).
CORPUS: dict[str, tuple[dict, tuple]] = {
    "empty.csv": ({}, ("error", "the file is empty (0 bytes)")),
    "whitespace_only.csv": ({}, ("error", "the file is empty")),
    "header_only.csv": ({}, ("error", "a header but no data rows")),
    "header_only_semicolon.csv": ({}, ("error", "a header but no data rows")),
    "wrong_delimiter.csv": ({"delimiter": ","},
                            ("error", "single column whose name contains ';'")),
    "missing_column.csv": ({}, ("error", "1 of the key's 3 item column(s) are missing: c.")),
    "missing_all_columns.csv": ({}, ("error", "3 of the key's 3 item column(s) are missing: "
                                              "a, b, c.")),
    "case_differs.csv": ({}, ("error", "differ only in upper/lower case (a~A, b~B)")),
    "text_in_numeric.csv": ({}, ("error", "row 2, column b: 'abc' is not a number")),
    "decimal_comma_text.csv": ({"decimal": "."}, ("error", "decimal comma")),
    "out_of_range.csv": ({"out_of_range": "exclude"}, ("excluded", {"out_of_range": 2}, 1)),
    "non_integer.csv": ({"out_of_range": "exclude"}, ("excluded", {"out_of_range": 1}, 1)),
    "duplicate_ids.csv": ({"id_column": "id"}, ("excluded", {"duplicate_id": 2}, 1)),
    "empty_rows.csv": ({}, ("excluded", {"empty_row": 2}, 2)),
    "all_missing_codes.csv": ({}, ("excluded", {"empty_row": 1}, 1)),
    "bom_utf8.csv": ({"id_column": "id"}, ("ok", 1, "byte-order mark")),
    "cp1252.csv": ({}, ("ok", 1, "Windows-1252")),
    "utf16.txt": ({}, ("ok", 1, "utf-16")),
    "duplicate_item_column.csv": ({}, ("error", "column 'a' (item a) appears 2 times")),
    "extra_fields.csv": ({}, ("excluded", {"malformed_row": 1}, 2)),
    "short_row.csv": ({}, ("ok", 2, "fewer fields than the header")),
    "binary.csv": ({}, ("error", "not a text table")),
    "not_utf8_nor_cp1252.csv": ({}, ("error", "unknown text encoding")),
    "fake.xlsx": ({}, ("error", "named .xlsx but it is not an Excel workbook")),
    "fake.sav": ({}, ("error", "named .sav but it is not an SPSS file")),
    "truncated.xlsx": ({}, ("error", "cannot be read as an Excel .xlsx workbook")),
    "old_excel.xls": ({}, ("error", "old binary Excel (.xls)")),
    "pdf.csv": ({}, ("error", "a PDF, not a data table")),
    "weet_niet_text.csv": ({}, ("error", "'weet niet' is not a number")),
    "single_column.csv": ({}, ("error", "single column; check the delimiter")),
    "quote_unbalanced.csv": ({}, ("error", "lines 2-3 were read as one row")),
    "na_strings.csv": ({}, ("ok", 2, "'#NULL!' (1 cell(s))")),
    "blank_header.csv": ({}, ("ok", 1, "")),
    "trailing_blank_lines.csv": ({}, ("ok", 1, "2 blank line(s) after the last data row")),
    "formula_cells.csv": ({"id_column": "id"}, ("ok", 2, "")),
}


def test_corpus_is_complete():
    assert sorted(p.name for p in BAD_DIR.iterdir()) == sorted(CORPUS)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_malformed_corpus(name):
    options, expect = CORPUS[name]
    path = BAD_DIR / name
    if expect[0] == "error":
        with pytest.raises(InputError) as info:
            read_responses(path, KEY, **options)
        msg = str(info.value)
        assert "\n" not in msg
        assert expect[1] in msg, msg
        if "option" not in msg:
            assert name in msg
        return
    res = read_responses(path, KEY, **options)
    assert res.n_read == res.n_analysed + res.n_excluded
    if expect[0] == "excluded":
        assert res.excluded_by_reason() == expect[1]
        assert res.n_analysed == expect[2]
        assert res.exclusions["detail"].str.len().min() > 0
    else:
        assert res.n_analysed == expect[1] and res.n_excluded == 0
        assert any(expect[2] in n for n in res.notes) or not expect[2], res.notes


def test_corpus_files_also_read_with_other_options():
    """The same bad files under the other options: an entry in a log, never a silent loss."""
    r = read_responses(BAD_DIR / "text_in_numeric.csv", KEY, non_numeric="missing")
    assert r.n_analysed == 3 and np.isnan(r.items.loc[2, "b"])
    assert r.cell_log[["row", "column", "value", "problem", "action"]].values.tolist() == [
        [2, "b", "abc", "non_numeric", "set missing"]]
    r = read_responses(BAD_DIR / "text_in_numeric.csv", KEY, non_numeric="exclude")
    assert r.excluded_by_reason() == {"non_numeric": 1}
    assert r.exclusions.loc[0, "detail"] == "non-numeric value in b"
    r = read_responses(BAD_DIR / "out_of_range.csv", KEY)
    assert r.n_analysed == 3 and r.items.loc[2, "a"] != r.items.loc[2, "a"]
    assert len(r.cell_log) == 2 and set(r.cell_log["action"]) == {"set missing"}
    assert any("2 value(s) outside the response scale 1-5 set to missing" in n
               for n in r.notes)
    r = read_responses(BAD_DIR / "duplicate_ids.csv", KEY, id_column="id",
                       duplicate_ids="keep_first")
    assert r.exclusions[["row", "reason"]].values.tolist() == [[3, "duplicate_id"]]
    assert "same id as row 1" in r.exclusions.loc[0, "detail"]
    with pytest.raises(InputError, match="rows 1, 3 share a respondent id"):
        read_responses(BAD_DIR / "duplicate_ids.csv", KEY, id_column="id",
                       duplicate_ids="error")
    r = read_responses(BAD_DIR / "duplicate_ids.csv", KEY, id_column="id")
    assert r.exclusions["detail"].tolist() == ["same id on row(s) 3", "same id on row(s) 1"]
    r = read_responses(BAD_DIR / "weet_niet_text.csv", KEY, missing_values=["Weet niet"])
    assert r.n_analysed == 2 and np.isnan(r.items.loc[1, "b"])
    r = read_responses(BAD_DIR / "wrong_delimiter.csv", KEY)
    assert r.n_analysed == 2 and r.read_info["delimiter"] == ";"
    r = read_responses(BAD_DIR / "decimal_comma_text.csv", KEY)
    assert r.read_info["decimal"] == "," and r.cell_log["value"].tolist() == ["2,5"]
    r = read_responses(BAD_DIR / "cp1252.csv", KEY)
    assert r.meta["naam"].tolist() == ["José"]
    r = read_responses(BAD_DIR / "all_missing_codes.csv", KEY)
    assert "held only missing codes" in r.exclusions.loc[0, "detail"]


def _example_frame(n: int = 40, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    items = rng.integers(1, 6, size=(n, 3)).astype(float)
    items[rng.random((n, 3)) < 0.1] = np.nan
    items[rng.random((n, 3)) < 0.05] = 9
    items[3] = np.nan  # an empty row
    return pd.DataFrame({
        "id": [f"P{k:03d}" for k in range(n)],
        "workplace": rng.integers(1, 5, n),
        "group": rng.choice(["student", "docent", "café"], n),
        "seconds": np.round(rng.uniform(30, 400, n), 1),
        "a": items[:, 0], "b": items[:, 1], "c": items[:, 2],
    })


def _write_all(df: pd.DataFrame, tmp_path):
    paths = {}
    p = tmp_path / "comma.csv"
    df.to_csv(p, index=False)
    paths["csv ,"] = p
    p = tmp_path / "semicolon.csv"
    df.to_csv(p, index=False, sep=";", decimal=",", encoding="cp1252")
    paths["csv ; decimal comma cp1252"] = p
    p = tmp_path / "bom.csv"
    df.to_csv(p, index=False, sep=";", decimal=",", encoding="utf-8-sig")
    paths["csv ; utf-8 BOM"] = p
    p = tmp_path / "tab.txt"
    df.to_csv(p, index=False, sep="\t", encoding="utf-16")
    paths["tab utf-16"] = p
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):
        ws.append([None if isinstance(v, float) and np.isnan(v) else
                   (v.item() if hasattr(v, "item") else v) for v in row])
    p = tmp_path / "data.xlsx"
    wb.save(p)
    paths["xlsx"] = p
    import pyreadstat
    p = tmp_path / "data.sav"
    pyreadstat.write_sav(df, p, column_labels={"a": "Item a"},
                         variable_value_labels={c: {9: "weet niet"} for c in "abc"})
    paths["sav"] = p
    return paths


def test_round_trip_formats(tmp_path):
    df = _example_frame()
    paths = _write_all(df, tmp_path)
    base = responses_from_frame(df, KEY, id_column="id")
    assert base.n_analysed == 39 and base.excluded_by_reason() == {"empty_row": 1}
    for what, path in paths.items():
        res = read_responses(path, KEY, id_column="id")
        pd.testing.assert_frame_equal(res.items, base.items, obj=what)
        pd.testing.assert_frame_equal(res.meta, base.meta, obj=what)
        pd.testing.assert_frame_equal(res.exclusions, base.exclusions, obj=what)
        assert res.n_read == base.n_read
    sav = read_responses(paths["sav"], KEY, id_column="id")
    assert sav.value_labels["a"] == {9.0: "weet niet"}
    assert sav.variable_labels == {"a": "Item a"}
    assert base.meta["workplace"].dtype == "Int64" and base.meta["seconds"].dtype == float


def test_sav_user_missing_and_labels(tmp_path):
    import pyreadstat
    df = pd.DataFrame({"a": [1.0, 8.0, 3.0], "b": [2.0, 2.0, 7.0], "c": [3.0, 3.0, 3.0]})
    p = tmp_path / "m.sav"
    pyreadstat.write_sav(df, p, missing_ranges={"a": [8]},
                         variable_value_labels={"b": {7: "Weet niet"}})
    res = read_responses(p, KEY, missing_values=["weet niet"])
    assert res.items.isna().sum().to_dict() == {"a": 1, "b": 1, "c": 0}
    # every cell a missing code turned into missing is listed (issue 20)
    assert res.cell_log[["row", "column", "problem"]].values.tolist() == [
        [2, "a", "missing_code"], [3, "b", "missing_code"]]
    assert any("SPSS user-missing" in n and "label 'Weet niet'" in n for n in res.notes)


def test_limesurvey_export(tmp_path):
    p = tmp_path / "results-survey123.csv"
    p.write_text('"id","submitdate","lastpage","S[a]","S[b]","S[c]","interviewtime"\n'
                 '"1","2024-03-01 10:00:00","3","A1","A5","WN","312.5"\n'
                 '"2","","1","A2","","","40.2"\n', encoding="utf-8")
    recode = {f"A{k}": k for k in range(1, 6)}
    res = read_responses(p, KEY, id_column="id", recode=recode, missing_values=["WN"])
    assert res.column_map == {"a": "S[a]", "b": "S[b]", "c": "S[c]"}
    assert res.items.values.tolist()[0][:2] == [1.0, 5.0]
    assert res.meta["interviewtime"].tolist() == [312.5, 40.2]
    assert any("LimeSurvey" in n for n in res.notes)
    with pytest.raises(InputError, match="looks like an answer code"):
        read_responses(p, KEY, id_column="id", missing_values=["WN"])


def test_column_map_and_its_errors(tmp_path):
    df = pd.DataFrame({"q1": [1, 2], "q2": [3, 4], "q3": [5, 1]})
    res = responses_from_frame(df, KEY, column_map={"a": "q1", "b": "q2", "c": "q3"})
    assert res.items.columns.tolist() == ["a", "b", "c"] and res.meta.shape == (2, 0)
    for cmap, frag in [({"zz": "q1"}, "'zz' is not an item of the key"),
                       ({"a": "nope"}, "has no column 'nope'"),
                       ({"a": "q1", "b": "q1"}, "mapped to both a and b"),
                       (["a"], "must map key items")]:
        with pytest.raises(InputError, match=frag):
            responses_from_frame(df, KEY, column_map=cmap)


@pytest.mark.parametrize("options, frag", [
    ({"out_of_range": "drop"}, "'out_of_range' option must be one of 'missing', 'exclude'; "
                               "got 'drop'"),
    ({"non_numeric": "skip"}, "'non_numeric' option must be one of"),
    ({"duplicate_ids": "x"}, "'duplicate_ids' option must be one of"),
    ({"missing_values": [3]}, "lies inside the response scale"),
    ({"missing_values": [""]}, "empty text"),
    ({"missing_values": [True]}, "takes numbers or text"),
    ({"missing_values": [float("inf")]}, "finite numbers"),
    ({"recode": {"A1": "one"}}, "must map to a number"),
    ({"recode": ["A1"]}, "must map answer codes"),
    ({"id_column": "nope"}, "no id column 'nope'"),
    ({"id_column": "a"}, "is also an item column"),
])
def test_option_errors(options, frag):
    df = pd.DataFrame({"id": [1], "a": [1], "b": [2], "c": [3]})
    with pytest.raises(InputError, match=frag.replace("(", r"\(")):
        responses_from_frame(df, KEY, **options)


@pytest.mark.parametrize("kwargs, frag", [
    ({"delimiter": ":"}, "'delimiter' option must be one of"),
    ({"decimal": ";"}, "'decimal' option must be one of"),
    ({"encoding": "klingon"}, "'encoding' option must name a text encoding"),
    ({"encoding": "ascii"}, "cannot be decoded as ascii"),
    ({"sheet": "x"}, None),
])
def test_reader_option_errors(kwargs, frag, tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes("a,b,c\n1,2,3\né,2,2\n".encode())
    if frag is None:  # sheet is ignored for text files
        assert read_table(p, **kwargs).n_rows == 2
        return
    with pytest.raises(InputError, match=frag):
        read_table(p, **kwargs)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_responses(tmp_path / "nope.csv", KEY)
    with pytest.raises(InputError, match="not a file"):
        read_responses(tmp_path, KEY)
    with pytest.raises(InputError, match="must be a DataFrame"):
        responses_from_frame([[1, 2, 3]], KEY)


def test_xlsx_sheets_and_errors(tmp_path):
    import openpyxl
    wb = openpyxl.Workbook()
    wb.active.title = "info"
    ws = wb.create_sheet("data")
    ws.append(["a", "b", "c"])
    ws.append([1, "2", 3.0])
    wb.create_sheet("leeg")
    p = tmp_path / "w.xlsx"
    wb.save(p)
    res = read_responses(p, KEY, sheet="data")
    assert res.items.values.tolist() == [[1.0, 2.0, 3.0]]
    assert res.read_info["sheet"] == "data"
    with pytest.raises(InputError, match="no sheet 'x'; the sheets are info, data, leeg"):
        read_responses(p, KEY, sheet="x")
    with pytest.raises(InputError, match="sheet 'leeg' is empty"):
        read_responses(p, KEY, sheet="leeg")
    with pytest.raises(InputError, match=r"sheet 'info' is empty\. Name the sheet that "
                                         r"holds the data \(--sheet\); the others are data"):
        read_responses(p, KEY)  # the first sheet is empty
    wb2 = openpyxl.Workbook()
    wb2.active.append(["a", "b", "c"])
    wb2.active.append([1, True, 3])
    wb2.save(tmp_path / "bool.xlsx")
    with pytest.raises(InputError, match="row 1, column b: 'True' is not a number"):
        read_responses(tmp_path / "bool.xlsx", KEY)


def test_xlsx_trailing_blank_cells_are_not_short_rows(tmp_path):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["a", "b", "c"])
    ws.append([1, 2, None])  # a sheet stores no trailing blank cell
    ws.append([1, 2, 3])
    wb.save(tmp_path / "t.xlsx")
    res = read_responses(tmp_path / "t.xlsx", KEY)
    assert res.n_analysed == 2 and np.isnan(res.items.iloc[0, 2])
    assert not any("fewer fields" in n for n in res.read_info.get("notes", ()))
    assert not any("fewer fields" in n for n in res.notes)


def test_bfi_reads_whole(bfi_path, bfi_key_path):
    key = load_key(bfi_key_path)
    res = read_responses(bfi_path, key, id_column="id")
    assert res.n_read == 2800 and res.n_analysed == 2800 and res.n_excluded == 0
    raw = pd.read_csv(bfi_path)
    np.testing.assert_array_equal(res.items.to_numpy(), raw[list(key.items)].to_numpy())
    assert res.meta.columns.tolist() == ["id", "gender", "education", "age"]


def test_holzinger_continuous(hs_path, hs_key_path):
    res = read_responses(hs_path, load_key(hs_key_path))
    assert res.n_analysed == 301 and res.items["x1"].iloc[0] == pytest.approx(3.3333333)


def test_exclude_method_and_pseudonyms():
    df = pd.DataFrame({"id": ["x", "y", "x", None, "z"], "a": [1, 2, 3, 4, None],
                       "b": [1, 2, 3, 4, None], "c": [1, 2, 3, 4, None]})
    res = responses_from_frame(df, KEY, id_column="id")
    assert res.excluded_by_reason() == {"duplicate_id": 2, "empty_row": 1}
    res2 = res.exclude({2: ("careless_longstring", "longstring 3")})
    assert res2.n_analysed == 1 and res2.n_excluded == 4
    assert res2.exclusions["row"].tolist() == [1, 2, 3, 5]
    with pytest.raises(InputError, match="not among the analysed rows"):
        res2.exclude({1: ("x", "y")})
    codes = pseudonyms(res2)
    assert codes.tolist() == ["R0001", "R0002", "R0001", "R0003", "R0004"]
    assert codes.index.tolist() == [1, 2, 3, 4, 5]
    d = res2.to_dict()
    assert d["n_read"] == 5 and d["excluded_by_reason"]["careless_longstring"] == 1
