"""Planned missingness (the key's design) and labelled missing codes at intake (issue 24)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.core.design import asked_mask
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import key_from_dict
from lospw.analysis.intake.artifacts import write_intake
from lospw.analysis.intake.missing_codes import missing_code_table
from lospw.analysis.intake.responses import responses_from_frame
from lospw.analysis.intake.screening import screen_intake

ITEMS = [f"i{j}" for j in range(1, 11)]


def _key(design: bool = True):
    d = {"response_scale": {"min": 1, "max": 5},
         "missing_codes": {8: "dont_know", 9: "not_applicable"},
         "scales": {"A": ITEMS[:5], "B": ITEMS[5:]}}
    if design:  # staff answer everything; clients only i1-i3 and i6-i8
        d["design"] = {"column": "role", "asked": {i: ["staff"] for i in
                                                    ("i4", "i5", "i9", "i10")}}
    return key_from_dict(d)


def _frame(n=200, seed=3):
    rng = np.random.default_rng(seed)
    f = rng.standard_normal((n, 1))
    x = np.clip(np.round(3 + f + 0.7 * rng.standard_normal((n, 10))), 1, 5)
    role = np.where(np.arange(n) % 2 == 0, "staff", "client")
    for j in (3, 4, 8, 9):
        x[role == "client", j] = np.nan
    x[0, 0], x[2, 1], x[4, 1] = 8, 9, 9  # staff rows: one "don't know", two "n.a."
    df = pd.DataFrame(x, columns=ITEMS)
    df.insert(0, "role", role)
    df.insert(0, "id", [f"p{k}" for k in range(n)])
    df.insert(2, "seconds", 7.0 * np.where(role == "staff", 10, 6))
    return df


def test_asked_mask_strict_and_missing_group():
    key = _key()
    m = asked_mask(key, ["staff", "client", None, "visitor"])
    assert m[0].all() and m[2].all()
    assert m[1].sum() == 6 and m[3].sum() == 6  # an unnamed group: the unrouted items


def test_intake_keeps_codes_and_asked():
    key = _key()
    res = responses_from_frame(_frame(), key, id_column="id")
    assert res.asked is not None and res.missing_given is not None
    assert int((~res.asked.to_numpy()).sum()) == 100 * 4
    assert res.missing_given.loc[1, "i1"] == 8 and res.missing_given.loc[3, "i2"] == 9
    assert np.isnan(res.items.loc[1, "i1"])
    assert any(w.code == "design" and "planned missingness" in w.message
               for w in res.warnings)
    t = missing_code_table(res, key)
    row = t[(t["item"] == "i2") & (t["scope"] == "group") & (t["group"] == "staff")
            & (t["meaning"] == "not_applicable")].iloc[0]
    assert (row["n_asked"], row["n_code"], row["rate"]) == (100, 2, 0.02)
    clients = t[(t["item"] == "i4") & (t["group"] == "client")]
    assert (clients["n_asked"] == 0).all() and clients["rate"].isna().all()


def test_design_column_required():
    with pytest.raises(InputError, match="which the data lack"):
        responses_from_frame(_frame().drop(columns="role"), _key(), id_column="id")


def test_screening_ignores_planned_missingness():
    frame = _frame()
    with_design = screen_intake(responses_from_frame(frame, _key(), id_column="id"))[1]
    without = screen_intake(responses_from_frame(frame, _key(False), id_column="id"))[1]
    clients = frame.index[frame["role"] == "client"] + 1
    # without the design, every client misses 40% of the items; with it, none
    assert (without.indices.loc[clients, "prop_missing"] >= 0.4).all()
    assert (with_design.indices.loc[clients, "prop_missing"] == 0).all()
    assert (with_design.indices.loc[clients, "n_asked"] == 6).all()
    # 7 s per item asked: never flagged as fast
    assert not with_design.flags["response_time"].any()
    assert with_design.item_missing["i4"] == 0
    assert without.item_missing["i4"] == pytest.approx(0.5)


def test_longstring_runs_over_the_items_asked():
    key = _key()
    frame = _frame()
    frame.loc[1, ITEMS] = [4, 4, 4, np.nan, np.nan, 4, 4, 4, np.nan, np.nan]  # a client
    scr = screen_intake(responses_from_frame(frame, key, id_column="id"))[1]
    assert scr.indices.loc[2, "longstring"] == 6 and scr.flags.loc[2, "longstring"]


def test_missing_codes_artifact(tmp_path):
    key = _key()
    res = responses_from_frame(_frame(), key, id_column="id")
    summary = write_intake(res, key, tmp_path)
    t = pd.read_csv(tmp_path / "missing_codes.csv")
    assert set(t["group"].dropna()) == {"staff", "client"}
    ma = summary["missing_answers"]
    assert [c["meaning"] for c in ma["codes"]] == ["dont_know", "not_applicable"]
    assert [c["n_cells"] for c in ma["codes"]] == [1, 2]
    assert ma["design"]["n_cells_planned_missing"] == 400
    assert "role" in pd.read_csv(tmp_path / "responses.csv").columns


def test_scores_count_the_items_asked():
    from lospw.analysis.scoring.scores import score_items

    key = _key()
    res = responses_from_frame(_frame(), key, id_column="id")
    clients = res.meta.index[res.meta["role"] == "client"]
    with_design = score_items(res.items, key, asked=res.asked)
    without = score_items(res.items, key)
    # a client answers 3 of 5 items per scale: 4 needed of 5, 2 of the 3 asked
    assert without.scores.loc[clients].isna().all().all()
    assert with_design.scores.loc[clients].notna().all().all()
    assert (with_design.required_rows.loc[clients] == 2).all().all()
