"""Reliability per scale: Cronbach's alpha with its CI, standardised and ordinal alpha,
McDonald's omega, item-rest correlations, alpha and omega if an item is deleted, and the
standard error of measurement.

Every statistic is computed on the key's *keyed* items (reverse-keyed items reversed with
``key.reverse_score``) and under an explicit missing-data policy:

``listwise``
    each scale on the complete cases of its own items (what ``psych::alpha`` gives on
    ``na.omit(x)``);
``pairwise``
    each covariance from the rows that answered both items (``psych::alpha(x, use =
    "pairwise")``); the Feldt CI then uses the harmonic mean of the pairwise counts as its
    n (see :func:`pairwise_cov`), not the number of rows, because each covariance - and so
    alpha - is estimated from its own pair of answers.

The formula functions take a covariance (or correlation) matrix and cite their source;
:func:`reliability` is the adapter from a response frame and a key.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.classical.omega import fit_one_factor, omega_total
from lospw.analysis.classical.polychoric import CONVENTIONS
from lospw.analysis.classical.polychoric import polychoric as polychoric_matrix
from lospw.analysis.core.degenerate import DegenerateDataError
from lospw.analysis.core.distributions import f_ppf
from lospw.analysis.core.errors import InputError, caught_notes, warn
from lospw.analysis.core.key import Key
from lospw.analysis.core.missing import check_missing, harmonic_mean_count
from lospw.analysis.core.warnings import Note, notes_to_dicts

__all__ = [
    "CI_METHODS",
    "ItemReliability",
    "ReliabilityResult",
    "ScaleReliability",
    "alpha_if_deleted",
    "bootstrap_alpha",
    "check_missing",
    "cronbach_alpha",
    "feldt_ci",
    "item_rest_correlations",
    "pairwise_cov",
    "reliability",
    "standard_error_of_measurement",
    "standardized_alpha",
]

log = logging.getLogger(__name__)

CI_METHODS = ("feldt", "bootstrap", "none")


# -- formulas -------------------------------------------------------------------------------
def cronbach_alpha(cov: Any) -> float:
    """Cronbach's alpha from a covariance matrix.

    Notes
    -----
    ``alpha = k / (k - 1) * (1 - tr(C) / sum(C))`` (Cronbach, 1951); on a correlation matrix
    this is the standardised alpha. ``psych::alpha``'s ``raw_alpha``.

    Examples
    --------
    >>> round(cronbach_alpha([[1.0, 0.5], [0.5, 1.0]]), 6)
    0.666667
    """
    c = np.asarray(cov, dtype=float)
    k = c.shape[0]
    if k < 2:
        return float("nan")
    return float(k / (k - 1) * (1.0 - np.trace(c) / c.sum()))


def standardized_alpha(cov: Any) -> float:
    """Standardised alpha: alpha of the correlation matrix (``psych``'s ``std.alpha``).

    Notes
    -----
    ``k / (k - 1) * (1 - k / sum(R))`` with ``R`` the correlation matrix of ``cov``.
    Applied to a polychoric correlation matrix it is the ordinal alpha of Zumbo, Gadermann
    and Zeisser (2007).

    Examples
    --------
    >>> round(standardized_alpha([[4.0, 1.0], [1.0, 1.0]]), 6)
    0.666667
    """
    c = np.asarray(cov, dtype=float)
    sd = np.sqrt(np.diag(c))
    return cronbach_alpha(c / np.outer(sd, sd))


def item_rest_correlations(cov: Any) -> np.ndarray:
    """Correlation of each item with the sum of the other items (corrected item-total r).

    Notes
    -----
    ``r_i = (sum_j C_ij - C_ii) / sqrt(C_ii * sum(C without row and column i))``, computed
    from the covariance matrix as ``psych::alpha``'s ``r.drop``; with complete data it is
    the Pearson correlation of the item with the rest score.

    Examples
    --------
    >>> item_rest_correlations([[1.0, 0.5], [0.5, 1.0]])
    array([0.5, 0.5])
    """
    c = np.asarray(cov, dtype=float)
    total = c.sum()
    col = c.sum(axis=0)
    diag = np.diag(c)
    rest_var = total - 2.0 * col + diag
    with np.errstate(invalid="ignore", divide="ignore"):
        return (col - diag) / np.sqrt(diag * rest_var)


def alpha_if_deleted(cov: Any) -> np.ndarray:
    """Cronbach's alpha of the scale without each item in turn (``psych``'s ``alpha.drop``).

    Examples
    --------
    >>> c = np.array([[1.0, 0.5, 0.2], [0.5, 1.0, 0.2], [0.2, 0.2, 1.0]])
    >>> alpha_if_deleted(c).round(4)
    array([0.3333, 0.3333, 0.6667])
    """
    c = np.asarray(cov, dtype=float)
    k = c.shape[0]
    keep = ~np.eye(k, dtype=bool)
    return np.array([cronbach_alpha(c[np.ix_(keep[i], keep[i])]) for i in range(k)])


def feldt_ci(alpha: float, n: float, k: int, level: float = 0.95) -> tuple[float, float]:
    """Feldt's confidence interval for Cronbach's alpha.

    Notes
    -----
    ``(1 - alpha) / (1 - alpha_pop)`` follows an F distribution with ``n - 1`` and
    ``(n - 1)(k - 1)`` degrees of freedom (Feldt, Woodruff & Salih, 1987), so the bounds
    are ``1 - (1 - alpha) F_{1-a/2}`` and ``1 - (1 - alpha) F_{a/2}``; ``psych::alpha.ci``.
    ``n`` may be fractional (the effective n under pairwise deletion).

    Examples
    --------
    >>> [round(b, 4) for b in feldt_ci(0.8, 200, 5)]
    [0.7526, 0.8407]
    """
    if not 0 < level < 1:
        raise InputError(f"The CI level must be between 0 and 1; got {level!r}.")
    a = (1.0 - level) / 2.0
    df1, df2 = n - 1.0, (n - 1.0) * (k - 1.0)
    lo = 1.0 - (1.0 - alpha) * f_ppf(1.0 - a, df1, df2)
    hi = 1.0 - (1.0 - alpha) * f_ppf(a, df1, df2)
    return float(lo), float(hi)


def standard_error_of_measurement(sd: float, rel: float) -> float:
    """Classical standard error of measurement ``SD * sqrt(1 - rel)`` (Lord & Novick, 1968).

    Examples
    --------
    >>> standard_error_of_measurement(1.0, 0.84)
    0.4
    """
    return float(sd * np.sqrt(1.0 - rel)) if rel <= 1 else float("nan")


def pairwise_cov(x: Any, weights: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise-complete covariance matrix and the count behind each entry.

    Each covariance uses the rows where both items are present, with the means of those rows
    (R's ``cov(use = "pairwise")``); ddof 1. ``weights`` (non-negative integer counts per
    row, shape ``(n,)`` or ``(B, n)``) give the covariance of a resample with those
    multiplicities, so a bootstrap needs no copying.

    Returns
    -------
    cov : ndarray, shape (k, k) or (B, k, k)
    count : ndarray, same shape
        Number of rows (with multiplicity) behind each entry.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 5.0], [4.0, 3.0]])
    >>> c, n = pairwise_cov(x)
    >>> c.round(4).tolist(), n.astype(int).tolist()
    ([[1.6667, 1.1667], [1.1667, 2.3333]], [[4, 3], [3, 3]])
    """
    x = np.asarray(x, dtype=float)
    m = ~np.isnan(x)
    z = np.where(m, x, 0.0)
    mf = m.astype(float)
    w = np.ones(x.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    # sums over rows present in both items j and k
    wm = w[..., :, None] * mf  # (..., n, k)
    n = np.einsum("...ij,ik->...jk", wm, mf)
    sx = np.einsum("...ij,ik->...jk", wm * z, mf)  # sum of x_j where k present
    sxy = np.einsum("...ij,ik->...jk", wm * z, z)
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (sxy - sx * np.swapaxes(sx, -1, -2) / n) / (n - 1.0)
    return cov, n


def bootstrap_alpha(x: Any, *, pairwise: bool, n_boot: int, level: float,
                    rng: np.random.Generator) -> tuple[float, float]:
    """Percentile bootstrap CI of alpha: resample rows, recompute alpha the same way.

    Parameters
    ----------
    x : array (n, k)
        The keyed items of one scale (complete cases for listwise).
    pairwise : bool
        Recompute each resample's covariances pairwise (True) or on complete rows.
    n_boot : int
    level : float
    rng : numpy Generator

    Examples
    --------
    >>> g = np.random.default_rng(1)
    >>> x = g.normal(size=(200, 1)) + g.normal(size=(200, 4))
    >>> lo, hi = bootstrap_alpha(x, pairwise=False, n_boot=200, level=.95, rng=g)
    >>> bool(lo < cronbach_alpha(np.cov(x.T)) < hi)
    True
    """
    x = np.asarray(x, dtype=float)
    n = x.shape[0]
    out = np.empty(n_boot)
    chunk = max(1, min(n_boot, 2_000_000 // max(n * x.shape[1], 1)))
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        counts = rng.multinomial(n, np.full(n, 1.0 / n), size=b).astype(float)
        if pairwise:
            cov, _ = pairwise_cov(x, counts)
        else:
            mean = counts @ x / n
            cross = np.einsum("bi,ij,ik->bjk", counts, x, x)
            cov = (cross - n * mean[:, :, None] * mean[:, None, :]) / (n - 1.0)
        k = x.shape[1]
        tr = np.trace(cov, axis1=1, axis2=2)
        out[start:start + b] = k / (k - 1) * (1.0 - tr / cov.sum(axis=(1, 2)))
    a = (1.0 - level) / 2.0
    lo, hi = np.nanquantile(out, [a, 1.0 - a])
    return float(lo), float(hi)


# -- results --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ItemReliability:
    """One item's statistics within its scale (on the keyed item)."""

    item: str
    sign: int
    n: int
    item_rest: float
    alpha_if_deleted: float
    omega_if_deleted: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "sign": self.sign,
            "n": self.n,
            "item_rest": self.item_rest,
            "alpha_if_deleted": self.alpha_if_deleted,
            "omega_if_deleted": self.omega_if_deleted,
        }


@dataclass(frozen=True)
class ScaleReliability:
    """Reliability of one scale.

    Attributes
    ----------
    n : int
        Rows used: the complete cases (listwise) or the rows with at least one answered item
        of the scale (pairwise).
    n_ci : float
        The n behind the Feldt CI: ``n`` (listwise) or the harmonic mean of the pairwise
        counts over the item pairs (pairwise).
    sd : float
        Standard deviation of the scale score as the mean of its keyed items,
        ``sqrt(sum(C)) / k`` (the sample SD of the mean score under listwise).
    sem : float
        ``sd * sqrt(1 - alpha)``, on the mean-score metric.
    omega_ordinal : float or None
        Categorical omega of ordinal items (Green & Yang, 2009), filled in by
        :func:`lospw.analysis.validation.model_reliability.with_model_reliability`.
    """

    scale: str
    missing: str
    n: int
    n_ci: float
    alpha: float
    alpha_ci: tuple[float, float] | None
    ci_method: str
    alpha_std: float
    alpha_ordinal: float | None
    omega: float | None
    sd: float
    sem: float
    items: tuple[ItemReliability, ...]
    n_complete: int = 0
    omega_ordinal: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "missing": self.missing,
            "n": self.n,
            "n_ci": self.n_ci,
            "n_complete": self.n_complete,
            "k": len(self.items),
            "alpha": self.alpha,
            "alpha_ci": list(self.alpha_ci) if self.alpha_ci is not None else None,
            "ci_method": self.ci_method,
            "alpha_std": self.alpha_std,
            "alpha_ordinal": self.alpha_ordinal,
            "omega": self.omega,
            "omega_ordinal": self.omega_ordinal,
            "sd": self.sd,
            "sem": self.sem,
            "items": {i.item: i.to_dict() for i in self.items},
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per item."""
        rows = [{"scale": self.scale, "item": i.item, **i.to_dict()} for i in self.items]
        return pd.DataFrame(rows)


@dataclass(frozen=True)
class ReliabilityResult:
    """Reliability of every scale of a key; ``scales`` maps scale name to its result.

    ``bifactor`` (None unless requested) holds the bifactor indices of the key's items,
    filled in by :func:`lospw.analysis.validation.model_reliability.with_model_reliability`.
    """

    missing: str
    ci: str
    ci_level: float
    n: int
    scales: dict[str, ScaleReliability]
    n_boot: int | None = None
    seed: int | None = None
    warnings: tuple[Note, ...] = field(default=())
    polychoric: str = "lavaan"
    bifactor: dict[str, Any] | None = None

    def __getitem__(self, name: str) -> ScaleReliability:
        return self.scales[name]

    def to_dict(self) -> dict[str, Any]:
        return {
            "missing": self.missing,
            "n": self.n,
            "ci": self.ci,
            "ci_level": self.ci_level,
            "n_boot": self.n_boot,
            "seed": self.seed,
            "polychoric": self.polychoric,
            "sem_metric": "mean of the keyed items; sem = sd * sqrt(1 - alpha)",
            "scales": {k: v.to_dict() for k, v in self.scales.items()},
            "warnings": notes_to_dicts(self.warnings),
            **({"bifactor": self.bifactor} if self.bifactor is not None else {}),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per scale (the scale-level statistics)."""
        rows = []
        for name, s in self.scales.items():
            d = s.to_dict()
            d.pop("items")
            lo, hi = (s.alpha_ci if s.alpha_ci is not None else (np.nan, np.nan))
            d["alpha_ci"] = None
            rows.append({"scale": name, **d, "alpha_ci_lower": lo, "alpha_ci_upper": hi})
        return pd.DataFrame(rows).drop(columns="alpha_ci")


# -- adapter --------------------------------------------------------------------------------
def _as_rng(rng: int | np.random.Generator | None) -> tuple[np.random.Generator, int | None]:
    if rng is None:
        return np.random.default_rng(0), 0
    if isinstance(rng, np.random.Generator):
        return rng, None
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng)), int(rng)
    raise InputError(
        f"The 'rng' option must be a non-negative integer seed or a numpy Generator; got "
        f"{rng!r}."
    )


def keyed_items(data: pd.DataFrame, key: Key) -> pd.DataFrame:
    """The key's items of ``data`` as floats, reverse-keyed items reversed."""
    if not isinstance(data, pd.DataFrame):
        raise InputError(
            f"The data must be a pandas DataFrame of item responses; got "
            f"{type(data).__name__}. Read it with lospw.analysis.intake.responses.read_responses."
        )
    absent = [i for i in key.items if i not in data.columns]
    if absent:
        raise InputError(
            f"{len(absent)} item(s) of the key are not columns of the data: "
            f"{', '.join(absent[:10])}{' ...' if len(absent) > 10 else ''}. Check the column "
            "names against the key."
        )
    items = data[list(key.items)]
    try:
        items = items.astype(float)
    except (TypeError, ValueError):
        bad = [c for c in items.columns if not pd.api.types.is_numeric_dtype(items[c])]
        raise InputError(
            f"Item column(s) {', '.join(bad[:5])} are not numeric. Read the data with "
            "lospw.analysis.intake.responses.read_responses, which converts and checks them."
        ) from None
    return key.reverse_score(items)


def reliability(data: pd.DataFrame, key: Key, *, missing: str = "listwise",
                ci: str = "feldt", ci_level: float = 0.95, n_boot: int = 1000,
                rng: int | np.random.Generator | None = None, omega: bool = True,
                ordinal: bool = True, polychoric: str = "lavaan") -> ReliabilityResult:
    """Reliability of every scale of ``key`` on ``data``.

    Parameters
    ----------
    data : DataFrame
        Item responses (one column per key item, NaN missing), e.g.
        ``read_responses(path, key).items``. Items are reverse-keyed here.
    key : Key
    missing : {"listwise", "pairwise"}
        Missing-data policy, per scale (see the module docstring).
    ci : {"feldt", "bootstrap", "none"}
        Confidence interval of alpha.
    ci_level : float
    n_boot : int
        Bootstrap resamples (``ci="bootstrap"``).
    rng : int or numpy Generator, optional
        Seed of the bootstrap; None means seed 0 (results are always reproducible).
    omega, ordinal : bool
        Compute McDonald's omega (one-factor ML model) and ordinal alpha (polychoric).
    polychoric : {"lavaan", "psych"}
        The polychoric convention behind ordinal alpha (:mod:`lospw.analysis.classical.polychoric`):
        ``lavaan`` (default) takes every item's thresholds from its own answers and corrects
        no empty cell (lavaan's ``lavCor``; also ``psych::polychoric`` when the items share
        their response range); ``psych`` follows ``psych::polychoric``'s defaults all the
        way: when the items' observed maxima differ it switches to ``global = FALSE``,
        per-pair thresholds with empty cells set to .5. Tested against both
        (tests/reference/ordinal_alpha.R).

    Returns
    -------
    ReliabilityResult

    Raises
    ------
    InputError
        Unknown option, items absent from the data, non-numeric items, or a scale with fewer
        than 3 usable rows.

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 5},
    ...                      "scales": {"S": ["a", "b", "-c"]}})
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5, 3], "b": [2, 2, 3, 5, 4, 3],
    ...                    "c": [5, 4, 3, 2, 1, 4]})
    >>> res = reliability(df, key, omega=False, ordinal=False)
    >>> round(res["S"].alpha, 4), res["S"].n, res.missing
    (0.9539, 6, 'listwise')
    """
    check_missing(missing)
    if polychoric not in CONVENTIONS:
        raise InputError(f"The 'polychoric' option must be one of "
                         f"{', '.join(map(repr, CONVENTIONS))}; got {polychoric!r}.")
    if ci not in CI_METHODS:
        raise InputError(
            f"The 'ci' option must be one of {', '.join(map(repr, CI_METHODS))}; got {ci!r}."
        )
    if not 0 < ci_level < 1:
        raise InputError(f"The 'ci_level' option must be between 0 and 1; got {ci_level!r}.")
    if ci == "bootstrap" and (not isinstance(n_boot, (int, np.integer)) or n_boot < 50):
        raise InputError(
            f"The 'n_boot' option must be a whole number of at least 50; got {n_boot!r}."
        )
    generator, seed = _as_rng(rng)
    x_all = keyed_items(data, key)
    notes: list[Note] = []
    scales: dict[str, ScaleReliability] = {}
    for scale in key.scales:
        x = x_all[list(scale.items)]
        scales[scale.name] = _scale_reliability(
            scale.name, x, scale.signs, missing, ci, ci_level, n_boot, generator, notes,
            omega=omega, ordinal=ordinal, convention=polychoric,
        )
    for note in notes:
        warn(note)
    return ReliabilityResult(
        missing=missing, ci=ci, ci_level=ci_level, n=len(x_all), scales=scales,
        n_boot=n_boot if ci == "bootstrap" else None, polychoric=polychoric,
        seed=seed if ci == "bootstrap" else None, warnings=tuple(notes),
    )


def _scale_reliability(name: str, x: pd.DataFrame, signs: tuple[int, ...], missing: str,
                       ci: str, ci_level: float, n_boot: int, rng: np.random.Generator,
                       notes: list[Note], *, omega: bool, ordinal: bool,
                       convention: str = "lavaan") -> ScaleReliability:
    k = x.shape[1]
    complete = x.dropna()
    if missing == "listwise":
        used = complete
        arr = used.to_numpy()
        n_items = np.full(k, len(used))
        cov = np.cov(arr, rowvar=False) if len(used) >= 2 else np.full((k, k), np.nan)
        cov = np.atleast_2d(cov)
        n_ci = float(len(used))
    else:
        used = x[x.notna().any(axis=1)]
        arr = used.to_numpy()
        cov, counts = pairwise_cov(arr)
        n_items = np.diag(counts).astype(int)
        pairs = counts[np.triu_indices(k, 1)] if k > 1 else np.diag(counts)
        n_ci = float(harmonic_mean_count(pairs))
    if len(used) < 3:
        what = ("answer every item" if missing == "listwise" else "answer any of its items")
        raise DegenerateDataError(
            "too_few_rows",
            f"Scale {name} has too few usable rows under missing={missing!r}: {len(used)} "
            f"row(s) {what}, and at least 3 are needed. Check the data, or try the other "
            "missing-data policy."
        )
    if missing == "pairwise" and n_ci < 3:
        pair_n = counts.astype(float)
        np.fill_diagonal(pair_n, np.inf)
        i, j = np.unravel_index(int(np.argmin(pair_n)), pair_n.shape)
        raise DegenerateDataError(
            "too_few_rows",
            f"Scale {name} has too few usable rows under missing='pairwise': {len(used)} "
            f"row(s) answer some of its items, but items {x.columns[i]} and {x.columns[j]} "
            f"are answered together by only {int(counts[i, j])} (every pair needs at least "
            "3). Check the data, or try missing='listwise'."
        )
    if len(used) <= k:
        notes.append(Note("fewer_rows_than_items", f"scale {name}: {len(used)} usable rows for "
                          f"{k} items; the covariance matrix is singular and the coefficients "
                          "are unstable.", {"scale": name}))
    var = np.diag(cov)
    for item, v in zip(x.columns, var, strict=True):
        if not v > 0:
            notes.append(Note("zero_variance_item", f"item {item} of scale {name} has no "
                              "variance; its item-rest correlation is undefined.",
                              {"scale": name, "item": item}))
    if k < 2:
        notes.append(Note("single_item_scale", f"scale {name} has one item; alpha is undefined.",
                          {"scale": name}))
    alpha = cronbach_alpha(cov)
    alpha_std = standardized_alpha(cov) if np.all(var > 0) else float("nan")
    if k < 2 or not np.isfinite(alpha):
        alpha_ci: tuple[float, float] | None = None
    elif ci == "feldt":
        alpha_ci = feldt_ci(alpha, n_ci, k, ci_level)
    elif ci == "bootstrap":
        alpha_ci = bootstrap_alpha(arr, pairwise=missing == "pairwise", n_boot=n_boot,
                                   level=ci_level, rng=rng)
    else:
        alpha_ci = None
    rest = item_rest_correlations(cov) if k > 1 else np.full(k, np.nan)
    drop = alpha_if_deleted(cov) if k > 2 else np.full(k, np.nan)
    sd = float(np.sqrt(cov.sum()) / k)
    healthy = k >= 2 and bool(np.all(var > 0)) and bool(np.all(np.isfinite(cov)))
    alpha_ord = _ordinal_alpha(used, missing, name, notes, convention) \
        if ordinal and healthy else None
    om, om_drop = (_omega(cov, name, notes) if omega and healthy and k >= 3
                   else (None, [None] * k))
    items = tuple(
        ItemReliability(item=str(item), sign=int(sign), n=int(n_items[j]),
                        item_rest=float(rest[j]), alpha_if_deleted=float(drop[j]),
                        omega_if_deleted=om_drop[j])
        for j, (item, sign) in enumerate(zip(x.columns, signs, strict=True))
    )
    return ScaleReliability(
        scale=name, missing=missing, n=len(used), n_ci=n_ci, alpha=alpha, alpha_ci=alpha_ci,
        ci_method=ci, alpha_std=alpha_std, alpha_ordinal=alpha_ord, omega=om, sd=sd,
        sem=standard_error_of_measurement(sd, alpha), items=items, n_complete=len(complete),
    )


def _ordinal_alpha(x: pd.DataFrame, missing: str, name: str, notes: list[Note],
                   convention: str = "lavaan") -> float | None:
    """Standardised alpha of the polychoric matrix (Zumbo, Gadermann & Zeisser, 2007), under
    the ``lavaan`` or ``psych`` polychoric convention."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = polychoric_matrix(x, missing=missing, convention=convention)
    except InputError as exc:  # e.g. continuous scores: ordinal alpha does not apply
        notes.append(Note("no_ordinal_alpha", f"scale {name}: {exc}", {"scale": name}))
        return None
    notes.extend(Note(n.code, f"scale {name}: {n.message}", {**dict(n.context), "scale": name})
                 for n in caught_notes(caught))
    r = res.corr.to_numpy()
    return cronbach_alpha(r) if np.isfinite(r).all() else None


def _omega(cov: np.ndarray, name: str, notes: list[Note]
           ) -> tuple[float | None, list[float | None]]:
    """Omega total of the scale and of the scale without each item (one-factor ML)."""
    k = cov.shape[0]
    fit = fit_one_factor(cov)
    if fit.heywood:
        notes.append(Note("heywood_case", f"scale {name}: a residual variance of the one-factor "
                          "model is at its lower bound; omega is doubtful.", {"scale": name}))
    if not fit.converged:
        notes.append(Note("not_converged", f"scale {name}: the one-factor model did not "
                          "converge.", {"scale": name}))
    om = omega_total(fit.loadings, total_var=cov.sum())
    drop: list[float | None] = []
    for i in range(k):
        keep = [j for j in range(k) if j != i]
        if len(keep) < 3:
            drop.append(None)
            continue
        sub = cov[np.ix_(keep, keep)]
        drop.append(omega_total(fit_one_factor(sub).loadings, total_var=sub.sum()))
    return om, drop
