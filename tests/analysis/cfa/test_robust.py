"""MLR (Huber-White SEs, Yuan-Bentler Mplus scaled test, robust indices) against lavaan."""

from __future__ import annotations

import numpy as np
import pytest

from lospw.analysis.cfa import fit_cfa
from tests.analysis.cfa.conftest import BFI_MODEL, HS_MODEL, merged, ref_fit
from tests.analysis.cfa.test_ml import check_fit

ROBUST = ("chisq_scaled", "chisq_scaling_factor", "baseline_chisq_scaled",
          "baseline_chisq_scaling_factor", "scaling_factor_h1", "scaling_factor_h0")
ROBUST_ABS = ("cfi_scaled", "tli_scaled", "cfi_robust", "tli_robust", "rmsea_scaled",
              "rmsea_robust", "rmsea_ci_lower_robust", "rmsea_ci_upper_robust",
              "rmsea_ci_lower_scaled", "rmsea_ci_upper_scaled", "rmsea_pvalue_robust",
              "nfi_scaled", "ifi_scaled", "rni_robust")


def check_robust(res, name):
    check_fit(res, name)
    for k in ROBUST:
        assert res.fit[k] == pytest.approx(ref_fit(name, k), rel=1e-5), k
    for k in ROBUST_ABS:
        assert res.fit[k] == pytest.approx(ref_fit(name, k), abs=1e-5), k
    m = merged(res, name)
    free = m["free_r"] > 0
    # robust SEs: acceptance 2 %; we hold 0.1 %
    assert np.allclose(m.loc[free, "se"], m.loc[free, "se_r"], rtol=1e-3)


def test_bfi_mlr_matches_lavaan(bfi):
    res = fit_cfa(bfi, BFI_MODEL, estimator="MLR")
    assert res.estimator == "MLR"
    check_robust(res, "bfi_mlr")
    # issue 8 acceptance
    assert res.fit["chisq_scaled"] == pytest.approx(ref_fit("bfi_mlr", "chisq_scaled"),
                                                    rel=5e-3)


@pytest.mark.parametrize("name, kw", [
    ("hs_mlr", {}),
    ("hs_mg_metric_mlr", {"group": "school", "group_equal": ["loadings"]}),
])
def test_hs_mlr(hs, name, kw):
    check_robust(fit_cfa(hs, HS_MODEL, estimator="MLR", **kw), name)


def test_mlr_needs_raw_data(hs):
    cov = hs[[f"x{i}" for i in range(1, 10)]].cov()
    from lospw.analysis.core.errors import InputError
    with pytest.raises(InputError, match="'ML' only"):
        fit_cfa(None, HS_MODEL, estimator="MLR", sample_cov=cov, sample_nobs=301)


FIML_ROBUST = ("cfi_robust", "tli_robust", "rni_robust", "rmsea_robust",
               "rmsea_ci_lower_robust", "rmsea_ci_upper_robust")


def test_bfi_mlr_fiml_matches_lavaan(bfi):
    res = fit_cfa(bfi, BFI_MODEL, estimator="MLR", missing="fiml")
    check_robust(res, "bfi_mlr_fiml")
    for k in FIML_ROBUST:   # lavaan's FIML-corrected robust indices (V3)
        assert res.fit[k] == pytest.approx(ref_fit("bfi_mlr_fiml", k), abs=1e-5), k


def test_bfi_ml_fiml_robust_indices(bfi):
    res = fit_cfa(bfi, BFI_MODEL, estimator="ML", missing="fiml")
    for k in FIML_ROBUST:   # V6
        assert res.fit[k] == pytest.approx(ref_fit("bfi_fiml", k), abs=1e-5), k
