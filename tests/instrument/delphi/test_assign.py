"""lospw.instrument.delphi.assign: panel files, subsets with enough raters per item, coverage."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from lospw.analysis.core.errors import InputError
from lospw.instrument.bank import load_bank
from lospw.instrument.delphi.assign import (
    FORM_COLUMNS,
    Panelist,
    assign_items,
    eligible,
    panel_design,
    panel_from_rows,
    rater_coverage,
    read_panel,
)
from lospw.instrument.delphi.ratings import read_ratings
from lospw.instrument.delphi.rules import load_rules
from tests.instrument.delphi.conftest import HEADER, write


def item(i, element, *groups):
    return SimpleNamespace(id=i, element=element, groups=groups)


PANEL = (
    [Panelist(f"s{k}", "students") for k in range(4)]
    + [Panelist(f"m{k}", "managers") for k in range(2)]
    + [Panelist("c0", "clients"), Panelist("r0", "lecturer_researchers", ("all",)),
       Panelist("x0", "expert", ("VMM",))]
)


def test_eligible_by_group_or_expertise():
    a = item("A1", "LOS", "students")
    b = item("B1", "VMM", "managers")
    assert eligible(PANEL[0], a) and not eligible(PANEL[0], b)
    assert eligible(PANEL[7], a) and eligible(PANEL[7], b)  # expertise 'all'
    assert eligible(PANEL[8], b) and not eligible(PANEL[8], a)  # expertise VMM


def test_every_item_reaches_the_minimum_and_loads_are_even():
    items = [item(f"L{k}", "LOS", "students", "clients") for k in range(6)] + [
        item(f"V{k}", "VMM", "managers") for k in range(3)]
    a = assign_items(items, PANEL, min_raters=3, raters_per_item=3)
    r = a.raters()
    assert list(r.index) == [it.id for it in items] and (r == 3).all()
    # one of every answering group first: each LOS item has its one client
    f = a.frame
    assert (f[f["item"].str.startswith("L")].groupby("item")["group"]
            .apply(lambda g: "clients" in set(g))).all()
    # VMM items: both managers plus one expert; the load is spread
    v = f[f["item"].str.startswith("V")]
    assert set(v["group"]) <= {"managers", "lecturer_researchers", "expert"}
    load = a.load()
    students = load[[f"s{k}" for k in range(4)]]
    assert students.max() - students.min() <= 1
    d = a.to_dict()
    assert d["n_ratings"] == 27 and d["raters_per_item_found"] == {"min": 3, "max": 3}


def test_without_raters_per_item_every_eligible_panelist_rates():
    a = assign_items([item("L1", "LOS", "students")], PANEL, min_raters=2)
    assert set(a.frame["panelist"]) == {"s0", "s1", "s2", "s3", "r0"}
    assert a.raters_per_item is None


def test_same_input_same_assignment():
    items = [item(f"L{k}", "LOS", "students", "managers") for k in range(5)]
    a = assign_items(items, PANEL, min_raters=3, raters_per_item=4)
    b = assign_items(items, PANEL, min_raters=3, raters_per_item=4)
    pd.testing.assert_frame_equal(a.frame, b.frame)


def test_too_few_raters_one_line_naming_the_item():
    items = [item("L1", "LOS", "students"), item("C1", "VOR", "clients")]
    with pytest.raises(InputError) as err:
        assign_items(items, PANEL, min_raters=3)
    msg = str(err.value)
    assert msg.startswith("Item C1: only 2 panelist(s) can rate it (groups clients; "
                          "expertise VOR or all); the minimum is 3.") and "\n" not in msg
    with pytest.raises(InputError, match="--raters-per-item \\(2\\) is below the minimum"):
        assign_items(items, PANEL, min_raters=3, raters_per_item=2)
    with pytest.raises(InputError, match="at least 1"):
        assign_items(items, PANEL, min_raters=0)
    with pytest.raises(InputError, match="No items to assign"):
        assign_items([], PANEL, min_raters=3)


def test_the_shipped_bank_on_the_demo_panel():
    bank = load_bank()
    from pathlib import Path

    panel = read_panel(Path(__file__).resolve().parents[3] / "data" / "raw" / "delphi" /
                       "design" / "panel.csv")
    items = [it for it in bank.items if it.status != "dropped"]
    a = assign_items(items, panel, min_raters=load_rules().target_raters, raters_per_item=10)
    assert (a.raters() == 10).all()
    for row in a.frame.itertuples():
        p = next(x for x in panel if x.id == row.panelist)
        assert eligible(p, bank.item(row.item))
    form = a.form()
    assert list(form.columns) == list(FORM_COLUMNS) and (form["relevance"] == "").all()


def test_panel_file(tmp_path):
    p = write(tmp_path, "Panelist,Group,Expertise\np1,students,\np2,managers,VMM; SRI\n"
              "p3,expert,all\n", "panel.csv")
    panel = read_panel(p)
    assert panel == (Panelist("p1", "students"), Panelist("p2", "managers", ("VMM", "SRI")),
                     Panelist("p3", "expert", ("all",)))


@pytest.mark.parametrize(("text", "fragment"), [
    ("panelist,role\np1,x\n", "row 1: missing column group"),
    ("panelist,group\n,students\n", "row 2: the panelist id is empty"),
    ("panelist,group\np1,students\np1,managers\n", "row 3: panelist 'p1' is listed twice"),
    ("panelist,group,expertise\np1,students,VMX\n", "row 2: unknown expertise 'VMX'"),
    ("panelist,group\np1,teachers\n", "row 2: panelist 'p1' can rate no item: group "
                                      "'teachers' is not a stakeholder group"),
    ("panelist,group\n", "no panelists"),
])
def test_panel_file_errors(tmp_path, text, fragment):
    p = write(tmp_path, text, "panel.csv")
    with pytest.raises(InputError) as err:
        read_panel(p)
    assert fragment in str(err.value) and str(p) in str(err.value)
    with pytest.raises(InputError, match="no such file"):
        read_panel(tmp_path / "nope.csv")
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00p")
    with pytest.raises(InputError, match="not UTF-8"):
        read_panel(tmp_path / "bin.csv")


def test_panel_from_rows_numbers_rows():
    with pytest.raises(InputError, match="<panel>: row 5: the panelist id is empty"):
        panel_from_rows([{"panelist": "a", "group": "students"}] * 0 + [
            {"panelist": "", "group": "students"}], first_row=5)


def test_rater_coverage_and_design(tmp_path):
    rules = load_rules()
    lines = [HEADER] + [f"1,p{k},A,4,g,,\n" for k in range(6)] + [
        f"1,p{k},B,{'' if k == 0 else 3},g,,\n" for k in range(6)] + [
        f"2,p{k},B,3,g,,\n" for k in range(2)]
    ratings = read_ratings(write(tmp_path, "".join(lines)), rules.scale, rules.clarity)
    low = rater_coverage(ratings, 6)
    assert low.to_dict(orient="records") == [
        {"round": 1, "item": "B", "n_ratings": 5, "minimum": 6},
        {"round": 2, "item": "B", "n_ratings": 2, "minimum": 6}]
    assert rater_coverage(ratings, 2).empty
    d = panel_design(ratings).set_index("round")
    assert (d.loc[1, "raters_min"], d.loc[1, "raters_max"], d.loc[1, "n_items"]) == (5, 6, 2)
    assert (d.loc[2, "items_per_panelist_max"], d.loc[2, "n_panelists"]) == (1, 2)
