"""Missing-data patterns stacked for vectorised full-information ML.

The casewise normal likelihood under missing data (lavaan ``missing = "ml"``) depends on the
data only through each missing-data pattern's size, observed set, mean and (biased)
covariance. :class:`Patterns` stacks them with zeros in the missing positions, so every
quantity is one batched array operation over patterns instead of a loop: for the moments
``(mu, Sigma)`` and pattern ``k`` with ``n_k`` cases, observed set ``o``, ``W_k`` the inverse
of ``Sigma_oo`` padded with zeros, ``d_k = mean_k - mu`` (observed entries) and ``C_k = S_k +
d_k d_k'``:

* ``-2 logL = sum_k n_k [p_k log(2 pi) + log|Sigma_oo| + tr(W_k C_k)]``;
* ``d(-logL)/dSigma = 1/2 sum_k n_k (W_k - W_k C_k W_k)``, ``d(-logL)/dmu = -sum_k n_k W_k d_k``;
* the observed information in ``(mu, vech Sigma)`` coordinates (lavaan's
  ``lav_mvnorm_missing_logl_hessian_samplestats``)::

      mu, mu:        sum_k n_k W_k
      Sigma, mu:     sum_k n_k D'(W_k d_k (x) W_k)
      Sigma, Sigma:  sum_k n_k D'((Q_k - W_k / 2) (x) W_k) D,   Q_k = W_k C_k W_k

* the expected information (lavaan's ``lav_mvnorm_missing_information_expected``):
  ``sum_k n_k W_k`` and ``1/2 sum_k n_k D'(W_k (x) W_k) D``;
* casewise scores: ``z = W_k (y_i - mu)`` for the means and ``vech(z z' - W_k)`` with the
  diagonal halved for the covariances (``lav_mvnorm_missing_scores_mu_vech_sigma``).

``D'(A (x) B) D`` summed over patterns is one matrix product of the stacked ``vec A_k`` and
``vec B_k`` followed by a gather (``vech`` over the lower triangle, column by column). The
information matrices are totals (not divided by N).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Evaluation", "Patterns", "dup_kron_sum", "stack_patterns", "vech_index"]

LOG2PI = math.log(2 * math.pi)
#: above this many bytes the p^4 Kronecker sums are accumulated pattern by pattern
_KRON_BYTES = 300e6


def vech_index(p: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, col) of the lower triangle including the diagonal, column by column.

    Examples
    --------
    >>> r, c = vech_index(3)
    >>> list(zip(r.tolist(), c.tolist()))
    [(0, 0), (1, 0), (2, 0), (1, 1), (2, 1), (2, 2)]
    """
    c, r = np.triu_indices(p)
    return r.astype(int), c.astype(int)


@dataclass(frozen=True)
class Evaluation:
    """Per-pattern quantities at one set of moments (see the module docstring)."""

    W: np.ndarray        # (K, p, p) padded inverses of Sigma_oo
    logdet: np.ndarray   # (K,) log|Sigma_oo|
    d: np.ndarray        # (K, p) mean_k - mu on the observed entries, 0 elsewhere
    C: np.ndarray        # (K, p, p) S_k + d_k d_k'


@dataclass(frozen=True)
class Patterns:
    """The missing-data patterns of one group, zero-padded and stacked.

    Attributes
    ----------
    n : ndarray (K,)
        Cases per pattern.
    obs : ndarray (K, p) of bool
        Observed variables per pattern.
    mean : ndarray (K, p)
        Pattern means (0 where missing).
    cov : ndarray (K, p, p)
        Biased pattern covariances (0 where missing).
    batches : tuple of (ndarray, ndarray)
        Patterns with the same number of observed variables: their indices and the
        (B, p_k) observed-variable indices.
    rows : tuple of ndarray
        Positions of each pattern's cases in the group's data matrix.
    """

    n: np.ndarray
    obs: np.ndarray
    mean: np.ndarray
    cov: np.ndarray
    batches: tuple[tuple[np.ndarray, np.ndarray], ...]
    rows: tuple[np.ndarray, ...]

    @property
    def p(self) -> int:
        return self.obs.shape[1]

    @property
    def ntotal(self) -> int:
        return int(self.n.sum())

    # ---- evaluation ---------------------------------------------------------------------
    def evaluate(self, mu: np.ndarray, sigma: np.ndarray) -> Evaluation | None:
        """The per-pattern inverses etc. at ``(mu, sigma)``; None when a ``Sigma_oo`` is not
        positive definite."""
        K, p = self.obs.shape
        W = np.zeros((K, p, p))
        logdet = np.zeros(K)
        for idx, o in self.batches:
            sub = sigma[o[:, :, None], o[:, None, :]]
            try:
                ch = np.linalg.cholesky(sub)
            except np.linalg.LinAlgError:
                return None
            logdet[idx] = 2.0 * np.log(np.diagonal(ch, axis1=1, axis2=2)).sum(axis=1)
            eye = np.broadcast_to(np.eye(o.shape[1]), sub.shape)
            inv_l = np.linalg.solve(ch, eye)
            W[idx[:, None, None], o[:, :, None], o[:, None, :]] = \
                np.matmul(np.transpose(inv_l, (0, 2, 1)), inv_l)
        d = (self.mean - mu) * self.obs
        C = self.cov + d[:, :, None] * d[:, None, :]
        return Evaluation(W, logdet, d, C)

    def minus2loglik(self, ev: Evaluation) -> float:
        """``-2 logL`` of the group's cases."""
        k = self.obs.sum(axis=1)
        tr = np.einsum("kij,kij->k", ev.W, ev.C)
        return float(self.n @ (k * LOG2PI + ev.logdet + tr))

    def gradient(self, ev: Evaluation) -> tuple[np.ndarray, np.ndarray]:
        """``d(-logL)/dSigma`` (symmetric, ``d(-logL) = tr(G dSigma)``) and ``d(-logL)/dmu``."""
        nw = self.n[:, None, None] * ev.W
        WCW = np.matmul(np.matmul(nw, ev.C), ev.W)
        G = 0.5 * (nw.sum(axis=0) - WCW.sum(axis=0))
        gm = -np.einsum("kij,kj->i", nw, ev.d)
        return (G + G.T) / 2, gm

    # ---- information matrices --------------------------------------------------------------
    def expected_information(self, ev: Evaluation) -> np.ndarray:
        """Expected information in ``(mu, vech Sigma)`` coordinates (total, not per case)."""
        p = self.p
        q = p * (p + 1) // 2
        out = np.zeros((p + q, p + q))
        out[:p, :p] = np.einsum("k,kij->ij", self.n, ev.W)
        out[p:, p:] = 0.5 * dup_kron_sum(ev.W, ev.W, self.n)
        return out

    def observed_information(self, ev: Evaluation) -> np.ndarray:
        """Observed information (minus the Hessian of logL) in ``(mu, vech Sigma)``
        coordinates (total, not per case)."""
        p = self.p
        vr, vc = vech_index(p)
        q = len(vr)
        out = np.zeros((p + q, p + q))
        out[:p, :p] = np.einsum("k,kij->ij", self.n, ev.W)
        u = np.einsum("kij,kj->ki", ev.W, ev.d)                       # W_k d_k
        # D'(u (x) W): rows (a, b) of vech, columns the means: u_b W_a. + u_a W_b. (a != b)
        T = np.einsum("k,ka,kbc->abc", self.n, u, ev.W)               # sum n u_a W_bc
        ne = (vr != vc).astype(float)
        cross = T[vc, vr, :] + ne[:, None] * T[vr, vc, :]
        out[p:, :p] = cross
        out[:p, p:] = cross.T
        Q = np.matmul(np.matmul(ev.W, ev.C), ev.W)
        out[p:, p:] = dup_kron_sum(Q - 0.5 * ev.W, ev.W, self.n)
        return out

    def casewise_scores(self, ev: Evaluation, x: np.ndarray, mu: np.ndarray) -> np.ndarray:
        """Scores of each case in ``(mu, vech Sigma)`` coordinates (``n x (p + p*)``), rows
        in the order of ``x`` (the group's data matrix, NaN missing)."""
        p = self.p
        vr, vc = vech_index(p)
        n = x.shape[0]
        Z = np.zeros((n, p))
        Wr = np.zeros((n, len(vr)))
        for k, rows in enumerate(self.rows):
            r = np.nan_to_num(x[rows] - mu) * self.obs[k]
            Z[rows] = r @ ev.W[k]
            Wr[rows] = ev.W[k][vr, vc]
        S = Z[:, vr] * Z[:, vc] - Wr
        S[:, vr == vc] *= 0.5
        return np.hstack([Z, S])


def dup_kron_sum(A: np.ndarray, B: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``sum_k w_k D'(A_k (x) B_k) D`` for symmetric ``A_k``, ``B_k`` (vech coordinates).

    With ``T[i, j, k, l] = sum w A_ij B_kl`` and vech pairs ``r = (a, b)``, ``s = (c, d)``
    (``a >= b``): ``T[b,d,a,c] + [c != d] T[b,c,a,d] + [a != b] T[a,d,b,c] +
    [a != b][c != d] T[a,c,b,d]`` (the entries of ``D'(A (x) B) D``).
    """
    K, p, _ = A.shape
    a, b = vech_index(p)
    ne = (a != b).astype(float)
    if p**4 * 8 > _KRON_BYTES:   # large p: pattern by pattern, without the p^4 array
        out = np.zeros((len(a), len(a)))
        for k in range(K):
            out += w[k] * _gather(lambda i, j, k_, m, k=k: A[k][i, j] * B[k][k_, m], a, b, ne)
        return out
    T4 = ((A.reshape(K, -1).T * w) @ B.reshape(K, -1)).reshape(p, p, p, p)
    return _gather(lambda i, j, k, m: T4[i, j, k, m], a, b, ne)


def _gather(T, a: np.ndarray, b: np.ndarray, ne: np.ndarray) -> np.ndarray:
    """The four-term vech gather of ``T(i, j, k, l) = A_ij B_kl`` (see above)."""
    r1, r2 = a[:, None], b[:, None]
    c1, c2 = a[None, :], b[None, :]
    out = T(r2, c2, r1, c1)
    out += T(r2, c1, r1, c2) * ne[None, :]
    out += T(r1, c2, r2, c1) * ne[:, None]
    out += T(r1, c1, r2, c2) * (ne[:, None] * ne[None, :])
    return out


def stack_patterns(patterns, p: int) -> Patterns:
    """:class:`Patterns` from :class:`lospw.analysis.cfa.data.Pattern` objects (or one complete
    pattern made from the moments)."""
    K = len(patterns)
    n = np.array([pat.n for pat in patterns], dtype=float)
    obs = np.zeros((K, p), dtype=bool)
    mean = np.zeros((K, p))
    cov = np.zeros((K, p, p))
    for k, pat in enumerate(patterns):
        o = np.asarray(pat.observed)
        obs[k, o] = True
        mean[k, o] = pat.mean
        cov[k, o[:, None], o[None, :]] = pat.cov
    sizes = obs.sum(axis=1)
    batches = []
    for s in np.unique(sizes):
        idx = np.flatnonzero(sizes == s)
        batches.append((idx, np.array([np.flatnonzero(obs[k]) for k in idx], dtype=int)))
    rows = tuple(np.asarray(pat.rows) for pat in patterns)
    return Patterns(n, obs, mean, cov, tuple(batches), rows)
