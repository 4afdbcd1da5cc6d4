"""Measurement invariance (analysis.invariance).

The procedure (steps, decisions, partial search) is checked here with a fitter that replays
lavaan's results recorded by tests/analysis/reference/invariance.R, so every figure the
procedure reads is lavaan's; tests/analysis/test_invariance_engine.py checks the same with
lospw's own engine.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import invariance as I
from analysis.cfa._bridge import FitOutcome
from analysis.errors import InputError
from analysis.intake import read_responses
from analysis.key import key_from_dict, load_key

REF_DIR = Path(__file__).parent / "reference"
REF = json.loads((REF_DIR / "invariance.json").read_text())
EQ = {name: eq for name, eq in I.STEPS}


def _fit(d):
    return {k.replace(".", "_"): v for k, v in d.items()}


def _scores(rows):
    frame = pd.DataFrame(rows)
    frame["op"] = frame["parameter"].map(
        lambda p: "=~" if "=~" in p else ("~1" if p.endswith("~1") else "~~"))
    return frame


def _names(x):
    """A JSON vector from R: a string when it had one element (auto_unbox)."""
    return (x,) if isinstance(x, str) else tuple(x)


class Replay:
    """A fitter that returns lavaan's recorded fit for (group_equal, group_partial)."""

    def __init__(self, ref, estimator="ML"):
        self.table = {}
        for name, step in ref[estimator]["steps"].items():
            self.table[(EQ[name], ())] = step
        if estimator == "ML":  # the searches were recorded with ML
            for it in ref.get("search_scalar", []):
                self.table[(EQ["scalar"], _names(it["partial"]))] = it
            sap = ref.get("strict_after_partial")
            if sap:
                self.table[(EQ["strict"], _names(sap["partial"]))] = sap
        self.calls = []

    def __call__(self, data, syntax, *, estimator, missing, group, group_equal, group_partial):
        self.calls.append((tuple(group_equal), tuple(group_partial)))
        rec = self.table[(tuple(group_equal), tuple(group_partial))]
        score = rec.get("score")
        return FitOutcome(_fit(rec["fit"]), True, (), 0,
                          (lambda: _scores(score)) if score else None)


@pytest.fixture
def hs(hs_path, hs_key_path):
    key = load_key(hs_key_path)
    intake = read_responses(hs_path, key)
    return intake.items, intake.meta["school"], key


@pytest.fixture
def planted():
    key = key_from_dict({"response_scale": {"min": -20, "max": 30, "continuous": True},
                         "scales": {"f1": ["x1", "x2", "x3", "x4"],
                                    "f2": ["x5", "x6", "x7", "x8"]}})
    intake = read_responses(REF_DIR / "planted.csv", key)
    return intake.items, intake.meta["g"], key


def test_hs_steps_decisions_and_search_follow_lavaan(hs):
    items, school, key = hs
    replay = Replay(REF["hs"])
    res = I.measurement_invariance(items, school, key, criterion="cheung_rensvold2002",
                                   group_name="school", fitter=replay)
    assert res.group_sizes == {"Grant-White": 145, "Pasteur": 156}
    assert [s["model"] for s in res.steps] == ["configural", "metric", "scalar", "strict"]
    ml = REF["hs"]["ML"]
    assert res.steps[1]["fit"]["chisq"] == ml["steps"]["metric"]["fit"]["chisq"]
    metric = res.decisions[0]
    assert metric["verdict"] == "invariant"
    assert metric["chisq_diff"] == pytest.approx(ml["differences"]["metric"]["chisq_diff"],
                                                 rel=1e-9)
    assert metric["pvalue"] == pytest.approx(ml["differences"]["metric"]["pvalue"], rel=1e-6)
    # scalar fails; the search frees x3~1 then x7~1, as the same search in lavaan does
    (search,) = res.partial
    ref_iters = REF["hs"]["search_scalar"]
    assert [f["parameter"] for f in search["freed"]] == ["x3~1", "x7~1"]
    assert [it["freed"] for it in ref_iters[:-1]] == ["x3~1", "x7~1"]
    for got, it in zip(search["freed"], ref_iters[:-1], strict=True):
        assert got["X2"] == pytest.approx(it["freed_X2"], rel=1e-9)
    assert search["freed"][-1]["delta_cfi"] == pytest.approx(ref_iters[-1]["delta_cfi"])
    assert search["acceptable"] and search["stopped"] == "acceptable"
    scalar = res.decisions[1]
    assert scalar["verdict"] == "invariant" and scalar["group_partial"] == ["x3~1", "x7~1"]
    # the freed intercepts stay free in the strict step
    assert res.steps[3]["group_partial"] == ["x3~1", "x7~1"]
    assert res.steps[3]["fit"]["chisq"] == REF["hs"]["strict_after_partial"]["fit"]["chisq"]
    assert res.highest_level == "strict (partial)"  # strict: dCFI -.00998
    d = res.to_dict()
    assert d["steps"][0]["model"] == "configural" and "fit" in d["steps"][0]
    assert d["partial"][0]["step"] == "scalar"
    assert not any(w.startswith("[chen2007_conditions]") for w in res.warnings)


def test_hs_chen_rule_on_recorded_steps(hs):
    items, school, key = hs
    res = I.measurement_invariance(items, school, key, search=False, group_name="school",
                                   fitter=Replay(REF["hs"]))
    verdicts = [d["verdict"] for d in res.decisions]
    # scalar: dCFI -.0385 and dSRMR +.0108 >= .010 -> non-invariant by Chen (2007)
    assert verdicts == ["invariant", "non-invariant", "invariant"]
    assert res.highest_level == "metric"
    frame = res.to_frame()
    assert list(frame["model"]) == ["configural", "metric", "scalar", "strict"]


def test_hs_mlr_uses_satorra_bentler_2001(hs):
    items, school, key = hs
    res = I.measurement_invariance(items, school, key, estimator="MLR", search=False,
                                   group_name="school", fitter=Replay(REF["hs"], "MLR"))
    ref = REF["hs"]["MLR"]["differences"]
    for d in res.decisions:
        assert d["test"] == "satorra_bentler_2001"
        assert d["chisq_diff"] == pytest.approx(ref[d["step"]]["chisq_diff"], rel=1e-9)
        assert d["pvalue"] == pytest.approx(ref[d["step"]]["pvalue"], rel=1e-6)


def test_planted_item_is_found(planted):
    items, g, key = planted
    res = I.measurement_invariance(items, g, key, group_name="g",
                                   fitter=Replay(REF["planted"]))
    (search,) = res.partial
    assert search["step"] == "scalar"
    assert [f["parameter"] for f in search["freed"]] == ["x3~1"]
    assert search["acceptable"]
    assert [d["verdict"] for d in res.decisions] == ["invariant"] * 3
    assert res.highest_level == "strict (partial)"


def test_small_group_makes_steps_not_estimable(hs):
    items, school, key = hs
    small = school.copy()
    small.iloc[:20] = "Tiny"
    calls = []
    res = I.measurement_invariance(items, small, key, fitter=lambda *a, **k: calls.append(1))
    assert calls == []
    assert all(not s["estimable"] and s["reason"] == "group_too_small" for s in res.steps)
    assert res.warnings[0].startswith("[group_too_small] group(s) Tiny (n = 20)")
    assert res.decisions == () and res.highest_level is None


def test_rows_without_group_are_counted(hs):
    items, school, key = hs
    school = school.copy()
    school.iloc[[0, 1]] = np.nan
    replay = Replay(REF["hs"])
    # (the replay ignores the data: this checks the bookkeeping only)
    res = I.measurement_invariance(items, school, key, search=False, fitter=replay)
    assert res.excluded == {"missing_group": 2}
    assert sum(res.group_sizes.values()) == 299


def test_small_n_warns_about_chen_conditions(hs):
    items, school, key = hs
    res = I.measurement_invariance(items.iloc[:280], school.iloc[:280], key, search=False,
                                   fitter=Replay(REF["hs"]))
    assert any(w.startswith("[chen2007_conditions]") for w in res.warnings)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"estimator": "WLS"}, "The 'estimator' option must be one of"),
    ({"missing": "pairwise"}, "The 'missing' option must be one of"),
    ({"criterion": "cfi"}, "The 'criterion' option must be one of"),
    ({"max_free": -1}, "The 'max_free' option must be 0 or more"),
])
def test_bad_options(hs, kwargs, message):
    items, school, key = hs
    with pytest.raises(InputError, match=message):
        I.measurement_invariance(items, school, key, fitter=Replay(REF["hs"]), **kwargs)


def test_one_group_and_wrong_length(hs):
    items, _school, key = hs
    with pytest.raises(InputError, match="at least two groups"):
        I.measurement_invariance(items, ["a"] * len(items), key, fitter=Replay(REF["hs"]))
    with pytest.raises(InputError, match="one group per row"):
        I.measurement_invariance(items, ["a", "b"], key, fitter=Replay(REF["hs"]))


class Synthetic:
    """Scalar step fails by .03 in CFI; each freed intercept wins back .01."""

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


def test_search_keeps_two_invariant_items_per_factor(small_key_data):
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


def test_search_stops_at_max_free_and_on_non_convergence(small_key_data):
    items, g, key = small_key_data
    res = I.measurement_invariance(items, g, key, criterion="cheung_rensvold2002",
                                   max_free=0, fitter=Synthetic())
    assert res.partial == () and res.decisions[1]["verdict"] == "non-invariant"
    res = I.measurement_invariance(items, g, key, criterion="cheung_rensvold2002",
                                   fitter=Synthetic(converge=False))
    (search,) = res.partial
    assert search["stopped"] == "not_converged" and search["group_partial"] == []
    assert res.steps[2]["group_partial"] == []


def test_not_converged_step_is_not_tested(small_key_data):
    items, g, key = small_key_data

    def fitter(*a, group_equal, **k):
        out = Synthetic()(*a, group_equal=group_equal, **k)
        return FitOutcome(out.fit, group_equal != ("loadings",), (), 0, None)

    res = I.measurement_invariance(items, g, key, fitter=fitter)
    assert res.decisions[0] == {"step": "metric", "versus": "configural",
                                "verdict": "not tested", "reason": "a model did not converge"}
    assert res.decisions[1]["versus"] == "configural"  # the last converged step
    assert res.highest_level == "configural"


@pytest.mark.parametrize("estimator", ["ML", "MLR"])
def test_bfi_gender_decisions_on_lavaan_fits(bfi_path, bfi_key_path, estimator):
    key = load_key(bfi_key_path)
    intake = read_responses(bfi_path, key)
    ref = REF["bfi"][estimator]
    kwargs = {"estimator": estimator, "search": False, "group_name": "gender",
              "fitter": Replay(REF["bfi"], estimator)}
    chen = I.measurement_invariance(intake.items, intake.meta["gender"], key, **kwargs)
    assert chen.group_sizes == {"1": 805, "2": 1631}  # listwise over the 25 items
    assert chen.excluded == {"incomplete_listwise": 364}
    assert any(w.startswith("[chen2007_conditions]") for w in chen.warnings)  # 1631 > 1.5*805
    for d in chen.decisions:
        assert d["chisq_diff"] == pytest.approx(ref["differences"][d["step"]]["chisq_diff"],
                                                rel=1e-9)
    # scalar: dCFI -.011 without a matching RMSEA / SRMR change: Chen says invariant,
    # Cheung & Rensvold say non-invariant
    assert [d["verdict"] for d in chen.decisions] == ["invariant"] * 3
    cr = I.measurement_invariance(intake.items, intake.meta["gender"], key,
                                  criterion="cheung_rensvold2002", **kwargs)
    assert [d["verdict"] for d in cr.decisions] == ["invariant", "non-invariant", "invariant"]


def test_ordinal_empty_category_is_not_estimable(bfi_path, bfi_key_path):
    key = load_key(bfi_key_path)
    intake = read_responses(bfi_path, key)
    items = intake.items.copy()
    g = intake.meta["gender"]
    items.loc[(g == 1) & (items["A1"] == 6), "A1"] = 5  # group 1 never answers 6 on A1
    res = I.measurement_invariance(items, g, key, estimator="WLSMV",
                                   fitter=lambda *a, **k: pytest.fail("fitted"))
    assert all(s["reason"] == "empty_category" for s in res.steps)
    assert res.warnings[0].startswith("[empty_category] item A1")


def test_wlsmv_refuses_fiml(hs):
    items, school, key = hs
    with pytest.raises(InputError, match="must be 'listwise' with estimator 'WLSMV'"):
        I.measurement_invariance(items, school, key, estimator="WLSMV", missing="fiml")


def test_few_cases_per_parameter_warns_but_fits(hs):
    items, school, key = hs
    res = I.measurement_invariance(items.iloc[:176], school.iloc[:176], key, search=False,
                                   min_group_size=10, fitter=Replay(REF["hs"]))
    # Pasteur 156, Grant-White 20 (< the 30 free parameters per group, > 9 items)
    assert res.group_sizes == {"Grant-White": 20, "Pasteur": 156}
    assert all(s["estimable"] for s in res.steps)
    assert any(w.startswith("[few_cases_per_parameter] group(s) Grant-White (n = 20)")
               for w in res.warnings)
    small = I.measurement_invariance(items.iloc[:165], school.iloc[:165], key,
                                     min_group_size=2, fitter=Replay(REF["hs"]))
    assert small.warnings[0].startswith("[group_too_small] group(s) Grant-White (n = 9) have "
                                        "fewer than 10 respondents")


def test_steps_list_and_flag_their_largest_score_tests(hs, planted):
    items, school, key = hs
    res = I.measurement_invariance(items, school, key, search=False, group_name="school",
                                   fitter=Replay(REF["hs"]))
    metric, scalar = res.steps[1], res.steps[2]
    ref = sorted(REF["hs"]["ML"]["steps"]["scalar"]["score"], key=lambda r: -r["X2"])
    assert scalar["score_tests"][0]["parameter"] == ref[0]["parameter"] == "x3~1"
    assert scalar["score_tests"][0]["X2"] == ref[0]["X2"]
    assert scalar["score_tests"][0]["p_bonferroni"] == pytest.approx(ref[0]["pvalue"] * 9)
    assert scalar["flagged"][0] == "x3~1"
    assert metric["flagged"] == [] and len(metric["score_tests"]) == 5
    assert "score_tests" not in res.steps[0]
    items, g, key = planted
    res = I.measurement_invariance(items, g, key, search=False, group_name="g",
                                   fitter=Replay(REF["planted"]))
    # the planted intercept leads; its misfit also spreads to its factor's other intercepts
    assert res.steps[2]["flagged"][0] == "x3~1"
    assert res.steps[2]["score_tests"][0]["X2"] > 4 * res.steps[2]["score_tests"][1]["X2"]
    none = I.measurement_invariance(items, g, key, search=False, top_scores=0,
                                    fitter=Replay(REF["planted"]))
    assert "score_tests" not in none.steps[2]
