"""The numpy special functions against R (``tests/reference/distributions.R``), edges included.

Tolerances: relative 1e-14 for the normal functions (where R's value is a normal double;
in the subnormal range an absolute 1e-315, as R flushes :math:`\\Phi(-x)` to 0 beyond
:math:`x = 37.5193` where the value is still a subnormal, e.g. 2.9e-316 at 38), 1e-12 for the chi-square functions. Far in a
tail a function's value moves by many ulps per ulp of its argument (the condition number
:math:`|x f'(x) / f(x)|`, e.g. :math:`x^2` for :math:`\\Phi(-x)`); there the bound is
widened by that factor, which R's number carries as well.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lospw.analysis.core import distributions as D
from lospw.analysis.core import special as S
from tests.conftest import reference

REF = reference("distributions")
TINY = 2.2250738585072014e-308  # the smallest normal double



def arr(values: list[str]) -> np.ndarray:
    return np.array([float(v) for v in values])


def agree(got, want, rtol: float, cond=1.0, atol_subnormal: float = 1e-315) -> None:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    finite = np.isfinite(want)
    np.testing.assert_array_equal(got[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)])
    tol = rtol * np.maximum(1.0, np.broadcast_to(cond, want.shape))
    normal = finite & (np.abs(want) >= TINY)
    rel = np.abs(got[normal] - want[normal]) / np.abs(want[normal])
    assert (rel <= tol[normal]).all(), (
        f"worst relative error {rel.max():.3g} at {np.argmax(rel / tol[normal])}")
    small = finite & (np.abs(want) < TINY)
    assert (np.abs(got[small] - want[small]) <= atol_subnormal).all()


def test_pnorm() -> None:
    x = arr(REF["pnorm"]["x"])
    cond = np.nan_to_num(x * x, nan=1.0)  # d log Phi(-|x|) / d log |x| ~ x^2 in the tails
    agree(S.ndtr(x), arr(REF["pnorm"]["lower"]), 1e-14, cond * 1e-2)
    agree(D.norm_sf(x), arr(REF["pnorm"]["upper"]), 1e-14, cond * 1e-2)
    agree(D.norm_cdf(x), arr(REF["pnorm"]["lower"]), 1e-14, cond * 1e-2)


def test_log_pnorm() -> None:
    x = arr(REF["log_pnorm"]["x"])
    agree(S.log_ndtr(x), arr(REF["log_pnorm"]["value"]), 1e-14)


def test_qnorm() -> None:
    p = arr(REF["qnorm"]["p"])
    with np.errstate(invalid="ignore"):
        agree(S.ndtri(p), arr(REF["qnorm"]["value"]), 1e-14)
        agree(D.norm_ppf(p), arr(REF["qnorm"]["value"]), 1e-14)


def test_erfc() -> None:
    x = arr(REF["erfc"]["x"])
    agree(S.erfc(x), arr(REF["erfc"]["value"]), 1e-14, (x * x) * 1e-1)


@pytest.mark.parametrize("row", REF["pchisq"], ids=lambda r: f"df={r['df']}")
def test_pchisq(row) -> None:
    df, x = float(row["df"]), arr(row["x"])
    cond = np.nan_to_num(np.abs(x - df) / 2, nan=1.0, posinf=1.0)  # |x dP/dx / P| ~ |x - df|/2
    agree(D.chi2_cdf(x, df), arr(row["lower"]), 1e-12, cond * 1e-2)
    agree(D.chi2_sf(x, df), arr(row["upper"]), 1e-12, cond * 1e-2)
    agree(S.gammainc(df / 2, x / 2), arr(row["lower"]), 1e-12, cond * 1e-2)


@pytest.mark.parametrize("row", REF["qchisq"], ids=lambda r: f"df={r['df']}")
def test_qchisq(row) -> None:
    df = float(row["df"])
    agree(D.chi2_ppf(arr(row["p"]), df), arr(row["value"]), 1e-12)


@pytest.mark.parametrize("row", REF["pnchisq"], ids=lambda r: f"df={r['df']},ncp={r['ncp']}")
def test_pnchisq(row) -> None:
    df, ncp, x = float(row["df"]), float(row["ncp"]), arr(row["x"])
    agree(D.ncx2_cdf(x, df, ncp), arr(row["lower"]), 1e-12)
    agree(S.chndtr(x, df, ncp), arr(row["lower"]), 1e-12)


def test_edges() -> None:
    assert S.ndtr(-np.inf) == 0 and S.ndtr(np.inf) == 1 and np.isnan(S.ndtr(np.nan))
    assert S.log_ndtr(-np.inf) == -np.inf and S.log_ndtr(np.inf) == 0
    assert S.erfc(-np.inf) == 2 and S.erfc(np.inf) == 0
    assert S.ndtri(0.0) == -np.inf and S.ndtri(1.0) == np.inf
    assert np.isnan(S.ndtri(-0.5)) and np.isnan(S.ndtri(1.5))
    assert S.gammainc(2.0, 0.0) == 0 and S.gammaincc(2.0, 0.0) == 1
    assert S.gammainc(2.0, np.inf) == 1 and S.gammaincc(2.0, np.inf) == 0
    for bad in (0.0, -1.0, np.inf, np.nan):
        assert np.isnan(S.gammainc(bad, 1.0)) and np.isnan(S.gammaincc(bad, 1.0))
    assert np.isnan(S.gammainc(1.0, -1.0)) and np.isnan(S.gammaincinv(1.0, 1.5))
    assert S.gammaincinv(3.0, 0.0) == 0 and S.gammaincinv(3.0, 1.0) == np.inf
    assert S.chndtr(0.0, 3.0, 2.0) == 0 and S.chndtr(np.inf, 3.0, 2.0) == 1
    assert np.isnan(S.chndtr(1.0, 3.0, -1.0)) and np.isnan(S.chndtr(1.0, np.inf, 1.0))


def test_shapes() -> None:
    """Scalars give numpy float64 scalars, arrays arrays of their shape (broadcasting)."""
    for f in (S.ndtr, S.log_ndtr, S.ndtri, S.erfc):
        assert isinstance(f(0.3), np.float64)
        assert f(np.full((2, 3), 0.3)).shape == (2, 3)
    assert S.gammainc(np.array([1.0, 2.0])[:, None], np.array([0.5, 1.0, 3.0])).shape == (2, 3)
    assert S.chndtr(np.array([1.0, 2.0]), 3.0, 1.0).shape == (2,)
    assert S.ndtr(np.array([])).shape == (0,)


def test_complements_and_inverse() -> None:
    """Invariants: P + Q = 1, Phi(x) + Phi(-x) = 1, the quantiles invert."""
    a = np.array([0.5, 1.0, 2.5, 12.0, 400.0])[:, None]
    x = np.array([0.01, 0.5, 1.0, 3.0, 11.0, 380.0, 420.0])
    np.testing.assert_allclose(S.gammainc(a, x) + S.gammaincc(a, x), 1.0, rtol=0, atol=4e-16)
    z = np.linspace(-8, 8, 161)
    np.testing.assert_allclose(S.ndtr(z) + S.ndtr(-z), 1.0, rtol=0, atol=4e-16)
    p = np.array([1e-12, 0.01, 0.3, 0.5, 0.9, 0.999])
    np.testing.assert_allclose(S.ndtr(S.ndtri(p)), p, rtol=2e-15)
    np.testing.assert_allclose(S.gammainc(a, S.gammaincinv(a, p)), np.broadcast_to(p, (5, 6)),
                               rtol=1e-13)
    assert math.isclose(float(S.erfc(0.5)), 1 - math.erf(0.5), rel_tol=1e-15)


# ---- the incomplete beta function and the t and F distributions ----------------------------
# Far in a tail the value moves by about |log value| ulps per ulp of its argument (tails like
# exp(-c x^k)), so the bound is widened by |log value| / 10 there. Quantiles are compared
# where R's own quantile reproduces p through R's distribution function ("exact": R's qbeta
# of small shapes and its far-tail qf / qt are not accurate, its qf for df2 > 4e5 is the
# chi-square limit), widened by 1 / min(a, 1) (x ~ p^(1/a) near 0). Not covered: qf with
# df1 = Inf below p = 1e-3 (1 - p is inverted as a chi-square lower tail).


def tail_cond(want: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.nan_to_num(np.abs(np.log(np.abs(want))) / 10.0, nan=1.0, posinf=1.0)


def test_pbeta() -> None:
    for row in REF["pbeta"]:
        a, b, x = float(row["a"]), float(row["b"]), arr(row["x"])
        lower, upper = arr(row["lower"]), arr(row["upper"])
        agree(S.betainc(a, b, x), lower, 1e-13, tail_cond(lower))
        agree(S.betaincc(a, b, x), upper, 1e-13, tail_cond(upper))


def exact(row) -> np.ndarray:
    return np.array(row["exact"], dtype=bool)


def test_qbeta() -> None:
    for row in REF["pbeta"]:
        a, b, p = float(row["a"]), float(row["b"]), arr(row["p"])
        ok = exact(row)
        agree(S.betaincinv(a, b, p[ok]), arr(row["q"])[ok], 1e-13, 1.0 / min(a, 1.0))


def test_pt() -> None:
    for row in REF["pt"]:
        df, x, upper = float(row["df"]), arr(row["x"]), arr(row["upper"])
        agree(D.t_sf(x, df), upper, 1e-13, tail_cond(upper))


def test_qt() -> None:
    for row in REF["pt"]:
        df, p = float(row["df"]), arr(row["p"])
        ok = (exact(row) | np.isnan(arr(row["q"]))) & (p != 0.5)  # R: qt(0.5, 0.5) = 2.6e-16
        agree(D.t_ppf(p[ok], df), arr(row["q"])[ok], 1e-13)


def test_pf() -> None:
    for row in REF["pf"]:
        d1, d2, x, upper = float(row["d1"]), float(row["d2"]), arr(row["x"]), arr(row["upper"])
        agree(D.f_sf(x, d1, d2), upper, 1e-13, tail_cond(upper))


def test_qf() -> None:
    for row in REF["pf"]:
        d1, d2, p = float(row["d1"]), float(row["d2"]), arr(row["p"])
        ok = exact(row) & ~(np.isinf(d1) & (p < 1e-3))
        agree(D.f_ppf(p[ok], d1, d2), arr(row["q"])[ok], 1e-13)


def test_beta_edges() -> None:
    """Closed forms: I_x(1, 1) = x, I_x(1/2, 1/2) = (2/pi) asin(sqrt(x)); the t with df = 1
    is Cauchy (R's qf / qt are not accurate there)."""
    x = np.array([1e-300, 1e-12, 0.3, 0.5, 0.9])
    agree(S.betainc(0.5, 0.5, x), 2 / np.pi * np.arcsin(np.sqrt(x)), 1e-14)
    q = np.array([1e-300, 1e-8, 0.3, 0.75])
    agree(D.t_ppf(q, 1.0), -1.0 / np.tan(np.pi * q), 1e-14)  # tan(pi (q - 1/2))
    agree(D.t_sf(np.array([1e-12, 2.0]), 1.0), 0.5 - np.arctan([1e-12, 2.0]) / np.pi, 1e-14)
    assert float(D.t_ppf(0.5, 0.5)) == 0.0
