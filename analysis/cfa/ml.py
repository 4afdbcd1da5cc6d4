"""Normal-theory maximum likelihood: discrepancy, gradient, information, log-likelihood.

Complete data (lavaan ``estimator = "ML"``, ``likelihood = "normal"``): per group

    F_g = 1/2 [log|Sigma| + tr(S Sigma^-1) - log|S| - p + (m - mu)' Sigma^-1 (m - mu)]

and ``F = sum_g (n_g / N) F_g``; chi-square ``= 2 N F`` (lavaan's ``fmin`` is F). Expected
information per observation (lavaan ``information = "expected"``, ``h1.information =
"structured"``): ``1/2 tr(Sigma^-1 dSigma_k Sigma^-1 dSigma_l) + dmu_k' Sigma^-1 dmu_l``.

Incomplete data (``missing = "fiml"``): the casewise likelihood summed over missing-data
patterns; F = -logL / N. The scoring matrix is the complete-data expected information (the
steps remain descent steps; standard errors use the observed information instead, lavaan's
default for FIML).
"""

from __future__ import annotations

import math

import numpy as np

from analysis.cfa.data import GroupData
from analysis.cfa.model import Model

__all__ = ["MLObjective", "loglik_baseline", "loglik_h1"]

LOG2PI = math.log(2 * math.pi)


def _inv_logdet(sigma: np.ndarray) -> tuple[np.ndarray, float] | None:
    try:
        c = np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError:
        return None
    ci = np.linalg.inv(c)
    return ci.T @ ci, 2.0 * float(np.sum(np.log(np.diag(c))))


class MLObjective:
    """ML (complete or FIML) discrepancy over the model's estimation vector."""

    def __init__(self, model: Model, groups: list[GroupData], *, fiml: bool,
                 meanstructure: bool) -> None:
        self.model = model
        self.groups = groups
        self.fiml = fiml
        self.meanstructure = meanstructure
        self.ntotal = sum(g.n for g in groups)
        self.w = np.array([g.n / self.ntotal for g in groups])
        self._batch_cache: dict[int, list] = {}
        self._logdet_s = []
        for g in groups:
            sign, ld = np.linalg.slogdet(g.cov)
            self._logdet_s.append(ld if sign > 0 else np.nan)

    def rebind(self, model: Model) -> MLObjective:
        """The same discrepancy for another parameterisation of the same model."""
        return MLObjective(model, self.groups, fiml=self.fiml, meanstructure=self.meanstructure)

    # ---- complete data ---------------------------------------------------------------------
    def _f_group(self, g: GroupData, sigma: np.ndarray, mu: np.ndarray, k: int) -> float:
        il = _inv_logdet(sigma)
        if il is None:
            return np.inf
        si, ld = il
        p = len(mu)
        f = ld + np.sum(si * g.cov) - self._logdet_s[k] - p
        if self.meanstructure:
            d = g.mean - mu
            f += d @ si @ d
        return 0.5 * f

    def _batches(self, g: GroupData) -> list[tuple]:
        """Patterns stacked by their number of observed variables (cached per group)."""
        key = id(g)
        if key not in self._batch_cache:
            by_size: dict[int, list] = {}
            for pat in g.patterns:
                by_size.setdefault(len(pat.observed), []).append(pat)
            out = []
            for size, pats in sorted(by_size.items()):
                idx = np.array([p.observed for p in pats])
                n = np.array([p.n for p in pats], dtype=float)
                m = np.array([p.mean for p in pats])
                S = np.array([p.cov for p in pats])
                out.append((size, idx, n, m, S))
            self._batch_cache[key] = out
        return self._batch_cache[key]

    def _f_group_fiml(self, g: GroupData, sigma: np.ndarray, mu: np.ndarray) -> float:
        """-logL / N_total contribution of one group (without the constant)."""
        total = 0.0
        for size, idx, n, m, S in self._batches(g):
            sig = sigma[idx[:, :, None], idx[:, None, :]]
            sign, ld = np.linalg.slogdet(sig)
            if np.any(sign <= 0):
                return np.inf
            si = np.linalg.inv(sig)
            d = m - mu[idx]
            tr = np.einsum("kij,kji->k", si, S)
            q = np.einsum("ki,kij,kj->k", d, si, d)
            total += float(n @ (size * LOG2PI + ld + tr + q))
        return 0.5 * total / self.ntotal

    def f(self, x: np.ndarray) -> float:
        states = self.model.group_state(x)
        total = 0.0
        for k, (g, (_, imp)) in enumerate(zip(self.groups, states, strict=True)):
            if self.fiml:
                total += self._f_group_fiml(g, imp.sigma, imp.mu)
            else:
                total += self.w[k] * self._f_group(g, imp.sigma, imp.mu, k)
            if not np.isfinite(total):
                return np.inf
        return float(total)

    def _grad_matrices(self, g: GroupData, sigma: np.ndarray, mu: np.ndarray, k: int
                       ) -> tuple[np.ndarray, np.ndarray]:
        """dF/dSigma (as a full symmetric matrix, dF = tr(G dSigma)) and dF/dmu."""
        if not self.fiml:
            si = np.linalg.inv(sigma)
            d = g.mean - mu if self.meanstructure else np.zeros(len(mu))
            inner = g.cov + np.outer(d, d)
            G = 0.5 * self.w[k] * (si - si @ inner @ si)
            gm = -self.w[k] * (si @ d) if self.meanstructure else np.zeros(len(mu))
            return G, gm
        p = len(mu)
        G = np.zeros((p, p))
        gm = np.zeros(p)
        for _size, idx, n, m, S in self._batches(g):
            si = np.linalg.inv(sigma[idx[:, :, None], idx[:, None, :]])
            sd = np.einsum("kij,kj->ki", si, m - mu[idx])
            inner = si @ S @ si + sd[:, :, None] * sd[:, None, :]
            contrib = 0.5 * n[:, None, None] * (si - inner)
            np.add.at(G, (idx[:, :, None], idx[:, None, :]), contrib)
            np.add.at(gm, idx, -n[:, None] * sd)
        return G / self.ntotal, gm / self.ntotal

    def grad(self, x: np.ndarray) -> np.ndarray:
        states = self.model.group_state(x)
        jac = self.model.jacobians(states)
        out = np.zeros(self.model.nx)
        for k, (g, (_, imp), (JS, Jm, _)) in enumerate(
                zip(self.groups, states, jac, strict=True)):
            G, gm = self._grad_matrices(g, imp.sigma, imp.mu, k)
            out += JS.reshape(len(JS), -1) @ G.ravel() + Jm @ gm
        return out

    def info(self, x: np.ndarray) -> np.ndarray:
        """Expected (complete-data) information per observation at ``x``."""
        states = self.model.group_state(x)
        return self.expected_information(states)

    def expected_information(self, states, jac=None) -> np.ndarray:
        jac = jac if jac is not None else self.model.jacobians(states)
        nx = self.model.nx
        out = np.zeros((nx, nx))
        for k, ((_, imp), (JS, Jm, _)) in enumerate(zip(states, jac, strict=True)):
            si = np.linalg.inv(imp.sigma)
            A = np.matmul(si, JS)                         # Sigma^-1 dSigma_k
            At = np.ascontiguousarray(np.transpose(A, (0, 2, 1)))
            info = 0.5 * A.reshape(nx, -1) @ At.reshape(nx, -1).T
            if self.meanstructure:
                info += Jm @ si @ Jm.T
            out += self.w[k] * info
        return out

    # ---- log-likelihoods ------------------------------------------------------------------
    def loglik(self, x: np.ndarray) -> float:
        """Normal log-likelihood of the model (lavaan ``logl``)."""
        if self.fiml:
            return float(-self.ntotal * self.f(x))
        states = self.model.group_state(x)
        total = 0.0
        for _k, (g, (_, imp)) in enumerate(zip(self.groups, states, strict=True)):
            p = len(g.mean)
            il = _inv_logdet(imp.sigma)
            if il is None:
                return np.nan
            si, ld = il
            d = g.mean - imp.mu if self.meanstructure else np.zeros(p)
            total += -0.5 * g.n * (p * LOG2PI + ld + np.sum(si * g.cov) + d @ si @ d)
        return float(total)


def loglik_h1(groups: list[GroupData], fiml: bool) -> float:
    """Log-likelihood of the saturated model (lavaan ``unrestricted.logl``)."""
    total = 0.0
    for g in groups:
        p = len(g.mean)
        if not fiml or not g.patterns:
            _, ld = np.linalg.slogdet(g.cov)
            total += -0.5 * g.n * (p * LOG2PI + ld + p)
            continue
        for pat in g.patterns:
            o = pat.observed
            sig = g.cov[np.ix_(o, o)]
            si = np.linalg.inv(sig)
            _, ld = np.linalg.slogdet(sig)
            d = pat.mean - g.mean[o]
            total += -0.5 * pat.n * (len(o) * LOG2PI + ld + np.sum(si * pat.cov) + d @ si @ d)
    return float(total)


def loglik_baseline(groups: list[GroupData], fiml: bool) -> float:
    """Log-likelihood of the independence model (free means and variances, no covariances).

    Under FIML the likelihood factorises over variables, so the estimates are the
    available-case means and (biased) variances.
    """
    total = 0.0
    for g in groups:
        p = len(g.mean)
        if not fiml or not g.patterns:
            total += -0.5 * g.n * (p * LOG2PI + np.sum(np.log(np.diag(g.cov))) + p)
            continue
        x = g.x
        for j in range(p):
            col = x[:, j]
            col = col[~np.isnan(col)]
            v = np.mean((col - col.mean()) ** 2)
            total += -0.5 * len(col) * (LOG2PI + math.log(v) + 1)
    return float(total)
