"""The saturated (h1) model under missing data: information matrices for robust FIML.

Coordinates are ``(mu, vech Sigma)`` with ``vech`` over the lower triangle including the
diagonal. For one missing-data pattern with ``n`` cases, observed set ``o``, ``W =
Sigma_oo^-1``, ``d = mean_o - mu_o``, ``C = S_o + d d'`` and ``Q = W C W``, the observed
information (minus the Hessian of the log-likelihood, lavaan's
``lav_mvnorm_missing_logl_hessian_samplestats``) has the blocks

* ``mu, mu``: ``n W``;
* ``Sigma, mu``: ``n D'(W d (x) W)``;
* ``Sigma, Sigma``: ``D' [ -n/2 (W (x) W) + n/2 (Q (x) W + W (x) Q) ] D``;

and the casewise scores are ``W r`` for the means and ``vech(z z' - W)`` with halved diagonal
for the covariances (``z = W r``; lavaan's ``lav_mvnorm_missing_scores_mu_vech_sigma``).
Both matrices are per observation (divided by N), summed over the patterns in one batched
operation (:mod:`lospw.analysis.cfa.patterns`).
"""

from __future__ import annotations

import numpy as np

from lospw.analysis.cfa.data import GroupData
from lospw.analysis.cfa.patterns import dup_kron_sum, stack_patterns, vech_index

__all__ = ["complete_information", "h1_information", "vech_delta", "vech_index"]


def h1_information(g: GroupData) -> tuple[np.ndarray, np.ndarray]:
    """Observed (A1) and first-order (B1) information of the saturated model at the EM
    estimates ``g.mean``, ``g.cov``, per observation, in ``(mu, vech Sigma)`` coordinates.

    Cached per group object (it depends on the data only).
    """
    key = id(g)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is g:
        return hit[1], hit[2]
    a1, b1 = _h1_information(g)
    _CACHE.clear()
    _CACHE[key] = (g, a1, b1)
    return a1, b1


_CACHE: dict[int, tuple] = {}


def _h1_information(g: GroupData) -> tuple[np.ndarray, np.ndarray]:
    # every pattern at once (lospw.analysis.cfa.patterns): the same sums as a loop over patterns
    pats = stack_patterns(g.patterns, len(g.mean))
    ev = pats.evaluate(g.mean, g.cov)
    if ev is None:
        raise np.linalg.LinAlgError("the EM covariance matrix is not positive definite")
    scores = pats.casewise_scores(ev, g.x, g.mean)
    N = g.n
    return pats.observed_information(ev) / N, scores.T @ scores / N


def complete_information(mean: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Expected (= observed at the estimates) information of the saturated model for
    complete data with moments ``mean``, ``cov``: ``diag(S^-1, 1/2 D'(S^-1 (x) S^-1) D)``."""
    p = len(mean)
    W = np.linalg.inv(cov)
    K = p + p * (p + 1) // 2
    out = np.zeros((K, K))
    out[:p, :p] = W
    out[p:, p:] = 0.5 * dup_kron_sum(W[None], W[None], np.ones(1))
    return out


def vech_delta(JS: np.ndarray, Jm: np.ndarray) -> np.ndarray:
    """Model Jacobian in ``(mu, vech Sigma)`` coordinates: (p + p*) x nx."""
    p = JS.shape[1]
    vr, vc = vech_index(p)
    return np.vstack([Jm.T, JS[:, vr, vc].T])
