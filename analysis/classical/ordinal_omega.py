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

References
----------
Green, S. B., & Yang, Y. (2009). Reliability of summed item scores using structural equation
modeling: An alternative to coefficient alpha. Psychometrika, 74, 155-167.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from lospw.analysis.classical.polychoric import bvn_cdf
from lospw.analysis.core import special
from lospw.analysis.core.errors import InputError

__all__ = ["categorical_omega", "score_covariances"]


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
    for j in range(k):
        for jp in range(j, k):
            a, b = np.meshgrid(taus[j], taus[jp], indexing="ij")
            joint = float(bvn_cdf(a, b, np.full(a.shape, r[j, jp])).sum())
            out[j, jp] = out[jp, j] = joint - margins[j] * margins[jp]
    return out


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
