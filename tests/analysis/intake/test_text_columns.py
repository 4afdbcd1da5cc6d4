"""The regular-text path (pandas' C parser, columns as codes) reads what the csv module reads.

Every text fixture of the test suite, and random regular tables (white space, blank lines
inside and after the data, title rows, decimal commas, repeated names, every delimiter and
line end), are read both ways: the same table (cells, notes, how it was read) or the same
one-line error, and the same intake (items, other columns, exclusions, cell log, notes).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import key_from_dict
from lospw.analysis.intake import readers
from lospw.analysis.intake.readers import read_table
from lospw.analysis.intake.responses import responses_from_table
from lospw.analysis.intake.text_columns import TextColumn, split_regular

ROOT = Path(__file__).resolve().parents[3]
TEXT_FILES = sorted(p for folder in ("tests", "data") for p in (ROOT / folder).rglob("*")
                    if p.suffix in (".csv", ".txt", ".tsv") and p.is_file())
KEY = key_from_dict({"instrument": "t", "response_scale": {"min": 1, "max": 5},
                     "missing_codes": [9], "scales": {"S": ["a", "b", "c"]}})


def _read(path: Path, regular: bool, monkeypatch: pytest.MonkeyPatch, **options):
    monkeypatch.setattr(readers, "READ_REGULAR", regular)
    try:
        t = read_table(path, **options)
    except InputError as exc:
        return ("error", str(exc)), None
    return (t.columns, t.rows, t.notes, t.read_info(), t.duplicate_columns, t.malformed), t


def _same_table(path: Path, monkeypatch: pytest.MonkeyPatch, **options) -> object:
    csv_way, _ = _read(path, False, monkeypatch, **options)
    regular_way, table = _read(path, True, monkeypatch, **options)
    assert regular_way == csv_way
    return table


def _same_intake(table_a, table_b, **options) -> None:
    def run(t):
        try:
            return responses_from_table(t, KEY, **options)
        except InputError as exc:
            return str(exc)

    a, b = run(table_a), run(table_b)
    if isinstance(a, str) or isinstance(b, str):
        assert a == b
        return
    for name in ("items", "meta", "exclusions", "cell_log", "missing_given"):
        assert getattr(a, name).equals(getattr(b, name)), name
    assert a.to_dict() == b.to_dict()


@pytest.mark.parametrize("path", TEXT_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_text_fixture_is_read_the_same_both_ways(path, monkeypatch):
    _same_table(path, monkeypatch)


def test_a_regular_file_is_read_column_by_column(tmp_path, monkeypatch):
    path = tmp_path / "r.csv"
    path.write_text("id;a;b;c\n1;1;2;3\n2; 4 ;;5\n;;;\n3;1;1;1\n;;;\n\n")
    table = _same_table(path, monkeypatch)
    assert all(isinstance(d, TextColumn) for d in table.data)
    assert table.rows[1] == ("2", " 4 ", None, "5") and table.rows[2] == (None,) * 4
    assert "2 blank line(s) after the last data row ignored" in table.notes


@pytest.mark.parametrize("text", ['id,a\n1,"2"', "id,a\n1,2,3", "id,a\n\n1,2", "id,a\r1,2",
                                  "\ufeffid,a\n1,2", "id,a\n1,\x002", "id\n1", ""])
def test_irregular_text_is_left_to_the_csv_module(text):
    assert split_regular(text, ",", 100, 1000, 1000) is None


def test_limits_are_left_to_the_csv_module(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_text("id,a,b\n" + "".join(f"{k},1,{'x' * (k % 40)}\n" for k in range(300)))
    for limit, value in (("MAX_CELL_CHARS", 30), ("MAX_ROWS", 100), ("MAX_CELLS", 500)):
        with monkeypatch.context() as m:
            m.setattr(readers, limit, value)
            assert _same_table(path, m) is None  # refused both ways, with the same message


def test_header_row_and_titles_are_found_as_the_csv_module_finds_them(tmp_path, monkeypatch):
    path = tmp_path / "t.csv"
    path.write_text(";;;\nSurvey 2026;;;\n;;;\nid;a;b;c\n1;1;2;3\n2;3;4;5\n")
    assert "line 2" in " ".join(_same_table(path, monkeypatch).notes)
    for row in range(1, 9):
        _same_table(path, monkeypatch, header_row=row)


FIELD = st.one_of(st.sampled_from(["", " ", "1", "2", "5", "9", " 3 ", "3,5", "2.5", "7",
                                   "NA", "x", "A1", "é", "1e0", "\u00a0", "0012", "#1", "'2'",
                                   "\\", "\x1a", "\x0c", "\x1c", "\x85", "\u2028", "\ufeff",
                                   "nan", "TRUE"]),
                  st.text(alphabet=st.sampled_from(list("ab1 .-é")), max_size=4))


@st.composite
def regular_tables(draw):
    width = draw(st.integers(2, 5))
    names = draw(st.lists(st.sampled_from(["id", "a", "b", "c", "", " a ", "x"]),
                          min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(FIELD, min_size=width, max_size=width), max_size=12))
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    rows = [[c.replace(delimiter, " ") for c in r] for r in rows]  # regular: no extra field
    titles = draw(st.integers(0, 2))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    lines = ([delimiter * (width - 1)] * draw(st.integers(0, 1))
             + [("Title" + delimiter * (width - 1)) for _ in range(titles)]
             + [delimiter.join(names)] + [delimiter.join(r) for r in rows]
             + [delimiter * (width - 1)] * draw(st.integers(0, 2)))
    return end.join(lines) + end * draw(st.integers(0, 2)), draw(
        st.sampled_from([None, ".", ","]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(case=regular_tables(), options=st.fixed_dictionaries({
    "non_numeric": st.sampled_from(["missing", "exclude", "error"]),
    "out_of_range": st.sampled_from(["missing", "exclude"]),
    "id_column": st.sampled_from([None, "id"])}))
def test_random_regular_tables_give_the_same_table_and_intake(case, options, tmp_path_factory,
                                                              monkeypatch):
    text, decimal = case
    path = tmp_path_factory.mktemp("reg") / "data.csv"
    path.write_bytes(text.encode("utf-8"))
    a, ta = _read(path, False, monkeypatch, decimal=decimal)
    b, tb = _read(path, True, monkeypatch, decimal=decimal)
    assert a == b
    if ta is None or (options["id_column"] and options["id_column"] not in ta.columns):
        return
    _same_intake(ta, tb, **options)


def test_text_column_counts_and_cells():
    col = TextColumn(np.array([1, -1, 1, 0]), np.array(["a", "b"], dtype=object))
    assert col.counts().tolist() == [1, 2]
    assert col.cells() == ["b", None, "b", "a"]
