"""Property tests: damaged Delphi ratings are read or refused in one line, and whatever is
read goes through the whole stage (decisions, outputs) without a crash or a lost rating."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from lospw.instrument.delphi.decide import run_delphi
from lospw.instrument.delphi.outputs import write_outputs
from lospw.instrument.delphi.ratings import read_ratings
from lospw.instrument.delphi.rules import load_rules
from tests.instrument.delphi.conftest import HEADER, SMALL
from tests.robustness._fuzz import SETTINGS, TRIED, expect_one_line, scaled, text_edits

RULES = load_rules()
COLUMNS = ["round", "panelist", "item", "relevance", "group", "clarity", "comment"]
CELL = {
    "round": st.sampled_from(["1", "2", "3", "0", "-1", "1.0", "1.5", "x", "", " 2 "]),
    "panelist": st.sampled_from(["anna", "bob", "carl", "", " ", "Anna", "=cmd", "P01"]),
    "item": st.sampled_from(["A", "B", "C", "", "D", "a"]),
    "relevance": st.sampled_from(["1", "2", "3", "4", "", "NA", "0", "5", "2.5", "x", "1e0",
                                  "nan", "inf", "-1", "4.0"]),
    "group": st.sampled_from(["student", "professional", "", "=1+1"]),
    "clarity": st.sampled_from(["1", "4", "", "9", "x", "3.5"]),
    "comment": st.sampled_from(["", "ok", "mail a@b.nl", "=HYPERLINK(1)", "a,b", 'q"q',
                                "x\ny"]),
}


def _run(paths, tmp) -> None:
    data = expect_one_line("delphi", read_ratings, paths, RULES.scale, RULES.clarity,
                           ["A", "B", "C"], "the item list")
    if data is None:
        return
    n_rows = sum(1 for _ in data.frame.itertuples())
    assert n_rows == len(data.frame)  # every rating row kept (empty ratings included)
    res = expect_one_line("delphi", run_delphi, data, RULES)
    TRIED["delphi"] -= 1  # the same input, counted once
    if res is None:
        return
    write_outputs(res, tmp / "out", label="fuzz")


@settings(SETTINGS, max_examples=scaled(150))
@given(header=st.permutations(COLUMNS).flatmap(
           lambda c: st.integers(3, 7).map(lambda k: c[:k])),
       rows=st.lists(st.fixed_dictionaries(CELL), min_size=0, max_size=14),
       sep=st.sampled_from([",", ";", "\t"]))
def test_random_rating_tables(tmp_path_factory, header, rows, sep):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([r[c] for c in header])
    tmp = tmp_path_factory.mktemp("d")
    path = tmp / "ratings.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    _run([path], tmp)


@settings(SETTINGS, max_examples=scaled(150))
@given(data=st.data())
def test_damaged_rating_text(tmp_path_factory, data):
    text = data.draw(text_edits(SMALL))
    tmp = tmp_path_factory.mktemp("d")
    path = tmp / "ratings.csv"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    _run([path], tmp)


@settings(SETTINGS, max_examples=scaled(60))
@given(blob=st.binary(max_size=200), ext=st.sampled_from([".csv", ".xlsx", ".tsv"]))
def test_random_bytes_as_ratings(tmp_path_factory, blob, ext):
    tmp = tmp_path_factory.mktemp("d")
    path = tmp / f"ratings{ext}"
    path.write_bytes(HEADER.encode() + blob if ext != ".xlsx" else b"PK\x03\x04" + blob)
    _run([path], tmp)


@settings(SETTINGS, max_examples=scaled(60))
@given(cells=st.dictionaries(
           st.tuples(st.sampled_from([1, 2, 3, 5]), st.sampled_from(["p1", "p2", "p3", "p4"]),
                     st.sampled_from(["A", "B", "C"])),
           st.tuples(st.sampled_from(["1", "2", "3", "4", "", "4", "3"]),
                     st.sampled_from(["", "1", "4"])),
           min_size=1, max_size=30),
       groups=st.booleans())
def test_valid_but_degenerate_panels(tmp_path_factory, cells, groups):
    """Panels that pass the checks but are odd: one panelist, one item, a missing round, all
    ratings empty or equal. The stage must decide or refuse in one line, never crash."""
    lines = [HEADER.strip() if groups else "round,panelist,item,relevance,clarity,comment"]
    for (rnd, who, item), (rel, cla) in sorted(cells.items()):
        grp = ("student," if who in ("p1", "p2") else "professional,") if groups else ""
        lines.append(f"{rnd},{who},{item},{rel},{grp}{cla},")
    tmp = tmp_path_factory.mktemp("d")
    path = tmp / "ratings.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _run([path], tmp)
