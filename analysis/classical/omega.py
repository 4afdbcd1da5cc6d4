"""McDonald's omega from a one-factor maximum-likelihood model of a scale's keyed items.

A small, self-contained one-factor ML fit (the factor analysis model ``S ~ l l' + diag(theta)``
fitted by minimising the ML discrepancy, as lavaan's ``cfa(f =~ x1 + ... + xk)`` and
``factanal(factors = 1)`` do) and the omega formulas of ``semTools::compRelSEM``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize

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
    sc = 1.0 / np.sqrt(u)
    vals, vecs = np.linalg.eigh(r * np.outer(sc, sc))
    e1, v1 = vals[-1], vecs[:, -1]
    rest = vals[:-1]
    f = float(np.sum(rest - np.log(rest) - 1.0))
    lam = np.sqrt(u) * v1 * np.sqrt(max(e1 - 1.0, 0.0))
    grad = (lam * lam + u - np.diag(r)) / (u * u)
    return f, grad


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
    L-BFGS-B on the concentrated discrepancy, and rescaled. Without a Heywood case this is
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
    res = optimize.minimize(_discrepancy, start, args=(r,), jac=True, method="L-BFGS-B",
                            bounds=[(_LOWER, 1.0)] * k,
                            options={"maxiter": 1000, "ftol": 1e-14, "gtol": 1e-10})
    u = res.x
    # L-BFGS-B can stop on its line search at an exact fit (e.g. three items, a
    # just-identified model): judge convergence by the projected gradient too
    g = _discrepancy(u, r)[1]
    g = np.where(((u <= _LOWER) & (g > 0)) | ((u >= 1.0) & (g < 0)), 0.0, g)
    converged = bool(res.success) or bool(np.max(np.abs(g)) < 1e-6)
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
