"""Categorical omega (Green & Yang, 2009): the reliability of the sum of ordinal item scores.

An ordinal item ``x_j`` in categories ``1..C_j`` is the latent response ``x*_j`` cut at its
thresholds ``t_j1 < ... < t_j(C_j - 1)``; a factor model for ``x*`` (WLSMV, delta
parameterization: unit latent-response variances) implies the covariance of any two item
*scores*, because ``x_j = 1 + sum_c 1[x*_j > t_jc]``:

.. math::

    \\mathrm{Cov}(x_j, x_{j'}) = \\sum_c \\sum_{c'} \\Phi_2(t_{jc}, t_{j'c'}; \\rho_{jj'})
        - \\sum_c \\Phi(t_{jc}) \\sum_{c'} \\Phi(t_{j'c'}).

Green & Yang's omega (their eq. 21) puts the common part ``rho = [Lambda Phi Lambda']_{jj'}``
(diagonal ``lambda_j^2`` too) in the numerator and the full latent-response correlations in
the denominator, summed over all pairs:

.. math::

    \\omega_{cat} = \\frac{\\sum_{j,j'} \\left[\\sum_{c,c'} \\Phi_2(t_{jc}, t_{j'c'};
        [\\Lambda\\Phi\\Lambda']_{jj'}) - \\sum_c \\Phi(t_{jc}) \\sum_{c'} \\Phi(t_{j'c'})\\right]}
        {\\sum_{j,j'} \\left[\\sum_{c,c'} \\Phi_2(t_{jc}, t_{j'c'}; P_{jj'})
        - \\sum_c \\Phi(t_{jc}) \\sum_{c'} \\Phi(t_{j'c'})\\right]},

with ``P`` the sample polychoric correlations (``semTools::compRelSEM``'s default
``obs.var = TRUE``) or the model-implied ones (``obs.var = FALSE``); ``P_jj = 1``.
This is ``semTools:::omegaCat``; tested against ``compRelSEM(fit, ord.scale = TRUE)``
(``tests/reference/ordinal_omega.R``).

``compRelSEM`` reads only the estimates of the WLSMV fit (standardized loadings,
thresholds) and the sample or implied polychorics: no standard error, test statistic or fit
index. :func:`fit_one_factor_dwls` is that fit's estimation alone for one factor, so the
coefficient needs neither the CFA engine nor anything it computes besides the estimates.

References
----------
Green, S. B., & Yang, Y. (2009). Reliability of summed item scores using structural equation
modeling: An alternative to coefficient alpha. Psychometrika, 74, 155-167.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lospw.analysis.classical.polychoric import bvn_cdf
from lospw.analysis.core import special
from lospw.analysis.core.errors import InputError

__all__ = ["OneFactorDWLS", "categorical_omega", "fit_one_factor_dwls", "score_covariances"]


def score_covariances(rho: Any, thresholds: Sequence[Any]) -> np.ndarray:
    """Covariances of the ordinal item scores implied by latent-response correlations.

    Parameters
    ----------
    rho : array (k, k)
        Latent-response correlations (or the common part of a factor model); the diagonal
        is used as given (1 gives the score variances).
    thresholds : sequence of arrays
        Item j's thresholds, increasing.

    Returns
    -------
    ndarray (k, k)

    Examples
    --------
    >>> round(float(score_covariances([[1.0]], [[0.0]])[0, 0]), 6)  # Bernoulli(.5)
    0.25
    """
    r = np.asarray(rho, dtype=float)
    k = r.shape[0]
    taus = [np.asarray(t, dtype=float).ravel() for t in thresholds]
    if r.shape != (k, k) or len(taus) != k:
        raise InputError("score_covariances needs a k x k matrix and k threshold vectors.")
    margins = np.array([float(special.ndtr(t).sum()) for t in taus])
    out = np.empty((k, k))
    # every pair j <= j' of the same threshold counts in one call: the grid of pair m is
    # row m of (pairs, c_j * c_j'), summed as each grid alone would be
    shapes: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for j in range(k):
        for jp in range(j, k):
            shapes.setdefault((len(taus[j]), len(taus[jp])), []).append((j, jp))
    for pairs in shapes.values():
        j, jp = np.array(pairs).T
        a = np.array([taus[i] for i in j])[:, :, None]       # (pairs, c_j, 1)
        b = np.array([taus[i] for i in jp])[:, None, :]      # (pairs, 1, c_j')
        a, b = np.broadcast_arrays(a, b)
        rr = np.broadcast_to(r[j, jp][:, None, None], a.shape)
        joint = bvn_cdf(a, b, rr).reshape(len(pairs), -1).sum(axis=1)
        out[j, jp] = out[jp, j] = joint - margins[j] * margins[jp]
    return out


@dataclass(frozen=True)
class OneFactorDWLS:
    """A one-factor model of latent-response correlations fitted by DWLS.

    Attributes
    ----------
    loadings : ndarray (k,)
        Standardized loadings (factor variance 1, latent-response variances 1), signed so
        that their sum is positive (the omegas use ``lambda lambda'`` only).
    converged : bool
        Whether the largest gradient element fell below ``1e-9`` (or ``1e-7`` once the
        steps no longer change the loadings: the CFA engine's criteria).
    iterations : int
    """

    loadings: np.ndarray
    converged: bool
    iterations: int


def fit_one_factor_dwls(corr: Any, weights: Any, *, max_iter: int = 200) -> OneFactorDWLS:
    """Fit one factor to latent-response (polychoric) correlations by diagonally weighted
    least squares: WLSMV's estimates of ``f =~ x1 + ... + xk`` with ``std.lv = TRUE``.

    Parameters
    ----------
    corr : array (k, k)
        Sample polychoric correlations, ``k >= 3``.
    weights : array (k, k)
        Symmetric; entry ``(j, j')`` weights correlation ``r_jj'``: WLSMV's ``W = diag(
        Gamma)^-1``, one over the asymptotic variance (NACOV diagonal) of ``r_jj'``. The
        diagonal is not used.

    Returns
    -------
    OneFactorDWLS

    Notes
    -----
    In the delta parameterization the thresholds' part of the DWLS discrepancy does not
    depend on the loadings, so WLSMV's thresholds are the sample thresholds and its
    loadings minimise

    .. math::

        F(\\lambda) = \\sum_{j < j'} w_{jj'} (r_{jj'} - \\lambda_j \\lambda_{j'})^2 .

    Gauss-Newton (Fisher scoring of DWLS, as the CFA engine's
    :func:`lospw.analysis.cfa.optimizer.scoring`): with residuals ``e = r - lambda_j
    lambda_j'`` and their Jacobian ``J``, the step solves ``J' W J d = J' W e``, halved until
    ``F`` decreases (or changes by no more than its rounding error, near the minimum), from
    the first principal component of ``R``; it stops when a step
    changes no loading by more than ``1e-13`` (the CFA engine stops at a gradient of
    ``1e-9``). The same estimates as ``lavaan::cfa(..., ordered = TRUE, std.lv = TRUE)``
    (``tests/analysis/classical/test_ordinal_omega.py`` checks them against the CFA
    engine's WLSMV fit).

    Examples
    --------
    >>> lam = np.array([.8, .7, .6, .5])
    >>> r = np.outer(lam, lam)
    >>> np.fill_diagonal(r, 1.0)
    >>> fit = fit_one_factor_dwls(r, np.ones((4, 4)))
    >>> fit.loadings.round(8).tolist(), fit.converged
    ([0.8, 0.7, 0.6, 0.5], True)
    """
    r = np.asarray(corr, dtype=float)
    w_all = np.asarray(weights, dtype=float)
    k = r.shape[0]
    if r.shape != (k, k) or w_all.shape != (k, k) or k < 3:
        raise InputError(f"A one-factor DWLS fit needs a k x k correlation matrix and k x k "
                         f"weights with k >= 3; got shapes {r.shape} and {w_all.shape}.")
    if not (np.isfinite(r).all() and np.isfinite(w_all).all()):
        raise InputError("A one-factor DWLS fit needs finite correlations and weights.")
    rows, cols = np.triu_indices(k, 1)
    obs, w = r[rows, cols], w_all[rows, cols]
    vals, vecs = np.linalg.eigh(r)
    lam = vecs[:, -1] * np.sqrt(max(vals[-1] - 1.0, 1e-2) * k / (k - 1))

    def loss(x: np.ndarray) -> float:
        e = obs - x[rows] * x[cols]
        return float(e @ (w * e))

    f = loss(lam)
    iterations = 0
    at_rest = False
    while iterations < max_iter:
        iterations += 1
        e = obs - lam[rows] * lam[cols]
        jac = np.zeros((len(obs), k))
        jac[np.arange(len(obs)), rows] = lam[cols]
        jac[np.arange(len(obs)), cols] += lam[rows]
        jw = jac.T * w
        try:
            step = np.linalg.solve(jw @ jac, jw @ e)
        except np.linalg.LinAlgError:
            step = jw @ e
        t = 1.0
        for _ in range(40):
            fn = loss(lam + t * step)
            # near the minimum F changes below its rounding error: take the step
            if fn <= f + 1e-14 * f:
                break
            t /= 2
        else:
            break
        lam, f = lam + t * step, fn
        if np.max(np.abs(t * step)) <= 1e-13:
            at_rest = True
            break
    e = obs - lam[rows] * lam[cols]
    grad = np.zeros(k)
    np.add.at(grad, rows, -2.0 * w * e * lam[cols])
    np.add.at(grad, cols, -2.0 * w * e * lam[rows])
    if lam.sum() < 0:
        lam = -lam
    # the CFA engine's criteria: a gradient below 1e-9, or 1e-7 where F no longer changes
    # (a heavy weight, e.g. a polychoric near 1, puts the gradient's rounding error near 1e-8)
    converged = np.max(np.abs(grad)) < (1e-7 if at_rest else 1e-9)
    return OneFactorDWLS(lam, bool(converged), iterations)


def categorical_omega(loadings: Any, thresholds: Sequence[Any], corr: Any,
                      phi: Any = None) -> float:
    """Green & Yang's (2009) omega of the sum of ordinal item scores.

    Parameters
    ----------
    loadings : array (k,) or (k, m)
        Standardized latent-response loadings (delta parameterization).
    thresholds : sequence of arrays
        Each item's thresholds.
    corr : array (k, k)
        Latent-response correlations of the denominator: the sample polychorics
        (semTools' default) or the model-implied ones.
    phi : array (m, m), optional
        Factor correlations (identity by default; one factor: its variance 1).

    Returns
    -------
    float

    Examples
    --------
    >>> lam = np.array([.8, .7, .6])
    >>> p = np.outer(lam, lam)
    >>> np.fill_diagonal(p, 1.0)
    >>> round(categorical_omega(lam, [[-1, 0, 1]] * 3, p), 4)
    0.7008
    """
    lam = np.asarray(loadings, dtype=float)
    if lam.ndim == 1:
        lam = lam[:, None]
    ph = np.eye(lam.shape[1]) if phi is None else np.asarray(phi, dtype=float)
    common = lam @ ph @ lam.T
    p = np.asarray(corr, dtype=float).copy()
    np.fill_diagonal(p, 1.0)
    num = score_covariances(common, thresholds).sum()
    den = score_covariances(p, thresholds).sum()
    return float(num / den)
