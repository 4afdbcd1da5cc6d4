"""Tests for the backward item search (analysis/validation/dif.py) with scripted fits."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from lospw.analysis.core.key import key_from_dict
from lospw.analysis.validation.dif import backward_search, constraint_tests

KEY = key_from_dict({"response_scale": {"min": 1, "max": 5},
                     "scales": {"S": ["a", "b", "c"], "T": ["d", "e", "f"]}})


def scores(x2: dict[str, float]) -> pd.DataFrame:
    from scipy.stats import chi2
    return pd.DataFrame({"parameter": list(x2), "op": ["~1"] * len(x2),
                         "X2": list(x2.values()), "df": [1.0] * len(x2),
                         "pvalue": [float(chi2.sf(v, 1)) for v in x2.values()]})


def outcome(x2: dict[str, float], converged: bool = True):
    return SimpleNamespace(converged=converged, score_tests=lambda: scores(x2))


def test_frees_one_at_a_time_and_stops():
    # fully constrained: b's bias spills over to a and c; after freeing b~1 they are fine
    first = outcome({"a~1": 12.0, "b~1": 60.0, "c~1": 11.0, "d~1": 0.5, "e~1": 0.1,
                     "f~1": 0.2})
    fits = {("b~1",): outcome({"a~1": 1.0, "c~1": 0.8, "d~1": 0.5, "e~1": 0.1, "f~1": 0.2})}
    calls = []

    def refit(partial):
        calls.append(tuple(partial))
        return fits[tuple(partial)]

    srch = backward_search("scalar", first, refit, KEY, alpha=0.05)
    assert srch.k == 6 and srch.alpha == pytest.approx(0.05 / 6)
    assert [f["parameter"] for f in srch.freed] == ["b~1"] and srch.items == ("b",)
    assert srch.stopped == "none_significant" and calls == [("b~1",)]
    assert list(srch.tests["parameter"])[:3] == ["b~1", "a~1", "c~1"]
    assert srch.to_dict()["group_partial"] == ["b~1"]


def test_identification_guard_and_max_free():
    first = outcome({"a~1": 50.0, "b~1": 40.0, "c~1": 30.0, "d~1": 0.1})
    fits = {("a~1",): outcome({"b~1": 40.0, "c~1": 30.0, "d~1": 0.1})}
    srch = backward_search("scalar", first, lambda p: fits[tuple(p)], KEY, alpha=0.05)
    # freeing b~1 too would leave S with one constrained intercept
    assert srch.items == ("a",) and srch.stopped == "identification"
    srch = backward_search("scalar", first, lambda p: fits[tuple(p)], KEY, max_free=0)
    assert srch.freed == () and srch.stopped == "max_free"


def test_nothing_significant_or_no_tests_or_not_converged():
    none = backward_search("scalar", outcome({"a~1": 1.0, "d~1": 2.0}), None, KEY)
    assert none.freed == () and none.stopped == "none_significant" and none.k == 2
    empty = backward_search("metric", outcome({"a~1": 30.0}), None, KEY)
    assert empty.stopped == "no_tests" and empty.k == 0       # no loading constraints
    nc = backward_search("scalar", outcome({"a~1": 1.0}, converged=False), None, KEY)
    assert nc.stopped == "no_tests"
    first = outcome({"a~1": 50.0, "d~1": 1.0})
    stop = backward_search("scalar", first, lambda p: outcome({}, converged=False), KEY)
    assert stop.stopped == "not_converged" and stop.freed[0]["converged"] is False


def test_partial_already_free_is_not_retested():
    t = constraint_tests(scores({"a~1": 30.0, "b~1": 2.0}), "~1", exclude=["a~1"])
    assert list(t["parameter"]) == ["b~1"]
    srch = backward_search("scalar", outcome({"a~1": 30.0, "b~1": 2.0}), None, KEY,
                           partial=["a~1"])
    assert srch.freed == () and srch.group_partial == ("a~1",) and srch.k == 1


def test_bonferroni_counts_constraints_not_parameters():
    # three groups: every parameter has two constraints; k = 4, not 2
    s = pd.DataFrame({"parameter": ["a~1", "a~1", "d~1", "d~1"], "op": ["~1"] * 4,
                      "X2": [9.0, 1.0, 0.5, 0.2], "df": [1.0] * 4,
                      "pvalue": [0.0027, 0.3, 0.5, 0.6]})
    first = SimpleNamespace(converged=True, score_tests=lambda: s)
    srch = backward_search("scalar", first, None, KEY, alpha=0.01)
    assert srch.k == 4 and srch.alpha == pytest.approx(0.0025)
    assert srch.freed == () and srch.stopped == "none_significant"   # .0027 > .01 / 4
