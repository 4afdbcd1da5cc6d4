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
