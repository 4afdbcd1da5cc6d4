"""Standardized solutions ``std.lv`` and ``std.all`` (lavaan ``lav_standardize_lv/_all``).

``std.lv`` rescales latent variables to unit (total) variance: a loading times the SD of its
factor; a latent variance divided by the factor's total variance; a latent covariance
divided by the square roots of the two (residual) variance parameters; a latent mean divided
by its SD. ``std.all`` also rescales the observed variables by their model-implied SDs:
loadings, intercepts and thresholds divided by the SD, residual variances by the implied
variance, residual covariances by the square roots of the two residual variances. As in
lavaan, negative variances give NaN SDs for the factor (std.lv) and absolute values are used
for the covariance scaling (Heywood cases).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["standardize"]


def standardize(table: pd.DataFrame, est: np.ndarray, lv_names: list[str],
                ov_names: list[str], veta: list[np.ndarray], sigma: list[np.ndarray]
                ) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(std_lv, std_all)`` for every row of ``table`` with estimates ``est``.

    Parameters
    ----------
    table : DataFrame
        Columns ``lhs op rhs group``.
    est : ndarray
        Estimate of every row.
    lv_names, ov_names : list of str
    veta, sigma : list of ndarray
        Per group: total latent covariance ``A Psi A'`` and implied ``Sigma``.
    """
    lhs = table["lhs"].to_numpy()
    op = table["op"].to_numpy()
    rhs = table["rhs"].to_numpy()
    grp = table["group"].to_numpy()
    std_lv = est.astype(float).copy()
    std_all = np.full(len(est), np.nan)
    li = {v: i for i, v in enumerate(lv_names)}
    oi = {v: i for i, v in enumerate(ov_names)}
    for g in range(len(veta)):
        sel = grp == g + 1
        eta2 = np.diag(veta[g]).astype(float).copy()
        eta2[eta2 < 0] = np.nan
        eta = np.sqrt(eta2)
        ov2 = np.diag(sigma[g]).astype(float).copy()
        ov2[np.abs(ov2) < np.finfo(float).eps] = np.nan
        ov_sd = np.sqrt(np.where(ov2 < 0, np.nan, ov2))
        # residual-variance parameters (for covariance scaling)
        rv = {}
        for r in np.flatnonzero(sel & (op == "~~") & (lhs == rhs)):
            rv[lhs[r]] = np.sqrt(abs(est[r]))
        for r in np.flatnonzero(sel):
            a, o, b = lhs[r], op[r], rhs[r]
            v = est[r]
            if o == "=~":
                if b in li:
                    std_lv[r] = v * eta[li[a]] / eta[li[b]]
                else:
                    std_lv[r] = v * eta[li[a]]
            elif o == "~" and a in li:
                std_lv[r] = v / eta[li[a]] * (eta[li[b]] if b in li else 1.0)
            elif o == "~~" and a in li:
                if a == b:
                    std_lv[r] = v / eta[li[a]] / eta[li[b]]
                else:
                    std_lv[r] = v / rv.get(a, np.nan) / rv.get(b, np.nan)
            elif o == "~1" and a in li:
                std_lv[r] = v / eta[li[a]]
            # std.all starts from std.lv and rescales the observed side
            s = std_lv[r]
            if o == "=~" and b in oi:
                s = s / ov_sd[oi[b]]
            elif o == "~~" and a in oi:
                if a == b:
                    s = s / ov2[oi[a]]
                else:
                    s = v / rv.get(a, np.nan) / rv.get(b, np.nan)
            elif o in ("~1", "|") and a in oi:
                s = s / ov_sd[oi[a]]
            elif o == "~*~":
                s = 1.0
            std_all[r] = s
    return std_lv, std_all
