"""Validity and invariance with lospw's own CFA engine, against lavaan / semTools.

Reference values: tests/reference/{invariance,validity}.R. Skipped while the engine
(lospw.analysis.cfa.fit_cfa) is not installed.
"""

from __future__ import annotations

import numpy as np
import pytest

import lospw.analysis.cfa
from lospw.analysis.core.key import key_from_dict, load_key
from lospw.analysis.intake.responses import read_responses
from lospw.analysis.validation.invariance import measurement_invariance
from lospw.analysis.validation.validity import validity
from tests.conftest import REFERENCE, reference

pytestmark = pytest.mark.skipif(not hasattr(lospw.analysis.cfa, "fit_cfa"),
                                reason="the CFA engine is not available")

INV = reference("invariance")
VAL = reference("validity")


@pytest.fixture
def hs(hs_path, hs_key_path):
    key = load_key(hs_key_path)
    intake = read_responses(hs_path, key)
    return intake.items, intake.meta["school"], key


def test_hs_invariance_steps_match_lavaan(hs):
    items, school, key = hs
    res = measurement_invariance(items, school, key, search=False, group_name="school")
    for step in res.steps:
        ref = INV["hs"]["ML"]["steps"][step["model"]]["fit"]
        assert step["converged"]
        assert step["fit"]["df"] == ref["df"]
        assert step["fit"]["chisq"] == pytest.approx(ref["chisq"], rel=1e-4)  # issue: 0.1%
        for k in ("cfi", "rmsea", "srmr"):
            assert step["fit"][k] == pytest.approx(ref[k], abs=1e-4)
    for d in res.decisions:
        ref = INV["hs"]["ML"]["differences"][d["step"]]
        assert d["chisq_diff"] == pytest.approx(ref["chisq_diff"], rel=1e-4)


def test_hs_partial_search_matches_lavaan(hs):
    items, school, key = hs
    res = measurement_invariance(items, school, key, criterion="cheung_rensvold2002",
                                 group_name="school")
    (search,) = res.partial
    ref = INV["hs"]["search_scalar"]
    assert [f["parameter"] for f in search["freed"]] == [it["freed"] for it in ref[:-1]]
    for got, it in zip(search["freed"], ref[:-1], strict=True):
        assert got["X2"] == pytest.approx(it["freed_X2"], rel=1e-3)
    assert res.steps[3]["fit"]["chisq"] == pytest.approx(
        INV["hs"]["strict_after_partial"]["fit"]["chisq"], rel=1e-4)


def test_planted_non_invariant_intercept_is_found():
    key = key_from_dict({"response_scale": {"min": -20, "max": 30, "continuous": True},
                         "scales": {"f1": ["x1", "x2", "x3", "x4"],
                                    "f2": ["x5", "x6", "x7", "x8"]}})
    intake = read_responses(REFERENCE / "data" / "planted.csv", key)
    res = measurement_invariance(intake.items, intake.meta["g"], key, group_name="g")
    (search,) = res.partial
    assert [f["parameter"] for f in search["freed"]] == ["x3~1"]
    assert search["freed"][0]["X2"] == pytest.approx(
        INV["planted"]["search_scalar"][0]["freed_X2"], rel=1e-3)
    assert res.highest_level == "strict (partial)"


def test_bfi_validity_matches_semtools(bfi_path, bfi_key_path):
    key = load_key(bfi_key_path)
    items = read_responses(bfi_path, key).items
    res = validity(items, key)
    ref = VAL["bfi"]["listwise"]
    assert res.n_obs == ref["n_obs"] == res.n_htmt
    for f in key.scale_names:
        assert res.composite_reliability[f] == pytest.approx(ref["comp_rel"][f], abs=1e-4)
        assert res.ave[f] == pytest.approx(ref["ave"][f], abs=1e-4)
    htmt = np.array(VAL["bfi"]["htmt"]["htmt2_abs"]["values"])
    assert np.max(np.abs(res.htmt.to_numpy() - htmt)) < 1e-10


@pytest.mark.slow
def test_bfi_validity_fiml_matches_semtools(bfi_path, bfi_key_path):
    key = load_key(bfi_key_path)
    res = validity(read_responses(bfi_path, key).items, key, missing="fiml")
    ref = VAL["bfi"]["fiml"]
    assert res.n_obs == 2800
    for f in key.scale_names:
        assert res.composite_reliability[f] == pytest.approx(ref["comp_rel"][f], abs=1e-4)
        assert res.ave[f] == pytest.approx(ref["ave"][f], abs=1e-4)


def test_hs_validity_matches_semtools(hs):
    items, _, key = hs
    res = validity(items, key)
    ref = VAL["hs"]["listwise"]
    for f in key.scale_names:
        assert res.composite_reliability[f] == pytest.approx(ref["comp_rel"][f], abs=1e-5)
        assert res.ave[f] == pytest.approx(ref["ave"][f], abs=1e-5)


def test_hs_invariance_mlr_matches_lavaan(hs):
    items, school, key = hs
    res = measurement_invariance(items, school, key, estimator="MLR", search=False,
                                 group_name="school")
    for step in res.steps:
        ref = INV["hs"]["MLR"]["steps"][step["model"]]["fit"]
        assert step["fit"]["chisq_scaled"] == pytest.approx(ref["chisq.scaled"], rel=1e-4)
        assert step["fit"]["cfi_robust"] == pytest.approx(ref["cfi.robust"], abs=1e-4)
    for d in res.decisions:
        ref = INV["hs"]["MLR"]["differences"][d["step"]]
        assert d["test"] == "satorra_bentler_2001"
        assert d["chisq_diff"] == pytest.approx(ref["chisq_diff"], rel=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("estimator", ["ML", "MLR"])
def test_bfi_gender_invariance_matches_lavaan(bfi_path, bfi_key_path, estimator):
    key = load_key(bfi_key_path)
    intake = read_responses(bfi_path, key)
    res = measurement_invariance(intake.items, intake.meta["gender"], key, search=False,
                                 estimator=estimator, group_name="gender")
    ref = INV["bfi"][estimator]
    for step in res.steps:
        assert step["fit"]["chisq"] == pytest.approx(ref["steps"][step["model"]]["fit"]["chisq"],
                                                     rel=1e-4)
    for d in res.decisions:
        assert d["chisq_diff"] == pytest.approx(ref["differences"][d["step"]]["chisq_diff"],
                                                rel=1e-4)
