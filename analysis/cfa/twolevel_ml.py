"""The two-level normal likelihood (lavaan ``cluster =``), complete or incomplete data.

Each response vector is ``y_ij = mu + b_j + w_ij`` with within part ``w_ij ~ N(0,
Sigma_W)`` and between part ``b_j ~ N(0, Sigma_B)``; ``mu = mu_W + mu_B`` (lavaan fixes
the within intercepts of items present at both levels to 0). Stacking the observed
values ``r_j`` of cluster ``j`` (each row ``i`` with its own observed set ``o_i``; selection
``P_i``), their covariance is ``V_j = D_j + Z_j Sigma_B Z_j'`` with ``D_j =
blockdiag(Sigma_W[o_i, o_i])`` and ``Z_j`` the stacked ``P_i``. With ``W_i = Sigma_W[o_i,
o_i]^-1``, ``A_j = sum_i P_i' W_i P_i``, ``p_j = sum_i P_i' W_i r_i`` and ``M_j = (I +
Sigma_B A_j)^-1 Sigma_B`` (Woodbury), the exact minus twice log-likelihood is

    -2 logL = P log(2 pi) + sum_i [log|Sigma_W[o_i, o_i]| + r_i' W_i r_i]
              + sum_j [log|I + Sigma_B A_j| - p_j' M_j p_j]

(``P`` = observed values). This is lavaan 0.6-14's
``lav_mvnorm_cluster_missing_loglik_samplestats_2l``; with complete data it equals the
cluster-size form of ``lav_mvnorm_cluster_loglik_samplestats_2l`` (McDonald & Goldstein,
1989; Muthen, 1994). As lavaan, a negative variance on either level or an eigenvalue of
``Sigma_B`` below -0.05 makes the point inadmissible (``+inf``).

Gradient (``d(-2 logL) = tr(G_W dSigma_W) + tr(G_B dSigma_B) + g' dmu``): with ``u_i = W_i
r_i - W_i P_i M_j p_j`` (the blocks of ``V_j^-1 r_j``, padded) and ``s_j = sum_i u_i``,

    G_B = sum_j [A_j - A_j M_j A_j - s_j s_j']
    G_W = sum_i [P_i' W_i P_i - P_i' W_i P_i M_j P_i' W_i P_i - u_i u_i']
    g   = -2 sum_i u_i

The optimiser's scoring matrix is the complete-data expected information (the within
deviations and the cluster means are independent: ``(n_j - 1)`` within terms in
``Sigma_W`` and one term in ``V_j = Sigma_W + n_j Sigma_B`` per cluster); standard errors
come from the observed information (the Hessian of the exact likelihood, by differences of
the analytic gradient), lavaan's default for two-level models.
"""

from __future__ import annotations

import math

import numpy as np

from lospw.analysis.cfa.model import Model
from lospw.analysis.cfa.optimizer import numerical_hessian
from lospw.analysis.cfa.twolevel_data import ClusterData

__all__ = ["Evaluation", "TwoLevelObjective", "evaluate", "minus2loglik", "moment_gradients"]

LOG2PI = math.log(2 * math.pi)
#: lavaan's admissibility bound on the smallest eigenvalue of Sigma_B
MIN_EIGEN_B = -0.05
#: at most this many cluster sizes in the scoring matrix (sizes are binned beyond it)
MAX_SIZE_BINS = 8


class Evaluation:
    """Intermediate quantities at one (Sigma_W, Sigma_B, mu): ``m2ll`` (-2 logL) and the
    pieces the gradient reuses."""

    __slots__ = ("a", "ib", "m2ll", "pj", "q", "sb", "v", "wt")


def evaluate(d: ClusterData, sw: np.ndarray, sb: np.ndarray, mu: np.ndarray
             ) -> Evaluation | None:
    """``-2 logL`` and its intermediate quantities; None when the point is inadmissible."""
    rows_k = d.pattern_rows
    p = len(mu)
    if (np.diag(sw) < 0).any() or (np.diag(sb) < 0).any():
        return None
    both = np.flatnonzero(np.diag(sb) != 0)
    if len(both) and np.linalg.eigvalsh(sb[np.ix_(both, both)]).min() < MIN_EIGEN_B:
        return None
    K = len(d.observed)
    wt = np.zeros((K, p, p))
    wlog = 0.0
    for k, o in enumerate(d.observed):
        try:
            c = np.linalg.cholesky(sw[np.ix_(o, o)])
        except np.linalg.LinAlgError:
            return None
        ci = np.linalg.inv(c)
        wt[k][np.ix_(o, o)] = ci.T @ ci
        wlog += len(rows_k[k]) * 2.0 * float(np.sum(np.log(np.diag(c))))
    r = np.nan_to_num(d.x - mu)
    q = np.empty_like(r)
    for k, rows in enumerate(rows_k):
        q[rows] = r[rows] @ wt[k]
    qa = float(np.sum(q * r))
    a = (d.counts @ wt.reshape(K, p * p)).reshape(-1, p, p)
    pj = np.add.reduceat(q, d.offsets, axis=0)
    ib = np.matmul(sb, a) + np.eye(p)
    sign, ld = np.linalg.slogdet(ib)
    if not (sign > 0).all() or not np.isfinite(ld).all():
        return None
    v = np.linalg.solve(ib, (pj @ sb)[..., None])[..., 0]
    qb = float(np.sum(pj * v))
    e = Evaluation()
    e.m2ll = d.n_values * LOG2PI + wlog + float(ld.sum()) + qa - qb
    e.wt, e.q, e.a, e.pj, e.ib, e.v, e.sb = wt, q, a, pj, ib, v, sb
    return e


def minus2loglik(d: ClusterData, sw: np.ndarray, sb: np.ndarray, mu: np.ndarray) -> float:
    """``-2 logL`` of the two-level normal model at given moments (``inf`` if inadmissible).

    Examples
    --------
    >>> import pandas as pd
    >>> from lospw.analysis.cfa.twolevel_data import cluster_data
    >>> df = pd.DataFrame({"y": [0.0, 1.0, 2.0, 4.0], "g": [1, 1, 2, 2]})
    >>> cd, _ = cluster_data(df, ["y"], "g", "listwise")
    >>> # Sigma_B = 0: independent N(mu, 1) rows
    >>> m2 = minus2loglik(cd, np.eye(1), np.zeros((1, 1)), np.array([1.75]))
    >>> round(m2 - (4 * LOG2PI + sum((v - 1.75) ** 2 for v in [0, 1, 2, 4])), 12)
    0.0
    """
    e = evaluate(d, sw, sb, mu)
    return math.inf if e is None else e.m2ll


def moment_gradients(d: ClusterData, e: Evaluation
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(G_W, G_B, g)``: derivatives of ``-2 logL`` w.r.t. Sigma_W, Sigma_B and mu (see the
    module docstring; ``G`` symmetric with ``d(-2 logL) = tr(G dSigma)``)."""
    rows_k = d.pattern_rows
    p = e.q.shape[1]
    K = len(d.observed)
    m = np.linalg.solve(e.ib, np.broadcast_to(e.sb, e.ib.shape))
    m = (m + np.transpose(m, (0, 2, 1))) / 2
    u = e.q.copy()
    vr = e.v[d.cluster]
    for k, rows in enumerate(rows_k):
        u[rows] -= vr[rows] @ e.wt[k]
    s = np.add.reduceat(u, d.offsets, axis=0)
    g_b = (e.a - e.a @ m @ e.a).sum(axis=0) - s.T @ s
    mbar = (d.counts.T @ m.reshape(-1, p * p)).reshape(K, p, p)
    nk = np.array([len(rk) for rk in rows_k], dtype=float)
    g_w = np.tensordot(nk, e.wt, axes=1) - (e.wt @ mbar @ e.wt).sum(axis=0) - u.T @ u
    g = -2.0 * u.sum(axis=0)
    return (g_w + g_w.T) / 2, (g_b + g_b.T) / 2, g


def _size_bins(sizes: np.ndarray) -> list[tuple[float, int]]:
    """(size, number of clusters) pairs, binned when there are many distinct sizes."""
    uniq, cnt = np.unique(sizes, return_counts=True)
    if len(uniq) <= MAX_SIZE_BINS:
        return [(float(s), int(c)) for s, c in zip(uniq, cnt, strict=True)]
    edges = np.quantile(sizes, np.linspace(0, 1, MAX_SIZE_BINS + 1))
    which = np.clip(np.searchsorted(edges, sizes, side="right") - 1, 0, MAX_SIZE_BINS - 1)
    out = []
    for b in range(MAX_SIZE_BINS):
        sel = sizes[which == b]
        if len(sel):
            out.append((float(sel.mean()), len(sel)))
    return out


class TwoLevelObjective:
    """``F = -logL / N`` of a two-level model over its estimation vector.

    ``model`` has two blocks (``group`` 1 = within, 2 = between) over the same observed
    variables; a variable absent from the between block has zero between (co)variances and
    mean, as lavaan's within-only variables.
    """

    def __init__(self, model: Model, data: ClusterData) -> None:
        self.model = model
        self.data = data
        self.ntotal = data.n
        per_cluster = np.add.reduceat((~np.isnan(data.x)).any(axis=1).astype(float),
                                      data.offsets)
        self.bins = _size_bins(per_cluster)

    def moments(self, x: np.ndarray) -> tuple[list, np.ndarray, np.ndarray, np.ndarray]:
        """``(states, Sigma_W, Sigma_B, mu)`` with ``mu = mu_W + mu_B``."""
        states = self.model.group_state(x)
        (_, iw), (_, ib) = states
        return states, iw.sigma, ib.sigma, iw.mu + ib.mu

    def _eval(self, x: np.ndarray) -> tuple[list, Evaluation | None]:
        states, sw, sb, mu = self.moments(x)
        if not (np.isfinite(sw).all() and np.isfinite(sb).all() and np.isfinite(mu).all()):
            return states, None
        return states, evaluate(self.data, sw, sb, mu)

    def f(self, x: np.ndarray) -> float:
        _, e = self._eval(x)
        return math.inf if e is None else e.m2ll / (2 * self.ntotal)

    def loglik(self, x: np.ndarray) -> float:
        """lavaan's ``logl``."""
        _, e = self._eval(x)
        return math.nan if e is None else -e.m2ll / 2

    def grad(self, x: np.ndarray) -> np.ndarray:
        states, e = self._eval(x)
        if e is None:
            return np.full(self.model.nx, np.nan)
        g_w, g_b, g = moment_gradients(self.data, e)
        c = 1.0 / (2 * self.ntotal)
        return self.model.moment_gradient(states, [(c * g_w, c * g), (c * g_b, c * g)])

    def scoring_info(self, x: np.ndarray) -> np.ndarray:
        """Complete-data expected information per observation (the optimiser's matrix)."""
        states, sw, sb, _ = self.moments(x)
        (jsw, jmw, _), (jsb, jmb, _) = self.model.jacobians(states)
        nx = self.model.nx
        jm = jmw + jmb

        def block(vi: np.ndarray, ds: np.ndarray) -> np.ndarray:
            a = np.matmul(vi, ds)
            at = np.ascontiguousarray(np.transpose(a, (0, 2, 1)))
            return 0.5 * a.reshape(nx, -1) @ at.reshape(nx, -1).T

        try:
            swi = np.linalg.inv(sw)
        except np.linalg.LinAlgError:
            return np.eye(nx)
        n_within = self.ntotal - self.data.n_clusters
        info = n_within * block(swi, jsw) if n_within > 0 else np.zeros((nx, nx))
        for size, count in self.bins:
            try:
                vi = np.linalg.inv(sw + size * sb)
            except np.linalg.LinAlgError:
                continue
            info += count * (block(vi, jsw + size * jsb) + size * jm @ vi @ jm.T)
        return info / self.ntotal

    def hessian(self, x: np.ndarray) -> np.ndarray:
        """Observed information per observation: the Hessian of ``F`` at ``x``."""
        return numerical_hessian(self.grad, x)
