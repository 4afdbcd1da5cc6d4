"""MLR: Huber-White standard errors and the Yuan-Bentler (Mplus variant) scaled test.

As lavaan 0.6.14 with ``estimator = "MLR"`` (``se = "robust.huber.white"``, ``test =
"yuan.bentler.mplus"``, ``information = "observed"``, ``h1.information = "structured"``):

* bread ``E``: the observed information (Hessian of the per-observation discrepancy);
* meat ``B0 = (1/N) sum_i s_i s_i'`` with ``s_i`` the casewise scores of the normal
  log-likelihood at the model-implied moments (lavaan's first-order information);
* ``vcov = E^-1 B0 E^-1 / N``;
* Yuan-Bentler (Mplus) trace (``lav_test_yuan_bentler_mplus_trace``)::

      tr(U Gamma) = sum_g [ tr(B1_g A1_g^-1) - f_g tr(B0_g E^-1) ]

  where ``A1_g``, ``B1_g`` are the observed and first-order information of the saturated
  model at the sample moments. For complete data ``tr(B1 A1^-1)`` has a closed form in the
  squared Mahalanobis distances ``q_i = (y_i - m)' S^-1 (y_i - m)``:
  ``mean(q^2)/2 + p/2`` with a mean structure, ``mean(q^2)/2 - p/2`` without (it equals
  the number of sample moments under multivariate normality). The scaling factor is
  ``c = tr(U Gamma) / df``, ``chisq_scaled = chisq / c``; the baseline (independence)
  model gets its own factor the same way.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from analysis.cfa.data import GroupData

__all__ = ["casewise_scores", "mlr_corrections"]


def casewise_scores(state: Any, x: np.ndarray | None = None) -> list[np.ndarray]:
    """Per group: casewise scores ``d logL_i / d x`` (n_g x nx) at the model moments."""
    x = state.x if x is None else x
    m = state.model
    states = m.group_state(x)
    jac = m.jacobians(states)
    out = []
    for g, (_, imp), (JS, Jm, _) in zip(state.groups, states, jac, strict=True):
        mu = imp.mu if state.meanstructure else g.mean
        nx = JS.shape[0]
        if not state.fiml or not g.patterns or not g.missing:
            y = g.x
            si = np.linalg.inv(imp.sigma)
            z = (y - mu) @ si                                         # n x p
            trace = np.einsum("ij,kji->k", si, JS)                    # tr(S^-1 dS_k)
            zz = np.einsum("ni,kij,nj->nk", z, JS, z, optimize=True)  # z' dS_k z
            sc = 0.5 * (zz - trace)
            if state.meanstructure:
                sc += z @ Jm.T
            out.append(sc)
            continue
        sc = np.zeros((g.n, nx))
        for pat in g.patterns:
            o = pat.observed
            y = g.x[np.ix_(pat.rows, o)]
            si = np.linalg.inv(imp.sigma[np.ix_(o, o)])
            z = (y - mu[o]) @ si
            JSo = JS[:, o][:, :, o]
            trace = np.einsum("ij,kji->k", si, JSo)
            zz = np.einsum("ni,kij,nj->nk", z, JSo, z, optimize=True)
            s = 0.5 * (zz - trace) + z @ Jm[:, o].T
            sc[pat.rows] = s
        out.append(sc)
    return out


def _trace_h1_complete(g: GroupData, meanstructure: bool) -> tuple[float, int]:
    """tr(B1 A1^-1) of the saturated model and its number of moments (complete data)."""
    p = len(g.mean)
    r = g.x - g.mean
    q = np.einsum("ni,ij,nj->n", r, np.linalg.inv(g.cov), r)
    ndat = p * (p + 1) // 2 + (p if meanstructure else 0)
    return float(0.5 * np.mean(q**2) + (p / 2 if meanstructure else -p / 2)), ndat


def _baseline_trace(g: GroupData, meanstructure: bool) -> float:
    """tr(B0 E^-1) of the independence model in one group (closed form, complete data).

    Variances ``s_jj`` (and means) at their estimates; observed information per
    observation ``diag(1 / (2 s_jj^2))`` (means ``diag(1 / s_jj)``); casewise scores
    ``(r_ij^2 / s_jj - 1) / (2 s_jj)`` (means ``r_ij / s_jj``).
    """
    s = np.diag(g.cov)
    r = g.x - g.mean
    sc_var = 0.5 * (r**2 / s - 1) / s
    t = float(np.sum(np.mean(sc_var**2, axis=0) * 2 * s**2))
    if meanstructure:
        t += float(np.sum(np.mean((r / s) ** 2, axis=0) * s))
    return t


def mlr_corrections(state: Any) -> tuple[np.ndarray, dict[str, float]]:
    """Robust covariance matrix of ``x`` and the Yuan-Bentler scaled test.

    Returns
    -------
    (vcov, test)
        ``test`` has ``chisq_scaled`` (filled in by the caller once chisq is known is not
        needed: it is computed here from the ML chi-square), ``scaling_factor``,
        ``baseline_scaling_factor``, ``trace_ugamma``, ``scaling_factor_h1``,
        ``scaling_factor_h0``.
    """
    if any(g.x is None for g in state.groups):
        raise ValueError("MLR needs raw data (casewise scores), not sample moments")
    if state.fiml and any(g.missing for g in state.groups):
        raise ValueError("MLR with missing = 'fiml' on incomplete data is not available yet")
    N = state.ntotal
    E = state.info
    E_inv = np.linalg.inv(E)
    scores = casewise_scores(state)
    B0 = sum(s.T @ s for s in scores) / N
    vcov = E_inv @ B0 @ E_inv / N
    trace_h1, ndat, trace_h0_g, base_h0 = [], [], [], []
    for g, s in zip(state.groups, scores, strict=True):
        t1, nd = _trace_h1_complete(g, state.meanstructure)
        trace_h1.append(t1)
        ndat.append(nd)
        fg = g.n / N
        B0g = s.T @ s / g.n
        trace_h0_g.append(fg * float(np.sum(B0g * E_inv.T)))
        base_h0.append(_baseline_trace(g, state.meanstructure))
    trace_ug = sum(trace_h1) - sum(trace_h0_g)
    p = len(state.pt.ov_names)
    G = len(state.groups)
    df = G * (p * (p + 1) // 2 + (p if state.meanstructure else 0)) - state.pt.npar
    df0 = G * (p * (p - 1) // 2)
    c = trace_ug / df if df > 0 else np.nan
    if c is not None and c < 0:
        c = np.nan
    c0 = (sum(trace_h1) - sum(base_h0)) / df0 if df0 > 0 else np.nan
    npar_full = int((state.pt.table["free"] > 0).sum())
    test = {"scaling_factor": float(c), "baseline_scaling_factor": float(c0),
            "trace_ugamma": float(trace_ug),
            "scaling_factor_h1": float(sum(trace_h1) / sum(ndat)),
            "scaling_factor_h0": float(sum(trace_h0_g) / npar_full)}
    return vcov, test
