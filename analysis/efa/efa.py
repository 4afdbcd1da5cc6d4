"""Exploratory factor analysis of a key's items, with the checks that come before it and the
comparison with the key's intended structure after it.

:func:`efa` runs, on a Pearson or polychoric correlation matrix of the key's items (as
answered, not reverse-keyed): KMO and Bartlett's test, parallel analysis and Velicer's MAP
(:mod:`lospw.analysis.efa.dimensionality`), factor extraction (:mod:`lospw.analysis.efa.extraction`), oblique
rotation (:mod:`lospw.analysis.efa.rotation`) and Tucker's congruence of each factor with the key's
scale (signed: a reverse-keyed item's target is -1), after matching factors to scales
optimally (:func:`match_factors`).
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.classical.polychoric import polychoric
from lospw.analysis.core.degenerate import DegenerateDataError, check_item_variance
from lospw.analysis.core.errors import InputError, caught_notes, warn
from lospw.analysis.core.key import Key
from lospw.analysis.core.missing import check_missing, harmonic_mean_count
from lospw.analysis.core.warnings import Note, notes_to_dicts
from lospw.analysis.efa.dimensionality import (
    KMO,
    Bartlett,
    ParallelAnalysis,
    VelicerMAP,
    bartlett_sphericity,
    kmo,
    parallel_analysis,
    velicer_map,
)
from lospw.analysis.efa.extraction import EXTRACTIONS, extract
from lospw.analysis.efa.rotation import ROTATIONS, rotate

__all__ = [
    "CORRELATIONS",
    "Congruence",
    "EFAResult",
    "efa",
    "match_factors",
    "pairwise_pearson",
    "tucker_congruence",
]

log = logging.getLogger(__name__)

CORRELATIONS = ("pearson", "polychoric")


def tucker_congruence(x: Any, y: Any) -> np.ndarray:
    """Tucker's congruence coefficients between the columns of ``x`` and of ``y``.

    ``phi(a, b) = sum(a b) / sqrt(sum(a^2) sum(b^2))`` (Tucker, 1951; Lorenzo-Seva & ten
    Berge, 2006: .85-.94 fair similarity, .95 and above equality); ``psych::factor.congruence``.

    Examples
    --------
    >>> tucker_congruence([[1.0], [1.0]], [[1.0, 1.0], [1.0, -1.0]]).tolist()
    [[1.0, 0.0]]
    """
    a = np.asarray(x, dtype=float)
    b = np.asarray(y, dtype=float)
    num = a.T @ b
    den = np.sqrt(np.outer((a * a).sum(axis=0), (b * b).sum(axis=0)))
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


def match_factors(loadings: Any, target: Any) -> list[tuple[int, int, float]]:
    """Pair factors (columns of ``loadings``) with target columns to maximise the total
    absolute congruence (Hungarian algorithm); returns ``(factor, target, congruence)``
    with the congruence signed as if the factor were reflected to agree with its target.

    Examples
    --------
    >>> lam = np.array([[0.1, 0.8], [0.0, 0.7], [0.9, 0.1], [0.6, 0.0]])
    >>> tgt = np.array([[1, 0], [1, 0], [0, 1], [0, 1]])
    >>> [(f, t) for f, t, _ in match_factors(lam, tgt)]
    [(0, 1), (1, 0)]
    """
    # lazy: scipy.optimize costs 0.15-0.3 s of start-up that `lospw reliability` (which
    # imports this module for the Schmid-Leiman bifactor option) does not otherwise pay
    from scipy.optimize import linear_sum_assignment

    c = tucker_congruence(loadings, target)
    rows, cols = linear_sum_assignment(-np.abs(np.nan_to_num(c)))
    return [(int(i), int(j), float(abs(c[i, j]))) for i, j in zip(rows, cols, strict=True)]


@dataclass(frozen=True)
class Congruence:
    """Congruence of the EFA factors with the key's scales.

    Attributes
    ----------
    by_scale : dict
        Scale -> {"factor": name or None, "congruence": value or None, "reflected": bool}.
    mean : float
        Mean congruence over the matched scales.
    """

    by_scale: dict[str, dict[str, Any]]
    mean: float

    def to_dict(self) -> dict[str, Any]:
        return {"mean": self.mean, "scales": {k: dict(v) for k, v in self.by_scale.items()}}


@dataclass(frozen=True)
class EFAResult:
    """Everything :func:`efa` computes; ``to_dict`` gives the ``lospw efa --json`` shape."""

    cor: str
    missing: str
    n: int
    nfactors: int
    method: str
    rotation: str
    kmo: KMO
    bartlett: Bartlett
    parallel: ParallelAnalysis
    map: VelicerMAP
    loadings: pd.DataFrame
    phi: pd.DataFrame
    communalities: pd.Series
    congruence: Congruence | None
    converged: bool
    seed: int | None
    warnings: tuple[Note, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "cor": self.cor, "missing": self.missing, "n": self.n, "nfactors": self.nfactors,
            "method": self.method, "rotation": self.rotation, "seed": self.seed,
            "kmo": self.kmo.to_dict(), "bartlett": self.bartlett.to_dict(),
            "parallel": self.parallel.to_dict(), "map": self.map.to_dict(),
            "loadings": {i: row.to_dict() for i, row in self.loadings.iterrows()},
            "phi": {f: row.to_dict() for f, row in self.phi.iterrows()},
            "communalities": self.communalities.to_dict(),
            "congruence": self.congruence.to_dict() if self.congruence else None,
            "converged": self.converged, "warnings": notes_to_dicts(self.warnings),
        }

    def to_frame(self) -> pd.DataFrame:
        """Loadings with the communality per item."""
        return self.loadings.assign(h2=self.communalities)


def pairwise_pearson(x: Any) -> tuple[np.ndarray, np.ndarray]:
    """Pearson correlations from pairwise-complete rows, and the count behind each.

    Each correlation uses only the rows answering both items, for its covariance *and* its
    two standard deviations (R's ``cor(x, use = "pairwise")``, which ``psych::fa`` and
    ``KMO`` use): ``r_jk = c_jk / sqrt(v_j(k) v_k(j))`` where ``v_j(k)`` is item j's
    variance over the rows that also answered k. (Dividing a pairwise covariance by
    standard deviations from all of each item's answers would differ by ~1e-3 on bfi and
    can leave [-1, 1].) Columns are centred at their means first, for accuracy.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0, 1.0], [2.0, np.nan, 3.0], [3.0, 5.0, 2.0], [4.0, 3.0, 5.0]])
    >>> r, n = pairwise_pearson(x)
    >>> round(float(r[0, 1]), 6), round(float(np.corrcoef(x[[0, 2, 3]][:, :2].T)[0, 1]), 6)
    (0.5, 0.5)
    >>> n.astype(int).tolist()
    [[4, 3, 4], [3, 3, 3], [4, 3, 4]]
    """
    x = np.asarray(x, dtype=float)
    m = ~np.isnan(x)
    mf = m.astype(float)
    with np.errstate(invalid="ignore"):
        centre = np.nanmean(np.where(m.any(axis=0), x, 0.0), axis=0)
    z = np.where(m, x - centre, 0.0)
    n = mf.T @ mf                      # rows answering both j and k
    sx = z.T @ mf                      # sum of x_j over the rows answering both
    sxx = (z * z).T @ mf               # sum of x_j^2 over the same rows
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = z.T @ z - sx * sx.T / n
        var = sxx - sx**2 / n          # (n - 1) times item j's variance on those rows
        r = cov / np.sqrt(var * var.T)
    np.fill_diagonal(r, 1.0)
    return r, n


def correlation_matrix(data: pd.DataFrame, cor: str, missing: str
                       ) -> tuple[np.ndarray, int, list[Note]]:
    """The correlation matrix of ``data`` and the n behind it.

    ``listwise``: complete rows, n their number. ``pairwise``: pairwise-complete
    correlations, n the harmonic mean of the pairwise counts (rounded down; computed
    exactly, :func:`lospw.analysis.core.missing.harmonic_mean_count`), as for the reliability CI.
    """
    if cor == "polychoric":
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = polychoric(data, missing=missing)
        notes = caught_notes(caught)
        counts = res.n_pairs.to_numpy().astype(float)
        r = res.corr.to_numpy()
    else:
        x = data.dropna() if missing == "listwise" else data
        r, counts = pairwise_pearson(x.to_numpy(dtype=float))
        notes: list[Note] = []
    if missing == "listwise":
        return r, int(data.notna().all(axis=1).sum()), notes
    pairs = counts[np.triu_indices(r.shape[0], 1)]
    return r, math.floor(harmonic_mean_count(pairs)), notes


def efa(data: pd.DataFrame, key: Key | None = None, *, nfactors: int | None = None,
        cor: str = "pearson", missing: str = "listwise", method: str = "minres",
        rotation: str = "oblimin", rng: int | np.random.Generator | None = None,
        n_iter: int = 20, map_max: int = 8) -> EFAResult:
    """Dimensionality checks and an oblique EFA of the key's items.

    Parameters
    ----------
    data : DataFrame
        Item responses (``read_responses(...).items``); the key's items are used as
        answered (not reverse-keyed). Without a key, every column.
    key : Key, optional
        Gives the items and the intended structure for the congruence.
    nfactors : int, optional
        Factors to extract; default the number of scales in the key (or the parallel
        analysis suggestion without a key).
    cor : {"pearson", "polychoric"}
    missing : {"listwise", "pairwise"}
    method : {"minres", "ml"}
    rotation : {"oblimin", "geomin", "none"}
    rng : int or numpy Generator, optional
        Seed of the parallel analysis (None: 0).
    n_iter : int
        Simulated data sets of the parallel analysis.
    map_max : int
        Largest number of components of the MAP test.

    Returns
    -------
    EFAResult

    Raises
    ------
    InputError
        Unknown options, items not in the data, too few rows, a bad number of factors.

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> g = np.random.default_rng(0)
    >>> f = g.normal(size=(600, 2))
    >>> x = np.hstack([f[:, [0]] * .8, f[:, [0]] * .7, f[:, [0]] * .6,
    ...                f[:, [1]] * .8, f[:, [1]] * .7, f[:, [1]] * .6])
    >>> df = pd.DataFrame(x + g.normal(size=(600, 6)) * .6, columns=list("abcdef"))
    >>> key = key_from_dict({"response_scale": {"min": -9, "max": 9, "continuous": True},
    ...                      "scales": {"S": ["a", "b", "c"], "T": ["d", "e", "f"]}})
    >>> res = efa(df, key, n_iter=5)
    >>> res.nfactors, res.parallel.n_factors, res.congruence.mean > .95
    (2, 2, True)
    """
    check_missing(missing)
    if cor not in CORRELATIONS:
        raise InputError(f"The 'cor' option must be one of {', '.join(map(repr, CORRELATIONS))};"
                         f" got {cor!r}.")
    if method not in EXTRACTIONS:
        raise InputError(f"The 'method' option must be one of "
                         f"{', '.join(map(repr, EXTRACTIONS))}; got {method!r}.")
    if rotation not in ROTATIONS:
        raise InputError(f"The 'rotation' option must be one of "
                         f"{', '.join(map(repr, ROTATIONS))}; got {rotation!r}.")
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"The data must be a pandas DataFrame of item responses; got "
                         f"{type(data).__name__}.")
    items = list(key.items) if key is not None else [str(c) for c in data.columns]
    absent = [i for i in items if i not in data.columns]
    if absent:
        raise InputError(f"{len(absent)} item(s) of the key are not columns of the data: "
                         f"{', '.join(absent[:10])}. Check the column names against the key.")
    x = data[items].astype(float)
    if len(items) < 3:
        raise InputError(f"An EFA needs at least 3 items; got {len(items)}.")
    r, n, notes = correlation_matrix(x, cor, missing)
    if n <= len(items):
        raise DegenerateDataError("fewer_rows_than_items",
                                  f"An EFA of {len(items)} items needs more rows than items; got "
                                  f"{n} usable rows under missing={missing!r}.")
    if not np.all(np.isfinite(r)):
        check_item_variance(x.dropna() if missing == "listwise" else x, items, stage="EFA")
        raise InputError("The correlation matrix has undefined entries (two items never "
                         "answered together); drop one of them or use missing='listwise'.")
    smallest = float(np.linalg.eigvalsh(r)[0])
    if smallest <= 1e-8:
        notes.append(Note("nonpositive_definite", f"the correlation matrix is not positive "
                          f"definite (smallest eigenvalue {smallest:.2g}; e.g. two items with "
                          "identical answers); KMO, Bartlett's test and SMC use its inverse and "
                          "are not trustworthy."))
    km = _kmo(r, items)
    bt = _bartlett(r, n)
    pa = parallel_analysis(r, n, rng=rng, n_iter=n_iter)
    mp = velicer_map(r, map_max)
    if nfactors is None and key is not None and len(key.scales) >= len(items):
        raise DegenerateDataError(
            "too_many_factors",
            f"The key has {len(key.scales)} scales for {len(items)} items, and an EFA with "
            f"one factor per scale needs more items than factors (at most {len(items) - 1} "
            "factors). Give the number of factors, or use scales of several items.")
    if nfactors is None:
        nfactors = len(key.scales) if key is not None else max(pa.n_factors, 1)
    fit = extract(r, nfactors, method)
    rot = rotate(fit.loadings, rotation)
    names = [f"F{j + 1}" for j in range(nfactors)]
    loadings = pd.DataFrame(rot.loadings, index=items, columns=names)
    phi = pd.DataFrame(rot.phi, index=names, columns=names)
    h2 = pd.Series(np.diag(rot.loadings @ rot.phi @ rot.loadings.T), index=items, name="h2")
    if fit.heywood:
        notes.append(Note("heywood_case", "a uniqueness is at its lower bound (0.005); the "
                          "solution is improper."))
    if not (fit.converged and rot.converged):
        notes.append(Note("not_converged", "the factor extraction or rotation did not "
                          "converge."))
    cong = _congruence(loadings, key) if key is not None else None
    for note in notes:
        warn(note)
    gen_seed = pa.seed
    return EFAResult(
        cor=cor, missing=missing, n=n, nfactors=int(nfactors), method=method,
        rotation=rotation, kmo=km, bartlett=bt, parallel=pa, map=mp, loadings=loadings,
        phi=phi, communalities=h2, congruence=cong,
        converged=bool(fit.converged and rot.converged), seed=gen_seed,
        warnings=tuple(notes),
    )


def _kmo(r: np.ndarray, items: list[str]) -> KMO:
    """KMO, or NaN when the matrix is singular (flagged ``nonpositive_definite``): psych
    then puts R in place of its inverse and prints an MSA of .5 that means nothing."""
    try:
        return kmo(r, items)
    except InputError:  # r is finite and square here: only a singular matrix is refused
        return KMO(float("nan"), {i: float("nan") for i in items})


def _bartlett(r: np.ndarray, n: int) -> Bartlett:
    """Bartlett's test, or NaN when the determinant is not positive (a singular matrix,
    flagged ``nonpositive_definite``; psych's log of it gives Inf or NaN)."""
    if np.linalg.slogdet(r)[0] <= 0:
        p = r.shape[0]
        return Bartlett(float("nan"), p * (p - 1) // 2, float("nan"), int(n))
    return bartlett_sphericity(r, n)


def _congruence(loadings: pd.DataFrame, key: Key) -> Congruence:
    target = key.scoring_matrix().loc[loadings.index]
    c = tucker_congruence(loadings.to_numpy(), target.to_numpy())
    pairs = match_factors(loadings.to_numpy(), target.to_numpy())
    by_scale: dict[str, dict[str, Any]] = {
        s: {"factor": None, "congruence": None, "reflected": False} for s in target.columns
    }
    for f, t, value in pairs:
        by_scale[target.columns[t]] = {"factor": loadings.columns[f], "congruence": value,
                                       "reflected": bool(c[f, t] < 0)}
    vals = [v for _, _, v in pairs]
    return Congruence(by_scale, float(np.mean(vals)) if vals else float("nan"))
