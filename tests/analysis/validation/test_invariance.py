"""Measurement invariance (lospw.analysis.validation.invariance).

The steps, decisions and partial search run with lospw's own CFA engine on the data and are
compared with lavaan's results recorded by tests/reference/invariance.R (no test
here replays lavaan's fits in place of fitting, except the ordinal (WLSMV) ones at the end).
The bookkeeping of the search that real data rarely reach (the two-items-per-factor guard,
max_free, a refit that does not converge) is checked with scripted fits: those tests are
named ``test_scripted_...``. tests/analysis/validation/test_invariance_starts.py checks the multi-start
policy of the steps; tests/analysis/validation/test_engine_validity_invariance.py more engine runs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import key_from_dict, load_key
from lospw.analysis.intake.responses import read_responses
from lospw.analysis.validation import invariance as I
from lospw.analysis.validation.fitting import FitOutcome
from tests.conftest import REFERENCE, reference

REF = reference("invariance")
EQ = {name: eq for name, eq in I.STEPS}


def _fit(d):
    return {k.replace(".", "_"): v for k, v in d.items()}


def _names(x):
    """A JSON vector from R: a string when it had one element (auto_unbox)."""
    return [x] if isinstance(x, str) else list(x)


def _same_fit(got, ref, rel=1e-4, abs_=1e-4, keys=("cfi", "rmsea", "srmr")):
    ref = _fit(ref)
    assert got["df"] == ref["df"]
    assert got["chisq"] == pytest.approx(ref["chisq"], rel=rel)
    for k in keys:
        assert got[k] == pytest.approx(ref[k], abs=abs_), k


@pytest.fixture
def hs(hs_path, hs_key_path):
    key = load_key(hs_key_path)
    intake = read_responses(hs_path, key)
    return intake.items, intake.meta["school"], key


def test_hs_steps_decisions_and_search_follow_lavaan(hs):
    items, school, key = hs
    res = I.measurement_invariance(items, school, key, criterion="cheung_rensvold2002",
                                   group_name="school")
    assert res.group_sizes == {"Grant-White": 145, "Pasteur": 156}
    assert [s["model"] for s in res.steps] == ["configural", "metric", "scalar", "strict"]
    ml = REF["hs"]["ML"]
    for step in res.steps[:2]:
        _same_fit(step["fit"], ml["steps"][step["model"]]["fit"])
    metric = res.decisions[0]
    assert metric["verdict"] == "invariant"
    assert metric["chisq_diff"] == pytest.approx(ml["differences"]["metric"]["chisq_diff"],
                                                 rel=1e-4)
    assert metric["pvalue"] == pytest.approx(ml["differences"]["metric"]["pvalue"], rel=1e-3)
    # scalar fails; the search frees x3~1 then x7~1, as the same search in lavaan does
    (search,) = res.partial
    ref_iters = REF["hs"]["search_scalar"]
    assert [f["parameter"] for f in search["freed"]] == ["x3~1", "x7~1"]
    assert [it["freed"] for it in ref_iters[:-1]] == ["x3~1", "x7~1"]
    for got, it in zip(search["freed"], ref_iters[:-1], strict=True):
        assert got["X2"] == pytest.approx(it["freed_X2"], rel=1e-3)
    for got, it in zip(search["freed"], ref_iters[1:], strict=True):
        _same_fit(got["fit"], it["fit"])
        assert got["delta_cfi"] == pytest.approx(it["delta_cfi"], abs=1e-4)
    assert search["acceptable"] and search["stopped"] == "acceptable"
    scalar = res.decisions[1]
    assert scalar["verdict"] == "invariant" and scalar["group_partial"] == ["x3~1", "x7~1"]
    assert scalar["decided_by"] == ["delta_cfi"] and scalar["delta_cfi_alone"] == "invariant"
    # the freed intercepts stay free in the strict step
    assert res.steps[3]["group_partial"] == ["x3~1", "x7~1"]
    _same_fit(res.steps[3]["fit"], REF["hs"]["strict_after_partial"]["fit"])
    assert res.highest_level == "strict (partial)"  # strict: dCFI -.00998
    d = res.to_dict()
    assert d["steps"][0]["model"] == "configural" and "fit" in d["steps"][0]
    assert d["partial"][0]["step"] == "scalar"
    assert not any(w.code == "chen2007_conditions" for w in res.warnings)


def test_hs_chen_rule_names_the_index_that_decided(hs):
    """Chen's joint rule on the engine's steps, and what ΔCFI alone would say."""
    items, school, key = hs
    res = I.measurement_invariance(items, school, key, search=False, group_name="school")
    steps = REF["hs"]["ML"]["steps"]
    verdicts = [d["verdict"] for d in res.decisions]
    # scalar: dCFI -.0385 and dSRMR +.0108 >= .010 -> non-invariant by Chen (2007)
    assert verdicts == ["invariant", "non-invariant", "invariant"]
    assert res.highest_level == "metric"
    scalar = res.decisions[1]
    for k in ("cfi", "rmsea", "srmr"):
        assert scalar[f"delta_{k}"] == pytest.approx(
            steps["scalar"]["fit"][k] - steps["metric"]["fit"][k], abs=1e-4)
    assert scalar["decided_by"] == ["delta_cfi", "delta_srmr"]
    assert scalar["cutoffs"] == {"delta_cfi": -0.010, "delta_rmsea": 0.015,
                                 "delta_srmr": 0.010}
    assert scalar["delta_cfi_alone"] == "non-invariant"
    assert res.decisions[0]["decided_by"] == ["delta_cfi"]  # dCFI -.0025 > -.010
    assert res.decisions[0]["cutoffs"]["delta_srmr"] == 0.030
    frame = res.to_frame()
    assert list(frame["model"]) == ["configural", "metric", "scalar", "strict"]
    # with the search, Chen's rule frees x3~1 only: dCFI -.0175 fails alone, but dRMSEA and
    # dSRMR stay below their cut-offs, so they decide (invariant; dCFI alone: non-invariant)
    res = I.measurement_invariance(items, school, key, group_name="school", top_scores=0)
    scalar = res.decisions[1]
    partial = REF["hs"]["search_scalar"][1]
    assert scalar["group_partial"] == _names(partial["partial"]) == ["x3~1"]
    assert scalar["delta_cfi"] == pytest.approx(partial["delta_cfi"], abs=1e-4)
    assert scalar["verdict"] == "invariant" and scalar["delta_cfi_alone"] == "non-invariant"
    assert scalar["decided_by"] == ["delta_rmsea", "delta_srmr"]


def test_planted_item_is_found_with_the_engine():
    key = key_from_dict({"response_scale": {"min": -20, "max": 30, "continuous": True},
                         "scales": {"f1": ["x1", "x2", "x3", "x4"],
                                    "f2": ["x5", "x6", "x7", "x8"]}})
    intake = read_responses(REFERENCE / "data" / "planted.csv", key)
    res = I.measurement_invariance(intake.items, intake.meta["g"], key, group_name="g")
    (search,) = res.partial
    assert search["step"] == "scalar" and search["acceptable"]
    assert [f["parameter"] for f in search["freed"]] == ["x3~1"]
    assert search["freed"][0]["X2"] == pytest.approx(
        REF["planted"]["search_scalar"][0]["freed_X2"], rel=1e-3)
    assert [d["verdict"] for d in res.decisions] == ["invariant"] * 3
    assert res.highest_level == "strict (partial)"
    # the planted intercept leads the scalar step's score tests; its misfit also spreads to
    # its factor's other intercepts
    assert res.steps[2]["flagged"][0] == "x3~1"
    assert res.steps[2]["score_tests"][0]["X2"] > 4 * res.steps[2]["score_tests"][1]["X2"]


def test_small_group_makes_steps_not_estimable(hs):
    items, school, key = hs
    small = school.copy()
    small.iloc[:20] = "Tiny"
    calls = []
    res = I.measurement_invariance(items, small, key, fitter=lambda *a, **k: calls.append(1))
    assert calls == []  # nothing is fitted
    assert all(not s["estimable"] and s["reason"] == "group_too_small" for s in res.steps)
    assert res.warnings[0].code == "group_too_small"
    assert res.warnings[0].message.startswith("group(s) Tiny (n = 20)")
    assert res.decisions == () and res.highest_level is None


def test_rows_without_group_are_counted(hs):
    items, school, key = hs
    school = school.copy()
    school.iloc[[0, 1]] = np.nan
    res = I.measurement_invariance(items, school, key, search=False, top_scores=0)
    assert res.excluded == {"missing_group": 2}
    assert sum(res.group_sizes.values()) == 299
    assert res.steps[0]["fit"]["ntotal"] == 299  # the engine fitted the 299 rows


def test_small_n_warns_about_chen_conditions(hs):
    items, school, key = hs
    res = I.measurement_invariance(items.iloc[:280], school.iloc[:280], key, search=False,
                                   top_scores=0)
    assert any(w.code == "chen2007_conditions" for w in res.warnings)
    assert all(s["converged"] for s in res.steps)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"estimator": "WLS"}, "The 'estimator' option must be one of"),
    ({"missing": "everything"}, "The 'missing' option must be one of"),
    ({"criterion": "cfi"}, "The 'criterion' option must be one of"),
    ({"max_free": -1}, "The 'max_free' option must be 0 or more"),
])
def test_bad_options(hs, kwargs, message):
    items, school, key = hs
    with pytest.raises(InputError, match=message):
        I.measurement_invariance(items, school, key, **kwargs)


def test_one_group_and_wrong_length(hs):
    items, _school, key = hs
    with pytest.raises(InputError, match="at least two groups"):
        I.measurement_invariance(items, ["a"] * len(items), key)
    with pytest.raises(InputError, match="one group per row"):
        I.measurement_invariance(items, ["a", "b"], key)


class Synthetic:
    """Scripted fits (no estimation): the scalar step fails by .03 in CFI; each freed
    intercept wins back .01."""

    def __init__(self, converge=True):
        self.converge = converge

    def __call__(self, data, syntax, *, estimator, missing, group, group_equal, group_partial):
        base = {"chisq": 100.0, "df": 50, "cfi": 0.95, "rmsea": 0.05, "srmr": 0.04}
        k = len(group_equal)
        fit = dict(base, chisq=100.0 + 10 * k, df=50 + 4 * k)
        if "intercepts" in group_equal:
            fit.update(cfi=0.92 + 0.01 * len(group_partial), rmsea=0.07, srmr=0.06)
        ok = self.converge or not group_partial
        scores = pd.DataFrame({"parameter": ["x1~1", "x2~1", "x3~1", "a=~x2"],
                               "op": ["~1", "~1", "~1", "=~"], "X2": [9.0, 8.0, 7.0, 50.0],
                               "df": 1, "pvalue": 0.01})
        return FitOutcome(fit, ok, (), 0, lambda: scores)


@pytest.fixture
def small_key_data():
    key = key_from_dict({"response_scale": {"min": 1, "max": 5},
                         "scales": {"a": ["x1", "x2", "x3"], "b": ["x4", "x5", "x6"]}})
    rng = np.random.default_rng(1)
    items = pd.DataFrame(rng.integers(1, 6, size=(400, 6)).astype(float),
                         columns=list(key.items))
    return items, ["g1", "g2"] * 200, key


def test_scripted_search_keeps_two_invariant_items_per_factor(small_key_data):
    items, g, key = small_key_data
    res = I.measurement_invariance(items, g, key, criterion="cheung_rensvold2002",
                                   fitter=Synthetic())
    (search,) = res.partial
    # x1~1 is freed; freeing x2~1 or x3~1 would leave factor a one invariant intercept;
    # the loading a=~x2 has the largest test but is not of the scalar step's kind
    assert [f["parameter"] for f in search["freed"]] == ["x1~1"]
    assert search["stopped"] == "no_candidates" and not search["acceptable"]
    assert res.decisions[1]["verdict"] == "non-invariant"
    assert res.steps[2]["group_partial"] == ["x1~1"]


def test_scripted_search_stops_at_max_free_and_on_non_convergence(small_key_data):
    items, g, key = small_key_data
    res = I.measurement_invariance(items, g, key, criterion="cheung_rensvold2002",
                                   max_free=0, fitter=Synthetic())
    assert res.partial == () and res.decisions[1]["verdict"] == "non-invariant"
    res = I.measurement_invariance(items, g, key, criterion="cheung_rensvold2002",
                                   fitter=Synthetic(converge=False))
    (search,) = res.partial
    assert search["stopped"] == "not_converged" and search["group_partial"] == []
    assert res.steps[2]["group_partial"] == []


def test_scripted_not_converged_step_is_not_tested(small_key_data):
    items, g, key = small_key_data

    def fitter(*a, group_equal, **k):
        out = Synthetic()(*a, group_equal=group_equal, **k)
        return FitOutcome(out.fit, group_equal != ("loadings",), (), 0, None)

    res = I.measurement_invariance(items, g, key, fitter=fitter)
    assert res.decisions[0] == {"step": "metric", "versus": "configural",
                                "verdict": "not tested", "reason": "a model did not converge"}
    assert res.decisions[1]["versus"] == "configural"  # the last converged step
    assert res.highest_level == "configural"


@pytest.mark.slow
@pytest.mark.parametrize("estimator", ["ML", "MLR"])
def test_bfi_gender_decisions_with_the_engine(bfi_path, bfi_key_path, estimator):
    key = load_key(bfi_key_path)
    intake = read_responses(bfi_path, key)
    ref = REF["bfi"][estimator]
    chen = I.measurement_invariance(intake.items, intake.meta["gender"], key,
                                    estimator=estimator, search=False, top_scores=0,
                                    group_name="gender")
    assert chen.group_sizes == {"1": 805, "2": 1631}  # listwise over the 25 items
    assert chen.excluded == {"incomplete_listwise": 364}
    assert any(w.code == "chen2007_conditions" for w in chen.warnings)  # 1631 > 1.5*805
    for d in chen.decisions:
        assert d["chisq_diff"] == pytest.approx(ref["differences"][d["step"]]["chisq_diff"],
                                                rel=1e-4)
    # scalar: dCFI -.011 without a matching RMSEA / SRMR change: Chen says invariant,
    # Cheung & Rensvold (dCFI alone) say non-invariant
    assert [d["verdict"] for d in chen.decisions] == ["invariant"] * 3
    assert [d["delta_cfi_alone"] for d in chen.decisions] == [
        "invariant", "non-invariant", "invariant"]
    assert chen.decisions[1]["decided_by"] == ["delta_rmsea", "delta_srmr"]


def test_ordinal_empty_category_is_not_estimable(bfi_path, bfi_key_path):
    key = load_key(bfi_key_path)
    intake = read_responses(bfi_path, key)
    items = intake.items.copy()
    g = intake.meta["gender"]
    items.loc[(g == 1) & (items["A1"] == 6), "A1"] = 5  # group 1 never answers 6 on A1
    res = I.measurement_invariance(items, g, key, estimator="WLSMV",
                                   fitter=lambda *a, **k: pytest.fail("fitted"))
    assert all(s["reason"] == "empty_category" for s in res.steps)
    assert res.warnings[0].code == "empty_category"
    assert res.warnings[0].message.startswith("item A1")


def test_wlsmv_refuses_fiml(hs):
    items, school, key = hs
    with pytest.raises(InputError, match="must be 'pairwise' or 'listwise' with estimator 'WLSMV'"):
        I.measurement_invariance(items, school, key, estimator="WLSMV", missing="fiml")


def test_few_cases_per_parameter_warns_but_fits(hs):
    items, school, key = hs
    res = I.measurement_invariance(items.iloc[:176], school.iloc[:176], key, search=False,
                                   top_scores=0, min_group_size=10)
    # Pasteur 156, Grant-White 20 (< the 30 free parameters per group, > 9 items)
    assert res.group_sizes == {"Grant-White": 20, "Pasteur": 156}
    assert all(s["estimable"] for s in res.steps)
    assert res.steps[0]["fit"]["ntotal"] == 176  # fitted
    assert any(w.code == "few_cases_per_parameter"
               and w.message.startswith("group(s) Grant-White (n = 20)") for w in res.warnings)
    small = I.measurement_invariance(items.iloc[:165], school.iloc[:165], key,
                                     min_group_size=2,
                                     fitter=lambda *a, **k: pytest.fail("fitted"))
    assert small.warnings[0].code == "group_too_small"
    assert small.warnings[0].message.startswith("group(s) Grant-White (n = 9) have fewer than "
                                                "10 respondents")


def test_steps_list_and_flag_their_largest_score_tests(hs):
    items, school, key = hs
    res = I.measurement_invariance(items, school, key, search=False, group_name="school")
    metric, scalar = res.steps[1], res.steps[2]
    ref = sorted(REF["hs"]["ML"]["steps"]["scalar"]["score"], key=lambda r: -r["X2"])
    assert scalar["score_tests"][0]["parameter"] == ref[0]["parameter"] == "x3~1"
    assert scalar["score_tests"][0]["X2"] == pytest.approx(ref[0]["X2"], rel=1e-3)
    assert scalar["score_tests"][0]["p_bonferroni"] == pytest.approx(ref[0]["pvalue"] * 9,
                                                                     rel=1e-2)
    assert scalar["flagged"][0] == "x3~1"
    assert metric["flagged"] == [] and len(metric["score_tests"]) == 5
    assert "score_tests" not in res.steps[0]
    none = I.measurement_invariance(items, school, key, search=False, top_scores=0)
    assert "score_tests" not in none.steps[2]
