"""Normal-theory maximum likelihood: discrepancy, gradient, information, log-likelihood.

Complete data (lavaan ``estimator = "ML"``, ``likelihood = "normal"``): per group

    F_g = 1/2 [log|Sigma| + tr(S Sigma^-1) - log|S| - p + (m - mu)' Sigma^-1 (m - mu)]

and ``F = sum_g (n_g / N) F_g``; chi-square ``= 2 N F`` (lavaan's ``fmin`` is F). Expected
information per observation (lavaan ``information = "expected"``, ``h1.information =
"structured"``): ``1/2 tr(Sigma^-1 dSigma_k Sigma^-1 dSigma_l) + dmu_k' Sigma^-1 dmu_l``.

Incomplete data (``missing = "fiml"``): the casewise likelihood summed over missing-data
patterns (:mod:`lospw.analysis.cfa.patterns`); F = -logL / N; the expected information is the
missing-data one (lavaan's, used by score tests and modification indices). The optimiser's
scoring matrix is the complete-data expected information at the model moments (cheap; the
steps remain descent steps).

Gradients use the matrix chain rule (:meth:`lospw.analysis.cfa.model.Model.moment_gradient`). The
observed information (FIML, MLR) is analytic: ``Delta' H Delta`` with ``H`` the observed
information of the moments at the model-implied moments, plus the curvature of the moments
weighted by the moment gradient, ``d2/dx2 [tr(G Sigma(x)) + g' mu(x)]`` at fixed ``G, g``,
from central differences of its (quadratic for first-order models, so exactly
differentiated) analytic gradient. lavaan differentiates the whole gradient numerically
(``lav_model_hessian``); the two agree to the differencing error.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

from lospw.analysis.cfa.data import GroupData
from lospw.analysis.cfa.model import Model
from lospw.analysis.cfa.patterns import Patterns, stack_patterns, vech_index

__all__ = ["MLObjective", "loglik_baseline", "loglik_h1"]

LOG2PI = math.log(2 * math.pi)


def _inv_logdet(sigma: np.ndarray) -> tuple[np.ndarray, float] | None:
    try:
        c = np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError:
        return None
    ci = np.linalg.inv(c)
    return ci.T @ ci, 2.0 * float(np.sum(np.log(np.diag(c))))


def group_patterns(g: GroupData) -> Patterns:
    """The group's missing-data patterns stacked; complete data as one pattern."""
    if g.patterns:
        return stack_patterns(g.patterns, len(g.mean))
    n_rows = 0 if g.x is None else len(g.x)
    one = SimpleNamespace(observed=np.arange(len(g.mean)), n=g.n, mean=g.mean, cov=g.cov,
                          rows=np.arange(n_rows))
    return stack_patterns([one], len(g.mean))


class MLObjective:
    """ML (complete or FIML) discrepancy over the model's estimation vector."""

    def __init__(self, model: Model, groups: list[GroupData], *, fiml: bool,
                 meanstructure: bool, _patterns: list[Patterns] | None = None) -> None:
        self.model = model
        self.groups = groups
        self.fiml = fiml
        self.meanstructure = meanstructure
        self.ntotal = sum(g.n for g in groups)
        self.w = np.array([g.n / self.ntotal for g in groups])
        self._pats = _patterns
        self._logdet_s = []
        for g in groups:
            sign, ld = np.linalg.slogdet(g.cov)
            self._logdet_s.append(ld if sign > 0 else np.nan)

    @property
    def patterns(self) -> list[Patterns]:
        """Per group, the stacked missing-data patterns (built on first use)."""
        if self._pats is None:
            self._pats = [group_patterns(g) for g in self.groups]
        return self._pats

    def rebind(self, model: Model) -> MLObjective:
        """The same discrepancy for another parameterisation of the same model."""
        return MLObjective(model, self.groups, fiml=self.fiml, meanstructure=self.meanstructure,
                           _patterns=self._pats)

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

    def _mu(self, k: int, imp) -> np.ndarray:
        return imp.mu if self.meanstructure else self.groups[k].mean

    def f(self, x: np.ndarray) -> float:
        states = self.model.group_state(x)
        total = 0.0
        for k, (g, (_, imp)) in enumerate(zip(self.groups, states, strict=True)):
            if self.fiml:
                ev = self.patterns[k].evaluate(imp.mu, imp.sigma)
                if ev is None:
                    return np.inf
                total += 0.5 * self.patterns[k].minus2loglik(ev) / self.ntotal
            else:
                total += self.w[k] * self._f_group(g, imp.sigma, imp.mu, k)
            if not np.isfinite(total):
                return np.inf
        return float(total)

    def _grad_matrices(self, k: int, imp) -> tuple[np.ndarray, np.ndarray]:
        """dF/dSigma (symmetric, dF = tr(G dSigma)) and dF/dmu of group ``k``."""
        g = self.groups[k]
        mu, sigma = imp.mu, imp.sigma
        if not self.fiml:
            si = np.linalg.inv(sigma)
            d = g.mean - mu if self.meanstructure else np.zeros(len(mu))
            inner = g.cov + np.outer(d, d)
            G = 0.5 * self.w[k] * (si - si @ inner @ si)
            gm = -self.w[k] * (si @ d) if self.meanstructure else np.zeros(len(mu))
            return (G + G.T) / 2, gm
        ev = self.patterns[k].evaluate(mu, sigma)
        if ev is None:
            raise np.linalg.LinAlgError("implied covariance not positive definite")
        G, gm = self.patterns[k].gradient(ev)
        return G / self.ntotal, gm / self.ntotal

    def grad(self, x: np.ndarray) -> np.ndarray:
        states = self.model.group_state(x)
        grads = [self._grad_matrices(k, imp) for k, (_, imp) in enumerate(states)]
        return self.model.moment_gradient(states, grads)

    # ---- information matrices -----------------------------------------------------------
    def _local(self, states):
        """Per group: the entries of x it uses and its Delta in (mu, vech Sigma)."""
        p = len(self.model.pt.ov_names)
        vr, vc = vech_index(p)
        out = []
        for k, st in enumerate(states):
            ux, JS, Jm, _ = self.model.local_jacobian(k, st)
            out.append((ux, np.vstack([Jm.T, JS[:, vr, vc].T])))
        return out

    def _sandwich(self, blocks, mats) -> np.ndarray:
        """``sum_g Delta_g' M_g Delta_g / N`` into the full x space."""
        nx = self.model.nx
        out = np.zeros((nx, nx))
        for (ux, D), M in zip(blocks, mats, strict=True):
            out[np.ix_(ux, ux)] += D.T @ M @ D / self.ntotal
        return out

    def info(self, x: np.ndarray) -> np.ndarray:
        """lavaan's expected information per observation at ``x`` (under FIML the expected
        information for missing data, ``h1.information = "structured"``)."""
        states = self.model.group_state(x)
        if not self.fiml:
            return self.expected_information(states)
        mats = []
        for k, (_, imp) in enumerate(states):
            ev = self.patterns[k].evaluate(imp.mu, imp.sigma)
            if ev is None:
                raise np.linalg.LinAlgError("implied covariance not positive definite")
            mats.append(self.patterns[k].expected_information(ev))
        return self._sandwich(self._local(states), mats)

    def scoring_info(self, x: np.ndarray) -> np.ndarray:
        """The optimiser's scoring matrix: the complete-data expected information."""
        return self.expected_information(self.model.group_state(x))

    def expected_information(self, states) -> np.ndarray:
        """Complete-data expected information per observation at the model moments."""
        nx = self.model.nx
        out = np.zeros((nx, nx))
        for k, (_, imp) in enumerate(states):
            ux, JS, Jm, _ = self.model.local_jacobian(k, states[k])
            K = len(ux)
            si = np.linalg.inv(imp.sigma)
            A = np.matmul(si, JS)                         # Sigma^-1 dSigma_k
            At = np.ascontiguousarray(np.transpose(A, (0, 2, 1)))
            info = 0.5 * A.reshape(K, -1) @ At.reshape(K, -1).T
            if self.meanstructure:
                info += Jm @ si @ Jm.T
            out[np.ix_(ux, ux)] += self.w[k] * info
        return out

    def observed_info(self, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
        """Observed information per observation (the Hessian of F) at ``x``; see the module
        docstring."""
        states = self.model.group_state(x)
        blocks = self._local(states)
        mats, grads = [], []
        for k, (_, imp) in enumerate(states):
            mu = self._mu(k, imp)
            ev = self.patterns[k].evaluate(mu, imp.sigma)
            if ev is None:
                raise np.linalg.LinAlgError("implied covariance not positive definite")
            mats.append(self.patterns[k].observed_information(ev))
            grads.append(self._grad_matrices(k, imp))
        H = self._sandwich(blocks, mats)
        # curvature of the moments, weighted by the (fixed) moment gradient
        nx = self.model.nx
        for j in range(nx):
            e = np.zeros(nx)
            e[j] = h
            gp = self.model.moment_gradient(self.model.group_state(x + e), grads)
            gn = self.model.moment_gradient(self.model.group_state(x - e), grads)
            H[:, j] += (gp - gn) / (2 * h)
        return (H + H.T) / 2

    def casewise_scores(self, x: np.ndarray) -> list[np.ndarray]:
        """Per group: casewise scores ``d logL_i / dx`` (``n_g x nx``) at ``x``."""
        states = self.model.group_state(x)
        blocks = self._local(states)
        out = []
        for k, ((_, imp), (ux, D)) in enumerate(zip(states, blocks, strict=True)):
            g = self.groups[k]
            mu = self._mu(k, imp)
            pats = self.patterns[k]
            ev = pats.evaluate(mu, imp.sigma)
            if ev is None:
                raise np.linalg.LinAlgError("implied covariance not positive definite")
            sc = np.zeros((g.n, self.model.nx))
            sc[:, ux] = pats.casewise_scores(ev, g.x, mu) @ D
            out.append(sc)
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
    """Log-likelihood of the saturated model (lavaan ``unrestricted.logl``); NaN when the
    saturated covariance of a missing-data pattern is singular (too few cases)."""
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
            il = _inv_logdet(sig)
            if il is None:
                return math.nan
            si, ld = il
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
