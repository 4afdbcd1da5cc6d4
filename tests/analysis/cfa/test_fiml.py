"""Full-information ML (lavaan missing = "ml") against lavaan."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.cfa import fit_cfa
from lospw.analysis.core.errors import InputError
from tests.analysis.cfa.conftest import BFI_MODEL, HS_MODEL, ref
from tests.analysis.cfa.test_ml import check_fit, check_params
from tests.conftest import reference


def test_fiml_on_complete_data_equals_ml_with_means(hs):
    res = fit_cfa(hs, HS_MODEL, estimator="ML", missing="fiml")
    assert res.missing == "fiml"
    check_fit(res, "hs_fiml_complete")
    # observed information (lavaan's FIML default) equals the expected one here up to
    # numerical differentiation
    check_params(res, "hs_fiml_complete")


@pytest.fixture(scope="module")
def bfi_fiml(bfi):
    return fit_cfa(bfi, BFI_MODEL, estimator="ML", missing="fiml")


def test_bfi_fiml_matches_lavaan(bfi_fiml):
    assert bfi_fiml.n_obs == ref("bfi_fiml")["nobs"] == 2800
    check_fit(bfi_fiml, "bfi_fiml")
    check_params(bfi_fiml, "bfi_fiml")


def test_fiml_sample_moments_are_em_estimates(bfi_fiml):
    # lavaan's h1 for FIML: the EM estimates of the saturated model
    s = bfi_fiml.sample[""]
    assert s["cov"].shape == (25, 25)
    assert np.isfinite(s["cov"].to_numpy()).all()


def test_fiml_rows_all_missing_are_listed(hs):
    data = hs.copy()
    data.loc[3, [f"x{i}" for i in range(1, 10)]] = np.nan
    data.loc[7, "x1"] = np.nan
    res = fit_cfa(data, HS_MODEL, estimator="ML", missing="fiml")
    assert res.n_obs == 300
    assert list(res.excluded["reason"]) == ["no model variable observed"]


def test_bad_missing_option(hs):
    with pytest.raises(InputError, match="'missing' option must be one of"):
        fit_cfa(hs, HS_MODEL, estimator="ML", missing="everything")


# -- standard errors that cannot be computed (tests/reference/cfa_se_failed.R) ----------------
SE_CASES = [k for k in reference("cfa_se_failed") if k != "meta"]
RESIDUAL_1E300 = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nx1 ~~ 1e300*x1"


def _rule_missing(data: pd.DataFrame) -> pd.DataFrame:
    """cfa_se_failed.R's missing cells: (7 * row + 3 * item) % 10 == 0, both from 1."""
    rows = np.arange(1, len(data) + 1)[:, None]
    cols = np.arange(1, data.shape[1] + 1)[None, :]
    return data.mask((7 * rows + 3 * cols) % 10 == 0)


def _free_se(res) -> pd.Series:
    p = res.parameters
    return p.loc[p["free"] > 0, "se"]


@pytest.mark.parametrize("case", SE_CASES)
def test_standard_errors_only_where_lavaan_gives_them(hs, case):
    """Complete-data ML and FIML judge their information matrix alike, as lavaan does: no
    standard errors (``se_failed``) where lavaan could not compute them or gave none."""
    r = reference("cfa_se_failed")[case]
    data = _rule_missing(hs[[f"x{i}" for i in range(1, 10)]])
    res = fit_cfa(data, r["model"], estimator="ML",
                  missing="fiml" if r["missing"] == "ml" else "listwise")
    codes = {w.code for w in res.warnings}
    available = "se_failed" not in codes and bool(np.isfinite(_free_se(res)).all())
    assert available == r["se_all_finite"], (case, codes)
    assert ("se_failed" in codes) >= r["se_failed"], (case, codes)


@pytest.mark.parametrize("missing", ["listwise", "fiml"])
@pytest.mark.parametrize("estimator", ["ML", "MLR"])
def test_a_1e300_variance_gives_se_failed_under_fiml_as_under_listwise(hs, missing, estimator):
    """FIML's observed information has an entry of 1e-300 here: inverting it gave finite
    standard errors of 1e148 (R's solve() refuses it: reciprocal condition number below
    the machine epsilon); now the same se_failed as complete-data ML."""
    res = fit_cfa(hs[[f"x{i}" for i in range(1, 10)]], RESIDUAL_1E300, estimator=estimator,
                  missing=missing)
    if estimator == "MLR" and missing == "listwise":  # lavaan inverts the observed one too
        assert np.isfinite(_free_se(res)).all()
        return
    assert "se_failed" in {w.code for w in res.warnings}
    assert not np.isfinite(_free_se(res)).any()
def test_em_moments_of_the_same_data_are_computed_once_and_equal(bfi):
    """Refits of the same data (invariance steps, competing models) reuse the EM moments:
    exactly the EM's numbers, and a caller changing its copy changes nothing else."""
    from lospw.analysis.cfa import data as D

    cols = [c for c in bfi.columns if c[0] in "AC" and c[1:].isdigit()]
    frame = bfi[cols].iloc[:400]
    D._EM_CACHE.clear()
    g1 = D.group_from_frame(frame, cols, "", missing="fiml")
    assert len(D._EM_CACHE) == 1
    mean, cov, _ = D.em_saturated(g1.patterns, len(cols))
    np.testing.assert_array_equal(g1.mean, mean)
    np.testing.assert_array_equal(g1.cov, cov)
    g1.cov[0, 0] = -1.0
    g2 = D.group_from_frame(frame, cols, "", missing="fiml")
    assert len(D._EM_CACHE) == 1
    np.testing.assert_array_equal(g2.cov, cov)
    other = D.group_from_frame(bfi[cols].iloc[:300], cols, "", missing="fiml")
    assert len(D._EM_CACHE) == 2 and other.cov.shape == cov.shape
