"""Screening for careless responding: indices per respondent, flags, optional exclusion.

Indices (computed on the responses as given, before reverse scoring):

* **longstring** — the longest run of identical consecutive answers (Johnson, 2005), in the
  order the items were presented; a missing answer breaks a run (as ``careless::longstring``).
* **IRV** — intra-individual response variability, the standard deviation of a respondent's
  answers (Dunn et al., 2018; ``careless::irv``).
* **Mahalanobis D²** on the items the respondent answered, with the upper chi-square tail
  probability (df = number answered). Mean and covariance come from all analysed respondents
  (covariance pairwise-complete). For complete rows this is ``psych::outlier``; for
  incomplete rows lospw inverts the answered block of the covariance matrix (so D² is
  chi-square distributed under normality), where ``psych::outlier`` keeps the rows of the
  full inverse. With at least as many items as respondents the covariance matrix is
  singular: D² is then taken on the first ``floor(n / 5)`` principal components
  (:func:`mahalanobis_reduced`, note code ``mahalanobis_reduced``).
* **person–total correlation** — the correlation between a respondent's answers and the item
  means of all other respondents (Curran, 2016).
* **seconds per item** — the response time divided by the number of key items, when a time
  column exists (Huang et al., 2012).
* **missingness** — the share of items a respondent left open; per item, the share of
  respondents who did.

**Planned missingness.** When the intake knows which items each respondent was asked (the
key's ``design``, ``IntakeResult.asked``), every index is computed on the items asked: an
item a respondent's group was not asked is neither a missing answer (``prop_missing``,
``item_missing``) nor a break in a run (longstring runs over the asked items in
presentation order), the longstring rule takes its share of the items asked, and the
seconds per item divide by the items asked. Mahalanobis D², IRV and the person-total
correlation use the answered items, so they need no change.

Cut-offs (all in :class:`Cutoffs`, all options) and why. The longstring rule is set so that
honest respondents are rarely flagged even on a short one-factor scale: on simulated
10-item one-factor data (loadings .7) the share of honest respondents flagged was 11.7% at
half the items, 4.0% at 60% and 1.4% at 70% (the default); a straight-liner has a run of all
items.

=====================  ==========================================  ============================
flag                   rule (default)                              source
=====================  ==========================================  ============================
``longstring``         run >= 70% of the items (rounded up)        Johnson 2005; Curran 2016
``irv``                IRV < 0.25 scale points                     Dunn et al. 2018 (low tail)
``mahalanobis``        p < .001                                    Meade & Craig 2012
``person_total``       r < 0                                       Curran 2016
``response_time``      < 2 seconds per item                        Huang et al. 2012
``missing``            more than half the items open               (planned missingness rule)
=====================  ==========================================  ============================

Screening flags by default; :func:`screen_intake` with ``exclude=True`` moves respondents with
at least ``min_flags`` flags to the intake's exclusion log (reason ``careless_<flag>``).

References
----------
Curran, P. G. (2016). Methods for the detection of carelessly invalid responses in survey
data. *Journal of Experimental Social Psychology, 66*, 4-19.
Dunn, A. M., Heggestad, E. D., Shanock, L. R., & Theilgard, N. (2018). Intra-individual
response variability as an indicator of insufficient effort responding. *Journal of Business
and Psychology, 33*, 105-121.
Huang, J. L., Curran, P. G., Keeney, J., Poposki, E. M., & DeShon, R. P. (2012). Detecting and
deterring insufficient effort responding to surveys. *Journal of Business and Psychology,
27*, 99-114.
Johnson, J. A. (2005). Ascertaining the validity of individual protocols from web-based
personality inventories. *Journal of Research in Personality, 39*, 103-129.
Meade, A. W., & Craig, S. B. (2012). Identifying careless responses in survey data.
*Psychological Methods, 17*, 437-455.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.core.distributions import chi2_sf
from lospw.analysis.core.errors import InputError, warn
from lospw.analysis.core.warnings import Note, notes_to_dicts
from lospw.analysis.intake.responses import IntakeResult

__all__ = [
    "FLAGS",
    "TIME_COLUMNS",
    "Cutoffs",
    "ScreeningResult",
    "irv",
    "longstring",
    "mahalanobis",
    "mahalanobis_reduced",
    "person_total",
    "screen",
    "screen_intake",
]

log = logging.getLogger(__name__)

FLAGS = ("longstring", "irv", "mahalanobis", "person_total", "response_time", "missing")
# Response-time columns recognised without being named: LimeSurvey, Qualtrics, generic.
TIME_COLUMNS = ("interviewtime", "Duration (in seconds)", "duration", "response_time",
                "seconds")


@dataclass(frozen=True)
class Cutoffs:
    """The flag rules; see the module docstring for their sources.

    Attributes
    ----------
    longstring_fraction : float
        Flag a run of identical answers of at least this share of the items (rounded up).
    irv_min : float
        Flag an IRV below this (in scale points).
    mahalanobis_alpha : float
        Flag when the chi-square p of D² is below this.
    person_total_min : float
        Flag a person-total correlation below this.
    seconds_per_item_min : float
        Flag less time than this per item.
    missing_max : float
        Flag a respondent with a larger share of items missing.
    """

    longstring_fraction: float = 0.7
    irv_min: float = 0.25
    mahalanobis_alpha: float = 0.001
    person_total_min: float = -0.3
    seconds_per_item_min: float = 2.0
    missing_max: float = 0.5

    def __post_init__(self) -> None:
        for name, lo, hi in (("longstring_fraction", 0, 1), ("mahalanobis_alpha", 0, 1),
                             ("missing_max", 0, 1), ("person_total_min", -1, 1)):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and lo <= v <= hi):
                raise InputError(f"The cut-off {name!r} must be a number from {lo} to {hi}; "
                                 f"got {v!r}.")
        for name in ("irv_min", "seconds_per_item_min"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and v >= 0 and math.isfinite(v)):
                raise InputError(f"The cut-off {name!r} must be a number >= 0; got {v!r}.")

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


# -- formulas -----------------------------------------------------------------------------
def longstring(x: np.ndarray) -> np.ndarray:
    """Longest run of identical consecutive answers per row (Johnson, 2005).

    A missing answer (NaN) ends a run and counts as a run of length 1, as ``rle()`` in
    ``careless::longstring``.

    Examples
    --------
    >>> longstring(np.array([[1, 1, 2, 2, 2], [3, np.nan, 3, 3, 1]]))
    array([3, 2])
    """
    x = np.asarray(x, dtype=float)
    n, k = x.shape
    out = np.zeros(n, dtype=int)
    if k == 0:
        return out
    run = np.ones(n, dtype=int)
    best = np.ones(n, dtype=int)
    for j in range(1, k):
        same = x[:, j] == x[:, j - 1]  # NaN == NaN is False: a missing answer breaks runs
        run = np.where(same, run + 1, 1)
        best = np.maximum(best, run)
    return best


def irv(x: np.ndarray) -> np.ndarray:
    """Intra-individual response variability: the SD of each row's answers (n - 1).

    Dunn et al. (2018); ``careless::irv`` (``sd(row, na.rm = TRUE)``). NaN with fewer than
    two answers.

    Examples
    --------
    >>> irv(np.array([[1, 2, 3], [4, 4, np.nan]]))
    array([1., 0.])
    """
    x = np.asarray(x, dtype=float)
    n_ok = np.sum(~np.isnan(x), axis=1)
    mean = np.nanmean(np.where(n_ok[:, None] > 0, x, 0.0), axis=1)
    ss = np.nansum((x - mean[:, None]) ** 2, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n_ok >= 2, np.sqrt(ss / (n_ok - 1)), np.nan)


def _pairwise_cov(x: np.ndarray) -> np.ndarray:
    """Pairwise-complete covariances (``cov(x, use = "pairwise")``); NaN below 2 pairs."""
    ok = (~np.isnan(x)).astype(float)
    x0 = np.where(ok > 0, x, 0.0)
    n_ab = ok.T @ ok
    sum_a = x0.T @ ok  # [a, b]: sum of x_a over rows where a and b are answered
    sxy = x0.T @ x0
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (sxy - sum_a * sum_a.T / n_ab) / (n_ab - 1)
    cov[n_ab < 2] = np.nan
    return cov


def _patterns(ok: np.ndarray, keep) -> list[np.ndarray]:
    """The rows of each missingness pattern (rows of ``ok`` alike), in order of first
    appearance, for the patterns ``keep(pattern)`` accepts."""
    if not len(ok):
        return []
    uniq, first, inverse = np.unique(ok, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    order = np.argsort(inverse, kind="stable")
    bounds = np.cumsum(np.bincount(inverse, minlength=len(uniq)))[:-1]
    groups = np.split(order, bounds)
    return [groups[u] for u in np.argsort(first) if keep(uniq[u])]


def mahalanobis(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Mahalanobis D² of each row on the items it answered, with its chi-square p.

    Notes
    -----
    With :math:`o` the answered items of row *i*, :math:`\\bar x` the column means and
    :math:`S` the pairwise-complete covariance matrix,
    :math:`D^2_i = (x_{io} - \\bar x_o)' S_{oo}^{-1} (x_{io} - \\bar x_o)`, compared with a
    chi-square distribution on :math:`|o|` degrees of freedom. When :math:`S` is singular,
    each answered block is inverted with the Moore-Penrose pseudo-inverse (reported by the
    last return value).

    Returns
    -------
    d2, df, p : ndarray
    pseudo_inverse_used : bool

    Examples
    --------
    >>> x = np.array([[1., 2], [2, 1], [3, 3], [2, 2], [4, 5]])
    >>> d2, df, p, _ = mahalanobis(x)  # R: mahalanobis(x, colMeans(x), cov(x))
    >>> np.round(d2, 3).tolist(), df.tolist()
    ([2.862, 2.073, 0.383, 0.158, 2.524], [2, 2, 2, 2, 2])
    """
    x = np.asarray(x, dtype=float)
    n, k = x.shape
    d2 = np.full(n, np.nan)
    ok = ~np.isnan(x)
    df = ok.sum(axis=1)
    counts = ok.sum(axis=0)
    mean = np.where(counts > 0, np.nansum(x, axis=0) / np.maximum(counts, 1), np.nan)
    cov = _pairwise_cov(x)
    dev = np.where(ok, x - mean, 0.0)
    pinv_used = False
    eig = np.linalg.eigvalsh(cov) if not np.isnan(cov).any() and k else np.array([0.0])
    if k and eig.min() > 1e-10 * max(eig.max(), 1e-300):
        # one inverse P = S^-1; the answered block's inverse is the Schur complement
        # P_oo - P_om P_mm^-1 P_mo, so D2 = d'P_oo d - v'P_mm^-1 v with v = P_mo d.
        # All rows at once, then one stacked solve per number of missing answers (not a
        # loop over rows): the cost grows linearly in N.
        prec = np.linalg.inv(cov)
        pd_ = dev @ prec  # dev is zero where missing, so P @ d uses only answered items
        d2 = np.einsum("ij,ij->i", dev, pd_)
        n_miss = k - df
        d2[n_miss == k] = np.nan
        for m in np.unique(n_miss[(n_miss > 0) & (n_miss < k)]):
            rows = np.flatnonzero(n_miss == m)
            idx = np.nonzero(~ok[rows])[1].reshape(len(rows), m)  # each row's missing items
            v = np.take_along_axis(pd_[rows], idx, axis=1)
            p_mm = prec[idx[:, :, None], idx[:, None, :]]
            d2[rows] -= np.einsum("ij,ij->i", v, np.linalg.solve(p_mm, v[..., None])[..., 0])
    else:
        for rows in _patterns(ok, lambda o: o.any()):
            o = ok[rows[0]]
            block = cov[np.ix_(o, o)]
            if np.isnan(block).any():
                continue
            dv = dev[np.ix_(rows, np.flatnonzero(o))]
            d2[rows] = np.sum((dv @ np.linalg.pinv(block)) * dv, axis=1)
            pinv_used = True
    with np.errstate(invalid="ignore"):
        p = np.where(np.isnan(d2), np.nan, chi2_sf(d2, np.maximum(df, 1)))
    return d2, df, p, pinv_used


#: respondents per dimension of the reduced Mahalanobis D² (items >= respondents)
ROWS_PER_COMPONENT = 5


def mahalanobis_reduced(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Mahalanobis D² on the leading principal components, for at least as many items as
    respondents.

    Notes
    -----
    With :math:`k \\ge n` items the covariance matrix is singular (rank at most
    :math:`n - 1`) and the full D² of every complete row is the same,
    :math:`(n-1)^2/n`: it tells nothing, and a :math:`k \\times k` matrix of 5,000 items
    takes minutes to decompose. Here the deviations from the item means :math:`D`
    (:math:`n \\times k`, 0 for a missing answer: mean imputation) are reduced to their first
    :math:`q = \\min(\\mathrm{rank}, \\lfloor n / 5 \\rfloor)` principal components (at least
    five respondents per dimension), from the eigen-decomposition of the
    :math:`n \\times n` Gram matrix :math:`D D' = U \\Lambda U'` (cost :math:`O(n^2 k)`).
    Component :math:`j` has variance :math:`\\lambda_j / (n - 1)` and scores
    :math:`U_{ij} \\sqrt{\\lambda_j}`, so
    :math:`D^2_i = (n - 1) \\sum_{j \\le q} U_{ij}^2`, compared with a chi-square
    distribution on :math:`q` degrees of freedom. It measures how far a respondent lies on
    the main dimensions of the answers; departures confined to the minor ones (the
    covariance cannot be estimated there) are left to the other indices.

    Returns
    -------
    d2, df, p : ndarray
        NaN (df 0) for a row without answers or when ``q`` is 0 (fewer than 5 rows).
    q : int
        The number of components.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=(40, 60))
    >>> d2, df, p, q = mahalanobis_reduced(x)
    >>> q, bool(np.allclose(d2.mean(), q * (40 - 1) / 40))
    (8, True)
    """
    x = np.asarray(x, dtype=float)
    n = x.shape[0]
    ok = ~np.isnan(x)
    answered = ok.any(axis=1)
    counts = ok.sum(axis=0)
    mean = np.where(counts > 0, np.nansum(x, axis=0) / np.maximum(counts, 1), 0.0)
    dev = np.where(ok, x - mean, 0.0)
    lam, u = np.linalg.eigh(dev @ dev.T) if n else (np.zeros(0), np.zeros((0, 0)))
    lam, u = lam[::-1], u[:, ::-1]
    rank = int(np.sum(lam > 1e-10 * max(lam[0], 1e-300))) if n else 0
    q = min(rank, n // ROWS_PER_COMPONENT)
    d2 = np.full(n, np.nan)
    if q:
        d2 = np.where(answered, (n - 1) * np.sum(u[:, :q] ** 2, axis=1), np.nan)
    df = np.where(answered & (q > 0), q, 0)
    with np.errstate(invalid="ignore"):
        p = np.where(np.isnan(d2), np.nan, chi2_sf(d2, max(q, 1)))
    return d2, df, p, q


def person_total(x: np.ndarray) -> np.ndarray:
    """Correlation of each row with the item means of all other rows (Curran, 2016).

    Computed over the items the row answered; NaN with fewer than three answers or no
    variation.

    Examples
    --------
    >>> x = np.array([[1., 2, 3, 4], [2, 3, 4, 5], [4, 3, 2, 1], [1, 3, 3, 5]])
    >>> np.round(person_total(x), 3).tolist()  # R: cor(x[i, ], colMeans(x[-i, ]))
    [0.949, 0.949, -0.992, 0.949]
    """
    x = np.asarray(x, dtype=float)
    total = np.nansum(x, axis=0)
    count = (~np.isnan(x)).sum(axis=0)
    r = np.empty(len(x))
    # rows in blocks (each row on its own, the same arithmetic): the temporaries stay small
    for a in range(0, len(x), _ROW_BLOCK):
        r[a:a + _ROW_BLOCK] = _person_total_rows(x[a:a + _ROW_BLOCK], total, count)
    return r


#: rows per block of :func:`person_total`
_ROW_BLOCK = 16_384


def _person_total_rows(x: np.ndarray, total: np.ndarray, count: np.ndarray) -> np.ndarray:
    """:func:`person_total` of some rows, given the column sums and counts of all rows."""
    ok = ~np.isnan(x)
    # these rows at once: w marks the items each row's correlation is taken over
    w = ok & (count > 1)
    n_w = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        others = np.where(w, (total - np.where(w, x, 0.0)) / np.maximum(count - 1, 1), 0.0)
        xs = np.where(w, x, 0.0)
        a = np.where(w, xs - (xs.sum(axis=1) / n_w)[:, None], 0.0)
        b = np.where(w, others - (others.sum(axis=1) / n_w)[:, None], 0.0)
        den = np.sqrt(np.sum(a * a, axis=1) * np.sum(b * b, axis=1))
        r = np.sum(a * b, axis=1) / den
    return np.where((n_w >= 3) & (den > 0), r, np.nan)


# -- result -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScreeningResult:
    """Careless-responding indices and flags per respondent.

    Attributes
    ----------
    indices : DataFrame
        Per respondent (indexed like the intake's items): ``n_answered, prop_missing,
        longstring, irv, mahalanobis_d2, mahalanobis_df, mahalanobis_p, person_total_r,
        seconds, seconds_per_item``.
    flags : DataFrame
        Boolean, one column per flag in :data:`FLAGS`.
    item_missing : Series
        Share of respondents missing each item.
    cutoffs : Cutoffs
    time_column : str or None
    longstring_min : int
        The run length that flags.
    notes : tuple of str
        How the indices were computed (sentences without a condition code).
    warnings : tuple of Note
        Named conditions (e.g. ``mahalanobis_reduced``).
    """

    indices: pd.DataFrame
    flags: pd.DataFrame
    item_missing: pd.Series
    cutoffs: Cutoffs
    time_column: str | None
    longstring_min: int
    notes: tuple[str, ...] = field(default=())
    warnings: tuple[Note, ...] = field(default=())

    @property
    def n_flags(self) -> pd.Series:
        return self.flags.sum(axis=1).astype(int)

    def flagged(self, min_flags: int = 1) -> pd.Index:
        """Rows with at least ``min_flags`` flags."""
        return self.flags.index[self.n_flags >= min_flags]

    def to_frame(self) -> pd.DataFrame:
        """Indices, flags (``flag_<name>``) and ``n_flags`` in one table."""
        out = self.indices.copy()
        for f in FLAGS:
            out[f"flag_{f}"] = self.flags[f]
        out["n_flags"] = self.n_flags
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_screened": len(self.indices),
            "cutoffs": self.cutoffs.to_dict(),
            "longstring_min": self.longstring_min,
            "time_column": self.time_column,
            "n_flagged_by": {f: int(self.flags[f].sum()) for f in FLAGS},
            "n_flagged_any": int((self.n_flags >= 1).sum()),
            "n_flagged_two_or_more": int((self.n_flags >= 2).sum()),
            "item_missing": {str(k): float(v) for k, v in self.item_missing.items()},
            "notes": list(self.notes),
            "warnings": notes_to_dicts(self.warnings),
        }

    def reasons(self, min_flags: int = 1) -> dict[int, tuple[str, str]]:
        """Row -> ``(careless_<first flag>, detail)`` for the rows with enough flags."""
        out: dict[int, tuple[str, str]] = {}
        ix, c = self.indices, self.cutoffs
        for r in self.flagged(min_flags):
            parts: list[str] = []
            row = ix.loc[r]
            for f in FLAGS:
                if not self.flags.loc[r, f]:
                    continue
                need = (self.longstring_min if "n_asked" not in ix.columns else max(
                    2, math.ceil(c.longstring_fraction * int(row["n_asked"]))))
                parts.append({
                    "longstring": f"longstring {int(row['longstring'])} >= {need}",
                    "irv": f"IRV {row['irv']:.3g} < {c.irv_min:g}",
                    "mahalanobis": f"Mahalanobis p {row['mahalanobis_p']:.2g} < "
                                   f"{c.mahalanobis_alpha:g}",
                    "person_total": f"person-total r {row['person_total_r']:.3g} < "
                                    f"{c.person_total_min:g}",
                    "response_time": f"{row['seconds_per_item']:.3g} s per item < "
                                     f"{c.seconds_per_item_min:g}",
                    "missing": f"{row['prop_missing']:.0%} of items missing > "
                               f"{c.missing_max:.0%}",
                }[f])
            first = next(f for f in FLAGS if self.flags.loc[r, f])
            out[int(r)] = (f"careless_{first}", "; ".join(parts))
        return out


def screen(items: pd.DataFrame, *, time: pd.Series | None = None,
           cutoffs: Cutoffs | None = None, order: Sequence[str] | None = None,
           time_column: str | None = None,
           asked: pd.DataFrame | None = None) -> ScreeningResult:
    """Compute the careless-responding indices and flags of every respondent.

    Parameters
    ----------
    items : DataFrame
        Respondents x items, NaN missing (``IntakeResult.items``).
    time : Series, optional
        Response time in seconds, same index.
    cutoffs : Cutoffs, optional
    order : sequence of str, optional
        The items in the order they were presented (for longstring); default: the columns.
    time_column : str, optional
        The name of the time column (reported only).
    asked : DataFrame, optional
        Boolean, like ``items``: which items each respondent was asked (planned
        missingness, see the module docstring); default every item.

    Returns
    -------
    ScreeningResult
    """
    cutoffs = cutoffs or Cutoffs()
    if order is not None:
        unknown = [c for c in order if c not in items.columns]
        if unknown or len(set(order)) != items.shape[1]:
            raise InputError("The presentation order must list every item once; got "
                             f"{len(order)} names for {items.shape[1]} items.")
    cols = list(order) if order is not None else list(items.columns)
    x = items[cols].to_numpy(dtype=float)
    n, k = x.shape
    notes: list[str] = []
    found: list[Note] = []
    on = (np.ones((n, k), dtype=bool) if asked is None
          else asked.reindex(index=items.index, columns=cols).fillna(True)
          .to_numpy(dtype=bool))
    k_row = on.sum(axis=1)
    n_ok = np.sum(~np.isnan(x), axis=1)
    n_ok_asked = np.sum(~np.isnan(x) & on, axis=1)
    ls = np.zeros(n, dtype=int)
    if n and on.all():
        ls = longstring(x)  # one pattern: no np.unique over the rows (seconds at N = 200,000)
    elif n:
        for pattern in np.unique(on, axis=0):
            rows = np.flatnonzero((on == pattern).all(axis=1))
            ls[rows] = longstring(x[np.ix_(rows, np.flatnonzero(pattern))])
    iv = irv(x)
    # an item nobody answered (e.g. asked of no group in the data) carries no distance
    held = ~np.isnan(x).all(axis=0)
    x_held = x[:, held] if not held.all() else x
    if n <= x_held.shape[1]:
        d2, df, p, q = mahalanobis_reduced(x_held)
        found.append(warn(Note("mahalanobis_reduced",
                          f"{n} respondents for {x_held.shape[1]} items (the covariance matrix "
                          f"is singular): Mahalanobis D² on the first {q} principal components "
                          f"(df {q})" if q else
                          f"{n} respondents for {x_held.shape[1]} items: too few for "
                          "Mahalanobis D² (not computed)",
                          {"respondents": n, "items": x_held.shape[1], "components": q})))
    else:
        d2, df, p, pinv = mahalanobis(x_held)
        if pinv:
            notes.append("the covariance matrix (or a block of it) is singular; Mahalanobis "
                         "D² used its pseudo-inverse")
    pt = person_total(x)
    seconds = np.full(n, np.nan)
    if time is not None:
        seconds = pd.to_numeric(time.reindex(items.index), errors="coerce").to_numpy(float)
        bad = int(np.sum(np.isnan(seconds)))
        if bad:
            notes.append(f"{bad} respondent(s) without a usable response time")
    with np.errstate(invalid="ignore", divide="ignore"):
        per_item = seconds / k_row
        prop_missing = np.where(k_row > 0, 1 - n_ok_asked / np.maximum(k_row, 1), np.nan)
    indices = pd.DataFrame({
        "n_asked": k_row, "n_answered": n_ok, "prop_missing": prop_missing,
        "longstring": ls, "irv": iv, "mahalanobis_d2": d2, "mahalanobis_df": df,
        "mahalanobis_p": p, "person_total_r": pt, "seconds": seconds,
        "seconds_per_item": per_item,
    }, index=items.index)
    ls_min = max(2, math.ceil(cutoffs.longstring_fraction * k))
    ls_row = np.maximum(2, np.ceil(cutoffs.longstring_fraction * k_row))
    with np.errstate(invalid="ignore"):
        flags = pd.DataFrame({
            "longstring": ls >= ls_row,
            "irv": iv < cutoffs.irv_min,
            "mahalanobis": p < cutoffs.mahalanobis_alpha,
            "person_total": pt < cutoffs.person_total_min,
            "response_time": per_item < cutoffs.seconds_per_item_min,
            "missing": indices["prop_missing"].to_numpy() > cutoffs.missing_max,
        }, index=items.index)
    with np.errstate(invalid="ignore", divide="ignore"):
        item_missing = (pd.Series((np.isnan(x) & on).sum(axis=0) / on.sum(axis=0), index=cols)
                        .reindex(items.columns) if n
                        else pd.Series(np.nan, index=items.columns))
    if asked is not None:
        notes.append(f"planned missingness: {int((~on).sum())} cell(s) of items not asked "
                     "are left out of every index (computed on the items asked)")
    return ScreeningResult(indices, flags, item_missing.astype(float), cutoffs, time_column,
                           ls_min, tuple(notes), tuple(found))


def screen_intake(result: IntakeResult, *, time_column: str | None = None,
                  cutoffs: Cutoffs | None = None, exclude: bool = False,
                  min_flags: int = 1) -> tuple[IntakeResult, ScreeningResult]:
    """Screen an intake result; with ``exclude`` move flagged respondents to its log.

    Parameters
    ----------
    result : IntakeResult
    time_column : str, optional
        A column of ``result.meta`` with the response time in seconds. Default: the first of
        :data:`TIME_COLUMNS` present (case-insensitive), if any; when that column holds
        cells that are not numbers the response-time check is left out, with the note
        ``time_column_not_numeric`` (a column named here must be numeric).
    cutoffs : Cutoffs, optional
    exclude : bool
        Exclude respondents with at least ``min_flags`` flags (reason ``careless_<flag>``).
    min_flags : int

    Returns
    -------
    (IntakeResult, ScreeningResult)
        The intake result (with the exclusions when asked) and the screening of every
        respondent that was analysed before screening.
    """
    if not isinstance(min_flags, int) or isinstance(min_flags, bool) or min_flags < 1:
        raise InputError(f"The 'min_flags' option must be a whole number >= 1; got "
                         f"{min_flags!r}.")
    meta = result.meta
    given = time_column is not None
    if given:
        if time_column not in meta.columns:
            raise InputError(f"{result.source}: no time column {time_column!r}. Name a column "
                             "holding the response time in seconds.")
    else:
        lower = {c.lower(): c for c in meta.columns}
        time_column = next((lower[t.lower()] for t in TIME_COLUMNS if t.lower() in lower), None)
    found: list[Note] = []
    time = None
    if time_column is not None:
        time = meta[time_column]
        if not pd.api.types.is_numeric_dtype(time):
            if not given:  # found by its name only: the time check is left out, stated
                found.append(warn(Note(
                    "time_column_not_numeric",
                    f"the column {time_column!r}, read as the response time by its name, "
                    "holds cells that are not numbers; the response-time check is left out "
                    "(name the time column with --time, or fix its cells)",
                    {"column": time_column})))
                time = time_column = None
            else:
                raise InputError(f"{result.source}: the time column {time_column!r} is not "
                                 "numeric. Give the response time in seconds.")
        else:
            time = time.astype(float)
    order = result.input_order or None
    scr = screen(result.items, time=time, cutoffs=cutoffs, order=order,
                 time_column=time_column, asked=result.asked)
    if found:
        scr = replace(scr, warnings=(*found, *scr.warnings))
    if exclude:
        result = result.exclude(scr.reasons(min_flags))
    return result, scr
