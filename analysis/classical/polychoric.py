"""Polychoric correlations by two-step maximum likelihood, vectorised over all item pairs.

Step 1: the thresholds of each item from its marginal proportions,
``tau_c = Phi^-1(P(X <= c))``. Step 2: each correlation maximises the bivariate-normal
likelihood of its pair's contingency table with the thresholds held fixed (Olsson, 1979).
All pairs are solved together: one safeguarded Newton iteration updates every pair's rho at
once, with the cell probabilities of every pair from a vectorised bivariate normal CDF.

Conventions, ``convention="lavaan"`` (the default; lavaan's ``lavCor``, which the WLSMV
engine uses, and ``psych::polychoric`` with ``global = TRUE``):

* the categories are the integers from the smallest to the largest value in the data (all
  items share them; an empty category gives a repeated or infinite threshold);
* ``listwise``: thresholds and tables from the complete cases; ``pairwise``: each item's
  thresholds from all its answers, each pair's table from the rows that answered both;
* zero cells enter the likelihood with weight zero; ``correct`` (default 0) adds that many
  counts to every empty cell of a pair's table if asked;
* a matrix that is not positive definite is smoothed as ``psych::cor.smooth`` does.

``convention="psych"`` follows ``psych::polychoric`` 2.2.9 with its defaults (``global =
TRUE, correct = .5``) all the way: when the items' observed maxima differ ("the items do not
have an equal number of response alternatives") psych sets ``global = FALSE``, and then each
pair takes its thresholds from its own table's margins, after replacing every empty cell of
that table (outside its empty rows and columns) by ``correct`` counts (0.5). With equal
maxima both conventions are the same computation.

The per-pair pieces are pure functions reused elsewhere (WLSMV): :func:`bvn_cdf`,
:func:`bvn_pdf`, :func:`cell_probabilities`, :func:`cell_derivatives`,
:func:`pair_tables`, :func:`thresholds_from_counts`, :func:`polychoric_ml`.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.core import special
from lospw.analysis.core.degenerate import DegenerateDataError
from lospw.analysis.core.errors import InputError, LospwWarning
from lospw.analysis.core.missing import check_missing

__all__ = [
    "CONVENTIONS",
    "PolychoricResult",
    "bvn_cdf",
    "bvn_pdf",
    "cell_derivatives",
    "cell_probabilities",
    "pair_tables",
    "pair_thresholds",
    "polychoric",
    "polychoric_ml",
    "smooth_corr",
    "thresholds_from_counts",
]

log = logging.getLogger(__name__)

_BIG = 10.0  # thresholds are clipped to +-_BIG (Phi(-10) = 7.6e-24)
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(20)
_TWO_PI = 2.0 * np.pi
MAX_CATEGORIES = 20
#: ``lavaan``: lavCor's two-step estimates (global item thresholds); ``psych``:
#: psych::polychoric's defaults, including its per-pair branch on mixed response ranges.
CONVENTIONS = ("lavaan", "psych")


# -- the bivariate normal ---------------------------------------------------------------------
def bvn_pdf(h: Any, k: Any, r: Any) -> np.ndarray:
    """Standard bivariate normal density with correlation ``r`` (broadcasting).

    Examples
    --------
    >>> round(float(bvn_pdf(0.0, 0.0, 0.0)), 6)
    0.159155
    """
    h, k, r = np.asarray(h, float), np.asarray(k, float), np.asarray(r, float)
    s = 1.0 - r * r
    q = (h * h - 2.0 * r * h * k + k * k) / s
    return np.exp(-0.5 * q) / (_TWO_PI * np.sqrt(s))


def bvn_cdf(h: Any, k: Any, r: Any) -> np.ndarray:
    """``P(X < h, Y < k)`` for a standard bivariate normal with correlation ``r``.

    Vectorised over broadcast arrays; accurate to about 1e-15.

    Notes
    -----
    For ``|r| < 0.925`` Sheppard's formula
    ``Phi2 = Phi(h) Phi(k) + (1/2pi) int_0^asin(r) exp(-(h^2 + k^2 - 2hk sin t) / (2 cos^2 t)) dt``
    by 20-point Gauss-Legendre quadrature (Drezner & Wesolowsky, 1990). For ``r >= 0.925``,
    ``Phi2 = Phi(min(h, k)) - int_r^1 phi2(h, k, t) dt``; with ``x = sqrt(1 - t^2)`` the
    integral is ``(1/2pi) int_0^a exp(-(h-k)^2/(2x^2)) g(x) dx``, ``a = sqrt(1 - r^2)``,
    ``g(x) = exp(-hk/(1 + sqrt(1 - x^2))) / sqrt(1 - x^2)``; the Taylor polynomial of ``g``
    to order ``x^4`` is integrated in closed form and the small smooth remainder by
    quadrature (Genz, 2004, section 2.3). For ``r <= -0.925``,
    ``Phi2(h, k, r) = Phi(h) - Phi2(h, -k, -r)``.

    References
    ----------
    Drezner, Z. & Wesolowsky, G. O. (1990). On the computation of the bivariate normal
    integral. J. Statist. Comput. Simul. 35, 101-107.
    Genz, A. (2004). Numerical computation of rectangular bivariate and trivariate normal
    and t probabilities. Statistics and Computing 14, 251-260.

    Examples
    --------
    >>> round(float(bvn_cdf(0.0, 0.0, 0.5)), 10)  # 1/4 + asin(.5)/(2 pi) = 1/3
    0.3333333333
    >>> round(float(bvn_cdf(0.3, -0.2, 0.97)), 6)
    0.419994
    """
    h, k, r = np.broadcast_arrays(np.asarray(h, float), np.asarray(k, float),
                                  np.asarray(r, float))
    h = np.clip(h, -_BIG * 4, _BIG * 4)
    k = np.clip(k, -_BIG * 4, _BIG * 4)
    out = np.empty(h.shape)
    low = np.abs(r) < 0.925
    if low.any():
        out[low] = _bvn_low(h[low], k[low], r[low])
    pos = ~low & (r > 0)
    if pos.any():
        out[pos] = _bvn_high(h[pos], k[pos], r[pos])
    neg = ~low & (r < 0)
    if neg.any():
        out[neg] = special.ndtr(h[neg]) - _bvn_high(h[neg], -k[neg], -r[neg])
    return np.clip(out, 0.0, 1.0)


def _bvn_low(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    asr = np.arcsin(r)
    t = 0.5 * asr[..., None] * (_NODES + 1.0)  # nodes on [0, asin r]
    s = np.sin(t)
    hh, kk = h[..., None], k[..., None]
    f = np.exp(-(hh * hh + kk * kk - 2.0 * hh * kk * s) / (2.0 * (1.0 - s * s)))
    integral = 0.5 * asr * (f @ _WEIGHTS)
    return special.ndtr(h) * special.ndtr(k) + integral / _TWO_PI


def _bvn_high(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Phi2 for r >= 0.925 (see bvn_cdf)."""
    hk = h * k
    b2 = (h - k) ** 2
    b = np.sqrt(b2)
    a2 = np.maximum(1.0 - r * r, 0.0)
    a = np.sqrt(a2)
    c = (4.0 - hk) / 8.0
    d = (12.0 - hk) / 80.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # I_n = int_0^a x^(2n) exp(-b^2/(2x^2)) dx, each times exp(-hk/2), in log space
        e_a = np.where(a > 0, np.exp(-b2 / (2.0 * a2) - hk / 2.0), 0.0)
        tail = np.where(
            a > 0,
            b * np.sqrt(_TWO_PI) * np.exp(special.log_ndtr(-b / a) - hk / 2.0),
            0.0,
        )
        i0 = a * e_a - tail
        i1 = (a2 * a * e_a - b2 * i0) / 3.0
        i2 = (a2 * a2 * a * e_a - b2 * i1) / 5.0
        closed = i0 + c * i1 + 5.0 * c * d * i2
        # remainder: int_0^a exp(-b^2/(2x^2) - hk/2) (ep(x) - sp(x)) dx by quadrature
        x = 0.5 * a[..., None] * (_NODES + 1.0)
        x2 = x * x
        rs = np.sqrt(1.0 - x2)
        hk_, b2_ = hk[..., None], b2[..., None]
        ep = np.exp(-(hk_ / 2.0) * x2 / (1.0 + rs) ** 2) / rs
        sp = 1.0 + c[..., None] * x2 * (1.0 + 5.0 * d[..., None] * x2)
        expo = np.exp(-b2_ / (2.0 * x2) - hk_ / 2.0)
        rem = 0.5 * a * (np.where(x2 > 0, expo * (ep - sp), 0.0) @ _WEIGHTS)
    upper = (closed + rem) / _TWO_PI
    return special.ndtr(np.minimum(h, k)) - np.where(a > 0, upper, 0.0)


# -- per-pair quantities ----------------------------------------------------------------------
def _grid(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Thresholds padded with -inf / +inf (as +-_BIG) and broadcast to a corner grid."""
    a = np.clip(np.asarray(a, float), -_BIG, _BIG)
    b = np.clip(np.asarray(b, float), -_BIG, _BIG)
    pad = [(0, 0)] * (a.ndim - 1) + [(1, 1)]
    ea = np.pad(a, pad, constant_values=(-_BIG, _BIG))
    eb = np.pad(b, [(0, 0)] * (b.ndim - 1) + [(1, 1)], constant_values=(-_BIG, _BIG))
    return ea[..., :, None], eb[..., None, :]


def _corners(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Phi2 on the padded corner grid; the border (an infinite threshold) in closed form."""
    shape = np.broadcast_shapes(h.shape, k.shape, r.shape)
    f = np.zeros(shape)
    hb = np.broadcast_to(h, (*shape[:-1], 1))
    kb = np.broadcast_to(k, (*shape[:-2], 1, shape[-1]))
    f[..., -1, :] = special.ndtr(kb[..., 0, :])  # h = +inf: Phi(k)
    f[..., :, -1] = special.ndtr(hb[..., :, 0])  # k = +inf: Phi(h)
    f[..., -1, -1] = 1.0
    f[..., 0, :] = 0.0
    f[..., :, 0] = 0.0
    f[..., 1:-1, 1:-1] = bvn_cdf(h[..., 1:-1, :], k[..., :, 1:-1], r)
    return f


def _cells(f: np.ndarray) -> np.ndarray:
    """Rectangle masses from corner values: P_ij = F_ij - F_(i-1)j - F_i(j-1) + F_(i-1)(j-1)."""
    return np.diff(np.diff(f, axis=-1), axis=-2)


def cell_probabilities(rho: Any, a: Any, b: Any) -> np.ndarray:
    """Cell probabilities of the ``I x J`` table of two discretised standard normals.

    Parameters
    ----------
    rho : array (...)
        Correlations.
    a, b : arrays (..., I-1) and (..., J-1)
        Increasing thresholds of the row and column variable (may hold +-inf).

    Returns
    -------
    ndarray (..., I, J)

    Examples
    --------
    >>> p = cell_probabilities(0.0, [0.0], [0.0])
    >>> p.round(3).tolist()
    [[0.25, 0.25], [0.25, 0.25]]
    """
    rho = np.asarray(rho, float)
    h, k = _grid(a, b)
    return np.maximum(_cells(_corners(h, k, rho[..., None, None])), 0.0)


def cell_derivatives(rho: Any, a: Any, b: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Derivatives of :func:`cell_probabilities` with respect to rho and the thresholds.

    Returns
    -------
    d_rho : ndarray (..., I, J)
        ``dP_ij / d rho`` (the rectangle sum of the bivariate density, since
        ``d Phi2 / d rho = phi2``).
    d_a : ndarray (..., I-1, I, J)
        ``dP_ij / d a_m``, with ``d Phi2(a, b) / d a = phi(a) Phi((b - rho a)/sqrt(1 - rho^2))``.
    d_b : ndarray (..., J-1, I, J)
        ``dP_ij / d b_m``.

    Examples
    --------
    >>> d_rho, d_a, d_b = cell_derivatives(0.3, [0.0], [0.5])
    >>> float(abs(d_rho.sum())) < 1e-12, d_a.shape
    (True, (1, 2, 2))
    """
    rho = np.asarray(rho, float)
    h, k = _grid(a, b)
    r = rho[..., None, None]
    d_rho = _cells(bvn_pdf(h, k, r))
    s = np.sqrt(1.0 - r * r)
    # corner derivatives; the padded (infinite) rows/columns have derivative 0
    fa = special.ndtr((k - r * h) / s) * np.exp(-0.5 * h * h) / np.sqrt(_TWO_PI)
    fb = special.ndtr((h - r * k) / s) * np.exp(-0.5 * k * k) / np.sqrt(_TWO_PI)
    fa = np.broadcast_to(fa, np.broadcast_shapes(h.shape, k.shape, r.shape))
    fb = np.broadcast_to(fb, fa.shape)
    n_a, n_b = fa.shape[-2] - 2, fa.shape[-1] - 2
    d_a = np.zeros((*fa.shape[:-2], n_a, n_a + 1, n_b + 1))
    d_b = np.zeros((*fa.shape[:-2], n_b, n_a + 1, n_b + 1))
    col = np.diff(fa, axis=-1)  # (..., I+1, J): d/da of F(a_i, b_j) - F(a_i, b_(j-1))
    for m in range(n_a):  # corner row m+1 is threshold a_m: cell rows m (+) and m+1 (-)
        d_a[..., m, m, :] = col[..., m + 1, :]
        d_a[..., m, m + 1, :] = -col[..., m + 1, :]
    row = np.diff(fb, axis=-2)  # (..., I, J+1)
    for m in range(n_b):
        d_b[..., m, :, m] = row[..., :, m + 1]
        d_b[..., m, :, m + 1] = -row[..., :, m + 1]
    return d_rho, d_a, d_b


def _d_logpdf_drho(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    s = 1.0 - r * r
    return r / s + h * k / s - r * (h * h - 2.0 * r * h * k + k * k) / (s * s)


def thresholds_from_counts(counts: Any) -> np.ndarray:
    """Thresholds ``Phi^-1(cumulative proportion)`` from category counts (last axis).

    Empty end categories give -inf / +inf; an empty middle category a repeated threshold.

    Examples
    --------
    >>> thresholds_from_counts([1, 2, 1]).round(4).tolist()
    [-0.6745, 0.6745]
    """
    c = np.asarray(counts, float)
    cum = np.cumsum(c, axis=-1)[..., :-1] / c.sum(axis=-1, keepdims=True)
    return special.ndtri(np.clip(cum, 0.0, 1.0))


def pair_tables(codes: Any, n_categories: int) -> np.ndarray:
    """Contingency tables of every pair of items at once.

    Parameters
    ----------
    codes : array (n, p)
        Category codes 0 .. n_categories-1, NaN for missing.
    n_categories : int

    Returns
    -------
    ndarray (p, p, C, C)
        ``T[i, j]`` is the table of item i (rows) by item j (columns) over the rows that
        answered both; ``T[i, i]`` holds item i's marginal counts on its diagonal.

    Examples
    --------
    >>> t = pair_tables(np.array([[0, 1], [1, 1], [np.nan, 0]]), 2)
    >>> t[0, 1].tolist()
    [[0.0, 1.0], [0.0, 1.0]]
    """
    z = np.asarray(codes, float)
    n, p = z.shape
    onehot = np.zeros((n, p, n_categories))
    ok = ~np.isnan(z)
    r, c = np.nonzero(ok)
    onehot[r, c, z[r, c].astype(int)] = 1.0
    flat = onehot.reshape(n, p * n_categories)
    t = flat.T @ flat
    return t.reshape(p, n_categories, p, n_categories).transpose(0, 2, 1, 3)


def polychoric_ml(tables: Any, a: Any, b: Any, start: Any = None, *, tol: float = 1e-10,
                  max_iter: int = 100) -> tuple[np.ndarray, np.ndarray, int]:
    """Maximum-likelihood rho of many tables at once, thresholds fixed (two-step ML).

    Maximises ``sum_ij n_ij log P_ij(rho)`` for every table by Newton's method on the exact
    first and second derivatives, safeguarded by a bracket kept per table (a step leaving
    it, or a non-concave point, falls back to bisection).

    Parameters
    ----------
    tables : array (m, I, J)
    a, b : arrays (m, I-1), (m, J-1)
    start : array (m,), optional

    Returns
    -------
    rho : ndarray (m,)
    converged : ndarray of bool (m,)
    iterations : int

    Examples
    --------
    >>> p = cell_probabilities(0.6, [-0.5, 0.5], [0.0, 0.8])
    >>> rho, ok, _ = polychoric_ml((p * 1e6)[None], np.array([[-0.5, 0.5]]),
    ...                            np.array([[0.0, 0.8]]))
    >>> round(float(rho[0]), 8), bool(ok[0])
    (0.6, True)
    """
    n = np.asarray(tables, float)
    m = n.shape[0]
    h, k = _grid(a, b)
    lo = np.full(m, -1.0 + 1e-9)
    hi = np.full(m, 1.0 - 1e-9)
    rho = np.zeros(m) if start is None else np.clip(np.asarray(start, float), -0.99, 0.99)
    done = np.zeros(m, dtype=bool)
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 (iterations are reported)
        act = ~done
        r = rho[act][:, None, None]
        hh, kk, nn = h[act], k[act], n[act]
        p = np.maximum(_cells(_corners(hh, kk, r)), 1e-300)
        dens = bvn_pdf(hh, kk, r)
        d1 = _cells(dens)
        d2 = _cells(dens * _d_logpdf_drho(hh, kk, r))
        w = nn / p
        score = (w * d1).sum(axis=(1, 2))
        hess = (w * d2).sum(axis=(1, 2)) - (nn * (d1 / p) ** 2).sum(axis=(1, 2))
        ra = rho[act]
        lo_a = np.where(score > 0, ra, lo[act])
        hi_a = np.where(score > 0, hi[act], ra)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = -score / hess
        concave = hess < 0
        close = concave & (np.abs(newton) < tol)
        new = ra + newton
        bad = ~concave | ~np.isfinite(new) | (new <= lo_a) | (new >= hi_a)
        new = np.where(close, new, np.where(bad, 0.5 * (lo_a + hi_a), new))
        lo[act], hi[act] = lo_a, hi_a
        rho[act] = new
        done[act] = close | (hi_a - lo_a < tol)
        if done.all():
            break
    return rho, done, it


def smooth_corr(corr: Any, eig_tol: float = 1e-12) -> tuple[np.ndarray, bool]:
    """Make a correlation matrix positive definite as ``psych::cor.smooth`` does.

    If the smallest eigenvalue is below machine epsilon, eigenvalues below ``eig_tol`` are
    set to ``100 * eig_tol``, all are rescaled to sum to p, and the rebuilt matrix is
    rescaled to unit diagonal.

    Examples
    --------
    >>> r = np.array([[1, .9, -.9], [.9, 1, .9], [-.9, .9, 1]])
    >>> s, done = smooth_corr(r)
    >>> done, bool(np.linalg.eigvalsh(s).min() > 0)
    (True, True)
    """
    r = np.asarray(corr, float)
    vals, vecs = np.linalg.eigh(r)
    if vals.min() >= np.finfo(float).eps:
        return r, False
    vals = np.where(vals < eig_tol, 100.0 * eig_tol, vals)
    vals = vals * r.shape[0] / vals.sum()
    s = (vecs * vals) @ vecs.T
    d = np.sqrt(np.diag(s))
    return s / np.outer(d, d), True


# -- result and adapter -----------------------------------------------------------------------
@dataclass(frozen=True)
class PolychoricResult:
    """Polychoric correlations with their thresholds.

    Attributes
    ----------
    corr : DataFrame (p x p)
    thresholds : DataFrame (p x C-1)
        Columns ``t1 .. t{C-1}``; -inf / +inf for empty end categories.
    n : int
        Rows used (listwise: complete cases; pairwise: rows with at least one answer).
    n_pairs : DataFrame (p x p)
        Rows behind each correlation (diagonal: each item's answers).
    categories : tuple of int
    missing : str
    smoothed : bool
        Whether the matrix was not positive definite and was smoothed.
    converged : bool
    iterations : int
    correct : float
    convention : str
        ``"lavaan"`` or ``"psych"`` (see the module notes).
    global_thresholds : bool
        False when the psych convention switched to per-pair thresholds.
    """

    corr: pd.DataFrame
    thresholds: pd.DataFrame
    n: int
    n_pairs: pd.DataFrame
    categories: tuple[int, ...]
    missing: str
    smoothed: bool
    converged: bool
    iterations: int
    correct: float = 0.0
    convention: str = "lavaan"
    global_thresholds: bool = True

    def to_frame(self) -> pd.DataFrame:
        """The correlation matrix."""
        return self.corr

    def to_dict(self) -> dict[str, Any]:
        items = list(self.corr.columns)
        th = self.thresholds.replace([np.inf, -np.inf], np.nan)
        return {
            "missing": self.missing,
            "n": self.n,
            "items": items,
            "categories": list(self.categories),
            "corr": self.corr.to_numpy().tolist(),
            "thresholds": {i: th.loc[i].tolist() for i in items},
            "n_pairs": self.n_pairs.to_numpy().astype(int).tolist(),
            "smoothed": self.smoothed,
            "converged": self.converged,
            "iterations": self.iterations,
            "correct": self.correct,
            "convention": self.convention,
            "global_thresholds": self.global_thresholds,
        }


def _codes(frame: pd.DataFrame) -> tuple[np.ndarray, tuple[int, ...]]:
    x = frame.to_numpy(dtype=float)
    obs = x[~np.isnan(x)]
    if obs.size == 0:
        raise DegenerateDataError("too_few_rows",
                                  "Polychoric correlations need data; every value is missing.")
    if np.any(obs != np.round(obs)):
        raise InputError(
            "Polychoric correlations need integer categories; the data hold non-integer "
            f"values (e.g. {float(obs[obs != np.round(obs)][0])!r}). Use Pearson correlations for "
            "continuous scores."
        )
    lo, hi = int(obs.min()), int(obs.max())
    if hi - lo + 1 > MAX_CATEGORIES:
        raise InputError(
            f"Polychoric correlations are for ordinal items with few categories; the data "
            f"span {hi - lo + 1} values ({lo} to {hi}, at most {MAX_CATEGORIES} allowed). "
            "Use Pearson correlations."
        )
    return x - lo, tuple(range(lo, hi + 1))


def polychoric(data: pd.DataFrame, *, missing: str = "listwise", correct: float | None = None,
               smooth: bool = True, convention: str = "lavaan") -> PolychoricResult:
    """Polychoric correlation matrix of ordinal items (two-step ML).

    Parameters
    ----------
    data : DataFrame
        One column per item, integer categories, NaN missing.
    missing : {"listwise", "pairwise"}
    correct : float, optional
        ``lavaan`` convention: counts added to every empty cell of a pair's table (default
        0: none). ``psych`` convention: psych's ``correct`` (default 0.5), used only when
        psych switches to per-pair thresholds (items with different observed maxima).
    smooth : bool
        Smooth a non-positive-definite result (``psych::cor.smooth``).
    convention : {"lavaan", "psych"}
        See the module notes: ``lavaan`` (``lavCor``; psych with ``global = TRUE``) or
        ``psych`` (``psych::polychoric``'s own switch to ``global = FALSE`` on mixed
        response ranges).

    Returns
    -------
    PolychoricResult

    Raises
    ------
    InputError
        Unknown option, non-integer values, too many categories, too few rows.

    Examples
    --------
    >>> g = np.random.default_rng(0)
    >>> z = g.multivariate_normal([0, 0], [[1, .5], [.5, 1]], size=4000)
    >>> df = pd.DataFrame(np.digitize(z, [-1, 0, 1]) + 1, columns=["a", "b"])
    >>> res = polychoric(df)
    >>> round(float(res.corr.loc["a", "b"]), 2), res.n
    (0.5, 4000)
    """
    check_missing(missing)
    if not isinstance(data, pd.DataFrame):
        raise InputError(
            f"The data must be a pandas DataFrame of item responses; got {type(data).__name__}."
        )
    if convention not in CONVENTIONS:
        raise InputError(f"The 'convention' option must be one of "
                         f"{', '.join(map(repr, CONVENTIONS))}; got {convention!r}.")
    if correct is None:
        correct = 0.5 if convention == "psych" else 0.0
    if not (isinstance(correct, (int, float)) and correct >= 0):
        raise InputError(f"The 'correct' option must be a number >= 0; got {correct!r}.")
    frame = data.dropna() if missing == "listwise" else data[data.notna().any(axis=1)]
    items = [str(c) for c in frame.columns]
    p = len(items)
    if p < 2 or len(frame) < 2:
        raise DegenerateDataError(
            "too_few_rows",
            f"Polychoric correlations need at least 2 items and 2 rows; got {p} item(s) and "
            f"{len(frame)} usable row(s) under missing={missing!r}."
        )
    z, cats = _codes(frame)
    n_cat = len(cats)
    tables = pair_tables(z, n_cat)
    marg = np.einsum("iicc->ic", tables)  # each item's own counts
    tau = thresholds_from_counts(marg)
    n_pairs = tables.sum(axis=(2, 3))
    const = (marg > 0).sum(axis=1) < 2
    if const.any():
        warnings.warn(LospwWarning(
            "zero_variance_item",
            f"item(s) {', '.join(np.array(items)[const])} have one category only; their "
            "polychoric correlations are undefined (NaN)."), stacklevel=2)
    iu, ju = np.triu_indices(p, 1)
    tab = tables[iu, ju]
    top = np.array([np.flatnonzero(m).max(initial=-1) for m in marg])
    global_thresholds = convention == "lavaan" or len(set(top[~const])) <= 1
    if global_thresholds:
        if convention == "lavaan" and correct > 0:
            tab = np.where(tab == 0, correct, tab)
        a, b, degenerate = tau[iu], tau[ju], np.zeros(len(iu), dtype=bool)
    else:
        tab, a, b, degenerate = pair_thresholds(tab, correct)
    # start: Pearson r of the normal scores of the categories, from each table
    start = _start_values(tab, a, b)
    rho, ok, its = polychoric_ml(tab, a, b, start)
    bad_pair = const[iu] | const[ju] | (n_pairs[iu, ju] < 2) | degenerate
    rho = np.where(bad_pair, np.nan, rho)
    corr = np.eye(p)
    corr[iu, ju] = rho
    corr[ju, iu] = rho
    smoothed = False
    if smooth and np.isfinite(corr).all():
        corr, smoothed = smooth_corr(corr)
        if smoothed:
            warnings.warn(LospwWarning(
                "nonpositive_definite",
                "the polychoric matrix was not positive definite and was smoothed "
                "(psych::cor.smooth)."), stacklevel=2)
    converged = bool(ok[~bad_pair].all())
    if not converged:
        warnings.warn(LospwWarning("not_converged", "some polychoric correlations did not "
                                   "converge."), stacklevel=2)
    log.debug("polychoric: %d pairs in %d Newton iterations", len(rho), its)
    return PolychoricResult(
        corr=pd.DataFrame(corr, index=items, columns=items),
        thresholds=pd.DataFrame(tau, index=items,
                                columns=[f"t{j}" for j in range(1, n_cat)]),
        n=len(frame),
        n_pairs=pd.DataFrame(n_pairs.astype(int), index=items, columns=items),
        categories=cats, missing=missing, smoothed=smoothed, converged=converged,
        iterations=its, correct=float(correct), convention=convention,
        global_thresholds=bool(global_thresholds),
    )


def pair_thresholds(tables: Any, correct: float
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """psych's ``global = FALSE`` branch: each table's own thresholds, empty cells corrected.

    Per table (``psych:::polyc``): the empty rows and columns are set aside; every other
    empty cell gets ``correct`` counts; the thresholds are ``Phi^-1`` of the cumulative
    margins divided by the *uncorrected* total (as psych, which does not renormalise), with
    an empty row or column giving a repeated threshold (probability 0) and the last
    non-empty category an upper threshold of +inf.

    Returns
    -------
    tables : ndarray (m, C, C)
        The corrected tables.
    a, b : ndarray (m, C-1)
        Row and column thresholds.
    degenerate : ndarray of bool (m,)
        Tables with fewer than two non-empty rows or columns (psych gives NA).

    Examples
    --------
    >>> t = np.array([[[10.0, 0.0, 0.0], [5.0, 5.0, 0.0], [0.0, 0.0, 0.0]]])
    >>> tab, a, b, deg = pair_thresholds(t, 0.5)
    >>> tab[0].tolist(), a.round(4).tolist(), b.round(4).tolist(), deg.tolist()
    ([[10.0, 0.5, 0.0], [5.0, 5.0, 0.0], [0.0, 0.0, 0.0]], [[0.0627, inf]], [[0.6745, inf]], [False])
    """
    t = np.asarray(tables, float)
    tot = t.sum(axis=(1, 2))
    rows, cols = t.sum(axis=2) > 0, t.sum(axis=1) > 0
    if correct > 0:
        fix = (t == 0) & rows[:, :, None] & cols[:, None, :]
        t = np.where(fix, correct, t)

    def cuts(margin: np.ndarray, used: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            cum = np.cumsum(margin, axis=1)[:, :-1] / tot[:, None]
        tau = special.ndtri(np.clip(cum, 0.0, 1.0))
        last = np.array([np.flatnonzero(u).max(initial=0) for u in used])
        return np.where(np.arange(tau.shape[1])[None, :] >= last[:, None], np.inf, tau)

    degenerate = (rows.sum(axis=1) < 2) | (cols.sum(axis=1) < 2)
    return t, cuts(t.sum(axis=2), rows), cuts(t.sum(axis=1), cols), degenerate


def _start_values(tab: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson r of category midpoint scores, shrunk towards zero (a safe Newton start)."""
    def scores(t: np.ndarray) -> np.ndarray:
        e = np.clip(t, -3.0, 3.0)
        e = np.concatenate([e[:, :1] - 1.0, e, e[:, -1:] + 1.0], axis=1)
        return 0.5 * (e[:, :-1] + e[:, 1:])

    sa, sb = scores(a), scores(b)
    n = tab.sum(axis=(1, 2))
    pa, pb = tab.sum(axis=2) / n[:, None], tab.sum(axis=1) / n[:, None]
    ma, mb = (pa * sa).sum(1), (pb * sb).sum(1)
    va = (pa * (sa - ma[:, None]) ** 2).sum(1)
    vb = (pb * (sb - mb[:, None]) ** 2).sum(1)
    cab = np.einsum("mij,mi,mj->m", tab / n[:, None, None], sa - ma[:, None],
                    sb - mb[:, None])
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cab / np.sqrt(va * vb)
    return np.clip(np.nan_to_num(r), -0.9, 0.9)
