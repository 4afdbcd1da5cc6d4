"""Multi-group full-information ML (lavaan ``missing = "ml"``, ``group.equal``) against lavaan.

bfi's five factors across gender with equal loadings and intercepts, ML and MLR
(references: ``tests/reference/cfa_fiml_multigroup.R``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.cfa import fit_cfa
from lospw.analysis.cfa.modindices import modindices, score_tests
from tests.analysis.cfa.conftest import BFI_MODEL, ref
from tests.analysis.cfa.test_ml import check_fit, check_params

CASES = {"ML": "bfi_fiml_mg_scalar_ml", "MLR": "bfi_fiml_mg_scalar_mlr"}


@pytest.fixture(scope="module", params=sorted(CASES))
def fitted(request, bfi):
    data = bfi[bfi["gender"].notna()]
    res = fit_cfa(data, BFI_MODEL, estimator=request.param, missing="fiml", group="gender",
                  group_equal=["loadings", "intercepts"])
    return res, CASES[request.param]


def test_fit_and_parameters_match_lavaan(fitted):
    res, name = fitted
    assert res.n_obs == sum(ref(name)["nobs"])
    check_fit(res, name)
    check_params(res, name)


def test_scaled_statistic_matches_lavaan(fitted):
    res, name = fitted
    f = ref(name)["fit"]
    if f.get("chisq.scaled") is None:
        pytest.skip("ML has no scaled statistic")
    assert res.fit["chisq_scaled"] == pytest.approx(f["chisq.scaled"], rel=1e-5)
    assert res.fit["chisq_scaling_factor"] == pytest.approx(f["chisq.scaling.factor"], rel=1e-5)


def test_score_tests_of_the_equality_constraints_match_lavaan(fitted):
    res, name = fitted
    ours = score_tests(res)
    uni = pd.DataFrame(ref(name)["score_test"]["uni"])
    assert len(ours) == len(uni)
    m = ours.merge(uni, left_on=["plabel_ref", "plabel"], right_on=["lhs", "rhs"],
                   suffixes=("", "_r"))
    assert len(m) == len(uni)
    assert np.allclose(m["X2"], m["X2_r"], rtol=1e-3, atol=1e-3)


def test_modification_indices_match_lavaan(fitted):
    res, name = fitted
    ours = modindices(res)
    theirs = pd.DataFrame(ref(name)["modindices"])
    keys = ["lhs", "op", "rhs"] + (["group"] if "group" in theirs else [])
    m = ours.merge(theirs, on=keys, suffixes=("", "_r"))
    assert len(m) >= 0.9 * len(theirs)
    top = m.sort_values("mi_r", ascending=False).head(20)
    assert np.allclose(top["mi"], top["mi_r"], rtol=1e-3, atol=1e-2)


def test_multigroup_fiml_robust_indices(fitted):
    # lavaan's FIML-corrected robust indices; the independence model's parameters are free
    # in every group (its Delta is block-diagonal across groups)
    res, name = fitted
    f = ref(name)["fit"]
    for k in ("cfi.robust", "tli.robust", "rni.robust", "rmsea.robust",
              "rmsea.ci.lower.robust", "rmsea.ci.upper.robust"):
        assert res.fit[k.replace(".", "_")] == pytest.approx(f[k], abs=1e-6), k
