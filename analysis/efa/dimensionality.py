"""How many dimensions: KMO, Bartlett's test of sphericity, Horn's parallel analysis and
Velicer's MAP, on a Pearson or polychoric correlation matrix (as psych computes them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.core.distributions import chi2_sf
from lospw.analysis.core.errors import InputError
from lospw.analysis.efa.extraction import extract, reduced_eigenvalues

__all__ = [
    "KMO",
    "Bartlett",
    "ParallelAnalysis",
    "VelicerMAP",
    "bartlett_sphericity",
    "kmo",
    "parallel_analysis",
    "velicer_map",
]


def _check_corr(r: Any) -> np.ndarray:
    r = np.asarray(r, dtype=float)
    if r.ndim != 2 or r.shape[0] != r.shape[1] or r.shape[0] < 2:
        raise InputError(f"A correlation matrix must be square with 2+ items; got shape "
                         f"{r.shape}.")
    if not np.all(np.isfinite(r)):
        raise InputError("The correlation matrix has missing or infinite entries; check "
                         "items without variance or pairs never answered together.")
    return r


@dataclass(frozen=True)
class KMO:
    """Kaiser-Meyer-Olkin measure of sampling adequacy, overall and per item."""

    msa: float
    msa_items: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {"msa": self.msa, "msa_items": dict(self.msa_items)}


def kmo(r: Any, items: list[str] | None = None) -> KMO:
    """Kaiser-Meyer-Olkin MSA from a correlation matrix (``psych::KMO``).

    Notes
    -----
    With ``q`` the partial (anti-image) correlations from ``R^-1``,
    ``MSA = sum r_ij^2 / (sum r_ij^2 + sum q_ij^2)`` over ``i != j``; per item the sums run
    over that item's column (Kaiser, 1970; Kaiser & Rice, 1974).

    Examples
    --------
    >>> r = np.array([[1, .5, .4], [.5, 1, .3], [.4, .3, 1]])
    >>> round(kmo(r).msa, 4)
    0.6279
    """
    r = _check_corr(r)
    p = r.shape[0]
    names = items if items is not None else [f"x{i + 1}" for i in range(p)]
    try:
        q = np.linalg.inv(r)
    except np.linalg.LinAlgError:
        raise InputError("The correlation matrix is singular; KMO needs its inverse. Drop "
                         "redundant items.") from None
    d = 1.0 / np.sqrt(np.diag(q))
    q = q * np.outer(d, d)
    off = ~np.eye(p, dtype=bool)
    r2 = np.where(off, r * r, 0.0)
    q2 = np.where(off, q * q, 0.0)
    msa = float(r2.sum() / (r2.sum() + q2.sum()))
    per = r2.sum(axis=0) / (r2.sum(axis=0) + q2.sum(axis=0))
    return KMO(msa, {n: float(v) for n, v in zip(names, per, strict=True)})


@dataclass(frozen=True)
class Bartlett:
    """Bartlett's test that the population correlation matrix is the identity."""

    chisq: float
    df: int
    pvalue: float
    n: int

    def to_dict(self) -> dict[str, Any]:
        return {"chisq": self.chisq, "df": self.df, "pvalue": self.pvalue, "n": self.n}


def bartlett_sphericity(r: Any, n: int) -> Bartlett:
    """Bartlett's (1951) test of sphericity (``psych::cortest.bartlett``).

    Notes
    -----
    ``chi2 = -(n - 1 - (2p + 5)/6) log|R|`` on ``p(p - 1)/2`` degrees of freedom.

    Examples
    --------
    >>> b = bartlett_sphericity(np.array([[1, .5], [.5, 1]]), 100)
    >>> round(b.chisq, 3), b.df
    (28.049, 1)
    """
    r = _check_corr(r)
    p = r.shape[0]
    if not n > 1:
        raise InputError(f"Bartlett's test needs n > 1; got {n!r}.")
    sign, logdet = np.linalg.slogdet(r)
    if sign <= 0:
        raise InputError("The correlation matrix is not positive definite; Bartlett's test "
                         "needs a positive determinant.")
    stat = float(-logdet * (n - 1 - (2 * p + 5) / 6))
    df = p * (p - 1) // 2
    return Bartlett(stat, df, float(chi2_sf(stat, df)), int(n))


@dataclass(frozen=True)
class ParallelAnalysis:
    """Horn's parallel analysis, factors and components (``psych::fa.parallel``).

    Attributes
    ----------
    observed_pc, observed_fa : ndarray
        Eigenvalues of R, and of R with communalities from a one-factor minres solution.
    simulated_pc, simulated_fa : ndarray
        The mean eigenvalues over ``n_iter`` correlation matrices of normal random data of
        the same size.
    quantile_pc, quantile_fa : ndarray
        Their ``quant`` quantiles: the criteria.
    n_components, n_factors : int
        How many leading observed eigenvalues exceed the criterion.
    simulation : str
        ``"normal data"``, or ``"Wishart"`` above :data:`WISHART_N` rows (see
        :func:`parallel_analysis`).
    """

    observed_pc: np.ndarray
    observed_fa: np.ndarray
    simulated_pc: np.ndarray
    simulated_fa: np.ndarray
    quantile_pc: np.ndarray
    quantile_fa: np.ndarray
    n_components: int
    n_factors: int
    n: int
    n_iter: int
    quant: float
    seed: int | None
    simulation: str = "normal data"

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_factors": self.n_factors, "n_components": self.n_components, "n": self.n,
            "n_iter": self.n_iter, "quant": self.quant, "seed": self.seed,
            "simulation": self.simulation,
            "observed_fa": self.observed_fa.tolist(), "observed_pc": self.observed_pc.tolist(),
            "simulated_fa": self.simulated_fa.tolist(),
            "simulated_pc": self.simulated_pc.tolist(),
            "criterion_fa": self.quantile_fa.tolist(), "criterion_pc": self.quantile_pc.tolist(),
        }

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({
            "number": np.arange(1, len(self.observed_pc) + 1),
            "observed_fa": self.observed_fa, "criterion_fa": self.quantile_fa,
            "observed_pc": self.observed_pc, "criterion_pc": self.quantile_pc,
        })


#: Above this many rows parallel analysis draws the simulated correlation matrices from their
#: exact (Wishart) distribution instead of simulating the rows: the cost no longer grows
#: with N (200,000 x 40 x 20 normal draws took a minute).
WISHART_N = 20_000


def _wishart_corr(gen: np.random.Generator, n: int, p: int) -> np.ndarray:
    """The correlation matrix of ``n`` rows of p independent normals, drawn from its exact
    distribution: the centred cross-products are Wishart(n - 1, I), drawn by Bartlett's
    decomposition ``W = A A'`` (A lower triangular, ``A_ii^2 ~ chi2(n - i)``, i = 1..p,
    ``A_ij ~ N(0, 1)`` below the diagonal)."""
    a = np.tril(gen.standard_normal((p, p)), -1)
    a[np.diag_indices(p)] = np.sqrt(gen.chisquare(n - 1 - np.arange(p)))
    w = a @ a.T
    d = 1.0 / np.sqrt(np.diag(w))
    c = w * np.outer(d, d)
    np.fill_diagonal(c, 1.0)
    return c


def _leading(observed: np.ndarray, criterion: np.ndarray) -> int:
    fails = np.nonzero(~(observed > criterion))[0]
    return int(fails[0]) if fails.size else len(observed)


def _fa_values(r: np.ndarray) -> np.ndarray:
    fit = extract(r, 1, "minres")
    return reduced_eigenvalues(r, fit.communalities)


def parallel_analysis(r: Any, n: int, *, rng: int | np.random.Generator | None = None,
                      n_iter: int = 20, quant: float = 0.95) -> ParallelAnalysis:
    """Horn's (1965) parallel analysis as ``psych::fa.parallel`` runs it by default.

    Parameters
    ----------
    r : array (p, p)
        The observed correlation matrix (Pearson or polychoric).
    n : int
        Sample size of the simulated data.
    rng : int or numpy Generator, optional
        Seed (None: 0).
    n_iter : int
        Simulated data sets (psych: 20).
    quant : float
        Quantile of the simulated eigenvalues used as criterion (psych: .95).

    Notes
    -----
    For each of ``n_iter`` normal data sets of ``n x p`` the eigenvalues of its correlation
    matrix (components) and of that matrix with one-factor minres communalities on the
    diagonal (factors) are computed; the suggested number is how many leading observed
    eigenvalues exceed the ``quant`` quantile of the simulated ones (psych's rule, with
    ``sim = TRUE``). Above :data:`WISHART_N` rows the simulated correlation matrices are
    drawn from their exact distribution (:func:`_wishart_corr`: the same distribution, at a
    cost independent of N; ``simulation = "Wishart"`` in the result). The polychoric variant compares polychoric eigenvalues with normal data,
    as ``fa.parallel(cor = "poly")`` does for its simulated criterion.

    Examples
    --------
    >>> lam = np.repeat(np.eye(2), 4, axis=0) * .7
    >>> r = lam @ lam.T
    >>> np.fill_diagonal(r, 1)
    >>> pa = parallel_analysis(r, 500, rng=1, n_iter=5)
    >>> pa.n_factors, pa.n_components
    (2, 2)
    """
    r = _check_corr(r)
    p = r.shape[0]
    if not isinstance(n_iter, (int, np.integer)) or n_iter < 1:
        raise InputError(f"The 'n_iter' option must be a whole number >= 1; got {n_iter!r}.")
    if not 0 < quant < 1:
        raise InputError(f"The 'quant' option must be between 0 and 1; got {quant!r}.")
    if not isinstance(n, (int, np.integer)) or n <= p:
        raise InputError(f"Parallel analysis needs more rows than items; got n = {n!r} for "
                         f"{p} items.")
    gen, seed = _rng(rng)
    obs_pc = np.sort(np.linalg.eigvalsh(r))[::-1]
    obs_fa = _fa_values(r)
    sim_pc = np.empty((n_iter, p))
    sim_fa = np.empty((n_iter, p))
    wishart = n > WISHART_N
    for i in range(n_iter):
        c = (_wishart_corr(gen, int(n), p) if wishart
             else np.corrcoef(gen.standard_normal((n, p)), rowvar=False))
        sim_pc[i] = np.sort(np.linalg.eigvalsh(c))[::-1]
        sim_fa[i] = _fa_values(c)
    # R's quantile type 7 is numpy's default "linear"
    q_pc = np.quantile(sim_pc, quant, axis=0)
    q_fa = np.quantile(sim_fa, quant, axis=0)
    return ParallelAnalysis(
        observed_pc=obs_pc, observed_fa=obs_fa, simulated_pc=sim_pc.mean(axis=0),
        simulated_fa=sim_fa.mean(axis=0), quantile_pc=q_pc, quantile_fa=q_fa,
        n_components=_leading(obs_pc, q_pc), n_factors=_leading(obs_fa, q_fa), n=int(n),
        n_iter=int(n_iter), quant=float(quant), seed=seed,
        simulation="Wishart" if wishart else "normal data",
    )


def _rng(rng: int | np.random.Generator | None) -> tuple[np.random.Generator, int | None]:
    if rng is None:
        return np.random.default_rng(0), 0
    if isinstance(rng, np.random.Generator):
        return rng, None
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng)), int(rng)
    raise InputError(f"The 'rng' option must be a non-negative integer seed or a numpy "
                     f"Generator; got {rng!r}.")


@dataclass(frozen=True)
class VelicerMAP:
    """Velicer's minimum average partial: values for 0..max components and the minimum."""

    values: np.ndarray
    n_components: int

    def to_dict(self) -> dict[str, Any]:
        return {"n_components": self.n_components,
                "map": {str(m): float(v) for m, v in enumerate(self.values)}}


def velicer_map(r: Any, max_components: int = 8) -> VelicerMAP:
    """Velicer's (1976) MAP test on principal components (``psych::VSS(...)$map``).

    Notes
    -----
    For ``m`` components with loadings ``C_m`` (eigenvectors times the root eigenvalues),
    the partial covariance is ``R - C_m C_m'``; rescaled to correlations, the average of its
    squared off-diagonal entries is ``MAP(m)``. ``MAP(0)`` is the average squared
    correlation. The suggested number is the ``m`` with the smallest MAP. psych reports
    ``m = 1 .. 8`` (its ``$map``); here ``values[m]`` is ``MAP(m)``, ``values[0]`` added.

    Examples
    --------
    >>> lam = np.repeat(np.eye(2), 4, axis=0) * .7
    >>> r = lam @ lam.T
    >>> np.fill_diagonal(r, 1)
    >>> velicer_map(r, 4).n_components
    2
    """
    r = _check_corr(r)
    p = r.shape[0]
    m_max = min(int(max_components), p - 1)
    if m_max < 1:
        raise InputError(f"The MAP test needs at least one component; got "
                         f"max_components = {max_components!r}.")
    vals, vecs = np.linalg.eigh(r)
    order = np.argsort(vals)[::-1]
    comp = vecs[:, order] * np.sqrt(np.maximum(vals[order], 0.0))
    off = ~np.eye(p, dtype=bool)
    out = [float(np.sum(r[off] ** 2) / (p * (p - 1)))]
    for m in range(1, m_max + 1):
        c = r - comp[:, :m] @ comp[:, :m].T
        diag = np.diag(c)
        if np.any(diag <= 1e-12):  # an item fully explained: the partial r is undefined
            out.append(float("nan"))
            continue
        d = 1.0 / np.sqrt(diag)
        rs = c * np.outer(d, d)
        out.append(float(np.sum(rs[off] ** 2) / (p * (p - 1))))
    values = np.array(out)
    return VelicerMAP(values, int(np.nanargmin(values)))
