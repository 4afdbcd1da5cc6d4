"""Content-validity and consensus statistics of a Delphi panel: pure formulas.

Every function takes numbers or arrays and returns numbers; none rounds. Missing ratings
(NaN) are left out by the callers, not here: pass the ratings that exist.

Item level (one item, one round):
:func:`i_cvi`, :func:`chance_agreement`, :func:`modified_kappa` (Polit, Beck & Owen 2007),
:func:`cvr` and :func:`cvr_critical` (Lawshe 1975; Ayre & Scally 2014),
:func:`quantile7` / :func:`median_iqr` (R's default quantile, type 7),
:func:`agreement` (share of ratings in the most-chosen region of the scale),
:func:`rand_ucla` (IPR, IPRCP, AI, IPRAS and disagreement; Fitch et al. 2001).

Round level: :func:`s_cvi_ave`, :func:`s_cvi_ua` (Polit & Beck 2006),
:func:`kendall_w` (with the correction for ties; Kendall & Babington Smith 1939,
as in ``irr::kendall(correct = TRUE)``).

Between rounds: :func:`wilcoxon_paired` (as R's ``wilcox.test(x, y, paired = TRUE,
exact = FALSE, correct = TRUE)``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from lospw.analysis.core.distributions import chi2_sf

__all__ = [
    "KendallW",
    "RandUcla",
    "Wilcoxon",
    "agreement",
    "chance_agreement",
    "cvr",
    "cvr_critical",
    "cvr_critical_n",
    "i_cvi",
    "kendall_w",
    "median_iqr",
    "modified_kappa",
    "quantile7",
    "rand_ucla",
    "s_cvi_ave",
    "s_cvi_ua",
    "wilcoxon_paired",
]


def _rank(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n with ties given their average rank (R's ``rank``, ties.method "average")."""
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    starts = np.r_[0, np.flatnonzero(xs[1:] != xs[:-1]) + 1]
    ends = np.r_[starts[1:], xs.size]
    avg = (starts + ends + 1) / 2.0  # mean of the 1-based positions start+1 .. end
    ranks = np.empty(x.size, dtype=float)
    ranks[order] = np.repeat(avg, ends - starts)
    return ranks


def _norm_sf(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def _values(ratings: Any) -> np.ndarray:
    x = np.asarray(ratings, dtype=float).ravel()
    return x[~np.isnan(x)]


def i_cvi(ratings: Any, relevant_min: float) -> float:
    """Item-level content validity index: the share of raters who judge the item relevant.

    Parameters
    ----------
    ratings : array-like
        The item's ratings (NaN ignored).
    relevant_min : float
        Lowest rating that counts as relevant (3 on Lynn's 1-4 scale: "quite" or "highly"
        relevant; 7 on the RAND/UCLA 1-9 scale).

    Returns
    -------
    float
        ``A / N`` with ``A`` the number of ratings ``>= relevant_min`` and ``N`` the number
        of ratings; NaN when there are none.

    References
    ----------
    Lynn, M. R. (1986). Determination and quantification of content validity. Nursing
    Research, 35(6), 382-385.
    Polit, D. F., & Beck, C. T. (2006). The content validity index: are you sure you know
    what's being reported? Research in Nursing & Health, 29(5), 489-497.

    Examples
    --------
    >>> i_cvi([4, 4, 3, 2, 4], relevant_min=3)
    0.8
    """
    x = _values(ratings)
    if x.size == 0:
        return math.nan
    return float(np.count_nonzero(x >= relevant_min) / x.size)


def chance_agreement(n: int, a: int) -> float:
    """Probability of chance agreement on relevance, ``Pc = C(N, A) * 0.5**N``.

    Parameters
    ----------
    n : int
        Number of raters ``N``.
    a : int
        Number of raters ``A`` judging the item relevant.

    Notes
    -----
    The binomial probability that exactly ``A`` of ``N`` raters say "relevant" when each
    does so with probability one half (Polit, Beck & Owen 2007, p. 462). Computed with exact
    integers, so it does not underflow for large panels.

    References
    ----------
    Polit, D. F., Beck, C. T., & Owen, S. V. (2007). Is the CVI an acceptable indicator of
    content validity? Appraisal and recommendations. Research in Nursing & Health, 30(4),
    459-467.

    Examples
    --------
    >>> round(chance_agreement(10, 8), 4)
    0.0439
    """
    if n < 0 or a < 0 or a > n:
        raise ValueError(f"need 0 <= a <= n; got n={n}, a={a}")
    return math.comb(n, a) / 2**n


def modified_kappa(i_cvi_value: float, n: int) -> float:
    """Modified kappa adjusting the I-CVI for chance agreement (Polit, Beck & Owen 2007).

    Parameters
    ----------
    i_cvi_value : float
        The item's I-CVI, ``A / N``.
    n : int
        Number of raters ``N``.

    Returns
    -------
    float
        ``kappa* = (I-CVI - Pc) / (1 - Pc)`` with ``Pc = C(N, A) * 0.5**N``
        (:func:`chance_agreement`); NaN when ``N = 0`` (and when ``Pc = 1``, i.e. ``N = 0``).

    Notes
    -----
    Polit et al. (2007, Table 2) grade kappa* as poor (< .40), fair (.40-.59), good
    (.60-.74) and excellent (> .74), after Cicchetti & Sparrow (1981) and Fleiss (1981).

    Examples
    --------
    The published worked value: ten raters, eight of them rating the item relevant.

    >>> round(modified_kappa(0.8, 10), 2)
    0.79
    >>> modified_kappa(1.0, 3)
    1.0
    """
    if n <= 0 or math.isnan(i_cvi_value):
        return math.nan
    a = round(i_cvi_value * n)
    pc = chance_agreement(n, a)
    return float((i_cvi_value - pc) / (1.0 - pc))


def cvr(n_essential: int, n: int) -> float:
    """Lawshe's content validity ratio, ``CVR = (ne - N/2) / (N/2)``.

    Parameters
    ----------
    n_essential : int
        Raters ``ne`` who judge the item essential (here: relevant).
    n : int
        Number of raters ``N``.

    References
    ----------
    Lawshe, C. H. (1975). A quantitative approach to content validity. Personnel
    Psychology, 28(4), 563-575.

    Examples
    --------
    >>> cvr(9, 10)
    0.8
    >>> cvr(5, 10)
    0.0
    """
    if n <= 0:
        return math.nan
    return (n_essential - n / 2) / (n / 2)


def cvr_critical_n(n: int, alpha: float = 0.05) -> int | None:
    """Smallest number of "essential" ratings that is significant by the exact binomial test.

    Parameters
    ----------
    n : int
        Number of raters ``N``.
    alpha : float
        One-tailed significance level (0.05 in Ayre & Scally 2014).

    Returns
    -------
    int or None
        The smallest ``ne`` with ``P(X >= ne | N, 0.5) < alpha``; None when even
        ``ne = N`` is not significant (``N < 5`` at ``alpha = .05``).

    Notes
    -----
    Computed with exact fractions: ``sum_{j >= ne} C(N, j) / 2**N < alpha``.

    References
    ----------
    Ayre, C., & Scally, A. J. (2014). Critical values for Lawshe's content validity ratio:
    revisiting the original methods of calculation. Measurement and Evaluation in
    Counseling and Development, 47(1), 79-86.

    Examples
    --------
    >>> cvr_critical_n(10), cvr_critical_n(20), cvr_critical_n(40)
    (9, 15, 26)
    >>> cvr_critical_n(4) is None
    True
    """
    if n <= 0:
        return None
    a = Fraction(str(alpha))
    total = 2**n
    tail = 0
    best = None
    for k in range(n, -1, -1):  # P(X >= k) grows as k falls
        tail += math.comb(n, k)
        if Fraction(tail, total) < a:
            best = k
        else:
            break
    return best


def cvr_critical(n: int, alpha: float = 0.05) -> float:
    """Critical value of Lawshe's CVR from the exact one-tailed binomial test.

    Parameters
    ----------
    n : int
        Number of raters ``N``.
    alpha : float
        One-tailed significance level.

    Returns
    -------
    float
        ``CVR_crit = (ne_crit - N/2) / (N/2)`` with ``ne_crit`` from :func:`cvr_critical_n`;
        NaN when no number of ratings reaches significance.

    Examples
    --------
    The published values (Ayre & Scally 2014, Table 2):

    >>> cvr_critical(10), cvr_critical(20), cvr_critical(40)
    (0.8, 0.5, 0.3)
    """
    k = cvr_critical_n(n, alpha)
    return math.nan if k is None else cvr(k, n)


def quantile7(ratings: Any, p: float) -> float:
    """Sample quantile by R's default definition (``quantile(x, p, type = 7)``).

    Notes
    -----
    ``h = (n - 1) p``; ``Q(p) = x[floor(h)] + (h - floor(h)) (x[floor(h) + 1] - x[floor(h)])``
    on the sorted values (0-based). Hyndman & Fan (1996), definition 7; numpy's
    ``method="linear"``. NaN when there are no values.

    References
    ----------
    Hyndman, R. J., & Fan, Y. (1996). Sample quantiles in statistical packages. The American
    Statistician, 50(4), 361-365.

    Examples
    --------
    >>> quantile7([1, 2, 3, 4], 0.25)
    1.75
    """
    x = _values(ratings)
    if x.size == 0:
        return math.nan
    return float(np.quantile(x, p, method="linear"))


def median_iqr(ratings: Any) -> tuple[float, float, float, float]:
    """Median, first and third quartile (R type 7) and IQR ``Q3 - Q1``.

    Examples
    --------
    >>> median_iqr([1, 2, 3, 4])
    (2.5, 1.75, 3.25, 1.5)
    """
    x = _values(ratings)
    if x.size == 0:
        return (math.nan,) * 4
    q1, med, q3 = (float(v) for v in np.quantile(x, [0.25, 0.5, 0.75], method="linear"))
    return med, q1, q3, q3 - q1


def agreement(ratings: Any, regions: Sequence[tuple[float, float]]) -> float:
    """Percentage agreement: the share of ratings in the most-chosen region of the scale.

    Parameters
    ----------
    ratings : array-like
    regions : sequence of (low, high)
        Non-overlapping closed ranges that cover the scale, e.g. ``[(1, 2), (3, 4)]`` on
        the 1-4 scale (not relevant / relevant) or ``[(1, 3), (4, 6), (7, 9)]`` on the
        RAND/UCLA scale.

    Returns
    -------
    float
        ``max_r (number of ratings in region r) / N``; NaN when there are no ratings.

    Notes
    -----
    Consensus as "at least x % of the panel in the same region" (e.g. 70-80 %; Diamond et
    al. 2014; Fitch et al. 2001, ch. 7). It counts agreement that an item is relevant and
    agreement that it is not.

    Examples
    --------
    >>> agreement([4, 3, 3, 2, 1], [(1, 2), (3, 4)])
    0.6
    """
    x = _values(ratings)
    if x.size == 0:
        return math.nan
    counts = [np.count_nonzero((x >= lo) & (x <= hi)) for lo, hi in regions]
    return float(max(counts) / x.size)


@dataclass(frozen=True)
class RandUcla:
    """Disagreement by the interpercentile range adjusted for symmetry (IPRAS)."""

    p_lower: float
    p_upper: float
    ipr: float
    iprcp: float
    ai: float
    ipras: float
    disagreement: bool | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def rand_ucla(ratings: Any, *, lower: float = 0.30, upper: float = 0.70,
              center: float = 5.0, ipr_symmetric: float = 2.35,
              asymmetry_factor: float = 1.5) -> RandUcla:
    """RAND/UCLA disagreement on the 9-point scale (Fitch et al. 2001, ch. 7).

    Parameters
    ----------
    ratings : array-like
        The item's ratings on 1-9 (NaN ignored).
    lower, upper : float
        Percentiles whose distance is the interpercentile range (30th and 70th).
    center : float
        Centre of the scale (5 on 1-9).
    ipr_symmetric : float
        ``IPRr``, the IPR required for disagreement when the ratings are symmetric about
        the centre (2.35).
    asymmetry_factor : float
        ``CFA``, the correction factor for asymmetry (1.5).

    Returns
    -------
    RandUcla
        ``ipr = P70 - P30``; ``iprcp = (P30 + P70) / 2``; ``ai = |center - iprcp|``;
        ``ipras = IPRr + ai * CFA``; ``disagreement = ipr > ipras`` (None without ratings).

    Notes
    -----
    The manual (Fitch et al. 2001, p. 61) gives IPRr = 2.35 and CFA = 1.5, chosen so the
    IPRAS method agrees with the classical definition for panels of nine. It does not fix a
    percentile definition; R's default (type 7, :func:`quantile7`) is used here.

    References
    ----------
    Fitch, K., Bernstein, S. J., Aguilar, M. D., Burnand, B., LaCalle, J. R., Lazaro, P.,
    van het Loo, M., McDonnell, J., Vader, J. P., & Kahan, J. P. (2001). The RAND/UCLA
    Appropriateness Method User's Manual. RAND, MR-1269-DG-XII/RE.

    Examples
    --------
    The worked example in BMJ Open 2012;2:e001431, Table 1: 15 panellists, one
    each at 4, 5 and 6, five at 7, five at 8 and two at 9.

    >>> r = rand_ucla([4, 5, 6] + [7] * 5 + [8] * 5 + [9] * 2)
    >>> r.p_lower, r.p_upper, r.ipr, r.iprcp, r.ai
    (7.0, 8.0, 1.0, 7.5, 2.5)
    >>> round(r.ipras, 2), r.disagreement
    (6.1, False)
    """
    x = _values(ratings)
    if x.size == 0:
        nan = math.nan
        return RandUcla(nan, nan, nan, nan, nan, nan, None)
    lo, hi = (float(v) for v in np.quantile(x, [lower, upper], method="linear"))
    ipr = hi - lo
    cp = (lo + hi) / 2
    ai = abs(center - cp)
    ipras = ipr_symmetric + ai * asymmetry_factor
    return RandUcla(lo, hi, ipr, cp, ai, ipras, bool(ipr > ipras))


def s_cvi_ave(i_cvis: Any) -> float:
    """Scale-level CVI, averaging method: the mean of the items' I-CVIs (NaN ignored).

    References
    ----------
    Polit, D. F., & Beck, C. T. (2006). Research in Nursing & Health, 29(5), 489-497.

    Examples
    --------
    >>> s_cvi_ave([1.0, 0.8, 0.9])
    0.9
    """
    x = _values(i_cvis)
    return float(x.mean()) if x.size else math.nan


def s_cvi_ua(i_cvis: Any) -> float:
    """Scale-level CVI, universal agreement: the share of items with I-CVI = 1.

    Examples
    --------
    >>> s_cvi_ua([1.0, 0.8, 1.0, 0.9])
    0.5
    """
    x = _values(i_cvis)
    return float(np.count_nonzero(x == 1.0) / x.size) if x.size else math.nan


@dataclass(frozen=True)
class KendallW:
    """Kendall's coefficient of concordance with its chi-square test."""

    w: float
    chisq: float
    df: int
    p_value: float
    n_raters: int
    n_items: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def kendall_w(matrix: Any, correct: bool = True) -> KendallW:
    """Kendall's W of ``m`` raters ranking ``n`` items, with the correction for ties.

    Parameters
    ----------
    matrix : array-like, shape (n_items, n_raters)
        Complete ratings (no NaN): rows are items, columns raters, as in
        ``irr::kendall(ratings)``.
    correct : bool
        Correct for tied ratings (each rater's ties, ``T_j = sum(t**3 - t)``).

    Returns
    -------
    KendallW
        ``W = 12 S / (m**2 (n**3 - n) - m sum_j T_j)`` with ``S`` the sum of squared
        deviations of the items' rank sums from their mean; ``chisq = m (n - 1) W`` on
        ``n - 1`` degrees of freedom. W is NaN when ``n < 2`` or ``m < 2``, or when every
        rater gave every item the same rating (the denominator is zero).

    References
    ----------
    Kendall, M. G., & Babington Smith, B. (1939). The problem of m rankings. Annals of
    Mathematical Statistics, 10(3), 275-287. Siegel, S., & Castellan, N. J. (1988).
    Nonparametric Statistics for the Behavioral Sciences (2nd ed.), section 9.4.
    Gamer, M. et al. irr: Various Coefficients of Interrater Reliability (``kendall``).

    Examples
    --------
    >>> k = kendall_w([[1, 1], [2, 2], [3, 3]])
    >>> k.w, k.df
    (1.0, 2)
    """
    x = np.asarray(matrix, dtype=float)
    if x.ndim != 2:
        raise ValueError("matrix must be 2-dimensional (items x raters)")
    if np.isnan(x).any():
        raise ValueError("matrix must be complete (no NaN)")
    n, m = x.shape
    nan = math.nan
    if n < 2 or m < 2:
        return KendallW(nan, nan, max(n - 1, 0), nan, m, n)
    ranks = np.column_stack([_rank(x[:, j]) for j in range(m)])
    sums = ranks.sum(axis=1)
    s = float(((sums - sums.mean()) ** 2).sum())
    ties = 0.0
    if correct:
        for j in range(m):
            _, counts = np.unique(x[:, j], return_counts=True)
            ties += float((counts.astype(float) ** 3 - counts).sum())
    denom = m**2 * (n**3 - n) - m * ties
    if denom <= 0:
        return KendallW(nan, nan, n - 1, nan, m, n)
    w = 12.0 * s / denom
    chisq = m * (n - 1) * w
    return KendallW(w, chisq, n - 1, float(chi2_sf(chisq, n - 1)), m, n)


@dataclass(frozen=True)
class Wilcoxon:
    """Paired Wilcoxon signed-rank test, normal approximation with continuity correction."""

    n_pairs: int
    n_nonzero: int
    v: float
    z: float
    p_value: float

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def wilcoxon_paired(x: Any, y: Any) -> Wilcoxon:
    """Wilcoxon signed-rank test of paired ratings, as R's ``wilcox.test`` with
    ``paired = TRUE, exact = FALSE, correct = TRUE`` (two-sided).

    Parameters
    ----------
    x, y : array-like
        Ratings of the same panelists in two rounds (pairs with a NaN are left out).

    Returns
    -------
    Wilcoxon
        ``v`` is R's statistic V, the sum of the ranks of ``|x - y|`` over positive
        differences (zero differences dropped, ties given average ranks);
        ``z = (V - n(n+1)/4 - sign * 0.5) / sigma`` with
        ``sigma**2 = n(n+1)(2n+1)/24 - sum(t**3 - t)/48``; ``p = 2 min(Phi(z), 1 - Phi(z))``.
        When every difference is zero, ``z`` and ``p`` are NaN (R reports NA): nothing
        changed.

    References
    ----------
    Wilcoxon, F. (1945). Individual comparisons by ranking methods. Biometrics Bulletin,
    1(6), 80-83. R Core Team, ``stats::wilcox.test`` (normal approximation branch).

    Examples
    --------
    >>> w = wilcoxon_paired([3, 4, 2, 3, 4, 1], [2, 4, 1, 1, 3, 1])
    >>> w.n_nonzero, w.v
    (4, 10.0)
    >>> round(w.p_value, 4)
    0.089
    """
    a = np.asarray(x, dtype=float).ravel()
    b = np.asarray(y, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError("x and y must have the same length")
    ok = ~(np.isnan(a) | np.isnan(b))
    d = a[ok] - b[ok]
    n_pairs = int(d.size)
    d = d[d != 0]
    n = int(d.size)
    if n == 0:
        return Wilcoxon(n_pairs, 0, 0.0, math.nan, math.nan)
    r = _rank(np.abs(d))
    v = float(r[d > 0].sum())
    _, t = np.unique(r, return_counts=True)
    sigma2 = n * (n + 1) * (2 * n + 1) / 24 - float((t.astype(float) ** 3 - t).sum()) / 48
    dev = v - n * (n + 1) / 4
    if sigma2 <= 0:
        return Wilcoxon(n_pairs, n, v, math.nan, math.nan)
    z = (dev - math.copysign(0.5, dev) * (dev != 0)) / math.sqrt(sigma2)
    p = 2 * min(_norm_sf(-z), _norm_sf(z))
    return Wilcoxon(n_pairs, n, v, float(z), float(p))
