"""The unrestricted (h1) and independence (baseline) two-level models.

**h1**, as lavaan 0.6-14 estimates it (``lav_h1_implied_logl``):

* complete data: lavaan's EM (``lav_mvnorm_cluster_em_sat`` with ``estepb``) from
  ``Sigma_W = Sigma_B = I``, ``mu = 0``, stopping when the log-likelihood rises by less
  than ``1e-4`` (at most 5000 iterations). E-step per cluster size ``n``: with
  ``Omega = (Sigma_W + n Sigma_B) / n`` the posterior of the cluster effect is
  ``E v_j = mu_B + Sigma_B Omega^-1 (ybar_j - mu)``, ``Cov v_j = Sigma_B - Sigma_B
  Omega^-1 Sigma_B``; the M-step takes ``mu_B`` and ``Sigma_B`` as the mean and
  covariance of the ``v_j`` and ``mu_W``, ``Sigma_W`` from ``y_ij - v_j``. lospw follows
  the same iterations, so its h1 (and hence the chi-square) is lavaan's, including where
  EM stops a little short of the maximum.
* incomplete data: the maximum of the exact two-level FIML likelihood
  (:mod:`lospw.analysis.cfa.twolevel_ml`) over ``Sigma_l = L_l L_l' + 1e-4 I`` at each
  level (``L_l`` lower triangular) and the mean: lavaan's ``lav_partable_unrestricted_chol``
  (loadings of one factor per variable, residual variances fixed at ``1e-4``), which it fits
  with nlminb; here L-BFGS on the analytic gradient. The ``1e-4`` floor matters when the
  unrestricted between covariance is singular (few clusters, small between variance): the
  maximum over all positive semi-definite matrices is then higher than lavaan's h1, and
  lospw reports lavaan's.

**Baseline**: variances at both levels and means free, no covariances. Its likelihood
factorises over variables, so it is fitted one variable at a time (three parameters each;
``sigma2_B >= 0``, the bound lavaan's admissibility check imposes).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from lospw.analysis.cfa.twolevel_data import ClusterData
from lospw.analysis.cfa.twolevel_ml import evaluate, minus2loglik, moment_gradients

__all__ = ["TwoLevelMoments", "baseline_2l", "em_saturated_2l", "ml_saturated_2l",
           "saturated_2l"]

log = logging.getLogger(__name__)

#: lavaan's h1 under missing data: each level's covariance is L L' + 1e-4 I
H1_FLOOR = 1e-4


@dataclass(frozen=True)
class TwoLevelMoments:
    """Within and between moments of a two-level model and its log-likelihood.

    ``mu_w`` + ``mu_b`` is the mean; a within-only variable has ``mu_b = 0`` and zero
    between (co)variances.
    """

    sigma_w: np.ndarray
    sigma_b: np.ndarray
    mu_w: np.ndarray
    mu_b: np.ndarray
    logl: float
    iterations: int
    converged: bool


def _between_mask(p: int, within_only: np.ndarray) -> np.ndarray:
    b = np.ones(p, dtype=bool)
    b[within_only] = False
    return b


def em_saturated_2l(d: ClusterData, within_only: np.ndarray, *, tol: float = 1e-4,
                    max_iter: int = 5000, min_variance: float = 1e-5) -> TwoLevelMoments:
    """lavaan's EM for the saturated two-level model (complete data)."""
    x = d.x
    n, p = x.shape
    J = d.n_clusters
    sizes = d.sizes.astype(float)
    ybar = np.add.reduceat(x, d.offsets, axis=0) / sizes[:, None]
    y1y1 = x.T @ x
    bmask = _between_mask(p, within_only)
    outer = np.outer(bmask, bmask)
    sw, sb = np.eye(p), np.eye(p) * outer
    mu_w, mu_b = np.zeros(p), np.zeros(p)
    uniq = np.unique(d.sizes)
    groups = [(float(s), np.flatnonzero(d.sizes == s)) for s in uniq]

    def loglik(sw_, sb_, mw, mb) -> float:
        return -0.5 * minus2loglik(d, sw_, sb_, mw + mb)

    fx_old = loglik(sw, sb, mu_w, mu_b)
    fx, it = fx_old, 0
    for it in range(1, max_iter + 1):  # noqa: B007 (it: iterations used)
        mu = mu_w + mu_b
        cw2 = np.zeros((p, p))
        cb = np.zeros((p, p))
        mw_sum = np.zeros(p)
        mb_sum = np.zeros(p)
        for nj, idx in groups:
            omega = (sw + nj * sb) / nj
            k = sb @ np.linalg.inv(omega)
            yb = ybar[idx]
            ev = (yb - mu) @ k.T + mu_b
            covv = len(idx) * (sb - k @ sb)
            evv = (covv + covv.T) / 2 + ev.T @ ev
            mw_sum += nj * (yb - ev).sum(axis=0)
            mb_sum += ev.sum(axis=0)
            cross = yb.T @ ev
            cw2 += nj * (evv - cross - cross.T)
            cb += evv
        m_w = mw_sum / n
        m_b = mb_sum / J
        sw = (y1y1 + cw2) / n - np.outer(m_w, m_w)
        sb = (cb / J - np.outer(m_b, m_b)) * outer
        mu_w, mu_b = m_w, m_b * bmask
        zero = np.flatnonzero(np.diag(sw) < min_variance)
        if len(zero):
            sw[zero, :] = 0.0
            sw[:, zero] = 0.0
            sw[zero, zero] = min_variance
        fx = loglik(sw, sb, mu_w, mu_b)
        if fx - fx_old < tol:
            break
        fx_old = fx
    conv = it < max_iter
    return TwoLevelMoments(sw, sb, mu_w, mu_b, float(fx), it, conv)



def _start_chol(s: np.ndarray) -> np.ndarray:
    """Cholesky factor of ``s``, its off-diagonal shrunk until it exists."""
    d = np.diag(np.maximum(np.diag(s), 1e-3 * max(float(np.abs(np.diag(s)).max()), 1e-6)))
    off = s - np.diag(np.diag(s))
    for k in range(60):
        try:
            return np.linalg.cholesky(d + off * 0.8**k)
        except np.linalg.LinAlgError:
            continue
    return np.sqrt(d)


def ml_saturated_2l(d: ClusterData, within_only: np.ndarray, *, max_iter: int = 20000,
                    start: TwoLevelMoments | None = None) -> TwoLevelMoments:
    """Maximum of the exact two-level (FIML) likelihood over the unrestricted moments."""
    p = d.x.shape[1]
    bmask = _between_mask(p, within_only)
    bi = np.flatnonzero(bmask)
    q = len(bi)
    tw = np.tril_indices(p)
    tb = np.tril_indices(q)
    if start is None:
        s_pw, s_b, grand = d.start_moments()
        sw0, sb0 = s_pw, s_b[np.ix_(bi, bi)]
        mu0 = grand
    else:
        sw0, sb0, mu0 = start.sigma_w, start.sigma_b[np.ix_(bi, bi)], start.mu_w + start.mu_b
    lw0 = _start_chol(sw0 - H1_FLOOR * np.eye(p))
    lb0 = _start_chol(sb0 - H1_FLOOR * np.eye(q))
    z0 = np.r_[lw0[tw], lb0[tb], mu0]
    nw, nb = len(tw[0]), len(tb[0])
    N = d.n

    def unpack(z):
        lw = np.zeros((p, p))
        lw[tw] = z[:nw]
        lb = np.zeros((q, q))
        lb[tb] = z[nw:nw + nb]
        sw = lw @ lw.T + H1_FLOOR * np.eye(p)
        sb = np.zeros((p, p))
        sb[np.ix_(bi, bi)] = lb @ lb.T + H1_FLOOR * np.eye(q)
        return lw, lb, sw, sb, z[nw + nb:]

    def fun(z):
        lw, lb, sw, sb, mu = unpack(z)
        e = evaluate(d, sw, sb, mu)
        if e is None:
            return 1e10, np.zeros_like(z)
        gw, gb, g = moment_gradients(d, e)
        # d tr(G L L') / dL = 2 G L  (G symmetric); objective -2 logL / (2N)
        dlw = 2 * gw @ lw
        dlb = 2 * gb[np.ix_(bi, bi)] @ lb
        grad = np.r_[dlw[tw], dlb[tb], g] / (2 * N)
        return e.m2ll / (2 * N), grad

    from scipy.optimize import minimize  # lazy: two-level models only (LAZY in test_architecture)

    res = minimize(fun, z0, jac=True, method="L-BFGS-B",
                            options={"maxiter": max_iter, "maxcor": 30, "ftol": 1e-15,
                                     "gtol": 1e-10, "maxfun": 4 * max_iter})
    _, _, sw, sb, mu = unpack(res.x)
    _, g = fun(res.x)
    conv = bool(np.max(np.abs(g)) < 1e-5)
    log.debug("h1 L-BFGS: %s iterations, max |grad| %.3g", res.nit, np.max(np.abs(g)))
    return TwoLevelMoments(sw, sb, np.where(bmask, 0.0, mu), np.where(bmask, mu, 0.0),
                           float(-res.fun * N), int(res.nit), conv)


def saturated_2l(d: ClusterData, within_only: np.ndarray) -> TwoLevelMoments:
    """lavaan's h1: EM for complete data, direct ML for incomplete data."""
    if d.complete:
        return em_saturated_2l(d, within_only)
    return ml_saturated_2l(d, within_only)


def _baseline_one(d: ClusterData, j: int, between: bool) -> float:
    """Maximised log-likelihood of one variable's random-intercept model."""
    obs = ~np.isnan(d.x[:, j])
    y = np.where(obs, d.x[:, j], 0.0)
    cnt = np.add.reduceat(obs.astype(float), d.offsets)
    sums = np.add.reduceat(y, d.offsets)
    sq = np.add.reduceat(y * y, d.offsets)
    keep = cnt > 0
    cnt, sums, sq = cnt[keep], sums[keep], sq[keep]
    n = cnt.sum()
    ybar = sums / cnt
    within_ss = sq - sums * ybar          # sum over the cluster of (y - ybar)^2

    def m2ll(z):
        sw, sb, mu = z
        if sw <= 0 or sb < 0:
            return np.inf
        v = sw + cnt * sb
        return float(n * math.log(2 * math.pi) + np.sum((cnt - 1) * math.log(sw))
                     + np.sum(np.log(v)) + np.sum(within_ss) / sw
                     + np.sum(cnt * (ybar - mu) ** 2 / v))

    def fun(z):
        sw, sb, mu = z
        v = sw + cnt * sb
        r = ybar - mu
        dsw = np.sum(cnt - 1) / sw - np.sum(within_ss) / sw**2 + np.sum(1 / v - cnt * r**2 / v**2)
        dsb = np.sum(cnt / v - cnt**2 * r**2 / v**2) if between else 0.0
        dmu = -2 * np.sum(cnt * r / v)
        return m2ll(z), np.array([dsw, dsb, dmu])

    mu0 = float(sums.sum() / n)
    sw0 = max(float(np.sum(within_ss)) / max(n - len(cnt), 1.0), 1e-6)
    sb0 = max(float(np.var(ybar)) - sw0 / max(float(cnt.mean()), 1.0), 0.05 * sw0) if between \
        else 0.0
    bounds = [(1e-10 * sw0, None), (0.0, None if between else 0.0), (None, None)]
    from scipy.optimize import minimize  # lazy: two-level models only (LAZY in test_architecture)

    res = minimize(fun, np.array([sw0, sb0, mu0]), jac=True, method="L-BFGS-B",
                            bounds=bounds, options={"ftol": 1e-15, "gtol": 1e-12,
                                                    "maxiter": 10000})
    return -0.5 * float(res.fun)


def baseline_2l(d: ClusterData, within_only: np.ndarray) -> float:
    """Log-likelihood of the two-level independence model (lavaan's baseline)."""
    p = d.x.shape[1]
    bmask = _between_mask(p, within_only)
    return float(sum(_baseline_one(d, j, bool(bmask[j])) for j in range(p)))
