"""Exact population moments against R (pbivnorm rectangles, optimize()) and a large sample."""

from __future__ import annotations

import numpy as np

from lospw.analysis.planning.plan import _clean
from lospw.analysis.planning.population_moments import (
    polychoric_limit,
    population_tables,
    score_moments,
)


def test_score_moments_match_r(population, reference):
    mean, cov = score_moments(_clean(population))
    assert list(cov.index) == reference["items"]
    np.testing.assert_allclose(mean.to_numpy(), reference["score_mean"], atol=1e-9)
    np.testing.assert_allclose(cov.to_numpy(), np.array(reference["score_cov"]), atol=1e-7)


def test_polychoric_limit_matches_r(population, reference):
    corr, thr = polychoric_limit(_clean(population))
    np.testing.assert_allclose(thr.to_numpy(), np.array(reference["thresholds"]), atol=1e-9)
    np.testing.assert_allclose(corr.to_numpy(), np.array(reference["polychoric"]), atol=1e-6)


def test_one_group_polychoric_limit_is_the_latent_correlation(population):
    import dataclasses

    from lospw.analysis.planning.population import Group

    pop = dataclasses.replace(_clean(population), groups=(Group("all", 1.0),),
                              non_invariance=())
    corr, _ = polychoric_limit(pop)
    lam = pop.loading_matrix()
    r = lam @ pop.phi @ lam.T
    np.fill_diagonal(r, 1.0)
    np.testing.assert_allclose(corr.to_numpy(), r, atol=1e-9)


def test_tables_are_probabilities(population):
    tab = population_tables(_clean(population))
    np.testing.assert_allclose(tab.marginal.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(tab.pairs[0, 1].sum(), 1.0, atol=1e-10)
    np.testing.assert_allclose(tab.pairs[0, 1].sum(axis=1), tab.marginal[0], atol=1e-10)
    np.testing.assert_allclose(tab.pairs[1, 0], tab.pairs[0, 1].T)


def test_score_moments_agree_with_a_large_simulation(population):
    """Without workplace clustering, 200,000 simulated respondents agree to sampling error."""
    import dataclasses

    from lospw.analysis.planning.simulate import simulate

    pop = dataclasses.replace(_clean(population), icc=0.0, n_workplaces=1)
    mean, cov = score_moments(pop)
    sim = simulate(pop, n=200_000, rng=11)
    x = pop.key.reverse_score(sim.data[list(pop.key.items)].astype(float)).to_numpy()
    assert np.abs(x.mean(axis=0) - mean.to_numpy()).max() < 0.01
    assert np.abs(np.cov(x, rowvar=False, bias=True) - cov.to_numpy()).max() < 0.01
