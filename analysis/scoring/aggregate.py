"""Workplace aggregation: mean profiles, ICC(1), ICC(2), rwg(j) and AD_M(J), with flags.

Individual answers describe a workplace only where its members agree and workplaces differ.
Per group (e.g. workplace) and scale this module gives the mean score with its 95% interval,
the within-group agreement rwg(j) and AD_M(J), and per scale the one-way ANOVA intraclass
correlations ICC(1) and ICC(2). The formulas follow R's ``multilevel`` package (Bliese), so
the numbers can be checked there.

Rules for flags (stated in advance; a flag means "do not read this mean as a workplace
property without discussion"):

* ``too_few_respondents`` — fewer than 2 respondents with a score (agreement undefined);
* ``low_agreement_rwg`` — rwg(j) < .70 (James, Demaree & Wolf, 1984; LeBreton & Senter,
  2008);
* ``low_agreement_ad`` — AD_M(J) > c / 6, c the number of response options (Burke &
  Dunlap, 2002);
* per scale: ``low_icc1`` — ICC(1) < .05 (workplace membership explains under 5% of the
  variance; Bliese, 2000) and ``unreliable_group_means`` — ICC(2) < .70 (LeBreton & Senter,
  2008).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.core.distributions import f_sf, t_ppf
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import Key

__all__ = [
    "AD_CUT_DIVISOR",
    "ICC1_MIN",
    "ICC2_MIN",
    "RWG_MIN",
    "AggregationResult",
    "ad_m",
    "aggregate",
    "icc_oneway",
    "mean_ci",
    "rwg_j",
    "uniform_null_variance",
]

RWG_MIN = 0.70
ICC1_MIN = 0.05
ICC2_MIN = 0.70
AD_CUT_DIVISOR = 6.0


# ---- pure formulas ---------------------------------------------------------------------------
def uniform_null_variance(n_options: int) -> float:
    """Variance of a uniform (rectangular) null distribution over ``A`` options, (A² - 1)/12.

    References
    ----------
    James, L. R., Demaree, R. G., & Wolf, G. (1984). Estimating within-group interrater
    reliability with and without response bias. *Journal of Applied Psychology, 69*, 85–98.

    Examples
    --------
    >>> uniform_null_variance(5)
    2.0
    """
    return (n_options**2 - 1) / 12.0


def rwg_j(x: np.ndarray, null_variance: float) -> float:
    """Multi-item within-group agreement rwg(j) of one group.

    ``rwg(j) = J (1 - s̄²/σ²_E) / (J (1 - s̄²/σ²_E) + s̄²/σ²_E)`` with ``s̄²`` the mean of the
    J item variances (n - 1) in the group. As ``multilevel::rwg.j``: rows with a missing
    item are dropped, a mean variance above the null variance is set to it (so rwg(j) is 0,
    never negative or above 1), and fewer than 2 rows give NaN.

    Parameters
    ----------
    x : ndarray, shape (n, J)
        The group's answers to the scale's items.
    null_variance : float
        σ²_E, e.g. :func:`uniform_null_variance`.

    References
    ----------
    James, Demaree & Wolf (1984), eq. 4; Bliese, P. D. (2016). multilevel: Multilevel
    functions (R package), ``rwg.j``.

    Examples
    --------
    >>> x = np.array([[4, 4, 5], [5, 4, 4], [4, 5, 4], [5, 5, 5]], float)
    >>> round(rwg_j(x, 2.0), 6)
    0.9375
    """
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x).any(axis=1)]
    if x.shape[0] < 2:
        return float("nan")
    j = x.shape[1]
    s = min(float(np.mean(np.var(x, axis=0, ddof=1))), null_variance)
    ratio = s / null_variance
    return j * (1 - ratio) / (j * (1 - ratio) + ratio)


def ad_m(x: np.ndarray) -> float:
    """Average deviation index AD_M(J): the mean over items of the mean absolute deviation
    from the item mean, within one group (rows with a missing item dropped, as
    ``multilevel::ad.m``; fewer than 2 rows give NaN).

    References
    ----------
    Burke, M. J., Finkelstein, L. M., & Dusig, M. S. (1999). On average deviation indices
    for estimating interrater agreement. *Organizational Research Methods, 2*, 49–68.

    Examples
    --------
    >>> ad_m(np.array([[1, 2], [3, 2]], float))
    0.5
    """
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x).any(axis=1)]
    if x.shape[0] < 2:
        return float("nan")
    return float(np.mean(np.mean(np.abs(x - x.mean(axis=0)), axis=0)))


def icc_oneway(y: np.ndarray, groups: np.ndarray) -> dict[str, float]:
    """ICC(1) and ICC(2) from a one-way random-effects ANOVA of ``y`` on ``groups``.

    ``ICC(1) = (MSB - MSW) / (MSB + (k - 1) MSW)`` and ``ICC(2) = (MSB - MSW) / MSB``, with
    k the mean group size N / G (``multilevel::ICC1`` / ``ICC2`` on ``aov``). Missing ``y``
    are dropped first.

    Returns
    -------
    dict
        ``icc1, icc2, f, df_between, df_within, p_value, msb, msw, k, n, n_groups``.

    References
    ----------
    Bliese, P. D. (2000). Within-group agreement, non-independence, and reliability. In
    K. J. Klein & S. W. J. Kozlowski (Eds.), *Multilevel theory, research, and methods in
    organizations* (pp. 349–381). Jossey-Bass.

    Examples
    --------
    >>> r = icc_oneway(np.array([1, 2, 3, 4, 5, 6.]), np.array(list("aabbcc")))
    >>> round(r["icc1"], 6), round(r["icc2"], 6)
    (0.882353, 0.9375)
    """
    y = np.asarray(y, dtype=float)
    g = np.asarray(groups)
    ok = ~np.isnan(y)
    y, g = y[ok], g[ok]
    levels, inv = np.unique(g, return_inverse=True)
    n, ng = len(y), len(levels)
    out = dict.fromkeys(("icc1", "icc2", "f", "p_value", "msb", "msw"), float("nan"))
    out.update(df_between=float(ng - 1), df_within=float(n - ng), k=n / ng if ng else np.nan,
               n=float(n), n_groups=float(ng))
    if ng < 2 or n - ng < 1:
        return out
    counts = np.bincount(inv)
    means = np.bincount(inv, weights=y) / counts
    ssb = float(counts @ (means - y.mean()) ** 2)
    ssw = float(((y - means[inv]) ** 2).sum())
    msb, msw = ssb / (ng - 1), ssw / (n - ng)
    k = n / ng
    out.update(msb=msb, msw=msw)
    if msb > 0:
        out["icc2"] = (msb - msw) / msb
    if msb + (k - 1) * msw > 0:
        out["icc1"] = (msb - msw) / (msb + (k - 1) * msw)
    if msw > 0:
        out["f"] = msb / msw
        out["p_value"] = float(f_sf(out["f"], ng - 1, n - ng))
    return out


def mean_ci(y: np.ndarray, level: float = 0.95) -> tuple[float, float, float, float, int]:
    """Mean, SD, and the t-based interval ``mean ± t(n-1) SD / sqrt(n)`` of non-missing y.

    Examples
    --------
    >>> [round(v, 4) for v in mean_ci(np.array([1.0, 2.0, 3.0]))[:4]]
    [2.0, 1.0, -0.4841, 4.4841]
    """
    y = np.asarray(y, dtype=float)
    y = y[~np.isnan(y)]
    n = len(y)
    if n == 0:
        return (float("nan"),) * 4 + (0,)
    m = float(y.mean())
    if n < 2:
        return m, float("nan"), float("nan"), float("nan"), n
    sd = float(y.std(ddof=1))
    half = float(t_ppf(0.5 + level / 2, n - 1)) * sd / np.sqrt(n)
    return m, sd, float(m - half), float(m + half), n


# ---- the result -----------------------------------------------------------------------------
@dataclass(frozen=True)
class AggregationResult:
    """Workplace profiles and the statistics that justify (or not) aggregating.

    Attributes
    ----------
    profiles : DataFrame
        One row per group and scale: ``group, scale, n, mean, sd, ci_lo, ci_hi, rwg_j,
        ad_m, ad_cut, aggregate_ok, flags``.
    scales : DataFrame
        One row per scale: ``scale, icc1, icc2, f, df_between, df_within, p_value, k,
        n, n_groups, flags``.
    by : str
        Name of the grouping column.
    null_variance : float or None
        σ²_E used for rwg(j) (None for a continuous response scale).
    notes : tuple of str
    """

    profiles: pd.DataFrame
    scales: pd.DataFrame
    by: str
    null_variance: float | None
    notes: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        """The profiles table joined with each scale's ICC(1) and ICC(2)."""
        return self.profiles.merge(self.scales[["scale", "icc1", "icc2"]], on="scale",
                                   how="left")

    def to_dict(self) -> dict[str, Any]:
        return {"by": self.by, "null_variance": self.null_variance,
                "rules": {"rwg_j_min": RWG_MIN, "ad_cut": "c / 6", "icc1_min": ICC1_MIN,
                          "icc2_min": ICC2_MIN},
                "scales": self.scales, "profiles": self.profiles, "notes": list(self.notes)}


# ---- adapter --------------------------------------------------------------------------------
def aggregate(scores: pd.DataFrame, items: pd.DataFrame, groups: pd.Series, key: Key,
              *, by: str | None = None) -> AggregationResult:
    """Aggregate individual scale scores to groups (workplaces).

    Parameters
    ----------
    scores : DataFrame
        Scale scores (one column per key scale; NaN where not scored).
    items : DataFrame
        The item responses of the same rows (for rwg(j) and AD_M(J)); keyed direction does
        not matter for either.
    groups : Series
        Group of each row (same index); rows with a missing group are left out (noted).
    key : Key
    by : str, optional
        Name of the grouping column (default: ``groups.name``).

    Returns
    -------
    AggregationResult
    """
    by = by or str(groups.name or "group")
    g = groups.reindex(scores.index)
    notes: list[str] = []
    if g.isna().any():
        notes.append(f"{int(g.isna().sum())} row(s) without a {by} were left out of the "
                     "aggregation.")
    keep = g.notna().to_numpy()
    if not keep.any():
        raise InputError(f"No scored row has a value in the column {by!r}: there is nothing "
                         f"to aggregate. Fill in {by!r}, or leave out the grouping (--by).")
    labels = g[keep].astype(str).to_numpy()
    rs = key.response_scale
    if rs.continuous:
        null_var, ad_cut = None, float("nan")
        notes.append("Continuous response scale: rwg(j) and AD_M(J) need response "
                     "categories and are not computed.")
    else:
        null_var = uniform_null_variance(int(rs.n_categories))
        ad_cut = rs.n_categories / AD_CUT_DIVISOR
    rows: list[dict[str, Any]] = []
    scale_rows: list[dict[str, Any]] = []
    levels = sorted(set(labels))
    # each group's rows in input order, found once (a mask per group is O(groups x rows))
    codes = np.searchsorted(np.array(levels, dtype=object), labels)
    order = np.argsort(codes, kind="stable")
    members = np.split(order, np.cumsum(np.bincount(codes, minlength=len(levels)))[:-1])
    for s in key.scales:
        y = scores[s.name].to_numpy(dtype=float)[keep]
        x = items[list(s.items)].to_numpy(dtype=float)[keep]
        icc = icc_oneway(y, labels)
        flags = []
        if not icc["icc1"] >= ICC1_MIN:
            flags.append("low_icc1")
        if not icc["icc2"] >= ICC2_MIN:
            flags.append("unreliable_group_means")
        scale_rows.append({"scale": s.name, **icc, "flags": ";".join(flags)})
        for level, m in zip(levels, members, strict=True):
            mean, sd, lo, hi, n = mean_ci(y[m])
            r = rwg_j(x[m], null_var) if null_var else float("nan")
            a = ad_m(x[m]) if null_var else float("nan")
            f = []
            if n < 2:
                f.append("too_few_respondents")
            else:
                if null_var and not r >= RWG_MIN:
                    f.append("low_agreement_rwg")
                if null_var and not a <= ad_cut:
                    f.append("low_agreement_ad")
            rows.append({"group": level, "scale": s.name, "n": n, "mean": mean, "sd": sd,
                         "ci_lo": lo, "ci_hi": hi, "rwg_j": r, "ad_m": a, "ad_cut": ad_cut,
                         "aggregate_ok": not f, "flags": ";".join(f)})
    return AggregationResult(pd.DataFrame(rows), pd.DataFrame(scale_rows), by, null_var,
                             tuple(notes))
