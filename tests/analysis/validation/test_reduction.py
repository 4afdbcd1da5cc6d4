"""Tests for the item-reduction proposal (analysis/validation/reduction.py)."""

from __future__ import annotations

import copy

import pandas as pd

from lospw.analysis.core.criteria import criteria_from_dict, default_criteria_path, load_criteria
from lospw.analysis.core.key import key_from_dict
from lospw.analysis.core.yamlio import load_yaml
from lospw.analysis.validation.reduction import (
    ItemFlag,
    cross_loading_flags,
    modification_flags,
    noninvariant_flags,
    propose_reduction,
    reduced_key,
    weak_loading_flags,
)

KEY = key_from_dict({
    "instrument": "demo", "response_scale": {"min": 1, "max": 5},
    "scales": {"S": ["s1", "s2", "-s3", "s4", "s5"], "T": ["t1", "t2", "t3", "t4"]},
    "aspects": {"s1": "S.x", "s2": "S.x", "s3": "S.y", "s4": "S.y", "s5": "S.z",
                "t1": "T.u", "t2": "T.u", "t3": "T.v", "t4": "T.v"},
    "labels": {"s5": "Item s5"}})
LAM = {"s1": .75, "s2": .7, "s3": .65, "s4": .6, "s5": .3, "t1": .8, "t2": .35, "t3": .7,
       "t4": .72}


def test_weak_loading_threshold_is_strict():
    flags = weak_loading_flags({"a": 0.40, "b": 0.3999, "c": -0.1}, 0.40)
    assert [f.item for f in flags] == ["b", "c"] and flags[1].value == 0.1


def test_cross_loading_rule_and_reflected_factors():
    lam = pd.DataFrame({"F1": [.7, .5, .6, .62, .6, .1, .0, .1, .0],
                        "F2": [.1, .1, -.1, .0, .45, .7, .7, .35, .6]},
                       index=list(KEY.items))
    flags = cross_loading_flags(lam, {"S": "F1", "T": "F2"}, KEY, .30, .20)
    # s5: .45 secondary, gap .15 -> flagged; t3: secondary .1 -> not; own loading sign ignored
    assert [f.item for f in flags] == ["s5"]
    assert "on F2 (own factor F1: 0.600" in flags[0].detail
    # an unmatched scale is skipped; a single-factor EFA has no secondary loading
    assert cross_loading_flags(lam, {"S": None, "T": "F2"}, KEY, .30, .20) == []
    assert cross_loading_flags(lam[["F1"]], {"S": "F1", "T": None}, KEY, .3, .2) == []


def test_modification_flags_cross_loading_and_residual():
    mi = pd.DataFrame({
        "lhs": ["T", "s1", "S", "t1", "S"], "op": ["=~", "~~", "=~", "~~", "=~"],
        "rhs": ["s5", "s2", "s1", "t2", "t2"], "mi": [55.0, 30.0, 80.0, 9.0, 12.0],
        "sepc_all": [0.41, -0.22, 0.30, 0.5, 0.1]})
    flags = modification_flags(mi, KEY, LAM, 10, 0.2)
    # S =~ s1 is its own factor (not a cross-loading); t1~~t2 has a small MI; S =~ t2 a small sEPC
    assert [(f.item, f.rule) for f in flags] == [("s5", "modification_index"),
                                                 ("s2", "modification_index")]
    assert flags[1].detail.startswith("residual covariance with s1")
    assert modification_flags(pd.DataFrame(), KEY, LAM, 10, .2) == []
    assert modification_flags(None, KEY, LAM, 10, .2) == []


def test_noninvariant_flags_parse_parameters():
    partial = [{"step": "metric", "freed": [{"parameter": "S=~s4", "X2": 12.0}]},
               {"step": "scalar", "freed": [{"parameter": "t2~1", "X2": 40.0},
                                            {"parameter": "weird", "X2": 1.0}]},
               {"step": "strict", "freed": [{"parameter": "s1~~s1", "X2": 9.0}]}]
    assert [f.item for f in noninvariant_flags(partial, KEY)] == ["s4", "t2", "s1"]


def test_proposal_respects_scale_size_and_aspects():
    c = load_criteria(None)
    flags = weak_loading_flags(LAM, c.weak_loading_below)          # s5 (.30), t2 (.35)
    flags += [ItemFlag("s3", "non_invariant", 30.0, "scalar step: s3~1 freed"),
              ItemFlag("s3", "cross_loading", 0.4, "EFA loading 0.4 on F2")]
    p = propose_reduction(KEY, flags, LAM, c)
    by = {d.item: d for d in p.decisions}
    # s3 has two rules: considered first; its aspect S.y keeps s4 -> dropped
    assert [d.item for d in p.decisions] == ["s3", "s5", "t2"]
    assert by["s3"].decision == "drop" and "freed" in by["s3"].why
    # s5 is the only item of aspect S.z -> kept
    assert by["s5"].decision == "keep" and by["s5"].why == "kept: aspect S.z would have no item left in S"
    # t2 would leave T with 3 items and aspect T.u with t1 -> dropped
    assert by["t2"].decision == "drop"
    assert p.dropped == ("s3", "t2")
    assert p.by_scale(KEY)["S"] == {"drop": ["s3"], "keep": ["s1", "s2", "s4", "s5"]}
    frame = p.to_frame()
    assert list(frame["decision"]) == ["drop", "keep", "drop"]
    d = p.to_dict()
    assert d["rules"]["aspect_coverage"] is True and d["dropped"] == ["s3", "t2"]


def test_min_items_and_rules_in_use():
    raw = copy.deepcopy(load_yaml(default_criteria_path()))
    raw["reduction"]["min_items_per_scale"] = 4
    raw["reduction"]["use"] = ["weak_loading"]
    c = criteria_from_dict(raw)
    flags = [*weak_loading_flags(LAM, 0.4), ItemFlag("s1", "non_invariant", 9.0, "x")]
    p = propose_reduction(KEY, flags, LAM, c)
    assert [d.item for d in p.decisions] == ["s5", "t2"]        # s1's rule is not in use
    assert p.decisions[1].why == "kept: scale T would keep fewer than 4 items"


def test_no_aspects_means_no_coverage_constraint():
    key = key_from_dict({"response_scale": {"min": 1, "max": 5},
                         "scales": {"S": ["a", "b", "c", "d"]}})
    lam = {"a": .8, "b": .2, "c": .7, "d": .3}
    p = propose_reduction(key, weak_loading_flags(lam, .4), lam, load_criteria(None))
    assert [(d.item, d.decision) for d in p.decisions] == [("b", "drop"), ("d", "keep")]
    assert p.rules["aspect_coverage"] is False


def test_reduced_key_keeps_signs_aspects_labels():
    r = reduced_key(KEY, ["s3", "s5"])
    assert r.scale("S").keyed == ("s1", "s2", "s4") and r.scale("T").items == KEY.scale("T").items
    assert "s3" not in r.aspect_map and not r.labels
    assert "dropped s3, s5" in r.description
    assert reduced_key(KEY, []) == KEY
