"""Difference tests between nested fits (lavaan lavTestLRT defaults per estimator)."""

from __future__ import annotations

import pytest

from lospw.analysis.cfa import difference_test, fit_cfa
from lospw.analysis.core.errors import InputError
from tests.analysis.cfa.conftest import BFI_MODEL, HS_MODEL, ref, ref_fit


def test_ml_invariance_lrt(hs):
    g = fit_cfa(hs, HS_MODEL, estimator="ML", group="school")
    r = fit_cfa(hs, HS_MODEL, estimator="ML", group="school", group_equal=["loadings"])
    t = difference_test(r, g)
    assert t.method == "chisq" and t.df_diff == 6
    assert t.chisq_diff == pytest.approx(
        ref_fit("hs_mg_metric", "chisq") - ref_fit("hs_mg_configural", "chisq"), rel=1e-5)


@pytest.mark.slow
def test_mlr_satorra_bentler_2001(bfi):
    g = fit_cfa(bfi, BFI_MODEL, estimator="MLR")
    r = fit_cfa(bfi, BFI_MODEL, estimator="MLR", orthogonal=True)
    t = difference_test(r, g)
    lav = ref("bfi_mlr")["lrt_orthogonal"]
    assert t.method == "satorra_bentler_2001" and t.df_diff == lav["df_diff"]
    assert t.chisq_diff == pytest.approx(lav["chisq_diff"], rel=1e-4)


def test_wlsmv_satorra_2000(bfi):
    g = fit_cfa(bfi, BFI_MODEL, estimator="WLSMV")
    r = fit_cfa(bfi, BFI_MODEL, estimator="WLSMV", orthogonal=True)
    t = difference_test(r, g)
    lav = ref("bfi_wlsmv")["lrt_orthogonal"]
    assert t.method == "satorra_2000" and t.df_diff == lav["df_diff"]
    assert t.chisq_diff == pytest.approx(lav["chisq_diff"], rel=1e-6)
    with pytest.raises(InputError, match="same estimator"):
        difference_test(r, fit_cfa(bfi, BFI_MODEL, estimator="ML"))


@pytest.mark.slow
def test_wlsmv_satorra_2000_multigroup_with_constraints(bfi):
    bg = bfi[bfi["gender"].notna()]
    g = fit_cfa(bg, BFI_MODEL, estimator="WLSMV", group="gender")
    r = fit_cfa(bg, BFI_MODEL, estimator="WLSMV", group="gender",
                group_equal=["thresholds", "loadings"])
    t = difference_test(r, g)
    lav = ref("bfi_wlsmv_mg_thresholds_loadings")["lrt_configural"]
    assert t.df_diff == lav["df_diff"]
    assert t.chisq_diff == pytest.approx(lav["chisq_diff"], rel=1e-6)
    assert t.pvalue == pytest.approx(lav["pvalue"], rel=1e-4)


def test_difference_test_needs_same_data(hs):
    a = fit_cfa(hs, HS_MODEL, estimator="ML")
    b = fit_cfa(hs.iloc[:200], HS_MODEL, estimator="ML")
    with pytest.raises(InputError, match="different data"):
        difference_test(a, b)
