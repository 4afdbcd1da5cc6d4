"""WLSMV for ordered items: DWLS on thresholds and polychorics, robust SEs, scaled-shifted test.

As lavaan 0.6.14 with ``estimator = "WLSMV"`` (``DWLS`` + ``se = "robust.sem"`` + ``test =
"scaled.shifted"``, delta parameterization):

* statistics ``s`` = thresholds and polychoric correlations, their covariance ``Gamma``
  (:mod:`lospw.analysis.cfa.ordinal`), weights ``W = diag(Gamma)^-1``;
* discrepancy per group ``F_g = (s - sigma)' W (s - sigma)``, chi-square
  ``T = sum_g (n_g - 1) F_g`` (lavaan's ``fmin`` is ``T / (2N)``);
* expected information ``E = sum_g f_g Delta' W Delta`` (``f_g = n_g / N``), robust
  covariance ``E^-1 (sum_g f_g Delta' W Gamma W Delta) E^-1 / (N - G)``;
* ``U = V - V Delta E^-1 Delta' V`` with ``V = diag_g(f_g W_g)``, ``Gamma_f =
  diag_g(Gamma_g / f_g)``; scaled-shifted statistic ``a T + b`` with
  ``a = sqrt(df / tr((U Gamma)^2))``, ``b = df - a tr(U Gamma)`` (Asparouhov & Muthen, 2010);
  lavaan's ``chisq.scaling.factor`` is ``1 / a``;
* the baseline model: thresholds free, correlations 0, with its own scaled-shifted test;
* RMSEA with ``N - G`` (lavaan's ``ntotal - ngroups`` for non-ML estimators); SRMR from the
  correlation residuals (``srmr_bentler_nomean``).

* ``cfi_robust`` / ``tli_robust`` / ``rmsea_robust`` (and the robust RMSEA interval and
  p-values) by Savalei's (2021) catML correction, as lavaan (:mod:`lospw.analysis.cfa.catml`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.cfa import fit as F
from lospw.analysis.cfa.catml import catml_correction
from lospw.analysis.cfa.data import GroupData
from lospw.analysis.cfa.model import Model
from lospw.analysis.cfa.optimizer import scoring
from lospw.analysis.cfa.ordinal import OrdinalStats, _lower, ordinal_stats
from lospw.analysis.cfa.partable import build_partable
from lospw.analysis.cfa.result import CFAResult, FitWarning
from lospw.analysis.cfa.start import start_values
from lospw.analysis.core.errors import InputError

__all__ = ["DWLSObjective", "fit_wlsmv"]


class DWLSObjective:
    """The DWLS discrepancy (lavaan's ``fx``) over the model's estimation vector."""

    def __init__(self, model: Model, stats: list[OrdinalStats]) -> None:
        self.model = model
        self.stats = stats
        self.ntotal = sum(s.n for s in stats)
        self.f_g = np.array([s.n / self.ntotal for s in stats])
        self.c_g = np.array([(s.n - 1) / self.ntotal for s in stats])
        self.obs = [s.wls_obs for s in stats]
        self.w = [1.0 / np.diag(s.gamma) for s in stats]
        p = stats[0].cor.shape[0]
        self.rows, self.cols = _lower(p)

    def rebind(self, model: Model) -> DWLSObjective:
        return DWLSObjective(model, self.stats)

    def estimates(self, states) -> list[np.ndarray]:
        return [np.r_[imp.th, imp.sigma[self.rows, self.cols]] for _, imp in states]

    def deltas(self, states) -> list[np.ndarray]:
        """Per group Delta = d(thresholds, correlations) / dx  (n_stats x nx)."""
        out = []
        for JS, _, Jt in self.model.jacobians(states):
            out.append(np.vstack([Jt.T, JS[:, self.rows, self.cols].T]))
        return out

    def f(self, x: np.ndarray) -> float:
        states = self.model.group_state(x)
        total = 0.0
        for k, est in enumerate(self.estimates(states)):
            d = self.obs[k] - est
            total += 0.5 * self.c_g[k] * float(np.sum(d * d * self.w[k]))
        return total

    def grad(self, x: np.ndarray) -> np.ndarray:
        states = self.model.group_state(x)
        out = np.zeros(self.model.nx)
        for k, (est, D) in enumerate(zip(self.estimates(states), self.deltas(states),
                                         strict=True)):
            out -= self.c_g[k] * D.T @ (self.w[k] * (self.obs[k] - est))
        return out

    def info(self, x: np.ndarray) -> np.ndarray:
        """lavaan's expected information ``sum_g f_g Delta' W Delta``."""
        states = self.model.group_state(x)
        out = np.zeros((self.model.nx, self.model.nx))
        for k, D in enumerate(self.deltas(states)):
            out += self.f_g[k] * D.T @ (self.w[k][:, None] * D)
        return out

    def chisq(self, x: np.ndarray) -> tuple[float, list[float]]:
        states = self.model.group_state(x)
        per = []
        for k, est in enumerate(self.estimates(states)):
            d = self.obs[k] - est
            per.append((self.stats[k].n - 1) * float(np.sum(d * d * self.w[k])))
        return sum(per), per


def scaled_shifted(deltas: list[np.ndarray], w: list[np.ndarray], gammas: list[np.ndarray],
                   f_g: np.ndarray, df: int, E_inv: np.ndarray) -> dict[str, float]:
    """tr(U Gamma), tr((U Gamma)^2) and the scaled-shifted constants (lavaan 'original')."""
    V = _bdiag([f * np.diag(wg) for f, wg in zip(f_g, w, strict=True)])
    G = _bdiag([gm / f for f, gm in zip(f_g, gammas, strict=True)])
    D = np.vstack(deltas)
    VD = V @ D
    U = V - VD @ E_inv @ VD.T
    UG = U @ G
    tr1 = float(np.sum(U * G))
    tr2 = float(np.sum(UG * UG.T))
    a = math.sqrt(df / tr2) if tr2 > 0 and df > 0 else math.nan
    return {"trace_ugamma": tr1, "trace_ugamma2": tr2, "a": a,
            "scaling_factor": 1 / a if a > 0 else math.nan,
            "shift": df - a * tr1}


def _bdiag(blocks: list[np.ndarray]) -> np.ndarray:
    n = sum(b.shape[0] for b in blocks)
    m = sum(b.shape[1] for b in blocks)
    out = np.zeros((n, m))
    r = c = 0
    for b in blocks:
        out[r:r + b.shape[0], c:c + b.shape[1]] = b
        r += b.shape[0]
        c += b.shape[1]
    return out


def _codes(frames: list[pd.DataFrame], ov: list[str]) -> tuple[list[np.ndarray], list[int]]:
    levels = []
    for v in ov:
        vals = np.concatenate([f[v].to_numpy(dtype=float) for f in frames])
        if np.any(vals != np.round(vals)):
            raise InputError(f"Item {v!r} has non-integer values; WLSMV needs ordered "
                             "categories. Use estimator 'ML' or 'MLR' for continuous scores.")
        lev = np.unique(vals)
        if len(lev) < 2:
            raise InputError(f"Item {v!r} has a single category; it carries no information. "
                             "Drop it from the model.")
        levels.append(lev)
    codes = []
    for f in frames:
        x = f[ov].to_numpy(dtype=float)
        c = np.column_stack([np.searchsorted(levels[j], x[:, j]) for j in range(len(ov))])
        codes.append(c.astype(int))
    return codes, [len(lev) for lev in levels]


def fit_wlsmv(data: pd.DataFrame, model: str, statements, ov: list[str], *,
              group: str | None, group_equal: Sequence[str], group_partial: Sequence[str],
              ordered: bool | Sequence[str] | None, std_lv: bool, orthogonal: bool,
              options: dict[str, Any]) -> CFAResult:
    """Fit by WLSMV; see the module docstring. Called by :func:`lospw.analysis.cfa.fit_cfa`."""
    from lospw.analysis.cfa.engine import State, _assemble, _groups_from_data

    if ordered not in (None, True):
        if ordered is False:
            raise InputError("WLSMV is for ordered items; with ordered=False use estimator "
                             "'ML' or 'MLR'.")
        bad = [v for v in ov if v not in set(ordered)]
        if bad:
            raise InputError(f"WLSMV here needs every model item ordered; not ordered: "
                             f"{', '.join(bad[:10])}. Add them to 'ordered' or use 'MLR'.")
    groups, excluded = _groups_from_data(data, ov, group, "listwise")
    small = [g.label or "the data" for g in groups if g.n < 2]
    if small:
        raise InputError(f"Too few complete cases in {', '.join(small)} for WLSMV.")
    frames = [pd.DataFrame(g.x, columns=ov) for g in groups]
    codes, ncat = _codes(frames, ov)
    stats = [ordinal_stats(c, ncat, ov, g.label) for c, g in zip(codes, groups, strict=True)]
    pt = build_partable(statements, ngroups=len(groups), std_lv=std_lv, meanstructure=True,
                        orthogonal=orthogonal, ordered={v: k - 1 for v, k in zip(ov, ncat,
                                                                                strict=True)},
                        group_equal=group_equal, group_partial=group_partial,
                        parameterization=options.get("parameterization", "delta"))
    if set(pt.ordered) != set(ov):
        raise InputError("WLSMV needs every observed variable of the model to be an indicator.")
    m = Model(pt)
    # the engine's group moments for WLSMV: correlations of y*, zero means
    ggroups = [GroupData(g.label, g.n, np.zeros(len(ov)), s.cor, g.x, (), g.index, g.n_dropped)
               for g, s in zip(groups, stats, strict=True)]
    obj = DWLSObjective(m, stats)
    x0 = start_values(m, ggroups, thresholds=[s.th for s in stats])
    opt = scoring(obj.f, obj.grad, obj.info, x0, grad_tol=1e-9)
    warnings: list[FitWarning] = []
    nmom = sum(len(s.wls_obs) for s in stats)
    if pt.npar > nmom:
        warnings.append(FitWarning("not_identified", f"the model has more free parameters "
                                   f"({pt.npar}) than sample statistics ({nmom}): df < 0"))
    if not opt.converged:
        warnings.append(FitWarning("not_converged", f"the optimizer did not converge "
                                   f"({opt.message}); estimates are not a solution"))
    state = State(pt, m, ggroups, opt.x, obj, True, "WLSMV", False, None, None, obj.ntotal,
                  {"stats": stats, "fit_fn": _fit_wlsmv})
    states = m.group_state(opt.x)
    deltas = obj.deltas(states)
    E = obj.info(opt.x)
    try:
        E_inv = np.linalg.inv(E)
        ev = np.linalg.eigvalsh(E)
        if ev.min() <= 1e-10 * max(ev.max(), 1.0):
            raise np.linalg.LinAlgError
        meat = sum(f * D.T @ (w[:, None] * s.gamma * w[None, :]) @ D
                   for f, D, w, s in zip(obj.f_g, deltas, obj.w, stats, strict=True))
        G = len(groups)
        state.vcov = E_inv @ meat @ E_inv / (obj.ntotal - G)
        state.info = E
        state.extra["E_inv"] = E_inv
    except np.linalg.LinAlgError:
        warnings.append(FitWarning("se_failed", "the information matrix could not be inverted; "
                                   "the model may not be identified (no standard errors)"))
    state.extra["deltas"] = deltas
    return _assemble(state, opt, warnings, excluded, model, dict(options, ordered=tuple(ov)),
                     {})


def _fit_wlsmv(state: Any, states) -> dict[str, float]:
    """The fit measures of a WLSMV fit (lavaan's names for its categorical fit)."""
    obj: DWLSObjective = state.objective
    stats: list[OrdinalStats] = state.extra["stats"]
    G = len(stats)
    N = obj.ntotal
    Nm = N - G
    npar = state.pt.npar
    nmom = sum(len(s.wls_obs) for s in stats)
    df = nmom - npar
    chisq, _ = obj.chisq(state.x)
    out: dict[str, float] = {"npar": float(npar), "fmin": chisq / (2 * N), "chisq": chisq,
                             "df": float(df), "pvalue": F.chisq_pvalue(chisq, df)}
    E_inv = state.extra.get("E_inv")
    gammas = [s.gamma for s in stats]
    nan = math.nan
    if E_inv is not None and df > 0:
        ss = scaled_shifted(state.extra["deltas"], obj.w, gammas, obj.f_g, df, E_inv)
        xs = ss["a"] * chisq + ss["shift"]
        c = ss["scaling_factor"]
    else:
        ss, xs, c = {"shift": nan}, nan, nan
    state.extra["scaled_shifted"] = ss
    out.update({"chisq_scaled": xs, "df_scaled": float(df),
                "pvalue_scaled": F.chisq_pvalue(xs, df), "chisq_scaling_factor": c})
    # baseline: thresholds free, correlations zero
    npair = len(obj.rows)
    x2_null = sum((s.n - 1) * float(np.sum(s.cor[obj.rows, obj.cols] ** 2
                                           * w[len(s.th):]))
                  for s, w in zip(stats, obj.w, strict=True))
    df_null = G * npair
    d0 = []
    for s in stats:
        nth = len(s.th)
        d0.append(np.vstack([np.eye(nth), np.zeros((npair, nth))]))
    d0_all = _bdiag(d0)
    sizes = [len(s.wls_obs) for s in stats]
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    d0_groups = [d0_all[st:st + sz] for st, sz in zip(starts, sizes, strict=True)]
    E0 = sum(f * D.T @ (w[:, None] * D)
             for f, D, w in zip(obj.f_g, d0_groups, obj.w, strict=True))
    ss0 = scaled_shifted(d0_groups, obj.w, gammas, obj.f_g, df_null, np.linalg.inv(E0))
    x2_null_s = ss0["a"] * x2_null + ss0["shift"]
    c0 = ss0["scaling_factor"]
    out.update({"baseline_chisq": x2_null, "baseline_df": float(df_null),
                "baseline_pvalue": F.chisq_pvalue(x2_null, df_null),
                "baseline_chisq_scaled": x2_null_s, "baseline_df_scaled": float(df_null),
                "baseline_pvalue_scaled": F.chisq_pvalue(x2_null_s, df_null),
                "baseline_chisq_scaling_factor": c0})
    out.update({"cfi": F.cfi(chisq, df, x2_null, df_null),
                "tli": F.tli(chisq, df, x2_null, df_null),
                "cfi_scaled": F.cfi(xs, df, x2_null_s, df_null),
                "tli_scaled": F.tli(xs, df, x2_null_s, df_null)})
    out.update({"nnfi": out["tli"], "rfi": F.rfi(chisq, df, x2_null, df_null),
                "nfi": F.nfi(chisq, df, x2_null, df_null),
                "pnfi": F.pnfi(chisq, df, x2_null, df_null),
                "ifi": F.ifi(chisq, df, x2_null, df_null),
                "rni": F.rni(chisq, df, x2_null, df_null),
                "nnfi_scaled": out["tli_scaled"], "rfi_scaled": F.rfi(xs, df, x2_null_s, df_null),
                "nfi_scaled": F.nfi(xs, df, x2_null_s, df_null),
                "pnfi_scaled": F.pnfi(xs, df, x2_null_s, df_null),
                "ifi_scaled": F.ifi(xs, df, x2_null_s, df_null),
                "rni_scaled": F.rni(xs, df, x2_null_s, df_null)})
    lo, hi = F.rmsea_ci(chisq, df, Nm, G)
    lo_s, hi_s = F.rmsea_ci(xs, df, Nm, G)
    out.update({"rmsea": F.rmsea(chisq, df, Nm, G), "rmsea_ci_lower": lo, "rmsea_ci_upper": hi,
                "rmsea_ci_level": 0.90, "rmsea_pvalue": F.rmsea_pvalue(chisq, df, Nm, G),
                "rmsea_close_h0": 0.05,
                "rmsea_notclose_pvalue": F.rmsea_pvalue(chisq, df, Nm, G, h0=0.08, close=False),
                "rmsea_notclose_h0": 0.08,
                "rmsea_scaled": F.rmsea(xs, df, Nm, G), "rmsea_ci_lower_scaled": lo_s,
                "rmsea_ci_upper_scaled": hi_s,
                "rmsea_pvalue_scaled": F.rmsea_pvalue(xs, df, Nm, G),
                "rmsea_notclose_pvalue_scaled": F.rmsea_pvalue(xs, df, Nm, G, h0=0.08,
                                                               close=False)})
    out.update(_robust(state, states, df, df_null, Nm))
    parts: dict[str, float] = {}
    for s, (_, imp) in zip(stats, states, strict=True):
        r = s.cor[obj.rows, obj.cols] - imp.sigma[obj.rows, obj.cols]
        t = s.th - imp.th
        p = s.cor.shape[0]
        ss_r, ss_t = float(np.sum(r**2)), float(np.sum(t**2))
        vals = {"srmr_bentler_nomean": math.sqrt(ss_r / (npair + p)),
                "srmr_bentler": math.sqrt((ss_r + ss_t) / (npair + len(t) + p)),
                "crmr_nomean": math.sqrt(ss_r / npair),
                "crmr": math.sqrt((ss_r + ss_t) / (npair + len(t)))}
        for k, v in vals.items():
            parts[k] = parts.get(k, 0.0) + s.n / N * v
    out.update({"rmr": parts["srmr_bentler"], "rmr_nomean": parts["srmr_bentler_nomean"],
                "srmr": parts["srmr_bentler_nomean"], "srmr_bentler": parts["srmr_bentler"],
                "srmr_bentler_nomean": parts["srmr_bentler_nomean"], "crmr": parts["crmr"],
                "crmr_nomean": parts["crmr_nomean"]})
    out.update({"cn_05": F.cn(chisq, df, Nm, 0.05), "cn_01": F.cn(chisq, df, Nm, 0.01),
                "mfi": F.mfi(chisq, df, Nm),
                "wrmr": F.wrmr(chisq, len(stats[0].wls_obs))})
    return {k: out[k] for k in F.FIT_MEASURES if k in out}


def _robust(state: Any, states, df: int, df_null: int, n: float) -> dict[str, float]:
    """lavaan's robust CFI/TLI/RMSEA for categorical data (Savalei, 2021; catML)."""
    obj: DWLSObjective = state.objective
    stats: list[OrdinalStats] = state.extra["stats"]
    t = state.pt.table
    x = t["x"].to_numpy()
    keep = (x >= 0) & ~t["op"].isin(["|", "~1"]).to_numpy()
    npar3 = len(np.unique(x[keep]))
    nth = [len(s.th) for s in stats]
    cm = catml_correction(
        [s.cor for s in stats], [imp.sigma for _, imp in states],
        [s.gamma[k:, k:] for s, k in zip(stats, nth, strict=True)],
        [w[k:] for w, k in zip(obj.w, nth, strict=True)],
        [d[k:] for d, k in zip(state.extra["deltas"], nth, strict=True)],
        state.extra.get("E_inv"), [s.n for s in stats], npar3)
    G = len(stats)
    x3, df3, c3, xs3 = cm.x3, cm.df3, cm.c3, cm.x3_scaled
    lo, hi = F.rmsea_ci(xs3, df3, n, G, c_hat=c3)
    tli = F.tli(x3, df, cm.x3_null, df_null, c3, cm.c3_null)
    return {"cfi_robust": F.cfi(x3, df, cm.x3_null, df_null, c3, cm.c3_null),
            "tli_robust": tli, "nnfi_robust": tli,
            "rni_robust": F.rni(x3, df, cm.x3_null, df_null, c3, cm.c3_null),
            "rmsea_robust": F.rmsea(x3, df3, n, G, c_hat=c3),
            "rmsea_ci_lower_robust": lo, "rmsea_ci_upper_robust": hi,
            "rmsea_pvalue_robust": F.rmsea_pvalue(xs3, df3, n, G, c_hat=c3),
            "rmsea_notclose_pvalue_robust": F.rmsea_pvalue(xs3, df3, n, G, c_hat=c3, h0=0.08,
                                                           close=False)}
