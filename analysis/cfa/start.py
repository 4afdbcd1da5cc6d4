"""Starting values for the estimation vector.

Per group and factor, the first principal component of the factor's indicators gives
loadings in the covariance metric (``l_j = sqrt(e1) v_j s_j``); they are rescaled to the
factor's identification (marker loading or fixed variance). Residual variances start at
``max(s_jj - l_j^2, 0.1 s_jj)``, covariances at 0, second-order loadings at 1 with a
second-order variance of 0.05 (lavaan's default latent start), intercepts at the sample
means, latent means at 0. User ``start()`` values and fixed values win. Only the starting
point depends on this; the estimates do not.
"""

from __future__ import annotations

import numpy as np

from lospw.analysis.cfa.data import GroupData
from lospw.analysis.cfa.model import ALPHA, BETA, DELTA, LAM, NU, PSI, TAU, THETA, Model

__all__ = ["start_values"]


def start_values(model: Model, groups: list[GroupData],
                 thresholds: list[np.ndarray] | None = None) -> np.ndarray:
    """Starting estimation vector ``x0`` (the first group sets shared parameters)."""
    t = model.pt.table
    ustart = t["ustart"].to_numpy(dtype=float)
    free = model.x_of_row >= 0
    value = np.full(len(t), np.nan)
    for gi, (gm, g) in enumerate(zip(model.groups, groups, strict=True)):
        s = g.cov
        sd = np.sqrt(np.clip(np.diag(s), 1e-8, None))
        rows = gm.rows
        lam_rows = {f: [] for f in range(gm.m)}
        for k in range(len(rows)):
            if gm.mat[k] == LAM:
                lam_rows[gm.ci[k]].append(k)
        loading = np.zeros((gm.p, gm.m))
        psi_diag = np.full(gm.m, 0.05)
        for f, ks in lam_rows.items():
            if not ks:
                continue
            idx = np.array([gm.ri[k] for k in ks])
            if len(idx) == 1:
                comp = np.array([sd[idx[0]]])
            else:
                r = s[np.ix_(idx, idx)] / np.outer(sd[idx], sd[idx])
                ev, vec = np.linalg.eigh(r)
                v = vec[:, -1]
                comp = np.sqrt(max(ev[-1], 1e-6)) * v * sd[idx]
            # identification: a fixed loading, a fixed variance, or neither (scale 1)
            fixed_k = [j for j, k in enumerate(ks) if not free[rows[k]] and
                       np.isfinite(ustart[rows[k]]) and ustart[rows[k]] != 0]
            psi_k = [k for k in range(len(rows)) if gm.mat[k] == PSI and gm.ri[k] == f
                     and gm.ci[k] == f]
            psi_fixed = psi_k and not free[rows[psi_k[0]]] and np.isfinite(ustart[rows[psi_k[0]]])
            if fixed_k:
                j0 = fixed_k[0]
                if comp[j0] < 0:
                    comp = -comp
                sd_eta = comp[j0] / ustart[rows[ks[j0]]]
            elif psi_fixed and ustart[rows[psi_k[0]]] > 0:
                if comp.sum() < 0:
                    comp = -comp
                sd_eta = np.sqrt(ustart[rows[psi_k[0]]])
            else:
                if comp.sum() < 0:
                    comp = -comp
                sd_eta = 1.0
            sd_eta = sd_eta if abs(sd_eta) > 1e-8 else 1.0
            loading[idx, f] = comp / sd_eta
            psi_diag[f] = sd_eta**2
        for k, r in enumerate(rows):
            code, i, j = gm.mat[k], gm.ri[k], gm.ci[k]
            if code == LAM:
                v = loading[i, j]
            elif code == BETA:
                v = 1.0
            elif code == PSI:
                v = psi_diag[i] if i == j else 0.0
            elif code == THETA:
                if i == j and gm.theta_param and i in gm.ord_idx:
                    v = 1.0      # ordered y*, theta parameterization (lavaan's start)
                elif i == j:
                    expl = np.sum(loading[i] ** 2 * psi_diag)
                    v = max(s[i, i] - expl, 0.1 * s[i, i])
                else:
                    v = 0.0
            elif code == NU:
                v = g.mean[i]
            elif code == ALPHA:
                v = 0.0
            elif code == TAU:
                v = thresholds[gi][i] if thresholds is not None else 0.0
            elif code == DELTA:
                v = 1.0
            else:  # pragma: no cover
                v = 0.0
            value[r] = v
    value = np.where(np.isfinite(ustart), ustart, value)
    x0 = np.zeros(model.nx)
    seen = np.zeros(model.nx, dtype=bool)
    for r in np.flatnonzero(free):
        k = model.x_of_row[r]
        if not seen[k]:
            x0[k] = value[r]
            seen[k] = True
    return x0
