"""Populations for dynamic fit cutoffs: a fitted model's standardized solution and the
misspecified versions of it that McNeish & Wolf define, level by level.

The population (McNeish & Wolf, 2023a; the ``dynamic`` R package's ``cfa_lavmod``) is the
fitted model's standardized solution: loadings ``L``, factor correlations ``Phi``, residual
correlations ``R``. As in ``simstandard::sim_standardized``, which ``dynamic`` simulates
with, every observed variable has variance 1, so the residual variances follow from the
rest:

.. math::

    \\theta_i = 1 - [L \\Phi L']_{ii}, \\qquad
    \\Sigma = L \\Phi L' + R \\circ \\sqrt{\\theta \\theta'} .

A misspecified population adds parameters the analysed model omits and recomputes
``theta`` the same way (``dynamic``'s helper functions, version 1.1.0):

One factor (``cfaOne``; McNeish & Wolf, 2023b)
    The ``m`` eligible items (loading on one factor only, in no residual covariance), by
    ascending absolute loading (ties: model order), are paired in that order (2nd with 1st,
    4th with 3rd, ...); level ``L`` adds a residual correlation of .30 to each of its first
    ``n_L`` pairs: ``m = 4``: one level, 1 pair; ``m = 5``: 1 and 2 pairs; ``m >= 6``:
    ``floor(n/3)``, ``floor(2n/3)`` and ``n = floor(m/2)`` pairs. Fewer than 4 eligible
    items: no levels.
Several factors (``cfaHB``; McNeish & Wolf, 2023a, after Hu & Bentler, 1999)
    ``k - 1`` levels. Each factor's eligible item with the lowest absolute loading; these
    are ordered (factors with more than two items first, then by absolute loading) and the
    first ``k - 1`` kept. Taken by ascending absolute loading, each gets a cross-loading on
    the factor with the highest construct replicability H (Hancock & Mueller, 2001) among
    those whose pair with its own factor no earlier item used (ties: model order; ``dynamic``
    adds a random jitter below .001). Its magnitude is the item's own absolute loading,
    capped at ``.95 (sqrt(l^2 f^2 + 1 - l^2) - |l f|)`` (``f`` the two factors'
    correlation) so that the residual variance stays positive; positive sign. Level ``L``
    adds the first ``L`` cross-loadings in the kept order.

For ordinal items (WLSMV) the population is that of the latent responses, with the
standardized thresholds kept for cutting simulated responses into categories (``catOne``,
``catHB``; McNeish, 2023).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.core.errors import InputError

__all__ = ["ONE_FACTOR_CORRELATION", "MisspecificationLevel", "StandardizedPopulation",
           "misspecification_levels", "standardized_population"]

#: Size of the residual correlations omitted at the one-factor levels (McNeish & Wolf, 2023b).
ONE_FACTOR_CORRELATION = 0.30
#: Share of the largest admissible cross-loading a multi-factor level may use (``dynamic``).
_CROSS_CAP = 0.95


@dataclass(frozen=True)
class StandardizedPopulation:
    """A standardized CFA population (every observed variable has variance 1).

    Attributes
    ----------
    items, factors : tuple of str
        In model order.
    loadings : ndarray (p, m)
    phi : ndarray (m, m)
        Factor correlations.
    residual_correlations : ndarray (p, p)
        Correlations between residuals (identity diagonal).
    thresholds : dict, optional
        Item -> standardized thresholds (ordinal items), else None.
    """

    items: tuple[str, ...]
    factors: tuple[str, ...]
    loadings: np.ndarray
    phi: np.ndarray
    residual_correlations: np.ndarray
    thresholds: dict[str, np.ndarray] | None = None

    def residual_variances(self) -> np.ndarray:
        """``1 - diag(L Phi L')``."""
        return 1.0 - np.einsum("ij,jk,ik->i", self.loadings, self.phi, self.loadings)

    def sigma(self) -> np.ndarray:
        """The implied correlation matrix (simstandard's rule; see the module docstring).

        Raises
        ------
        InputError
            When a residual variance is not positive (a Heywood case).
        """
        theta = self.residual_variances()
        if np.any(theta <= 0):
            bad = [self.items[i] for i in np.flatnonzero(theta <= 0)]
            raise InputError(f"The standardized solution leaves no residual variance for "
                             f"{', '.join(bad[:5])} (a Heywood case); dynamic fit cutoffs "
                             "need a proper solution. Fix the model first.")
        common = self.loadings @ self.phi @ self.loadings.T
        return common + self.residual_correlations * np.sqrt(np.outer(theta, theta))

    def loading_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.loadings, index=list(self.items), columns=list(self.factors))


@dataclass(frozen=True)
class MisspecificationLevel:
    """One misspecified population.

    Attributes
    ----------
    level : int
    misspecification : str
        What was added, in words (e.g. ``"1 omitted cross-loading: x2 on textual (.424)"``).
    added : tuple of dict
        The added parameters: ``{"op": "=~" | "~~", "lhs", "rhs", "value"}``.
    population : StandardizedPopulation
    """

    level: int
    misspecification: str
    added: tuple[dict[str, Any], ...]
    population: StandardizedPopulation

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "misspecification": self.misspecification,
                "added": [dict(a) for a in self.added]}


def standardized_population(result: Any) -> StandardizedPopulation:
    """The standardized solution of a fitted one-group CFA as a population.

    Parameters
    ----------
    result : CFAResult
        Converged; loadings, factor and residual (co)variances only.

    Raises
    ------
    InputError
        Not converged, several groups, regressions, or factors measured by factors.
    """
    if not result.converged:
        raise InputError("The model did not converge; dynamic fit cutoffs need a fitted model.")
    if len(result.group_labels) != 1:
        raise InputError("Dynamic fit cutoffs are defined for one-group models; fit the model "
                         "without --group.")
    par = result.parameters
    if (par["op"] == "~").any():
        raise InputError("Dynamic fit cutoffs are defined for CFA measurement models "
                         "(loadings, factor and residual correlations); the model has "
                         "regressions (~).")
    lo = par[par["op"] == "=~"]
    factors = tuple(dict.fromkeys(lo["lhs"]))
    higher = sorted(set(lo["rhs"]) & set(factors))
    if higher:
        raise InputError("Dynamic fit cutoffs are defined for first-order CFA models; factor(s) "
                         f"{', '.join(higher)} are measured by other factors.")
    items = tuple(dict.fromkeys(lo["rhs"]))
    ii = {v: k for k, v in enumerate(items)}
    fi = {v: k for k, v in enumerate(factors)}
    lam = np.zeros((len(items), len(factors)))
    for r in lo.itertuples():
        lam[ii[r.rhs], fi[r.lhs]] = float(r.std_all)
    phi = np.eye(len(factors))
    resid = np.eye(len(items))
    cov = par[(par["op"] == "~~") & (par["lhs"] != par["rhs"])]
    for r in cov.itertuples():
        if r.lhs in fi and r.rhs in fi:
            phi[fi[r.lhs], fi[r.rhs]] = phi[fi[r.rhs], fi[r.lhs]] = float(r.std_all)
        elif r.lhs in ii and r.rhs in ii:
            resid[ii[r.lhs], ii[r.rhs]] = resid[ii[r.rhs], ii[r.lhs]] = float(r.std_all)
    th = par[par["op"] == "|"]
    thresholds = None
    if len(th):
        thresholds = {i: th[th["lhs"] == i]["std_all"].to_numpy(float) for i in items}
    return StandardizedPopulation(items, factors, lam, phi, resid, thresholds)


def _eligible(pop: StandardizedPopulation) -> list[int]:
    on = (pop.loadings != 0).sum(axis=1)
    in_cov = (pop.residual_correlations != 0).sum(axis=1) > 1
    return [i for i in range(len(pop.items)) if on[i] == 1 and not in_cov[i]]


def _one_factor(pop: StandardizedPopulation) -> list[MisspecificationLevel]:
    el = _eligible(pop)
    el.sort(key=lambda i: abs(pop.loadings[i, 0]))  # stable: ties keep model order
    m = len(el)
    if m < 4:
        raise InputError(f"A one-factor model needs at least 4 items free of residual "
                         f"covariances for dynamic fit cutoffs; it has {m}.")
    used = 2 if m == 4 else 4 if m == 5 else 2 * (m // 2)
    pairs = [(el[2 * k + 1], el[2 * k]) for k in range(used // 2)]
    if m == 4:
        counts = [1]
    elif m == 5:
        counts = [1, 2]
    else:
        n = m // 2
        counts = [n // 3, (2 * n) // 3, n]
    out = []
    for level, count in enumerate(counts, start=1):
        resid = pop.residual_correlations.copy()
        added = []
        for a, b in pairs[:count]:
            resid[a, b] = resid[b, a] = ONE_FACTOR_CORRELATION
            added.append({"op": "~~", "lhs": pop.items[a], "rhs": pop.items[b],
                          "value": ONE_FACTOR_CORRELATION})
        what = ", ".join(f"{d['lhs']} ~~ {d['rhs']}" for d in added)
        out.append(MisspecificationLevel(
            level, f"{count} omitted residual correlation(s) of .30: {what}", tuple(added),
            dataclasses.replace(pop, residual_correlations=resid)))
    return out


def _coefficient_h(lam: np.ndarray) -> float:
    lam = lam[lam != 0]
    return 1.0 / (1.0 + 1.0 / float(np.sum(lam**2 / (1.0 - lam**2))))


def _multi_factor(pop: StandardizedPopulation) -> list[MisspecificationLevel]:
    lam, k = pop.loadings, len(pop.factors)
    el = _eligible(pop)
    own = {i: int(np.flatnonzero(lam[i])[0]) for i in el}
    n_items = (lam != 0).sum(axis=0)
    cand = []
    for f in range(k):
        mine = [i for i in el if own[i] == f]
        if mine:
            i = min(mine, key=lambda j: abs(lam[j, f]))  # first on ties
            cand.append({"item": i, "factor": f, "loading": lam[i, f],
                         "priority": 0 if n_items[f] > 2 else 1})
    if len(cand) < k - 1:
        raise InputError(f"Dynamic fit cutoffs of a {k}-factor model need {k - 1} factors with "
                         "an item that loads on that factor only and has no residual "
                         f"covariance; the model has {len(cand)}.")
    cand.sort(key=lambda c: (c["priority"], abs(c["loading"])))
    cand = cand[:k - 1]
    h = [_coefficient_h(lam[:, f]) for f in range(k)]
    used: set[frozenset[int]] = set()
    for c in sorted(cand, key=lambda c: abs(c["loading"])):
        f = c["factor"]
        free = [g for g in range(k) if g != f and frozenset((f, g)) not in used]
        target = max(free, key=lambda g: (h[g], -g))
        used.add(frozenset((f, target)))
        lam_i, r = c["loading"], pop.phi[f, target]
        cap = _CROSS_CAP * (np.sqrt(lam_i**2 * r**2 + 1.0 - lam_i**2) - abs(lam_i * r))
        c.update(target=target, magnitude=float(min(abs(lam_i), cap)))
    out = []
    for level in range(1, k):
        new = lam.copy()
        added = []
        for c in cand[:level]:
            new[c["item"], c["target"]] = c["magnitude"]
            added.append({"op": "=~", "lhs": pop.factors[c["target"]],
                          "rhs": pop.items[c["item"]], "value": c["magnitude"]})
        what = ", ".join(f"{d['rhs']} on {d['lhs']} ({d['value']:.3f})" for d in added)
        out.append(MisspecificationLevel(
            level, f"{level} omitted cross-loading(s): {what}", tuple(added),
            dataclasses.replace(pop, loadings=new)))
    return out


def misspecification_levels(pop: StandardizedPopulation, df: float | None = None
                            ) -> tuple[MisspecificationLevel, ...]:
    """McNeish & Wolf's misspecification levels of a population (module docstring).

    Parameters
    ----------
    pop : StandardizedPopulation
    df : float, optional
        The analysed model's degrees of freedom; 0 is refused (nothing can be omitted
        from a just-identified model).

    Returns
    -------
    tuple of MisspecificationLevel

    Raises
    ------
    InputError
        A just-identified model, or too few eligible items.

    Examples
    --------
    >>> lam = np.array([[.42], [.21], [.20], [.85], [.85], [.84]])
    >>> pop = StandardizedPopulation(tuple("abcdef"), ("f",), lam, np.eye(1), np.eye(6))
    >>> [lv.misspecification for lv in misspecification_levels(pop)][0]
    '1 omitted residual correlation(s) of .30: b ~~ c'
    """
    if df is not None and df <= 0:
        raise InputError("The model is just identified (df = 0): no omitted parameter can be "
                         "added, so it has no dynamic fit cutoffs.")
    levels = _one_factor(pop) if len(pop.factors) == 1 else _multi_factor(pop)
    for lv in levels:
        lv.population.sigma()  # a level that is not a valid population is refused here
    return tuple(levels)
