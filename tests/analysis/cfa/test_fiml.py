"""Full-information ML (lavaan missing = "ml") against lavaan."""

from __future__ import annotations

import numpy as np
import pytest

from lospw.analysis.cfa import fit_cfa
from lospw.analysis.core.errors import InputError
from tests.analysis.cfa.conftest import BFI_MODEL, HS_MODEL, ref
from tests.analysis.cfa.test_ml import check_fit, check_params


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
