"""Probability distributions in numpy: the few lospw needs, cheap to import.

``import scipy.stats`` costs about half a second of start-up and ``import scipy.special``
0.15-0.25 s (SciPy's array-API layer loads ``numpy.f2py`` and ``numpy.testing``); every
command would pay it for a p-value. All functions here come from
:mod:`lospw.analysis.core.special` (numpy / Python implementations of Cody's, Wichura's, the
incomplete-gamma and the incomplete-beta algorithms, tested against R); no lospw code imports
:mod:`scipy.special`. The edges are treated as ``scipy.stats`` treats them (invalid
parameters give NaN, arguments below the support give 0 / 1);
``tests/analysis/core/test_distributions.py`` checks the numbers against ``scipy.stats`` on
a grid, edges included (with the exact values where SciPy's F and t functions are wrong),
and ``tests/analysis/core/test_special.py`` against R.

=======================  ============================================  ===================
function                 formula                                       R
=======================  ============================================  ===================
``norm_cdf(x)``          :math:`\\Phi(x)` = ``ndtr(x)`` (Cody)          ``pnorm``
``norm_sf(x)``           :math:`1 - \\Phi(x) = \\Phi(-x)`                ``pnorm(lower=F)``
``norm_ppf(q)``          :math:`\\Phi^{-1}(q)` = ``ndtri(q)`` (AS 241)  ``qnorm``
``norm_pdf(x)``          :math:`e^{-x^2/2} / \\sqrt{2\\pi}`              ``dnorm``
``chi2_cdf(x, df)``      :math:`P(df/2, x/2)` (``gammainc``)           ``pchisq``
``chi2_sf(x, df)``       :math:`Q(df/2, x/2)` (``gammaincc``)          ``pchisq(lower=F)``
``chi2_ppf(q, df)``      ``2 gammaincinv(df/2, q)``                    ``qchisq``
``ncx2_cdf(x, df, nc)``  ``chndtr(x, df, nc)`` (nc = 0: chi2)          ``pchisq(ncp=)``
``f_sf(x, d1, d2)``      :math:`I_{d_2/(d_2+d_1x)}(d_2/2, d_1/2)`      ``pf(lower=F)``
``f_ppf(q, d1, d2)``     :math:`(d_2/d_1)\\,x/(1-x)`, ``betaincinv``   ``qf``
``t_ppf(q, df)``         :math:`\\pm\\sqrt{df(1-x)/x}`, ``betaincinv``  ``qt``
``t_sf(x, df)``          :math:`I_{df/(df+t^2)}(df/2, 1/2) / 2`        ``pt(lower = FALSE)``
=======================  ============================================  ===================

Scalars in give numpy float64 scalars out, arrays give arrays (as ``scipy.stats``).
"""

from __future__ import annotations

import math

import numpy as np

from lospw.analysis.core import special

__all__ = ["chi2_cdf", "chi2_ppf", "chi2_sf", "f_ppf", "f_sf", "ncx2_cdf", "norm_cdf",
           "norm_pdf", "norm_ppf", "norm_sf", "t_ppf", "t_sf"]

_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _out(values: np.ndarray) -> np.ndarray | np.float64:
    return values[()] if values.ndim == 0 else values


def _lower_tail(x, pars_ok, a: float, fn):
    """cdf-like evaluation as ``rv_continuous.cdf``: NaN for invalid parameters or x, 0 at or
    below the support's lower end ``a``, 1 at or beyond +inf, ``fn`` inside."""
    x = np.asarray(x, dtype=float)
    pars_ok = np.broadcast_to(pars_ok, np.broadcast(x, pars_ok).shape)
    x = np.broadcast_to(x, pars_ok.shape)
    out = np.zeros(pars_ok.shape)
    inside = pars_ok & (x > a) & (x < np.inf)
    out[(~pars_ok) | np.isnan(x)] = np.nan
    out[pars_ok & (x >= np.inf)] = 1.0
    if inside.any():
        out[inside] = fn(inside)
    return _out(out)


def _upper_tail(x, pars_ok, a: float, fn):
    """sf-like evaluation as ``rv_continuous.sf``: NaN for invalid parameters or x, 1 at or
    below the support's lower end ``a``, 0 at +inf, ``fn`` inside."""
    x = np.asarray(x, dtype=float)
    pars_ok = np.broadcast_to(pars_ok, np.broadcast(x, pars_ok).shape)
    x = np.broadcast_to(x, pars_ok.shape)
    out = np.zeros(pars_ok.shape)
    inside = pars_ok & (x > a) & (x < np.inf)
    out[(~pars_ok) | np.isnan(x)] = np.nan
    out[pars_ok & (x <= a)] = 1.0
    if inside.any():
        out[inside] = fn(inside)
    return _out(out)


def _quantile(q, pars_ok, a: float, fn):
    """ppf-like evaluation as ``rv_continuous.ppf``: NaN outside [0, 1] or for invalid
    parameters, the support's ends at 0 and 1, ``fn`` inside."""
    q = np.asarray(q, dtype=float)
    pars_ok = np.broadcast_to(pars_ok, np.broadcast(q, pars_ok).shape)
    q = np.broadcast_to(q, pars_ok.shape)
    out = np.full(pars_ok.shape, np.nan)
    inside = pars_ok & (q > 0) & (q < 1)
    out[pars_ok & (q == 0)] = a
    out[pars_ok & (q == 1)] = np.inf
    if inside.any():
        out[inside] = fn(inside)
    return _out(out)


def _df_ok(*dfs) -> np.ndarray:
    ok = np.asarray(True)
    for d in dfs:
        d = np.asarray(d, dtype=float)
        ok = ok & (d > 0)
    return ok


def _at(values, mask: np.ndarray) -> np.ndarray:
    return np.broadcast_to(np.asarray(values, dtype=float), mask.shape)[mask]


def norm_cdf(x):
    """Standard normal distribution function :math:`\\Phi(x)`.

    Examples
    --------
    >>> float(norm_cdf(0.0))
    0.5
    """
    return _out(np.asarray(special.ndtr(np.asarray(x, dtype=float))))


def norm_sf(x):
    """Standard normal upper tail :math:`1 - \\Phi(x) = \\Phi(-x)`.

    Examples
    --------
    >>> round(float(2 * norm_sf(1.959963984540054)), 12)
    0.05
    """
    return norm_cdf(-np.asarray(x, dtype=float))


def norm_ppf(q):
    """Standard normal quantile :math:`\\Phi^{-1}(q)`.

    Examples
    --------
    >>> round(float(norm_ppf(0.975)), 6)
    1.959964
    """
    return _out(np.asarray(special.ndtri(np.asarray(q, dtype=float))))


def norm_pdf(x):
    """Standard normal density :math:`\\phi(x) = e^{-x^2/2} / \\sqrt{2\\pi}`.

    Examples
    --------
    >>> round(float(norm_pdf(0.0)), 6)
    0.398942
    """
    x = np.asarray(x, dtype=float)
    return _out(np.asarray(np.exp(-x**2 / 2.0) / _SQRT_2PI))


def chi2_cdf(x, df):
    """Chi-square distribution function :math:`P(\\chi^2_{df} \\le x)`.

    Examples
    --------
    >>> round(float(chi2_cdf(3.841458820694124, 1)), 12)
    0.95
    """
    ok = _df_ok(df)
    return _lower_tail(x, ok, 0.0, lambda m: special.gammainc(_at(df, m) / 2, _at(x, m) / 2))


def chi2_sf(x, df):
    """Chi-square upper tail (the p-value of a chi-square test) :math:`P(\\chi^2_{df} > x)`.

    Examples
    --------
    >>> round(float(chi2_sf(3.841458820694124, 1)), 12)
    0.05
    """
    ok = _df_ok(df)
    return _upper_tail(x, ok, 0.0, lambda m: special.gammaincc(_at(df, m) / 2, _at(x, m) / 2))


def chi2_ppf(q, df):
    """Chi-square quantile: :math:`x` with :math:`P(\\chi^2_{df} \\le x) = q`, as
    :math:`2\\,P^{-1}(df/2, q)` (inverse regularised lower incomplete gamma).

    Examples
    --------
    >>> round(float(chi2_ppf(0.95, 1)), 6)
    3.841459
    """
    ok = _df_ok(df)
    return _quantile(q, ok, 0.0,
                     lambda m: 2 * special.gammaincinv(_at(df, m) / 2, _at(q, m)))


def ncx2_cdf(x, df, nc):
    """Noncentral chi-square distribution function (``nc = 0``: the central one).

    Examples
    --------
    >>> bool(ncx2_cdf(5.0, 3, 0.0) == chi2_cdf(5.0, 3))
    True
    """
    return special.chndtr(x, df, nc)


def _scalar_map(fn, mask: np.ndarray, *args) -> np.ndarray:
    """``fn`` of the values of ``args`` at ``mask``, one point at a time on Python floats
    (the F and t functions run on a few values per call)."""
    cols = [_at(v, mask).tolist() for v in args]
    return np.array([fn(*vals) for vals in zip(*cols, strict=True)], dtype=float)


def _split(u: float, v: float) -> tuple[float, float]:
    """``(u / (u + v), v / (u + v))`` for :math:`u, v \\ge 0`, without overflow and each to
    full relative precision."""
    if u <= v:
        z = u / v
        return z / (1.0 + z), 1.0 / (1.0 + z)
    z = v / u
    return 1.0 / (1.0 + z), z / (1.0 + z)


def _f_sf_one(x: float, d1: float, d2: float) -> float:
    if math.isinf(d1) or math.isinf(d2):
        if math.isinf(d1) and math.isinf(d2):
            return 1.0 if x < 1.0 else (0.5 if x == 1.0 else 0.0)
        if math.isinf(d2):
            return float(chi2_sf(d1 * x, d1))
        return float(chi2_cdf(d2 / x, d2))
    # P(F > x) = I_{d2/(d2 + d1 x)}(d2/2, d1/2)
    lo, hi = _split(x, d2 / d1)
    return special.beta_pair(d1 / 2.0, d2 / 2.0, lo, hi)[1]


def _f_ppf_one(q: float, d1: float, d2: float) -> float:
    if math.isinf(d1) or math.isinf(d2):
        if math.isinf(d1) and math.isinf(d2):
            return 1.0
        if math.isinf(d2):
            return float(chi2_ppf(q, d1)) / d1
        return d2 / float(special.gammaincinv(d2 / 2.0, 1.0 - q)) / 2.0
    x, y = special.beta_invert_pair(d1 / 2.0, d2 / 2.0, q, 1.0 - q)
    if x == 0.0:  # x underflows; F = (d2/d1) x (1 + O(x)) may not
        lx = special.beta_log_tiny_quantile(d1 / 2.0, d2 / 2.0, q)
        e = math.log(d2 / d1) + lx
        return math.exp(e) if e < 709.78 else math.inf
    return (d2 / d1) * (x / y) if y > 0.0 else math.inf


def f_sf(x, dfn, dfd):
    """F distribution upper tail :math:`P(F_{d_1, d_2} > x) = I_{d_2/(d_2 + d_1 x)}(d_2/2,
    d_1/2)` (:func:`~lospw.analysis.core.special.betainc`); an infinite :math:`d_2` gives
    the chi-square limit :math:`P(\\chi^2_{d_1} > d_1 x)`, an infinite :math:`d_1`
    :math:`P(\\chi^2_{d_2} < d_2 / x)`.

    Examples
    --------
    >>> round(float(f_sf(1.0, 5, 5)), 12)
    0.5
    """
    ok = _df_ok(dfn, dfd)
    return _upper_tail(x, ok, 0.0, lambda m: _scalar_map(_f_sf_one, m, x, dfn, dfd))


def f_ppf(q, dfn, dfd):
    """F distribution quantile :math:`(d_2/d_1)\\,x/(1-x)` with :math:`I_x(d_1/2, d_2/2) =
    q` (:func:`~lospw.analysis.core.special.betaincinv`, which returns :math:`1 - x` to full
    precision too).

    Examples
    --------
    >>> round(float(f_ppf(0.5, 5, 5)), 12)
    1.0
    """
    ok = _df_ok(dfn, dfd)
    return _quantile(q, ok, 0.0, lambda m: _scalar_map(_f_ppf_one, m, q, dfn, dfd))


#: beyond this df the t functions use the first term of their expansion about the normal
#: (error O(1/df^2), below 1e-28 here); the beta representation loses precision beyond it
_T_NORMAL_DF = 1e15


def _t_ppf_one(q: float, df: float) -> float:
    if df > _T_NORMAL_DF:  # Cornish-Fisher: t = z + (z^3 + z) / (4 df) + O(df^-2)
        z = float(special.ndtri(q))
        return z + (z * z * z + z) / (4.0 * df) if math.isfinite(z) else z
    if q == 0.5:
        return 0.0
    # P(|T| > t) = I_{df/(df+t^2)}(df/2, 1/2) = 2 min(q, 1 - q); 1 - q and 1 - 2q are exact
    p2 = 2.0 * q if q < 0.5 else 2.0 * (1.0 - q)
    x, y = special.beta_invert_pair(df / 2.0, 0.5, p2, 1.0 - p2)
    if x == 0.0:  # x underflows; t = sqrt(df / x) (1 + O(x)) may not
        a = df / 2.0
        if a < 15.0:  # x = (p2 a B(a, 1/2))^(1/a) by a power (no log / exp rounding)
            base = p2 * a * math.gamma(a) * math.gamma(0.5) / math.gamma(a + 0.5)
            try:
                t = math.sqrt(df) * base ** (-0.5 / a)
            except OverflowError:
                t = math.inf
        else:
            e = 0.5 * (math.log(df) - special.beta_log_tiny_quantile(a, 0.5, p2))
            t = math.exp(e) if e < 709.78 else math.inf
    else:
        t = math.sqrt(df) * math.sqrt(y) / math.sqrt(x)
    return -t if q < 0.5 else t


def t_ppf(q, df):
    """Student t quantile: :math:`t = \\pm\\sqrt{df\\,(1-x)/x}` with :math:`I_x(df/2, 1/2) =
    2\\min(q, 1-q)` (:func:`~lospw.analysis.core.special.betaincinv`); :math:`df = \\infty`
    gives the normal quantile.

    Examples
    --------
    >>> round(float(t_ppf(0.975, 10)), 6)
    2.228139
    """
    ok = _df_ok(df)
    q_arr = np.asarray(q, dtype=float)
    return _quantile(q_arr, ok, -np.inf, lambda m: _scalar_map(_t_ppf_one, m, q_arr, df))


def _t_sf_one(t: float, df: float) -> float:
    if df > _T_NORMAL_DF:  # Phi(-t (1 - 1/(4 df)) / sqrt(1 + t^2/(2 df))) + O(df^-2)
        if math.isinf(df):
            return float(special.ndtr(-t))
        g = 1.0 / (4.0 * df)
        if abs(t) > 1e100:  # t^2 would overflow; the argument tends to -t/|t| (1-g)/sqrt(2g)
            return float(special.ndtr(-math.copysign((1.0 - g) / math.sqrt(2.0 * g), t)))
        return float(special.ndtr(-t * (1.0 - g) / math.sqrt(1.0 + t * t * 2.0 * g)))
    if t == 0.0:
        return 0.5
    # P(|T| > |t|) = I_x(df/2, 1/2), x = df/(df + t^2), 1 - x = t^2/(df + t^2)
    a = abs(t)
    x, y = _split(df / a, a) if a > 1.0 else _split(df, a * a)
    p2 = special.beta_pair(df / 2.0, 0.5, x, y)[0]
    return 0.5 * p2 if t > 0.0 else 1.0 - 0.5 * p2


def t_sf(x, df):
    """Student t survival function :math:`P(T > t) = I_{df/(df+t^2)}(df/2, 1/2) / 2` for
    :math:`t > 0` and 1 minus it for :math:`t < 0` (as ``t.sf``); :math:`df = \\infty`
    gives the normal tail.

    Examples
    --------
    >>> round(float(t_sf(2.228139, 10)), 6)
    0.025
    """
    ok = _df_ok(df)
    x_arr = np.asarray(x, dtype=float)
    return _upper_tail(x_arr, ok, -np.inf, lambda m: _scalar_map(_t_sf_one, m, x_arr, df))
