"""The plain-Python Brent root finder gives exactly scipy.optimize.brentq's roots and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize

from lospw.analysis.core.distributions import chi2_cdf, ncx2_cdf
from lospw.analysis.core.roots import brentq

FUNCTIONS = {
    "sqrt2": (lambda x: x * x - 2.0, 0.0, 2.0),
    "cubic": (lambda x: (x - 0.3) ** 3 + 1e-3 * x, -1.0, 2.0),
    "cos": (math.cos, 0.0, 3.0),
    "flat then steep": (lambda x: math.expm1(20 * x) - 1.0, -5.0, 1.0),
    "step-like": (lambda x: math.tanh(1e4 * (x - 0.123)), 0.0, 1.0),
    "root at a": (lambda x: x, 0.0, 1.0),
    "root at b": (lambda x: x - 1.0, 0.0, 1.0),
}


def same(mine, theirs) -> None:
    assert mine == theirs or (math.isnan(mine) and math.isnan(theirs)), (mine, theirs)


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("tol", [(2e-12, 4 * np.finfo(float).eps), (1e-10, 1e-12), (1e-3, 1e-8)])
def test_same_root_as_scipy(name: str, tol: tuple[float, float]) -> None:
    f, a, b = FUNCTIONS[name]
    xtol, rtol = tol
    same(brentq(f, a, b, xtol=xtol, rtol=rtol), optimize.brentq(f, a, b, xtol=xtol, rtol=rtol))
    same(brentq(f, b, a, xtol=xtol, rtol=rtol), optimize.brentq(f, b, a, xtol=xtol, rtol=rtol))


def test_same_rmsea_bounds_as_scipy() -> None:
    """The use in the RMSEA interval: the noncentrality where the noncentral chi-square's
    cdf at X2 hits a level, on a grid of X2, df and levels."""
    rng = np.random.default_rng(21)
    for _ in range(150):
        df = float(rng.integers(1, 300))
        x2 = float(df * rng.uniform(0.5, 6.0))
        target = float(rng.choice([0.05, 0.95, 0.025, 0.975]))

        def g(lam: float, x2: float = x2, df: float = df, target: float = target) -> float:
            return float(chi2_cdf(x2, df) if lam <= 0 else ncx2_cdf(x2, df, lam)) - target

        hi = max(x2 * 4, 300.0)
        try:
            theirs = optimize.brentq(g, 0.0, hi, xtol=1e-10, rtol=1e-12)
        except ValueError:
            with pytest.raises(ValueError):
                brentq(g, 0.0, hi, xtol=1e-10, rtol=1e-12)
            continue
        same(brentq(g, 0.0, hi, xtol=1e-10, rtol=1e-12), theirs)


@pytest.mark.parametrize(("f", "message"), [
    (lambda x: x * x + 1.0, "different signs"),
    (lambda x: math.nan, "NaN"),
])
def test_errors_as_scipy(f, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        optimize.brentq(f, -1.0, 1.0)
    with pytest.raises(ValueError, match=message):
        brentq(f, -1.0, 1.0)


def test_tolerance_errors_and_no_convergence() -> None:
    with pytest.raises(ValueError, match="xtol too small"):
        brentq(math.sin, -1.0, 1.0, xtol=0.0)
    with pytest.raises(ValueError, match="rtol too small"):
        brentq(math.sin, -1.0, 1.0, rtol=1e-20)
    f = FUNCTIONS["step-like"][0]
    with pytest.raises(RuntimeError, match="converge"):
        optimize.brentq(f, 0.0, 1.0, maxiter=2)
    with pytest.raises(RuntimeError, match="converge"):
        brentq(f, 0.0, 1.0, maxiter=2)
