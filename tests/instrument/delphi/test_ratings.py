"""lospw.instrument.delphi.ratings: reading, checking and the canonical frame."""

from __future__ import annotations

import math

import pytest

from lospw.analysis.core.errors import InputError
from lospw.instrument.delphi.ratings import read_ratings
from lospw.instrument.delphi.rules import load_rules
from tests.instrument.delphi.conftest import HEADER, SMALL, write

RULES = load_rules()


def read(paths, items=None):
    return read_ratings(paths, RULES.scale, RULES.clarity, items)


def test_reads_every_row_and_keeps_empty_ratings(small_csv):
    r = read(small_csv)
    assert len(r.frame) == SMALL.count("\n") - 1  # every data row is in the frame
    assert r.rounds == (1, 2) and r.items == ("A", "B", "C")
    assert r.groups == ("professional", "student") and r.has_clarity
    empty = r.frame[r.frame["relevance"].isna()]
    assert list(empty[["panelist", "item", "row"]].itertuples(index=False, name=None)) == [
        ("bob", "C", 7)]
    assert r.to_dict()["n_missing_ratings"] == 1
    assert r.pseudonyms() == {"anna": "P01", "bob": "P02", "carl": "P03", "dora": "P04"}


def test_semicolon_csv_case_insensitive_header_and_ignored_columns(tmp_path):
    p = write(tmp_path, "Round;Panelist;Item;Relevance;timestamp\n1;p1;A;4;x\n1;p2;A;3,0;y\n")
    r = read(p)
    assert list(r.frame["relevance"]) == [4.0, 3.0]
    assert r.ignored_columns == (f"{p}: timestamp",) and not r.has_group


def test_xlsx_rows_numbered_like_the_spreadsheet(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["round", "panelist", "item", "relevance"])
    ws.append([1, "p1", "A", 4])
    ws.append([1, "p2", "A", 7])
    p = tmp_path / "r.xlsx"
    wb.save(p)
    with pytest.raises(InputError, match=r"r\.xlsx: row 3: relevance 7 is outside the scale"):
        read(p)
    ws["D3"] = 3
    wb.save(p)
    assert list(read(p).frame["relevance"]) == [4.0, 3.0]


def test_several_files_are_one_panel(tmp_path):
    a = write(tmp_path, HEADER + "1,p1,A,4,g,,\n1,p2,A,3,g,,\n", "r1.csv")
    b = write(tmp_path, HEADER + "2,p1,A,4,g,,\n", "r2.csv")
    r = read([a, b])
    assert r.rounds == (1, 2) and list(r.frame["source"]) == [str(a), str(a), str(b)]


BAD = {
    "unknown_item": (HEADER + "1,p1,A,4,g,,\n1,p1,Z,4,g,,\n",
                     r"ratings\.csv: row 3: unknown item 'Z'"),
    "outside_scale": (HEADER + "1,p1,A,5,g,,\n", r"row 2: relevance 5 is outside the scale"),
    "zero": (HEADER + "1,p1,A,0,g,,\n", r"row 2: relevance 0 is outside the scale"),
    "not_whole": (HEADER + "1,p1,A,2.5,g,,\n", r"row 2: relevance 2.5 is outside the scale"),
    "non_numeric": (HEADER + "1,p1,A,high,g,,\n", r"row 2: relevance 'high' is not a number"),
    "clarity_outside": (HEADER + "1,p1,A,3,g,9,\n", r"row 2: clarity 9 is outside the scale"),
    "duplicate": (HEADER + "1,p1,A,4,g,,\n1,p2,A,4,g,,\n1,p1,A,3,g,,\n",
                  r"row 4: duplicate rating: panelist 'p1' rated item 'A' in round 1 already "
                  r"in .*ratings\.csv row 2"),
    "missing_column": ("round,panelist,item,group\n1,p1,A,g\n",
                       r"ratings\.csv: row 1: missing column relevance"),
    "empty_file": ("", r"ratings\.csv: the file is empty"),
    "blank_file": ("\n\n", r"ratings\.csv: the file is empty"),
    "header_only": (HEADER, r"ratings\.csv: no ratings below the header"),
    "bad_round": (HEADER + "first,p1,A,4,g,,\n", r"row 2: round 'first' is not a round"),
    "round_zero": (HEADER + "0,p1,A,4,g,,\n", r"row 2: round '0' is not a round"),
    "empty_panelist": (HEADER + "1,,A,4,g,,\n", r"row 2: the panelist is empty"),
    "empty_item": (HEADER + "1,p1,,4,g,,\n", r"row 2: the item is empty"),
    "empty_group": (HEADER + "1,p1,A,4,,,\n", r"row 2: the group is empty"),
    "two_groups": (HEADER + "1,p1,A,4,g,,\n1,p1,B,4,h,,\n",
                   r"row 3: panelist 'p1' is in group 'h' here but in group 'g'"),
    "extra_cells": (HEADER + "1,p1,A,4,g,,,x\n", r"row 2: 8 cells but the header has 7"),
    "duplicate_column": ("round,panelist,item,relevance,Item\n1,p,A,4,A\n",
                         r"row 1: the column 'item' appears twice"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_input_names_file_and_row(tmp_path, case):
    text, pattern = BAD[case]
    p = write(tmp_path, text)
    with pytest.raises(InputError, match=pattern) as exc:
        read(p, items=["A", "B"])
    assert str(p) in str(exc.value) and "\n" not in str(exc.value)


def test_duplicate_across_files(tmp_path):
    a = write(tmp_path, HEADER + "1,p1,A,4,g,,\n", "a.csv")
    b = write(tmp_path, HEADER + "1,p2,A,4,g,,\n1,p1,A,2,g,,\n", "b.csv")
    with pytest.raises(InputError, match=r"b\.csv: row 3: duplicate rating.*a\.csv row 2"):
        read([a, b])


def test_group_column_in_some_files_only(tmp_path):
    a = write(tmp_path, HEADER + "1,p1,A,4,g,,\n", "a.csv")
    b = write(tmp_path, "round,panelist,item,relevance\n2,p1,A,4\n", "b.csv")
    with pytest.raises(InputError, match=r"b\.csv: row 2: no group column in this file"):
        read([a, b])


@pytest.mark.parametrize(("name", "pattern"), [
    ("missing.csv", r"no such file"), ("ratings.sav", r"unknown file type '\.sav'")])
def test_bad_paths(tmp_path, name, pattern):
    p = tmp_path / name
    if name.endswith(".sav"):
        p.write_text("x")
    with pytest.raises(InputError, match=pattern):
        read(p)


def test_no_files_and_broken_xlsx(tmp_path):
    with pytest.raises(InputError, match="No ratings files"):
        read([])
    p = tmp_path / "broken.xlsx"
    p.write_bytes(b"not a zip")
    with pytest.raises(InputError, match=r"broken\.xlsx: cannot be read as an Excel"):
        read(p)


def test_empty_xlsx(tmp_path):
    from openpyxl import Workbook

    p = tmp_path / "empty.xlsx"
    Workbook().save(p)
    with pytest.raises(InputError, match=r"empty\.xlsx: the workbook's first sheet is empty"):
        read(p)


def test_na_and_blank_lines(tmp_path):
    p = write(tmp_path, HEADER + "1,p1,A,NA,g,,\n\n1,p2,A,3,g,,\n")
    r = read(p)
    assert math.isnan(r.frame["relevance"].iloc[0]) and list(r.frame["row"]) == [2, 4]


def test_nine_point_scale_via_rules(tmp_path):
    from lospw.instrument.delphi.rules import RAND_UCLA_RULES

    rules = load_rules(RAND_UCLA_RULES)
    p = write(tmp_path, "round,panelist,item,relevance\n1,p1,A,9\n1,p2,A,1\n")
    r = read_ratings(p, rules.scale)
    assert list(r.frame["relevance"]) == [9.0, 1.0]
