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

from lospw.analysis.cfa.assemble import Estimation, groups_from_data
from lospw.analysis.cfa.data import GroupData
from lospw.analysis.cfa.information import vcov_warnings
from lospw.analysis.cfa.model import Model
from lospw.analysis.cfa.optimizer import scoring
from lospw.analysis.cfa.ordinal import OrdinalStats, lower_triangle, ordinal_stats
from lospw.analysis.cfa.partable import build_partable
from lospw.analysis.cfa.start import start_values
from lospw.analysis.cfa.state import FitState
from lospw.analysis.cfa.syntax import Statement
from lospw.analysis.core.degenerate import DegenerateDataError
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.warnings import Note

__all__ = ["DWLSObjective", "block_diagonal", "estimate_wlsmv", "scaled_shifted"]


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
        self.rows, self.cols = lower_triangle(p)

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
    V = block_diagonal([f * np.diag(wg) for f, wg in zip(f_g, w, strict=True)])
    G = block_diagonal([gm / f for f, gm in zip(f_g, gammas, strict=True)])
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


def block_diagonal(blocks: list[np.ndarray]) -> np.ndarray:
    """The block-diagonal matrix of ``blocks`` (zeros elsewhere)."""
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
        vals = vals[~np.isnan(vals)]
        if np.any(vals != np.round(vals)):
            raise InputError(f"Item {v!r} has non-integer values; WLSMV needs ordered "
                             "categories. Use estimator 'ML' or 'MLR' for continuous scores.")
        lev = np.unique(vals)
        if len(lev) < 2:
            raise DegenerateDataError("zero_variance_item",
                                      f"Item {v!r} has a single category; it carries no "
                                      "information. Drop it from the model.")
        levels.append(lev)
    codes = []
    for f in frames:
        x = f[ov].to_numpy(dtype=float)
        c = np.column_stack([np.where(np.isnan(x[:, j]), -1,
                                      np.searchsorted(levels[j], np.nan_to_num(x[:, j])))
                             for j in range(len(ov))])
        codes.append(c.astype(int))   # -1: no answer (missing="pairwise")
    return codes, [len(lev) for lev in levels]


def estimate_wlsmv(data: pd.DataFrame, statements: Sequence[Statement], ov: list[str], *,
                   group: str | None, group_equal: Sequence[str], group_partial: Sequence[str],
                   ordered: bool | Sequence[str] | None, std_lv: bool, orthogonal: bool,
                   options: dict[str, Any]) -> Estimation:
    """Estimate by WLSMV (see the module docstring): the estimates, their robust covariance
    and the warnings; :func:`lospw.analysis.cfa.fit_cfa` adds the fit measures."""
    if ordered not in (None, True):
        if ordered is False:
            raise InputError("WLSMV is for ordered items; with ordered=False use estimator "
                             "'ML' or 'MLR'.")
        bad = [v for v in ov if v not in set(ordered)]
        if bad:
            raise InputError(f"WLSMV here needs every model item ordered; not ordered: "
                             f"{', '.join(bad[:10])}. Add them to 'ordered' or use 'MLR'.")
    pairwise = options.get("missing") == "pairwise"
    # pairwise: every row with an answer (as FIML keeps them); listwise: complete rows
    groups, excluded = groups_from_data(data, ov, group, "fiml" if pairwise else "listwise")
    small = [g.label or "the data" for g in groups if g.n < 2]
    if small:
        raise DegenerateDataError("too_few_rows",
                                  f"Too few complete cases in {', '.join(small)} for WLSMV.")
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
    warnings: list[Note] = []
    nmom = sum(len(s.wls_obs) for s in stats)
    if pt.npar > nmom:
        warnings.append(Note("not_identified", f"the model has more free parameters "
                             f"({pt.npar}) than sample statistics ({nmom}): df < 0"))
    if not opt.converged:
        warnings.append(Note("not_converged", f"the optimizer did not converge "
                             f"({opt.message}); estimates are not a solution"))
    state = FitState(pt, m, ggroups, opt.x, obj, True, "WLSMV", False, None, None, obj.ntotal,
                     stats=stats)
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
        state.e_inv = E_inv
    except np.linalg.LinAlgError:
        warnings.append(Note("se_failed", "the information matrix could not be inverted; "
                             "the model may not be identified (no standard errors)"))
    if opt.converged and state.vcov is not None:   # lavaan judges a converged fit's vcov
        warnings.extend(vcov_warnings(state.vcov, m.x_of_row))
    state.deltas = deltas
    return Estimation(state, opt, warnings, excluded, dict(options, ordered=tuple(ov)))
