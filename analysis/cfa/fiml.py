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
Both matrices are per observation (divided by N).
"""

from __future__ import annotations

import numpy as np

from analysis.cfa.data import GroupData

__all__ = ["complete_information", "h1_information", "vech_delta", "vech_index"]


def vech_index(p: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, col) of the lower triangle including the diagonal, column by column."""
    rows, cols = [], []
    for j in range(p):
        for i in range(j, p):
            rows.append(i)
            cols.append(j)
    return np.array(rows, dtype=int), np.array(cols, dtype=int)


def _dup_form(A: np.ndarray, B: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``D'(A (x) B) D`` on the vech pairs ``(a, b)`` (rows) by themselves (columns)."""
    ne = (a != b).astype(float)
    c, d = a, b
    out = A[np.ix_(b, d)] * B[np.ix_(a, c)]
    out += A[np.ix_(b, c)] * B[np.ix_(a, d)] * ne[None, :]
    out += A[np.ix_(a, d)] * B[np.ix_(b, c)] * ne[:, None]
    out += A[np.ix_(a, c)] * B[np.ix_(b, d)] * (ne[:, None] * ne[None, :])
    return out


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
    p = len(g.mean)
    vr, vc = vech_index(p)
    q = len(vr)
    pos = -np.ones((p, p), dtype=int)
    pos[vr, vc] = np.arange(q)
    pos[vc, vr] = np.arange(q)
    K = p + q
    A = np.zeros((K, K))
    SC = np.zeros((g.n, K))
    mu, sigma = g.mean, g.cov
    for pat in g.patterns:
        o = pat.observed
        W = np.linalg.inv(sigma[np.ix_(o, o)])
        d = pat.mean - mu[o]
        C = pat.cov + np.outer(d, d)
        Q = W @ C @ W
        lr, lc = vech_index(len(o))
        full = p + pos[o[lr], o[lc]]                  # positions in the K coordinates
        n = pat.n
        A[np.ix_(o, o)] += n * W
        u = W @ d
        ne = (lr != lc).astype(float)
        cross = n * (u[lc][:, None] * W[lr, :] + ne[:, None] * u[lr][:, None] * W[lc, :])
        A[np.ix_(full, o)] += cross
        A[np.ix_(o, full)] += cross.T
        # D'(Q (x) W)D = D'(W (x) Q)D for symmetric Q, W, and the form is linear in its first
        # argument: -1/2 D'(W (x) W)D + 1/2 D'(Q (x) W + W (x) Q)D = D'((Q - W/2) (x) W)D
        A[np.ix_(full, full)] += n * _dup_form(Q - 0.5 * W, W, lr, lc)
        # casewise scores
        y = g.x[np.ix_(pat.rows, o)]
        z = (y - mu[o]) @ W
        SC[np.ix_(pat.rows, o)] = z
        s = z[:, lr] * z[:, lc] - W[lr, lc]
        s[:, lr == lc] *= 0.5
        SC[np.ix_(pat.rows, full)] = s
    N = g.n
    return A / N, SC.T @ SC / N


def complete_information(mean: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Expected (= observed at the estimates) information of the saturated model for
    complete data with moments ``mean``, ``cov``: ``diag(S^-1, 1/2 D'(S^-1 (x) S^-1) D)``."""
    p = len(mean)
    W = np.linalg.inv(cov)
    vr, vc = vech_index(p)
    K = p + len(vr)
    out = np.zeros((K, K))
    out[:p, :p] = W
    out[p:, p:] = 0.5 * _dup_form(W, W, vr, vc)
    return out


def vech_delta(JS: np.ndarray, Jm: np.ndarray) -> np.ndarray:
    """Model Jacobian in ``(mu, vech Sigma)`` coordinates: (p + p*) x nx."""
    p = JS.shape[1]
    vr, vc = vech_index(p)
    return np.vstack([Jm.T, JS[:, vr, vc].T])
