"""Robust CFI/TLI/RMSEA for ordered items: Savalei's (2021) catML correction of a WLSMV fit.

A DWLS fit's scaled statistics estimate the population fit of the DWLS discrepancy, whose
size depends on the weights; Savalei (2021) proposes instead the normal-theory ML
discrepancy between the model-implied and the polychoric correlations ("catML"), evaluated
at the DWLS estimates and corrected for the non-normality of the polychorics. As lavaan
0.6.14 (``lav_fit_catml_dwls``, ``lav_object_catml``) when every item is ordered:

* per group, with the polychoric correlations ``R_g`` and the implied correlations
  ``Sigma_g`` (``n_g`` cases)::

      X3   = sum_g n_g [log|Sigma_g| - log|R_g| + tr(R_g Sigma_g^-1) - p]
      X3_0 = sum_g n_g (-log|R_g|)                       (independence: Sigma = I)

* ``df3`` = G p(p-1)/2 minus the free parameters of the model without its thresholds and
  intercepts (equality constraints counted once, as lavaan's ``npar``), ``df3_0`` =
  G p(p-1)/2;
* with ``Delta`` (rows of the correlations), ``E^-1`` and ``W`` of the DWLS fit, the
  normal-theory ML weight ``V_g`` of the correlations at ``Sigma_g``
  (``V[ij, kl] = A_jk A_il + A_ik A_jl``, ``A = Sigma^-1``) and the polychorics'
  asymptotic covariance ``Gamma_g``::

      U  = I - Delta E^-1 Delta' W_f,     W_f = diag_g(f_g W_g),   V_f = diag_g(f_g V_g)
      k  = tr(U' V_f U Gamma_f),          Gamma_f = diag_g(Gamma_g / f_g)
      c3 = k / df3,    c3_0 = tr(Gamma_f) / df3_0

The robust indices are then lavaan's ``lav_fit_cfi(X3, df, X3_0, df_0, c3, c3_0)``, the TLI
likewise (with the DWLS model's ``df`` and ``df_0``) and ``lav_fit_rmsea(X3, df3, N - G,
c3, G)``, its interval from ``X3 / c3`` on ``df3``.

lavaan gives NA (so do we: NaN) when a polychoric matrix is not positive definite (an
eigenvalue below ``sqrt(machine eps)``). Departure: lavaan 0.6.14 also gives NA as soon as
thresholds or intercepts carry equality constraints (measurement invariance), because its
``lav_object_catml`` keeps the ``==`` rows that name the thresholds it removed; lospw drops
those constraints, as lavaan's own code intends from 0.6-20 on
(``tests/reference/invariance_wlsmv.R`` checks the values against lavaan with that fix).

References
----------
Savalei, V. (2021). Improving fit indices in structural equation modeling with categorical
data. *Multivariate Behavioral Research, 56*(3), 390-407.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["CatML", "catml_correction", "ml_weight_correlations"]

_NAN = math.nan


def ml_weight_correlations(sigma: np.ndarray, rows: np.ndarray, cols: np.ndarray
                           ) -> np.ndarray:
    """Normal-theory ML weight matrix of correlations at ``sigma`` (lavaan's catML wls.v).

    ``V[(i,j), (k,l)] = A_jk A_il + A_ik A_jl`` with ``A = sigma^-1``, for the correlations
    below the diagonal in ``(rows, cols)`` order; half the expected information of
    ``vech(Sigma)`` restricted to the off-diagonal elements.

    Examples
    --------
    >>> r, c = np.array([1, 2, 2]), np.array([0, 0, 1])
    >>> ml_weight_correlations(np.eye(3), r, c)       # independence: the identity
    array([[1., 0., 0.],
           [0., 1., 0.],
           [0., 0., 1.]])
    """
    A = np.linalg.inv(sigma)
    return A[np.ix_(cols, rows)] * A[np.ix_(rows, cols)] + A[np.ix_(rows, rows)] \
        * A[np.ix_(cols, cols)]


@dataclass(frozen=True)
class CatML:
    """The catML ingredients (lavaan's ``XX3 df3 c.hat3 XX3.scaled XX3.null df3.null
    c.hat3.null``); all NaN when they cannot be computed."""

    x3: float = _NAN
    df3: float = _NAN
    c3: float = _NAN
    x3_scaled: float = _NAN
    x3_null: float = _NAN
    df3_null: float = _NAN
    c3_null: float = _NAN


def catml_correction(cors: Sequence[np.ndarray], sigmas: Sequence[np.ndarray],
                     gammas: Sequence[np.ndarray], weights: Sequence[np.ndarray],
                     deltas: Sequence[np.ndarray], e_inv: np.ndarray | None,
                     nobs: Sequence[int], npar3: int) -> CatML:
    """Savalei's (2021) catML statistic and scaling factors (see the module docstring).

    Parameters
    ----------
    cors, sigmas : sequence of ndarray (p, p)
        Per group: polychoric and model-implied correlations.
    gammas : sequence of ndarray
        Per group: the asymptotic covariance of the correlations (the correlation block of
        the WLSMV Gamma).
    weights : sequence of ndarray
        Per group: the DWLS weights of the correlations (diagonal, as a vector).
    deltas : sequence of ndarray (p(p-1)/2, nx)
        Per group: derivatives of the implied correlations w.r.t. the free parameters.
    e_inv : ndarray (nx, nx) or None
        Inverse of the DWLS expected information ``sum_g f_g Delta_g' W_g Delta_g`` (None
        when it could not be inverted: all NaN).
    nobs : sequence of int
        Cases per group.
    npar3 : int
        Free parameters of the model without thresholds and intercepts.

    Returns
    -------
    CatML
    """
    if e_inv is None:
        return CatML()
    p = cors[0].shape[0]
    rows, cols = np.tril_indices(p, -1)
    order = np.lexsort((rows, cols))          # lavaan's order: column by column
    rows, cols = rows[order], cols[order]
    eps = math.sqrt(np.finfo(float).eps)
    if any(np.linalg.eigvalsh(r).min() < eps for r in cors):
        return CatML()
    N = float(sum(nobs))
    f = np.asarray(nobs, dtype=float) / N
    x3 = x3_null = 0.0
    for r, s, n in zip(cors, sigmas, nobs, strict=True):
        sign, logdet_s = np.linalg.slogdet(s)
        if sign <= 0:
            return CatML()
        logdet_r = np.linalg.slogdet(r)[1]
        x3 += n * (logdet_s - logdet_r + float(np.trace(np.linalg.solve(s, r))) - p)
        x3_null += n * (-logdet_r)
    npair = len(rows)
    G = len(cors)
    df3 = G * npair - npar3
    df3_null = G * npair
    # k = tr(U' V_f U Gamma_f), U = I - D E^-1 D' W_f, group by group (V_f, W_f, Gamma_f
    # block diagonal): tr(V G) - 2 tr(B G V D) + tr(D' V D B G B') with B = E^-1 D' W_f
    k = 0.0
    BGB = np.zeros_like(e_inv)
    DVD = np.zeros_like(e_inv)
    for fg, s, gm, w, d in zip(f, sigmas, gammas, weights, deltas, strict=True):
        V = fg * ml_weight_correlations(s, rows, cols)
        Gf = gm / fg
        B = e_inv @ (d.T * (fg * w)[None, :])
        k += float(np.sum(V * Gf.T)) - 2.0 * float(np.sum((B @ Gf) * (d.T @ V)))
        BGB += B @ Gf @ B.T
        DVD += d.T @ V @ d
    k += float(np.sum(DVD * BGB.T))
    c3 = k / df3 if df3 > 0 else _NAN
    c3_null = sum(float(np.trace(gm)) / fg for fg, gm in zip(f, gammas, strict=True)) \
        / df3_null
    return CatML(x3=x3, df3=float(df3), c3=c3, x3_scaled=x3 / c3 if c3 > 0 else _NAN,
                 x3_null=x3_null, df3_null=float(df3_null), c3_null=c3_null)
