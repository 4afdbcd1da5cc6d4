"""From estimates to a :class:`~lospw.analysis.cfa.result.CFAResult`: the groups' data, the
parameter table (estimates, standard errors, the standardized solution), the checks for an
improper solution (lavaan's ``post.check``) and the result itself.

Shared by every estimator (:mod:`.engine` for ML / MLR, :mod:`.wlsmv` for WLSMV).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.cfa.data import GroupData, group_from_frame
from lospw.analysis.cfa.multistart import StartRecord
from lospw.analysis.cfa.optimizer import OptResult
from lospw.analysis.cfa.result import PARAMETER_COLUMNS, CFAResult
from lospw.analysis.cfa.standardize import standardize
from lospw.analysis.cfa.state import FitState, GroupStates
from lospw.analysis.core.distributions import norm_ppf, norm_sf
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.warnings import Note

__all__ = ["Estimation", "cfa_result", "groups_from_data", "improper_solution",
           "parameter_table"]


@dataclass
class Estimation:
    """What an estimator hands over to the result: its state, the optimizer's outcome, the
    warnings so far, the rows left out and the options (plus MLR's robust test and the
    starts of a multi-start fit)."""

    state: FitState
    opt: OptResult
    warnings: list[Note]
    excluded: pd.DataFrame
    options: dict[str, Any]
    test: dict[str, float] = field(default_factory=dict)
    starts: tuple[StartRecord, ...] = ()

def groups_from_data(data: pd.DataFrame, ov: list[str], group: str | None, missing: str
                     ) -> tuple[list[GroupData], pd.DataFrame]:
    """Each group's data (listwise or for FIML), and the rows left out with the reason."""
    excluded = []
    if group is not None:
        if group not in data.columns:
            raise InputError(f"The group column {group!r} is not in the data. Name one of its "
                             "columns.")
        gcol = data[group]
        no_group = gcol.isna()
        for row in data.index[no_group]:
            excluded.append({"row": row, "reason": "missing group"})
        labels = [str(v) for v in pd.unique(gcol[~no_group])]
        if len(labels) < 2:
            raise InputError(f"The group column {group!r} has {len(labels)} group(s); a "
                             "multi-group model needs at least 2.")
        frames = [(lab, data[(gcol.astype(str) == lab) & ~no_group]) for lab in labels]
    else:
        frames = [("", data)]
    groups = []
    for lab, frame in frames:
        g = group_from_frame(frame, ov, lab, missing=missing)
        kept = set(g.index)
        for row in frame.index:
            if row not in kept:
                reason = ("missing value (listwise deletion)" if missing == "listwise"
                          else "no model variable observed")
                excluded.append({"row": row, "reason": reason})
        groups.append(g)
    return groups, pd.DataFrame(excluded, columns=["row", "reason"])


def _min_eig(m: np.ndarray) -> float:
    """The smallest eigenvalue of a symmetric matrix; NaN when it is empty or not finite
    (estimates that overflowed: the fit is reported as not converged, not raised)."""
    if not m.size or not np.isfinite(m).all():
        return math.nan
    return float(np.linalg.eigvalsh(m).min())


def improper_solution(state: FitState, est: np.ndarray, std_all: np.ndarray,
                      states: GroupStates) -> list[Note]:
    """lavaan's ``post.check``: negative variances, standardized loadings above 1 and
    matrices that are not positive definite (latent, implied, sample)."""
    out: list[Note] = []
    t = state.pt.table
    op, lhs, rhs = t["op"].to_numpy(), t["lhs"].to_numpy(), t["rhs"].to_numpy()
    ordered = set(state.pt.ordered)
    neg = (op == "~~") & (lhs == rhs) & (est < 0) & ~np.isin(lhs, list(ordered))
    for r in np.flatnonzero(neg):
        g = t["group"].iat[r]
        out.append(Note("heywood_case", f"negative variance: {lhs[r]} ~~ {rhs[r]} = "
                        f"{est[r]:.4g}" + (f" (group {g})" if state.pt.ngroups > 1
                                           else "")))
    big = (op == "=~") & (np.abs(std_all) > 1)
    for r in np.flatnonzero(big):
        out.append(Note("heywood_case", f"standardized loading above 1: {lhs[r]} =~ "
                        f"{rhs[r]} = {std_all[r]:.4g}"))
    for gi, (_M, imp) in enumerate(states):
        tag = f" (group {gi + 1})" if state.pt.ngroups > 1 else ""
        if _min_eig(imp.veta) < -1e-10:
            out.append(Note("nonpositive_definite",
                            "the latent covariance matrix is not positive definite" + tag))
        if _min_eig(imp.sigma) <= 0:
            out.append(Note("nonpositive_definite",
                            "the model-implied covariance matrix is not positive "
                            "definite" + tag))
    for g in state.groups:
        if np.linalg.eigvalsh(g.cov).min() <= 1e-12 * max(1.0, np.abs(g.cov).max()):
            out.append(Note("nonpositive_definite",
                            "the sample covariance matrix is not positive definite"
                            + (f" (group {g.label})" if g.label else "")))
    return out


def _estimates(state: FitState, states: GroupStates) -> np.ndarray:
    """The value of every row, with the computed residual variances of ordered variables
    (delta parameterization)."""
    m = state.model
    est = m.row_values(state.x)
    for gm, (M, imp) in zip(m.groups, states, strict=True):
        if len(gm.theta_ord_rows):
            common = M["lambda"] @ imp.veta @ M["lambda"].T
            for k in gm.theta_ord_rows:
                i = gm.ri[k]
                est[gm.rows[k]] = 1.0 / M["delta"][i] ** 2 - common[i, i]
    return est


def _standard_errors(state: FitState, converged: bool) -> np.ndarray:
    xr = state.model.x_of_row
    se = np.zeros(len(state.pt.table))
    if state.vcov is not None:
        d = np.sqrt(np.clip(np.diag(state.vcov), 0, None))
        se[xr >= 0] = d[xr[xr >= 0]]
    else:
        se[xr >= 0] = np.nan
    if not converged:
        se[xr >= 0] = np.nan
    return se


def parameter_table(state: FitState, states: GroupStates, opt: OptResult
                    ) -> tuple[pd.DataFrame, list[Note]]:
    """lavaan's ``parameterEstimates(standardized = TRUE)`` (columns
    :data:`~lospw.analysis.cfa.result.PARAMETER_COLUMNS`) and the improper-solution
    warnings."""
    t = state.pt.table
    est = _estimates(state, states)
    se = _standard_errors(state, opt.converged)
    free = state.model.x_of_row >= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(free & (se > 0), est / se, np.nan)
    pval = np.where(np.isfinite(z), 2 * norm_sf(np.abs(z)), np.nan)
    zc = norm_ppf(0.975)
    ci_lo = np.where(free, est - zc * se, est)
    ci_hi = np.where(free, est + zc * se, est)
    veta = [imp.veta for _, imp in states]
    # lavaan's computeVY: the variances of y* before the delta scaling
    sigma = [imp.sigma / np.outer(imp.delta, imp.delta) for _, imp in states]
    std_lv, std_all = standardize(t, est, list(state.pt.lv_names), list(state.pt.ov_names),
                                  veta, sigma)
    params = pd.DataFrame({
        "lhs": t["lhs"], "op": t["op"], "rhs": t["rhs"], "group": t["group"],
        "label": t["label"], "free": t["free"], "est": est, "se": se, "z": z, "pvalue": pval,
        "ci_lower": ci_lo, "ci_upper": ci_hi, "std_lv": std_lv, "std_all": std_all,
    })[list(PARAMETER_COLUMNS)]
    return params, improper_solution(state, est, std_all, states)


def _moments(state: FitState, states: GroupStates
             ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    implied, sample = {}, {}
    names = list(state.pt.ov_names)
    for g, (_, imp) in zip(state.groups, states, strict=True):
        implied[g.label] = {"cov": pd.DataFrame(imp.sigma, index=names, columns=names),
                            "mean": pd.Series(imp.mu, index=names)}
        sample[g.label] = {"cov": pd.DataFrame(g.cov, index=names, columns=names),
                           "mean": pd.Series(g.mean, index=names)}
    return implied, sample


def cfa_result(state: FitState, states: GroupStates, opt: OptResult, params: pd.DataFrame,
               fit: dict[str, float], warnings: list[Note], excluded: pd.DataFrame,
               model_text: str, options: dict[str, Any]) -> CFAResult:
    """The frozen result: fit measures that mean nothing (no convergence, a negative
    chi-square) are NaN, and rows not analysed are announced."""
    chisq = fit.get("chisq", math.nan)
    if opt.converged and not chisq >= -1e-6 * max(1.0, state.ntotal):
        # a negative or missing chi-square from a converged fit: sample statistics too
        # degenerate for the model (e.g. N = 5); its fit measures would be meaningless
        warnings.append(Note("numerical_problem", f"the chi-square statistic is "
                             f"{chisq:.4g} with N = {int(state.ntotal)}: the sample "
                             "statistics cannot support this model; no fit measures"))
    if not opt.converged or any(w.code == "numerical_problem" for w in warnings):
        fit = {k: (v if k in ("npar", "df", "ntotal", "baseline_df") else math.nan)
               for k, v in fit.items()}
    if len(excluded):
        warnings.insert(0, Note("rows_dropped", f"{len(excluded)} row(s) not analysed "
                                "(see 'excluded')"))
    implied, sample = _moments(state, states)
    return CFAResult(model=model_text, estimator=state.estimator,
                     missing=("fiml" if state.fiml else "pairwise"
                              if options.get("missing") == "pairwise" else "listwise"),
                     converged=opt.converged,
                     fit=fit, parameters=params, n_obs=int(state.ntotal),
                     n_obs_per_group={g.label: g.n for g in state.groups},
                     group_labels=tuple(g.label for g in state.groups),
                     warnings=tuple(warnings), implied=implied, sample=sample,
                     excluded=excluded, options=options, iterations=opt.iterations,
                     fit_state=state)
