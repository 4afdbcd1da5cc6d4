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

import numpy as np

from lospw.analysis.cfa.data import GroupData
from lospw.analysis.cfa.fiml import complete_information, h1_information, vech_delta, vech_index
from lospw.analysis.cfa.ml import MLObjective
from lospw.analysis.cfa.state import FitState

__all__ = ["casewise_scores", "mlr_corrections"]


def casewise_scores(state: FitState, x: np.ndarray | None = None) -> list[np.ndarray]:
    """Per group: casewise scores ``d logL_i / d x`` (n_g x nx) at the model moments."""
    return state.objective.casewise_scores(state.x if x is None else x)


def _trace_h1_complete(g: GroupData, meanstructure: bool) -> tuple[float, int]:
    """tr(B1 A1^-1) of the saturated model and its number of moments (complete data)."""
    p = len(g.mean)
    r = g.x - g.mean
    q = np.einsum("ni,ij,nj->n", r, np.linalg.inv(g.cov), r)
    ndat = p * (p + 1) // 2 + (p if meanstructure else 0)
    return float(0.5 * np.mean(q**2) + (p / 2 if meanstructure else -p / 2)), ndat


def _baseline_trace(g: GroupData, meanstructure: bool) -> float:
    """tr(B0 E^-1) of the independence model in one group (closed form).

    Means and variances at their (available-case) estimates, the information diagonal;
    per variable: ``sum_i (r_i / s)^2 / (n_j / s)`` for the mean and
    ``sum_i ((r_i^2 / s - 1) / (2 s))^2 / (n_j / (2 s^2))`` for the variance.
    """
    t = 0.0
    for j in range(g.x.shape[1]):
        col = g.x[:, j]
        col = col[~np.isnan(col)]
        m = col.mean()
        s = np.mean((col - m) ** 2)
        r = col - m
        nj = len(col)
        t += float(np.sum((0.5 * (r**2 / s - 1) / s) ** 2) / (nj / (2 * s**2)))
        if meanstructure:
            t += float(np.sum((r / s) ** 2) / (nj / s))
    return t


def _trace_h1_missing(g: GroupData) -> tuple[float, int]:
    """tr(B1 A1^-1) of the saturated model under missing data (lavaan's Mplus trace)."""
    A1, B1 = h1_information(g)
    keep = np.diag(A1) != 0
    A1, B1 = A1[np.ix_(keep, keep)], B1[np.ix_(keep, keep)]
    return float(np.trace(np.linalg.solve(A1, B1))), int(keep.sum())


def mlr_corrections(state: FitState) -> tuple[np.ndarray, dict[str, float]]:
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
    N = state.ntotal
    E = state.info
    E_inv = np.linalg.inv(E)
    scores = casewise_scores(state)
    B0 = sum(s.T @ s for s in scores) / N
    vcov = E_inv @ B0 @ E_inv / N
    trace_h1, ndat, trace_h0_g, base_h0 = [], [], [], []
    for g, s in zip(state.groups, scores, strict=True):
        if state.fiml and g.missing:
            t1, nd = _trace_h1_missing(g)
        else:
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


def fiml_corrected(state: FitState, version: str) -> dict[str, float]:
    """lavaan's FIML-corrected robust statistics (``lav_fit_fiml_corrected``).

    For ML (``version="V6"``) and MLR (``"V3"``) with missing = "fiml": the model and the
    independence model are evaluated at their FIML estimates against the EM moments as if
    those were complete data (``XX3``), and rescaled by ``c = k / df`` with ``k`` built from
    the observed (``Wm``) and first-order (``Jm``) h1 information under missing data and the
    complete-data information ``Wc`` at the EM moments:

    * V6: ``k = tr(Wc Wm^-1 U Wm^-1)``, V3: ``k = tr(U Wm^-1 Wc Wm^-1 U Gamma)``,
      ``Gamma = Wm^-1 Jm Wm^-1``, ``U = Wm - Wm Delta E^-1 Delta' Wm``,
      ``E = sum_g f_g Delta' Wm Delta`` (group blocks weighted by ``f_g = n_g / N``).

    Returns ``XX3``, ``c_hat``, ``XX3_null``, ``c_hat_null`` (and the scaled ``XX3``).
    """

    groups = state.groups
    N = state.ntotal
    G = len(groups)
    f = np.array([g.n / N for g in groups])
    p = len(state.pt.ov_names)
    tilde = [GroupData(g.label, g.n, g.mean, g.cov) for g in groups]
    obj = MLObjective(state.model, tilde, fiml=False, meanstructure=True)
    xx3 = 2 * N * obj.f(state.x)
    states = state.model.group_state(state.x)
    jac = state.model.jacobians(states)
    Wm, Jm, Wc, D = [], [], [], []
    for g, (JS, Jmu, _) in zip(groups, jac, strict=True):
        a1, b1 = h1_information(g) if g.missing else _complete_h1(g)
        Wm.append(a1)
        Jm.append(b1)
        Wc.append(complete_information(g.mean, g.cov))
        D.append(vech_delta(JS, Jmu))
    Wmi = [np.linalg.inv(w) for w in Wm]
    # every matrix is block-diagonal over groups (weighted by f_g); U = Wm - P with
    # P = Wm D E^-1 D' Wm of rank nx, so the traces split into per-group blocks and
    # nx x nx products (no dense (G p*) x (G p*) products):
    #   V3: tr(U A U Gam) = tr(Wm A Wm Gam) - 2 tr(E^-1 WD' A Wm Gam WD)
    #                       + tr(E^-1 WD' A WD E^-1 WD' Gam WD),   A = Wm^-1 Wc Wm^-1
    #   V6: tr(Wc Wm^-1 U Wm^-1) = tr(Wc Wm^-1) - tr(E^-1 D' Wc D)
    Wmb = [fg * w for fg, w in zip(f, Wm, strict=True)]
    Wcb = [fg * w for fg, w in zip(f, Wc, strict=True)]
    Wmib = [w / fg for fg, w in zip(f, Wmi, strict=True)]
    if version == "V3":
        Gamb = [(wi @ j @ wi) / fg for fg, wi, j in zip(f, Wmi, Jm, strict=True)]
        Ab = [wi @ wc @ wi for wi, wc in zip(Wmib, Wcb, strict=True)]
        const = sum(float(np.sum((wm @ a @ wm) * gm.T))
                    for wm, a, gm in zip(Wmb, Ab, Gamb, strict=True))
    else:
        const = sum(float(np.sum(wc * wi.T)) for wc, wi in zip(Wcb, Wmib, strict=True))

    def k_of(delta_blocks: list[np.ndarray]) -> float:
        WD = [wm @ d for wm, d in zip(Wmb, delta_blocks, strict=True)]
        E_inv = np.linalg.inv(sum(d.T @ wd for d, wd in zip(delta_blocks, WD, strict=True)))
        if version == "V3":
            X = sum(wd.T @ (a @ (wm @ (gm @ wd)))
                    for wd, a, wm, gm in zip(WD, Ab, Wmb, Gamb, strict=True))
            M1 = sum(wd.T @ a @ wd for wd, a in zip(WD, Ab, strict=True))
            M2 = sum(wd.T @ gm @ wd for wd, gm in zip(WD, Gamb, strict=True))
            return const - 2 * float(np.trace(E_inv @ X)) + float(
                np.trace(E_inv @ M1 @ E_inv @ M2))
        M = sum(d.T @ wc @ d for d, wc in zip(delta_blocks, Wcb, strict=True))
        return const - float(np.trace(E_inv @ M))

    moments = G * (p * (p + 1) // 2 + p)
    df3 = moments - state.pt.npar
    c_hat = k_of(D) / df3 if df3 > 0 else np.nan
    # independence model: FIML estimates are the available-case means and variances
    xx3_null = 0.0
    DB = []
    vr, vc = vech_index(p)
    diag_pos = p + np.flatnonzero(vr == vc)
    for k, g in enumerate(groups):
        mb = np.nanmean(g.x, axis=0)
        vb = np.nanmean((g.x - mb) ** 2, axis=0)
        d = g.mean - mb
        xx3_null += g.n * (np.sum(np.log(vb)) + np.sum((np.diag(g.cov) + d**2) / vb)
                           - np.linalg.slogdet(g.cov)[1] - p)
        # the independence model's means and variances are free in every group: group k's
        # Delta has nonzero columns only for its own 2p parameters
        rows = np.zeros((p + len(vr), 2 * p * G))
        c0 = 2 * p * k
        rows[:p, c0:c0 + p] = np.eye(p)
        rows[diag_pos, c0 + p + np.arange(p)] = 1.0
        DB.append(rows)
    df3_null = G * p * (p - 1) // 2
    c_null = k_of(DB) / df3_null if df3_null > 0 else np.nan
    return {"XX3": float(xx3), "df3": float(df3), "c_hat": float(c_hat),
            "XX3_scaled": float(xx3 / c_hat), "XX3_null": float(xx3_null),
            "df3_null": float(df3_null), "c_hat_null": float(c_null)}


def _complete_h1(g: GroupData) -> tuple[np.ndarray, np.ndarray]:
    """A1, B1 of the saturated model for a complete-data group (no missing values)."""
    p = len(g.mean)
    W = np.linalg.inv(g.cov)
    z = (g.x - g.mean) @ W
    vr, vc = vech_index(p)
    s = z[:, vr] * z[:, vc] - W[vr, vc]
    s[:, vr == vc] *= 0.5
    SC = np.hstack([z, s])
    return complete_information(g.mean, g.cov), SC.T @ SC / g.n
