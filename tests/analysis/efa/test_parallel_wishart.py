"""Parallel analysis on large N: the simulated correlations drawn from their exact law."""

from __future__ import annotations

import numpy as np

from lospw.analysis.efa.dimensionality import WISHART_N, _wishart_corr, parallel_analysis


def _eigen(c: np.ndarray) -> np.ndarray:
    return np.sort(np.linalg.eigvalsh(c))[::-1]


def test_wishart_draws_have_the_law_of_simulated_data() -> None:
    g = np.random.default_rng(7)
    n, p, draws = 200, 5, 3000
    w = np.array([_eigen(_wishart_corr(g, n, p)) for _ in range(draws)])
    d = np.array([_eigen(np.corrcoef(g.standard_normal((n, p)), rowvar=False))
                  for _ in range(draws)])
    np.testing.assert_allclose(w.mean(axis=0), d.mean(axis=0), atol=0.01)
    np.testing.assert_allclose(np.quantile(w, 0.95, axis=0), np.quantile(d, 0.95, axis=0),
                               atol=0.015)
    c = _wishart_corr(g, n, p)
    assert np.allclose(np.diag(c), 1) and np.allclose(c, c.T)


def test_large_n_uses_and_states_the_wishart_draws() -> None:
    lam = np.repeat(np.eye(3), 4, axis=0) * 0.6
    r = lam @ lam.T
    np.fill_diagonal(r, 1)
    big = parallel_analysis(r, WISHART_N + 1, rng=1, n_iter=5)
    small = parallel_analysis(r, 500, rng=1, n_iter=5)
    assert big.simulation == "Wishart" and big.to_dict()["simulation"] == "Wishart"
    assert small.simulation == "normal data"
    assert big.n_factors == 3
