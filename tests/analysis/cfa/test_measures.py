"""Fit-measure formulas: lavaan's bounds and invariants."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from lospw.analysis.cfa import measures as F

pos = st.floats(min_value=0, max_value=1e5, allow_nan=False)
dfs = st.integers(min_value=1, max_value=500)


@given(pos, dfs, pos, dfs)
def test_cfi_is_bounded(x2, df, x2n, dfn):
    v = F.cfi(x2, df, x2n, dfn)
    assert 0.0 <= v <= 1.0


def test_cfi_tli_edge_cases():
    assert F.cfi(10, 20, 500, 36) == 1.0       # chi-square below df: perfect
    assert F.tli(10, 20, 500, 36) > 1.0        # TLI is not truncated (as lavaan)
    assert F.cfi(0, 0, 0, 0) == 1.0
    assert F.tli(5, 0, 500, 36) == 1.0
    assert math.isnan(F.cfi(float("nan"), 1, 1, 1))


def test_rmsea_zero_and_multigroup_factor():
    assert F.rmsea(10, 20, 300) == 0.0
    assert F.rmsea(10, 0, 300) == 0.0
    assert F.rmsea(100, 20, 300, g=2) == F.rmsea(100, 20, 300) * math.sqrt(2)


@given(st.floats(min_value=1, max_value=2000), st.integers(min_value=1, max_value=300),
       st.integers(min_value=50, max_value=5000))
def test_rmsea_ci_brackets_point_estimate(x2, df, n):
    lo, hi = F.rmsea_ci(x2, df, n)
    r = F.rmsea(x2, df, n)
    assert lo - 1e-8 <= r <= hi + 1e-8


def test_information_criteria():
    assert F.aic(-100, 5) == 210
    assert F.bic(-100, 5, 100) == 200 + 5 * math.log(100)
    assert F.bic2(-100, 5, 22) == 200 + 5 * math.log(1.0)
    assert F.ecvi(10, 5, 100) == 0.2


def test_registry_names_are_unique_and_underscored():
    assert len(F.FIT_MEASURES) == len(set(F.FIT_MEASURES))
    assert not any("." in k for k in F.FIT_MEASURES)
    for k in ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower",
              "rmsea_ci_upper", "rmsea_pvalue", "srmr", "aic", "bic", "logl", "chisq_scaled",
              "df_scaled", "pvalue_scaled", "chisq_scaling_factor", "cfi_scaled",
              "tli_scaled", "rmsea_scaled", "cfi_robust", "tli_robust", "rmsea_robust"):
        assert k in F.FIT_MEASURES


def test_srmr_rms():
    assert F.srmr_rms(np.array([]), 0) == 0.0


# Inputs a degenerate fit can produce (N = 5, a garbage chi-square of -1e97, overflow).
_X2 = [-1e97, -1.0, 0.0, 1e-300, 5.0, 1e300, math.inf, math.nan]
_DF = [0, 1, 24, 1e5]
_N = [1, 2, 5, 1e9]


def test_fit_measures_never_raise_on_degenerate_inputs():
    """Every formula returns a number (NaN where undefined) for any χ², df and N: with N = 5
    lavaan's mfi overflowed (OverflowError, issue 17) and wrmr took the root of a negative
    χ² (ValueError)."""
    for x2 in _X2:
        for df in _DF:
            for n in _N:
                for f in (F.rmsea, F.rmsea_pvalue, F.cn, F.mfi):
                    assert isinstance(f(x2, df, n), float), f.__name__
                assert all(isinstance(v, float) for v in F.rmsea_ci(x2, df, n))
                assert isinstance(F.ecvi(x2, 10, n), float)
            assert isinstance(F.chisq_pvalue(x2, df), float)
            assert isinstance(F.wrmr(x2, int(df)), float)
            for x0 in _X2:
                for f in (F.cfi, F.tli, F.rni, F.rfi, F.nfi, F.pnfi, F.ifi):
                    assert isinstance(f(x2, df, x0, 36), float), f.__name__


def test_mfi_and_wrmr_are_nan_where_undefined():
    assert F.mfi(85.3055, 24, 301) == math.exp(-0.5 * (85.3055 - 24) / 301)
    assert math.isnan(F.mfi(-9.7e96, 24, 4))      # the N = 5 WLSMV case
    assert math.isnan(F.mfi(0.0, 1e5, 5))          # exp(10000): R gives Inf
    assert math.isnan(F.wrmr(-1.0, 20)) and F.wrmr(20.0, 20) == 1.0
    assert math.isnan(F.rfi(-1e97, 1, 0.0, 36))    # t1 / 0: R gives Inf
