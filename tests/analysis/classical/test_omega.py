"""Tests for lospw.analysis.classical.omega: the one-factor ML fit and omega (semTools references are in
test_reliability.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.classical.omega import fit_one_factor, omega_total
from lospw.analysis.core.errors import InputError


def test_recovers_population_and_scale_invariance():
    lam = np.array([0.9, 0.7, 0.6, 0.4, 0.3])
    s = np.outer(lam, lam) + np.diag(1 - lam**2)
    fit = fit_one_factor(s)
    np.testing.assert_allclose(fit.loadings, lam, atol=1e-6)
    assert fit.converged and not fit.heywood and fit.fmin == pytest.approx(0, abs=1e-10)
    d = np.diag([1.0, 2.0, 3.0, 0.5, 4.0])
    fit2 = fit_one_factor(d @ s @ d)
    np.testing.assert_allclose(fit2.loadings, lam * np.diag(d), atol=1e-6)
    np.testing.assert_allclose(fit2.implied(), d @ s @ d, atol=1e-6)
    assert omega_total(fit.loadings, fit.uniquenesses) == pytest.approx(
        omega_total(fit.loadings, total_var=s.sum()))


def test_sign_and_heywood():
    lam = np.array([-0.9, -0.7, -0.6])
    s = np.outer(lam, lam) + np.diag(1 - lam**2)
    assert fit_one_factor(s).loadings.sum() > 0
    # r12 * r13 / r23 > 1 forces a Heywood case
    r = np.array([[1, .8, .8], [.8, 1, .5], [.8, .5, 1]])
    assert fit_one_factor(r).heywood


def test_errors():
    with pytest.raises(InputError, match="at least 3 items"):
        fit_one_factor(np.eye(2))
    with pytest.raises(InputError, match="positive, finite variances"):
        fit_one_factor(np.diag([1.0, 0.0, 1.0]))
    with pytest.raises(InputError, match="uniquenesses or the total variance"):
        omega_total([0.5, 0.5])


def test_three_items_exact_fit_is_converged(bfi_path):
    # just identified: the fit is exact and L-BFGS-B may stop on its line search; the
    # projected gradient says it converged (it once reported 'not_converged' here)
    c = pd.read_csv(bfi_path)[["N1", "N2", "N5"]].dropna().cov().to_numpy()
    fit = fit_one_factor(c)
    assert fit.converged and not fit.heywood
    assert fit.fmin == pytest.approx(0.0, abs=1e-10)
