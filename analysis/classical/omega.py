"""McDonald's omega from a one-factor maximum-likelihood model of a scale's keyed items.

A small, self-contained one-factor ML fit (the factor analysis model ``S ~ l l' + diag(theta)``
fitted by minimising the ML discrepancy, as lavaan's ``cfa(f =~ x1 + ... + xk)`` and
``factanal(factors = 1)`` do) and the omega formulas of ``semTools::compRelSEM``. The fit is
a bounded Newton method in numpy (no ``scipy.optimize``, 0.15-0.3 s of start-up with
``scipy.linalg``, for a k-dimensional problem).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lospw.analysis.core.errors import InputError

__all__ = ["OneFactorFit", "fit_one_factor", "omega_total"]

_LOWER = 0.005  # lower bound of a standardised uniqueness (factanal's default)


@dataclass(frozen=True)
class OneFactorFit:
    """A fitted one-factor model (factor variance fixed to 1).

    Attributes
    ----------
    loadings : ndarray (k,)
        Unstandardised loadings, signed so that their sum is positive.
    uniquenesses : ndarray (k,)
        Residual variances.
    converged : bool
    heywood : bool
        Whether a standardised uniqueness sits at its lower bound (0.005): a Heywood case,
        which lavaan would report as a negative residual variance.
    fmin : float
        The ML discrepancy ``log|Sigma| + tr(S Sigma^-1) - log|S| - k`` at the optimum.
    """

    loadings: np.ndarray
    uniquenesses: np.ndarray
    converged: bool
    heywood: bool
    fmin: float

    def implied(self) -> np.ndarray:
        """The model-implied covariance matrix."""
        return np.outer(self.loadings, self.loadings) + np.diag(self.uniquenesses)


def _discrepancy(u: np.ndarray, r: np.ndarray) -> tuple[float, np.ndarray]:
    """ML discrepancy at the best loadings for uniquenesses ``u``, and its gradient.

    With ``e_j`` the eigenvalues of ``U^-1/2 R U^-1/2`` in decreasing order, the minimum over
    the loadings is ``sum_{j>1} (e_j - log e_j - 1)``, and ``dF/du_i = (Sigma - R)_ii / u_i^2``
    (Lawley & Maxwell, 1971, ch. 4; Joreskog, 1967).
    """
    f, grad, _ = _evaluate(u, r)
    return f, grad


def _evaluate(u: np.ndarray, r: np.ndarray
              ) -> tuple[float, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """:func:`_discrepancy` and the eigen-decomposition it comes from (for the Hessian)."""
    sc = 1.0 / np.sqrt(u)
    vals, vecs = np.linalg.eigh(r * np.outer(sc, sc))
    e1, v1 = vals[-1], vecs[:, -1]
    rest = vals[:-1]
    f = float(np.sum(rest - np.log(rest) - 1.0))
    lam = np.sqrt(u) * v1 * np.sqrt(max(e1 - 1.0, 0.0))
    grad = (lam * lam + u - np.diag(r)) / (u * u)
    return f, grad, (vals, vecs)


def _hessian(u: np.ndarray, r: np.ndarray, eig: tuple[np.ndarray, np.ndarray]
             ) -> np.ndarray | None:
    """The Hessian of :func:`_discrepancy` in ``u`` (``eig``: the eigen-decomposition of
    ``U^-1/2 R U^-1/2``); None when it is not defined (no common variance, ``e_1 <= 1``, or a
    repeated largest eigenvalue).

    With ``A = U^-1/2 R U^-1/2 = sum_s e_s v_s v_s'`` and ``dA/du_i = -(E_i A + A E_i) /
    (2 u_i)``, first-order eigen-perturbation gives ``de_1/du_i = -e_1 v_1i^2 / u_i`` and
    ``dv_1/du_i = -sum_{s>1} v_s v_si v_1i (e_1 + e_s) / (2 u_i (e_1 - e_s))``; the loadings
    ``lambda = U^1/2 v_1 sqrt(e_1 - 1)`` follow, and ``H_ji = d g_j / d u_i`` from the
    gradient ``g_j = (lambda_j^2 + u_j - r_jj) / u_j^2``.
    """
    vals, vecs = eig
    e1, v1 = vals[-1], vecs[:, -1]
    er, vr = vals[:-1], vecs[:, :-1]
    if not e1 - 1.0 > 1e-12 or not e1 - er[-1] > 1e-12 * e1:
        return None
    s = np.sqrt(e1 - 1.0)
    dv = vr @ (-(vr.T * v1) * ((e1 + er) / (e1 - er))[:, None] / (2.0 * u))
    de1 = -e1 * v1**2 / u
    su = np.sqrt(u)
    lam = su * v1 * s
    dlam = (np.diag(v1 * s / (2.0 * su)) + (su * s)[:, None] * dv
            + (su * v1)[:, None] * de1[None, :] / (2.0 * s))
    resid = lam * lam + u - np.diag(r)
    h = 2.0 * lam[:, None] * dlam / (u * u)[:, None] + np.diag(1.0 / u**2 - 2.0 * resid / u**3)
    return (h + h.T) / 2.0


def _projected(g: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The gradient with the components that push ``u`` out of ``[_LOWER, 1]`` at a bound
    set to 0 (bound-constrained first-order condition)."""
    return np.where(((u <= _LOWER) & (g > 0)) | ((u >= 1.0) & (g < 0)), 0.0, g)


def _minimise(r: np.ndarray, u: np.ndarray, max_iter: int = 200) -> np.ndarray:
    """Minimise :func:`_discrepancy` over ``u`` in ``[_LOWER, 1]^k``: projected Newton.

    Each step solves the Newton equations on the uniquenesses not held at a bound (steepest
    descent where the Hessian is not positive definite), projects onto the box and halves
    the step until the discrepancy decreases (Armijo; or changes by less than its rounding
    error, near the minimum). It stops when the projected gradient is below ``1e-12`` or a
    step moves no uniqueness by more than ``1e-15``.
    """
    f, g, eig = _evaluate(u, r)
    for _ in range(max_iter):
        pg = _projected(g, u)
        if np.max(np.abs(pg)) < 1e-12:
            break
        free = pg != 0
        step = -g * free
        h = _hessian(u, r, eig)
        if h is not None:
            try:
                hf = h[np.ix_(free, free)]
                np.linalg.cholesky(hf)  # positive definite: a Newton step
                step[free] = np.linalg.solve(hf, -g[free])
            except np.linalg.LinAlgError:
                pass
        t = 1.0
        for _ in range(60):
            un = np.clip(u + t * step, _LOWER, 1.0)
            fn, gn, eig_n = _evaluate(un, r)
            if fn <= f + 1e-4 * (g @ (un - u)) or abs(fn - f) <= 1e-15 * max(1.0, abs(f)):
                break
            t /= 2
        else:
            break  # no decrease: the caller judges the projected gradient
        moved = np.max(np.abs(un - u))
        u, f, g, eig = un, fn, gn, eig_n
        if moved <= 1e-15:
            break
    return u


def fit_one_factor(cov: Any) -> OneFactorFit:
    """Fit the one-factor model to a covariance matrix by maximum likelihood.

    Parameters
    ----------
    cov : array (k, k)
        Sample covariance matrix, ``k >= 3`` (two items do not identify the model).

    Returns
    -------
    OneFactorFit

    Notes
    -----
    The ML estimate is scale invariant, so the model is fitted to the correlation matrix
    over the standardised uniquenesses (bounded below by 0.005, as ``factanal``), by
    projected Newton steps on the concentrated discrepancy (its analytic Hessian, see
    :func:`_hessian`; ``factanal`` uses L-BFGS-B), and rescaled. Without a Heywood case this is
    the estimate of lavaan's ``cfa()`` with ``std.lv = TRUE``.

    Examples
    --------
    >>> lam = np.array([.8, .7, .6, .5])
    >>> s = np.outer(lam, lam) + np.diag(1 - lam**2)
    >>> fit = fit_one_factor(s)
    >>> fit.loadings.round(6).tolist()
    [0.8, 0.7, 0.6, 0.5]
    """
    s = np.asarray(cov, dtype=float)
    k = s.shape[0]
    if k < 3:
        raise InputError(f"A one-factor model needs at least 3 items; got {k}.")
    sd = np.sqrt(np.diag(s))
    if not np.all(sd > 0) or not np.all(np.isfinite(s)):
        raise InputError("A one-factor model needs items with positive, finite variances.")
    r = s / np.outer(sd, sd)
    try:
        start = (1.0 - 0.5 / k) / np.diag(np.linalg.inv(r))
    except np.linalg.LinAlgError:
        start = np.full(k, 0.5)
    start = np.clip(start, _LOWER, 1.0)
    u = _minimise(r, start)
    # judge convergence by the projected gradient (an exact fit, e.g. three items, stops
    # where the discrepancy no longer changes)
    converged = bool(np.max(np.abs(_projected(_discrepancy(u, r)[1], u))) < 1e-6)
    sc = 1.0 / np.sqrt(u)
    vals, vecs = np.linalg.eigh(r * np.outer(sc, sc))
    lam_r = np.sqrt(u) * vecs[:, -1] * np.sqrt(max(vals[-1] - 1.0, 0.0))
    if lam_r.sum() < 0:
        lam_r = -lam_r
    theta_r = np.diag(r) - lam_r**2
    sigma = np.outer(lam_r, lam_r) + np.diag(theta_r)
    _, logdet_sigma = np.linalg.slogdet(sigma)
    _, logdet_r = np.linalg.slogdet(r)
    fmin = float(logdet_sigma + np.trace(np.linalg.solve(sigma, r)) - logdet_r - k)
    return OneFactorFit(
        loadings=lam_r * sd, uniquenesses=theta_r * sd**2, converged=converged,
        heywood=bool(np.any(u <= _LOWER * (1 + 1e-6))), fmin=fmin,
    )


def omega_total(loadings: Any, uniquenesses: Any = None, total_var: float | None = None
                ) -> float:
    """McDonald's omega total of a one-factor model.

    Parameters
    ----------
    loadings : array (k,)
    uniquenesses : array (k,), optional
        Residual variances; the denominator is then the model-implied variance of the sum,
        ``(sum l)^2 + sum theta``.
    total_var : float, optional
        The observed variance of the sum score, ``sum(S)``; when given it is the
        denominator (``semTools::compRelSEM``'s default ``obs.var = TRUE``).

    Notes
    -----
    ``omega = (sum l)^2 / Var(sum of items)`` (McDonald, 1999, ch. 6; Bentler, 2009).

    Examples
    --------
    >>> round(omega_total([.8, .7, .6], [.36, .51, .64]), 4)
    0.7449
    """
    lam = np.asarray(loadings, dtype=float)
    common = float(lam.sum() ** 2)
    if total_var is not None:
        return common / float(total_var)
    if uniquenesses is None:
        raise InputError("omega_total needs the uniquenesses or the total variance.")
    return common / (common + float(np.sum(uniquenesses)))
