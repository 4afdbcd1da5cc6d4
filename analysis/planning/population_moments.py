"""Exact population moments of simulated Likert items: what each CFA estimator converges to.

A population model (:mod:`lospw.analysis.planning.population`) generates latent responses y* that are
normal within each stakeholder group (the workplace effects are normal, so they fold into
the factor covariance Φ), cut into categories by thresholds. Two matrices follow exactly:

* :func:`score_moments`: the covariance matrix (and means) of the observed category scores
  over the whole population, a mixture over groups. ML and MLR on the 1-5 scores estimate
  the CFA that fits *this* matrix best (their pseudo-true values).
* :func:`polychoric_limit`: the polychoric correlations a two-step polychoric analysis
  (lavaan's, psych's) converges to: thresholds from the pooled marginal proportions, each
  correlation maximising the expected bivariate likelihood of the pooled table. WLSMV
  estimates the CFA that fits this matrix. With one group and no threshold shifts it is the
  y* correlation matrix ΛΦΛ' + Θ itself; a mixture of groups moves it slightly.

Both work in the keyed direction (reverse-keyed items already reversed back), on the clean
measurement model: careless respondents and missing answers are not part of them.

Formulas: within group g, y*_j ~ N(m_gj, 1) with m_g = Λμ_g and corr R = ΛΦΛ' + Θ; the
category of item j is ``min + #{c: y*_j > τ_jc + δ_jg}``, so with standardised thresholds
``t_gjc = τ_jc + δ_jg - m_gj`` the cell probabilities of a pair are bivariate-normal
rectangles (:func:`lospw.analysis.classical.polychoric.cell_probabilities`). Moments of the mixture are the
share-weighted moments of the groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.classical.polychoric import cell_probabilities, polychoric_ml
from lospw.analysis.core import special
from lospw.analysis.core.key import key_from_dict
from lospw.analysis.planning.population import population_from_dict

__all__ = ["PopulationTables", "polychoric_limit", "population_tables", "score_moments"]


def _example():
    """A one-factor, two-item, three-category population (for the examples)."""

    key = key_from_dict({"response_scale": {"min": 1, "max": 3}, "scales": {"F": ["a", "b"]}})
    return population_from_dict(
        {"model": "lospw-population/1", "synthetic": True, "factors": ["F"],
         "items": {"a": {"loadings": {"F": 0.8}, "thresholds": [0.0, 1.0]},
                   "b": {"loadings": {"F": 0.5}, "thresholds": [-1.0, 0.0]}}}, key=key)


@dataclass(frozen=True)
class PopulationTables:
    """Pooled (mixture) category probabilities of every item and item pair.

    Attributes
    ----------
    items : tuple of str
    values : ndarray (C,)
        The category scores ``min .. max``.
    marginal : ndarray (p, C)
        ``P(y_j = c)``.
    pairs : ndarray (p, p, C, C)
        ``P(y_i = a, y_j = b)`` for i != j (the diagonal blocks are unused zeros).
    """

    items: tuple[str, ...]
    values: np.ndarray
    marginal: np.ndarray
    pairs: np.ndarray


def _within_group(pop: Any) -> tuple[np.ndarray, list[tuple[float, np.ndarray]]]:
    """R (the within-group y* correlations) and, per group, (share, standardised thresholds)."""
    lam = pop.loading_matrix()
    r = lam @ pop.phi @ lam.T + np.diag(pop.residual_variances())
    np.fill_diagonal(r, 1.0)
    tau = np.array([it.thresholds for it in pop.items], dtype=float)
    names = [g.name for g in pop.groups]
    out = []
    for gi, g in enumerate(pop.groups):
        mu = np.zeros(len(pop.factors))
        for f, v in g.factor_means:
            mu[pop.factors.index(f)] = v
        shift = np.zeros(len(pop.items))
        for item, group, delta in pop.non_invariance:
            if names.index(group) == gi:
                shift[pop.item_ids.index(item)] += delta
        out.append((g.share, tau + shift[:, None] - (lam @ mu)[:, None]))
    return r, out


def population_tables(pop: Any) -> PopulationTables:
    """The pooled category probabilities of a population model (see the module docstring).

    Parameters
    ----------
    pop : lospw.analysis.planning.population.PopulationModel

    Returns
    -------
    PopulationTables

    Examples
    --------
    >>> tab = population_tables(_example())
    >>> tab.marginal.round(4).tolist()
    [[0.5, 0.3413, 0.1587], [0.1587, 0.3413, 0.5]]
    >>> round(float(tab.pairs[0, 1].sum()), 10)
    1.0
    """
    r, groups = _within_group(pop)
    p = len(pop.items)
    rs = pop.key.response_scale
    values = np.arange(int(rs.min), int(rs.max) + 1, dtype=float)
    n_cat = len(values)
    iu, ju = np.triu_indices(p, 1)
    marginal = np.zeros((p, n_cat))
    upper = np.zeros((len(iu), n_cat, n_cat))
    for share, t in groups:
        # categories count thresholds exceeded: y = min + #{y* > t}; with cut points t the
        # cell "category c" is t_(c-1) < y* <= t_c, the rectangle of cell_probabilities.
        cdf = np.concatenate([np.zeros((p, 1)), special.ndtr(t), np.ones((p, 1))], axis=1)
        marginal += share * np.diff(cdf, axis=1)
        upper += share * cell_probabilities(r[iu, ju], t[iu], t[ju])
    pairs = np.zeros((p, p, n_cat, n_cat))
    pairs[iu, ju] = upper
    pairs[ju, iu] = upper.transpose(0, 2, 1)
    return PopulationTables(tuple(pop.item_ids), values, marginal, pairs)


def score_moments(pop: Any) -> tuple[pd.Series, pd.DataFrame]:
    """Population means and covariance matrix (divisor N) of the category scores.

    Parameters
    ----------
    pop : lospw.analysis.planning.population.PopulationModel

    Returns
    -------
    mean : Series
    cov : DataFrame
        Items x items, keyed direction.

    Notes
    -----
    ``E[y_i y_j] = Σ_ab v_a v_b P(y_i = a, y_j = b)`` with the pooled cell probabilities,
    ``Cov = E[y y'] - E[y] E[y]'``. The ML pseudo-true CFA is the model fitted to this
    matrix (Browne, 1984: the minimiser of the population discrepancy).

    Examples
    --------
    >>> mean, cov = score_moments(_example())
    >>> mean.round(4).tolist(), cov.round(4).to_numpy().tolist()
    ([1.6587, 2.3413], [[0.5421, 0.1611], [0.1611, 0.5421]])
    """
    tab = population_tables(pop)
    v = tab.values
    mean = tab.marginal @ v
    second = np.einsum("ijab,a,b->ij", tab.pairs, v, v)
    np.fill_diagonal(second, tab.marginal @ (v * v))
    cov = second - np.outer(mean, mean)
    items = list(tab.items)
    return pd.Series(mean, index=items), pd.DataFrame(cov, index=items, columns=items)


def polychoric_limit(pop: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The polychoric correlations and thresholds a two-step analysis converges to.

    Parameters
    ----------
    pop : lospw.analysis.planning.population.PopulationModel

    Returns
    -------
    corr : DataFrame
        Items x items.
    thresholds : DataFrame
        Items x (C - 1): ``Φ^-1`` of the pooled cumulative proportions.

    Notes
    -----
    Two-step ML (Olsson, 1979) on the expected tables: the thresholds from the pooled
    marginals, then each ρ maximising ``Σ_ab P_ab log π_ab(ρ)`` with the pooled cell
    probabilities P (solved by :func:`lospw.analysis.classical.polychoric.polychoric_ml` on the
    probabilities scaled to 10^6 counts; the maximiser does not depend on the scale).

    Examples
    --------
    >>> corr, thr = polychoric_limit(_example())  # one group: the y* correlation .8 x .5
    >>> round(float(corr.loc["a", "b"]), 6), thr.round(4).to_numpy().tolist()
    (0.4, [[0.0, 1.0], [-1.0, 0.0]])
    """
    tab = population_tables(pop)
    p = len(tab.items)
    cum = np.cumsum(tab.marginal, axis=1)[:, :-1]
    thr = special.ndtri(np.clip(cum, 0.0, 1.0))
    iu, ju = np.triu_indices(p, 1)
    rho, ok, _ = polychoric_ml(tab.pairs[iu, ju] * 1e6, thr[iu], thr[ju])
    if not ok.all():  # pragma: no cover - expected tables are smooth
        raise RuntimeError("polychoric limit did not converge")
    corr = np.eye(p)
    corr[iu, ju] = corr[ju, iu] = rho
    items = list(tab.items)
    cols = [f"t{c + 1}" for c in range(thr.shape[1])]
    return (pd.DataFrame(corr, index=items, columns=items),
            pd.DataFrame(thr, index=items, columns=cols))
