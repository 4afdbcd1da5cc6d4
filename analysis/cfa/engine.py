"""fit_cfa: validate the input, estimate, and assemble a :class:`CFAResult`.

The defaults are lavaan 0.6.14's ``cfa()`` defaults for each estimator:

========  ===================  =====================  ======================================
estimator standard errors      information            test statistic
========  ===================  =====================  ======================================
ML        standard             expected (FIML: obs.)  standard
MLR       robust.huber.white   observed               yuan.bentler.mplus
WLSMV     robust.sem           expected               scaled.shifted
========  ===================  =====================  ======================================
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from lospw.analysis.cfa import fit as F
from lospw.analysis.cfa._blas import single_threaded
from lospw.analysis.cfa.data import GroupData, group_from_cov, group_from_frame
from lospw.analysis.cfa.ml import MLObjective, loglik_baseline, loglik_h1
from lospw.analysis.cfa.model import Model
from lospw.analysis.cfa.multistart import (
    StartRecord,
    best_start,
    disagreement,
    n_random_starts,
    start_from_previous,
)
from lospw.analysis.cfa.multistart import random_starts as random_starts_
from lospw.analysis.cfa.partable import GROUP_EQUAL, ParTable, build_partable
from lospw.analysis.cfa.residuals import srmr_parts
from lospw.analysis.cfa.result import PARAMETER_COLUMNS, CFAResult, FitWarning
from lospw.analysis.cfa.standardize import standardize
from lospw.analysis.cfa.start import start_values
from lospw.analysis.cfa.syntax import parse_model, split_levels
from lospw.analysis.cfa.twolevel import fit_cfa_two_level
from lospw.analysis.core.errors import InputError

__all__ = ["ESTIMATORS", "MISSING", "default_estimator", "fit_cfa"]

log = logging.getLogger(__name__)

ESTIMATORS = ("ML", "MLR", "WLSMV")
MISSING = ("listwise", "fiml")
#: items with at most this many categories are treated as ordinal by default
MAX_ORDINAL_CATEGORIES = 7


@dataclass
class State:
    """What local-fit and robust computations need after estimation (internal)."""

    pt: ParTable
    model: Model
    groups: list[GroupData]
    x: np.ndarray
    objective: Any
    meanstructure: bool
    estimator: str
    fiml: bool
    vcov: np.ndarray | None
    info: np.ndarray | None        # information per observation used for the SEs (bread)
    ntotal: int
    extra: dict[str, Any]


def default_estimator(data: pd.DataFrame, variables: Sequence[str]) -> str:
    """lospw's documented default: WLSMV when every item has at most 7 integer categories.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1, 2, 3, 2], "b": [1, 1, 2, 2]})
    >>> default_estimator(df, ["a", "b"])
    'WLSMV'
    >>> default_estimator(df.assign(a=[1.5, 2, 3, 2]), ["a", "b"])
    'ML'
    """
    for v in variables:
        col = pd.to_numeric(data[v], errors="coerce").dropna().to_numpy(dtype=float)
        if len(col) == 0:
            continue
        if np.any(col != np.round(col)) or len(np.unique(col)) > MAX_ORDINAL_CATEGORIES:
            return "ML"
    return "WLSMV"


def _choice(name: str, value: Any, allowed: Sequence[str]) -> str:
    if not isinstance(value, str) or value.upper() not in [a.upper() for a in allowed]:
        raise InputError(f"The {name!r} option must be one of {', '.join(map(repr, allowed))}; "
                         f"got {value!r}.")
    return next(a for a in allowed if a.upper() == value.upper())


def _groups_from_data(data: pd.DataFrame, ov: list[str], group: str | None, missing: str
                      ) -> tuple[list[GroupData], pd.DataFrame]:
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


def _check_data(data: Any, ov: list[str]) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"The data must be a pandas DataFrame; got {type(data).__name__}.")
    missing = [v for v in ov if v not in data.columns]
    if missing:
        raise InputError(f"The model uses {len(missing)} variable(s) not in the data: "
                         f"{', '.join(missing[:10])}. Check the model against the column names.")
    bad = [v for v in ov if not pd.api.types.is_numeric_dtype(data[v])]
    if bad:
        raise InputError(f"Model variable(s) {', '.join(bad[:10])} are not numeric. Recode them "
                         "as numbers (missing as empty).")
    return data


def _moment_groups(sample_cov: Any, sample_nobs: Any, sample_mean: Any, ov: list[str]
                   ) -> list[GroupData]:
    if isinstance(sample_cov, Mapping):
        items = list(sample_cov.items())
        nobs = sample_nobs if isinstance(sample_nobs, Mapping) else None
        means = sample_mean if isinstance(sample_mean, Mapping) else {}
        if nobs is None:
            raise InputError("With one sample_cov per group, give sample_nobs as a mapping "
                             "group -> N too.")
    else:
        items = [("", sample_cov)]
        nobs = {"": sample_nobs}
        means = {"": sample_mean} if sample_mean is not None else {}
    out = []
    for lab, cov in items:
        if not isinstance(cov, pd.DataFrame):
            raise InputError("sample_cov must be a DataFrame (rows and columns named by "
                             f"variable); got {type(cov).__name__}.")
        absent = [v for v in ov if v not in cov.columns or v not in cov.index]
        if absent:
            raise InputError(f"sample_cov lacks model variable(s) {', '.join(absent[:10])}.")
        n = nobs.get(lab)
        if not isinstance(n, (int, np.integer)) or n < 2:
            raise InputError(f"sample_nobs must be an integer of at least 2; got {n!r}.")
        c = cov.loc[ov, ov].to_numpy(dtype=float)
        if not np.allclose(c, c.T):
            raise InputError("sample_cov is not symmetric. Give a covariance matrix.")
        m = means.get(lab)
        m = None if m is None else pd.Series(m)[ov].to_numpy(dtype=float)
        out.append(group_from_cov(c, int(n), str(lab), m))
    return out


@single_threaded
def fit_cfa(data: pd.DataFrame | None, model: str, *, estimator: str | None = None,
            missing: str = "listwise", group: str | None = None,
            group_equal: Sequence[str] = (), group_partial: Sequence[str] = (),
            ordered: bool | Sequence[str] | None = None, std_lv: bool = False,
            orthogonal: bool = False, meanstructure: bool = False,
            parameterization: str = "delta",
            sample_cov: pd.DataFrame | Mapping[str, pd.DataFrame] | None = None,
            sample_nobs: int | Mapping[str, int] | None = None,
            sample_mean: pd.Series | Mapping[str, pd.Series] | None = None,
            start: CFAResult | pd.DataFrame | None = None, random_starts: int | None = None,
            rng: int | np.random.Generator | None = None,
            cluster: str | None = None) -> Any:
    """Fit a confirmatory factor model as lavaan's ``cfa()`` does.

    Parameters
    ----------
    data : DataFrame or None
        Canonical wide frame (one float column per item, NaN missing), plus the group
        column for multi-group models. None when moments are given (``sample_cov``).
    model : str
        lavaan model syntax (see :mod:`lospw.analysis.cfa.syntax`).
    estimator : {"ML", "MLR", "WLSMV"} or None
        None picks lospw's documented default: WLSMV when every model item has at most 7
        integer categories, ML otherwise (:func:`default_estimator`).
    missing : {"listwise", "fiml"}
        FIML (lavaan ``missing = "ml"``) for ML and MLR.
    group : str, optional
        Column defining groups (multi-group CFA); groups in order of first appearance.
    group_equal : sequence of str
        lavaan ``group.equal``: any of ``loadings intercepts means thresholds regressions
        residuals residual.covariances lv.variances lv.covariances``.
    group_partial : sequence of str
        lavaan ``group.partial``, e.g. ``["x3 ~ 1"]``.
    ordered : bool or list of str, optional
        Ordered items (WLSMV). None/True with WLSMV: all model items.
    std_lv : bool
        Identify by unit latent variances instead of marker loadings.
    orthogonal : bool
        Uncorrelated factors (needed for bifactor models).
    meanstructure : bool
        Add intercepts even for one group with complete data.
    parameterization : {"delta", "theta"}
        How ordered items are scaled (WLSMV; lavaan's option): scaling factors as
        parameters (``delta``, lavaan's default) or residual variances (``theta``).
    sample_cov, sample_nobs, sample_mean
        Fit from moments instead of raw data (ML only); ``sample_cov`` has divisor N - 1
        and is rescaled by (N - 1)/N as lavaan does.
    start : CFAResult or DataFrame, optional
        A previous solution (its ``parameters``: ``lhs op rhs group est``) to start from,
        as lavaan's ``start = fit``; tried besides the default start (ML and MLR).
    random_starts : int, optional
        Seeded random starts besides the default one; None: lospw's policy (2 for a
        multi-group or constrained model with at most 200 free parameters, else 0; see
        :mod:`lospw.analysis.cfa.multistart`). The converged start with the lowest ``fmin`` is
        kept; disagreeing starts give the warning ``local_optimum_suspected``.
    rng : int or numpy Generator, optional
        Seed of the random starts (None: 0).
    cluster : str, optional
        Cluster column of a two-level model (lavaan's ``cluster =``; the model has
        ``level: 1`` / ``level: 2`` blocks): fitted by :func:`lospw.analysis.cfa.twolevel.
        fit_twolevel` (ML, listwise or FIML) and returned as a ``TwoLevelResult``.

    Returns
    -------
    CFAResult or TwoLevelResult
        Non-convergence and improper solutions are reported in ``converged`` and
        ``warnings``, never raised.

    Raises
    ------
    InputError
        Bad option, unknown variable, non-numeric data, unsupported syntax.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> f = rng.normal(size=(500, 1))
    >>> df = pd.DataFrame(f @ [[0.8, 0.7, 0.6, 0.5]] + rng.normal(size=(500, 4)) * 0.6,
    ...                   columns=["a", "b", "c", "d"])
    >>> res = fit_cfa(df, "f =~ a + b + c + d", estimator="ML")
    >>> res.converged, res.fit["df"]
    (True, 2.0)
    >>> res.parameters.loc[0, ["lhs", "op", "rhs"]].tolist(), float(res.parameters.est[0])
    (['f', '=~', 'a'], 1.0)
    """
    if not isinstance(model, str):
        raise InputError(f"The model must be lavaan syntax as a string; got "
                         f"{type(model).__name__}.")
    missing = _choice("missing", missing, MISSING)
    if cluster is not None or split_levels(model) is not None:
        return fit_cfa_two_level(data, model, cluster, estimator, missing, group, std_lv,
                                 orthogonal, random_starts, rng)
    for g in group_equal:
        if g not in GROUP_EQUAL:
            raise InputError(f"The 'group_equal' option takes {', '.join(GROUP_EQUAL)}; got "
                             f"{g!r}.")
    if (group_equal or group_partial) and group is None:
        raise InputError("group_equal / group_partial need a 'group' column.")
    statements = parse_model(model)
    ov_guess, _ = _ov_lv(statements)
    if data is None:
        if sample_cov is None:
            raise InputError("Give the data, or sample_cov with sample_nobs.")
        if estimator not in (None, "ML", "ml"):
            raise InputError(f"Fitting from sample_cov supports estimator 'ML' only; got "
                             f"{estimator!r}.")
        estimator = "ML"
        if missing != "listwise":
            raise InputError("missing='fiml' needs raw data, not sample_cov.")
    else:
        _check_data(data, ov_guess)
        from lospw.analysis.core.degenerate import check_item_variance
        check_item_variance(data, [v for v in ov_guess if v in data.columns], stage="CFA",
                            groups=data[group] if group is not None and group in data else None)
    if estimator is None:
        estimator = default_estimator(data, ov_guess)
    estimator = _choice("estimator", estimator, ESTIMATORS)
    if estimator == "WLSMV" and missing == "fiml":
        raise InputError("missing='fiml' is for ML and MLR; WLSMV uses listwise deletion "
                         "(missing='listwise').")
    if ordered not in (None, False) and estimator != "WLSMV":
        raise InputError(f"Ordered items need estimator 'WLSMV' (lavaan has no ML for ordered "
                         f"data); got estimator {estimator!r}.")
    parameterization = _choice("parameterization", parameterization, ("delta", "theta"))
    if parameterization != "delta" and estimator != "WLSMV":
        raise InputError("The theta parameterization is for ordered items (estimator "
                         f"'WLSMV'); got estimator {estimator!r}.")
    options = {"estimator": estimator, "missing": missing, "group": group,
               "group_equal": tuple(group_equal), "group_partial": tuple(group_partial),
               "std_lv": bool(std_lv), "orthogonal": bool(orthogonal)}
    if estimator == "WLSMV":
        from lospw.analysis.cfa.wlsmv import fit_wlsmv
        options["parameterization"] = parameterization
        return fit_wlsmv(data, model, statements, ov_guess, group=group,
                         group_equal=group_equal, group_partial=group_partial,
                         ordered=ordered, std_lv=std_lv, orthogonal=orthogonal,
                         options=options)
    fiml = missing == "fiml"
    if data is not None:
        groups, excluded = _groups_from_data(data, ov_guess, group, missing)
    else:
        groups = _moment_groups(sample_cov, sample_nobs, sample_mean, ov_guess)
        excluded = pd.DataFrame(columns=["row", "reason"])
    small = [g.label or "the data" for g in groups if g.n < 2]
    if small:
        raise InputError(f"Too few complete cases in {', '.join(small)} to fit the model. "
                         "Use missing='fiml' or check the data.")
    broken = [g.label or "the data" for g in groups
              if not (np.isfinite(g.cov).all() and np.isfinite(g.mean).all())]
    if broken:
        raise InputError(f"The sample moments of {', '.join(broken)} could not be estimated "
                         f"(N = {sum(g.n for g in groups)} for {len(ov_guess)} items: too few "
                         "cases for the pattern of missing answers). Use more respondents or "
                         "missing='listwise'.")
    meanstructure = bool(meanstructure or len(groups) > 1 or fiml
                         or (data is None and sample_mean is not None and False))
    pt = build_partable(statements, ngroups=len(groups), std_lv=std_lv,
                        meanstructure=meanstructure, orthogonal=orthogonal,
                        group_equal=group_equal, group_partial=group_partial)
    meanstructure = pt.meanstructure
    if pt.npar == 0:
        raise InputError("The model has no free parameters, so there is nothing to estimate "
                         "(e.g. a single indicator with a fixed loading and std_lv). Free a "
                         "loading or a variance.")
    m = Model(pt)
    obj = MLObjective(m, groups, fiml=fiml, meanstructure=meanstructure)
    opt, starts, seed = _optimise(pt, m, obj, groups, start, random_starts, rng)
    if len(starts) > 1:
        options.update(random_starts=sum(s.label.startswith("random") for s in starts),
                       seed=seed)
    state = State(pt, m, groups, opt.x, obj, meanstructure, estimator, fiml, None, None,
                  obj.ntotal, {})
    warnings: list[FitWarning] = []
    p = len(pt.ov_names)
    n_moments = len(groups) * (p * (p + 1) // 2 + (p if meanstructure else 0))
    if pt.npar > n_moments:
        warnings.append(FitWarning("not_identified", f"the model has more free parameters "
                                   f"({pt.npar}) than sample moments ({n_moments}): df < 0"))
    if not opt.converged:
        warnings.append(FitWarning("not_converged", f"the optimizer did not converge "
                                   f"({opt.message}); estimates are not a solution"))
    # information and standard errors
    robust = estimator == "MLR"
    vcov = None
    try:
        if fiml or robust:
            info = obj.observed_info(opt.x)     # observed information per observation
        else:
            info = obj.info(opt.x)
    except np.linalg.LinAlgError:           # implied covariance not positive definite
        info = np.full((m.nx, m.nx), np.nan)
    try:
        if _singular(info):
            raise np.linalg.LinAlgError
        bread = np.linalg.inv(info)
        vcov = bread / obj.ntotal
    except np.linalg.LinAlgError:
        warnings.append(FitWarning("se_failed", "the information matrix could not be inverted; "
                                   "the model may not be identified (no standard errors)"))
    state.vcov, state.info = vcov, info
    test: dict[str, Any] = {}
    if robust and vcov is not None:
        from lospw.analysis.cfa.robust import mlr_corrections
        try:
            vcov, test = mlr_corrections(state)
            state.vcov = vcov
        except (np.linalg.LinAlgError, ValueError) as exc:
            warnings.append(FitWarning("robust_failed", f"robust corrections failed: {exc}"))
    res = _assemble(state, opt, warnings, excluded, model, options, test)
    fmin = res.fit.get("fmin", math.nan)
    if np.isfinite(fmin):  # FIML minimises -logL / N: report every start on fmin's scale
        starts = tuple(replace(s, fmin=s.fmin - opt.fx + fmin) for s in starts)
    disagree = disagreement(starts)
    extra = (FitWarning("local_optimum_suspected", disagree),) if disagree else ()
    return replace(res, starts=starts, warnings=res.warnings + extra)


def _optimise(pt: ParTable, m: Model, obj: MLObjective, groups: list[GroupData],
              start: Any, random_starts: int | None, rng: Any
              ) -> tuple[Any, tuple[StartRecord, ...], int]:
    """Optimise from the starts of lospw's multi-start policy (:mod:`.multistart`)."""
    x0 = start_values(m, groups)
    candidates: list[tuple[str, np.ndarray]] = []
    if start is not None:
        table = start.parameters if isinstance(start, CFAResult) else start
        if not isinstance(table, pd.DataFrame):
            raise InputError(f"The 'start' option must be a CFAResult or its parameters "
                             f"table; got {type(start).__name__}.")
        candidates.append(("previous", start_from_previous(pt, table, x0)))
    candidates.append(("default", x0))
    n_random = n_random_starts(pt, random_starts)
    if n_random < 0:
        raise InputError(f"The 'random_starts' option must be 0 or more; got {random_starts}.")
    if isinstance(rng, np.random.Generator):
        seed = int(rng.integers(2**31))
    elif rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        seed = int(rng or 0)
    else:
        raise InputError(f"The 'rng' option must be an integer seed or a numpy Generator; got "
                         f"{rng!r}.")
    for k, x in enumerate(random_starts_(pt, x0, n_random, seed, obj.f), start=1):
        candidates.append((f"random {k}", x))
    opt, records = best_start(obj.f, obj.grad, obj.scoring_info, candidates)
    return opt, records, seed


def _singular(info: np.ndarray) -> bool:
    """Whether the information matrix is (numerically) singular, whatever the units.

    The test is made on the matrix scaled to unit diagonal, ``D^-1/2 I D^-1/2``: an
    eigenvalue below ``1e-10`` times the largest means a direction the data do not
    identify. Unscaled, the information of a 1-999 response scale (variances ~ 10^4) is
    tiny and would look singular although lavaan inverts it (issue 17).
    """
    d = np.diag(info)
    if not (np.isfinite(info).all() and (d > 0).all()):
        return True
    s = 1.0 / np.sqrt(d)
    ev = np.linalg.eigvalsh(info * s[:, None] * s[None, :])
    return bool(ev.min() <= 1e-10 * ev.max())


def _min_eig(m: np.ndarray) -> float:
    """The smallest eigenvalue of a symmetric matrix; NaN when it is empty or not finite
    (estimates that overflowed: the fit is reported as not converged, not raised)."""
    if not m.size or not np.isfinite(m).all():
        return math.nan
    return float(np.linalg.eigvalsh(m).min())


def _ov_lv(statements) -> tuple[list[str], list[str]]:
    lv = list(dict.fromkeys(s.lhs for s in statements if s.op == "=~"))
    ov = list(dict.fromkeys(s.rhs for s in statements if s.op == "=~" and s.rhs not in lv))
    return ov, lv


# ---- assembly ------------------------------------------------------------------------------
def _improper(state: State, est: np.ndarray, std_all: np.ndarray, states, warnings) -> None:
    t = state.pt.table
    op, lhs, rhs = t["op"].to_numpy(), t["lhs"].to_numpy(), t["rhs"].to_numpy()
    ordered = set(state.pt.ordered)
    neg = (op == "~~") & (lhs == rhs) & (est < 0) & ~np.isin(lhs, list(ordered))
    for r in np.flatnonzero(neg):
        g = t["group"].iat[r]
        warnings.append(FitWarning("heywood_case", f"negative variance: {lhs[r]} ~~ {rhs[r]} = "
                                   f"{est[r]:.4g}" + (f" (group {g})" if state.pt.ngroups > 1
                                                      else "")))
    big = (op == "=~") & (np.abs(std_all) > 1)
    for r in np.flatnonzero(big):
        warnings.append(FitWarning("heywood_case", f"standardized loading above 1: {lhs[r]} =~ "
                                   f"{rhs[r]} = {std_all[r]:.4g}"))
    for gi, (_M, imp) in enumerate(states):
        tag = f" (group {gi + 1})" if state.pt.ngroups > 1 else ""
        if _min_eig(imp.veta) < -1e-10:
            warnings.append(FitWarning("nonpositive_definite",
                                       "the latent covariance matrix is not positive definite"
                                       + tag))
        if _min_eig(imp.sigma) <= 0:
            warnings.append(FitWarning("nonpositive_definite",
                                       "the model-implied covariance matrix is not positive "
                                       "definite" + tag))
    for g in state.groups:
        if np.linalg.eigvalsh(g.cov).min() <= 1e-12 * max(1.0, np.abs(g.cov).max()):
            warnings.append(FitWarning("nonpositive_definite",
                                       "the sample covariance matrix is not positive definite"
                                       + (f" (group {g.label})" if g.label else "")))


def _fit_measures_ml(state: State, chisq: float, df: int, x2_null: float, df_null: int,
                     logl: float, logl_h1: float, states, test: dict[str, Any]) -> dict:
    N = state.ntotal
    G = len(state.groups)
    npar = state.pt.npar
    out: dict[str, float] = {"npar": float(npar), "fmin": chisq / (2 * N), "chisq": chisq,
                             "df": float(df), "pvalue": F.chisq_pvalue(chisq, df)}
    scaled = bool(test)
    if scaled and "chisq_scaled" not in test:
        test = dict(test, chisq_scaled=chisq / test["scaling_factor"],
                    baseline_chisq_scaled=x2_null / test["baseline_scaling_factor"])
    if scaled:
        out.update({"chisq_scaled": test["chisq_scaled"], "df_scaled": float(df),
                    "pvalue_scaled": F.chisq_pvalue(test["chisq_scaled"], df),
                    "chisq_scaling_factor": test["scaling_factor"]})
    out.update({"baseline_chisq": x2_null, "baseline_df": float(df_null),
                "baseline_pvalue": F.chisq_pvalue(x2_null, df_null)})
    if scaled:
        out.update({"baseline_chisq_scaled": test["baseline_chisq_scaled"],
                    "baseline_df_scaled": float(df_null),
                    "baseline_pvalue_scaled": F.chisq_pvalue(test["baseline_chisq_scaled"],
                                                             df_null),
                    "baseline_chisq_scaling_factor": test["baseline_scaling_factor"]})
    out["cfi"] = F.cfi(chisq, df, x2_null, df_null)
    out["tli"] = F.tli(chisq, df, x2_null, df_null)
    if scaled:
        xs, xs0 = test["chisq_scaled"], test["baseline_chisq_scaled"]
        c, c0 = test["scaling_factor"], test["baseline_scaling_factor"]
        out["cfi_scaled"] = F.cfi(xs, df, xs0, df_null)
        out["tli_scaled"] = F.tli(xs, df, xs0, df_null)
        out["cfi_robust"] = F.cfi(chisq, df, x2_null, df_null, c, c0)
        out["tli_robust"] = F.tli(chisq, df, x2_null, df_null, c, c0)
    out.update({"nnfi": out["tli"], "rfi": F.rfi(chisq, df, x2_null, df_null),
                "nfi": F.nfi(chisq, df, x2_null, df_null),
                "pnfi": F.pnfi(chisq, df, x2_null, df_null),
                "ifi": F.ifi(chisq, df, x2_null, df_null),
                "rni": F.rni(chisq, df, x2_null, df_null)})
    if scaled:
        xs, xs0 = test["chisq_scaled"], test["baseline_chisq_scaled"]
        c, c0 = test["scaling_factor"], test["baseline_scaling_factor"]
        out.update({"nnfi_scaled": out["tli_scaled"], "rfi_scaled": F.rfi(xs, df, xs0, df_null),
                    "nfi_scaled": F.nfi(xs, df, xs0, df_null),
                    "pnfi_scaled": F.pnfi(xs, df, xs0, df_null),
                    "ifi_scaled": F.ifi(xs, df, xs0, df_null),
                    "rni_scaled": F.rni(xs, df, xs0, df_null),
                    "nnfi_robust": out["tli_robust"],
                    "rni_robust": F.rni(chisq, df, x2_null, df_null, c, c0)})
    if state.fiml:
        _fiml_robust(state, out, chisq, df, x2_null, df_null, scaled)
    out.update({"logl": logl, "unrestricted_logl": logl_h1, "aic": F.aic(logl, npar),
                "bic": F.bic(logl, npar, N), "ntotal": float(N), "bic2": F.bic2(logl, npar, N)})
    if scaled:
        out["scaling_factor_h1"] = test.get("scaling_factor_h1", math.nan)
        out["scaling_factor_h0"] = test.get("scaling_factor_h0", math.nan)
    lo, hi = F.rmsea_ci(chisq, df, N, G)
    out.update({"rmsea": F.rmsea(chisq, df, N, G), "rmsea_ci_lower": lo, "rmsea_ci_upper": hi,
                "rmsea_ci_level": 0.90, "rmsea_pvalue": F.rmsea_pvalue(chisq, df, N, G),
                "rmsea_close_h0": 0.05,
                "rmsea_notclose_pvalue": F.rmsea_pvalue(chisq, df, N, G, h0=0.08, close=False),
                "rmsea_notclose_h0": 0.08})
    if state.fiml and "fiml_c" in state.extra:
        fc = state.extra["fiml_c"]
        x3, c3, xs3 = fc["XX3"], fc["c_hat"], fc["XX3_scaled"]
        lo_r, hi_r = F.rmsea_ci(xs3, fc["df3"], N, G, c_hat=c3)
        out.update({"rmsea_robust": F.rmsea(x3, fc["df3"], N, G, c_hat=c3),
                    "rmsea_ci_lower_robust": lo_r, "rmsea_ci_upper_robust": hi_r,
                    "rmsea_pvalue_robust": F.rmsea_pvalue(xs3, fc["df3"], N, G, c_hat=c3),
                    "rmsea_notclose_pvalue_robust": F.rmsea_pvalue(xs3, fc["df3"], N, G,
                                                                   c_hat=c3, h0=0.08,
                                                                   close=False)})
    if scaled:
        c = test["scaling_factor"]
        xs = test["chisq_scaled"]
        df2 = test["trace_ugamma"]
        lo_s, hi_s = F.rmsea_ci(chisq, df2, N, G)
        out.update({"rmsea_scaled": F.rmsea(chisq, df2, N, G), "rmsea_ci_lower_scaled": lo_s,
                    "rmsea_ci_upper_scaled": hi_s,
                    "rmsea_pvalue_scaled": F.rmsea_pvalue(chisq, df2, N, G),
                    "rmsea_notclose_pvalue_scaled": F.rmsea_pvalue(chisq, df2, N, G, h0=0.08,
                                                                   close=False)})
        if not state.fiml:
            lo_r, hi_r = F.rmsea_ci(xs, df, N, G, c_hat=c)
            out.update({"rmsea_robust": F.rmsea(chisq, df, N, G, c_hat=c),
                        "rmsea_ci_lower_robust": lo_r, "rmsea_ci_upper_robust": hi_r,
                        "rmsea_pvalue_robust": F.rmsea_pvalue(xs, df, N, G, c_hat=c),
                        "rmsea_notclose_pvalue_robust": F.rmsea_pvalue(
                            xs, df, N, G, c_hat=c, h0=0.08, close=False)})
    # (S)RMR: per group, weighted by n_g / N
    parts: dict[str, float] = {}
    for g, (_, imp) in zip(state.groups, states, strict=True):
        sp = srmr_parts(g.cov, imp.sigma, g.mean, imp.mu, state.meanstructure)
        for k, v in sp.items():
            parts[k] = parts.get(k, 0.0) + g.n / N * v
    out.update({"rmr": parts["rmr"], "rmr_nomean": parts["rmr_nomean"],
                "srmr": parts["srmr_bentler"], "srmr_bentler": parts["srmr_bentler"],
                "srmr_bentler_nomean": parts["srmr_bentler_nomean"], "crmr": parts["crmr"],
                "crmr_nomean": parts["crmr_nomean"], "srmr_mplus": parts["srmr_mplus"],
                "srmr_mplus_nomean": parts["srmr_mplus_nomean"]})
    out.update({"cn_05": F.cn(chisq, df, N, 0.05), "cn_01": F.cn(chisq, df, N, 0.01),
                "mfi": F.mfi(chisq, df, N), "ecvi": F.ecvi(chisq, npar, N)})
    return {k: out[k] for k in F.FIT_MEASURES if k in out}


def _fiml_robust(state: State, out: dict, chisq: float, df: int, x2_null: float,
                 df_null: int, scaled: bool) -> None:
    """lavaan's FIML-corrected cfi/tli/rni.robust (V3 with MLR, V6 with ML)."""
    from lospw.analysis.cfa.robust import fiml_corrected
    try:
        fc = fiml_corrected(state, "V3" if scaled else "V6")
    except (np.linalg.LinAlgError, ValueError):
        fc = {k: math.nan for k in ("XX3", "df3", "c_hat", "XX3_scaled", "XX3_null",
                                    "df3_null", "c_hat_null")}
    state.extra["fiml_c"] = fc
    x3, c3, x30, c30 = fc["XX3"], fc["c_hat"], fc["XX3_null"], fc["c_hat_null"]
    out["cfi_robust"] = F.cfi(x3, df, x30, df_null, c3, c30)
    out["tli_robust"] = F.tli(x3, df, x30, df_null, c3, c30)
    out["nnfi_robust"] = out["tli_robust"]
    out["rni_robust"] = F.rni(x3, df, x30, df_null, c3, c30)


def _assemble(state: State, opt, warnings: list[FitWarning], excluded: pd.DataFrame,
              model_text: str, options: dict, test: dict) -> CFAResult:
    pt, m, groups = state.pt, state.model, state.groups
    t = pt.table
    x = state.x
    states = m.group_state(x)
    est = m.row_values(x)
    # computed residual variances of ordered variables (delta parameterization)
    for gm, (M, imp) in zip(m.groups, states, strict=True):
        if len(gm.theta_ord_rows):
            common = M["lambda"] @ imp.veta @ M["lambda"].T
            for k in gm.theta_ord_rows:
                i = gm.ri[k]
                est[gm.rows[k]] = 1.0 / M["delta"][i] ** 2 - common[i, i]
    xr = m.x_of_row
    se = np.zeros(len(t))
    if state.vcov is not None:
        d = np.sqrt(np.clip(np.diag(state.vcov), 0, None))
        se[xr >= 0] = d[xr[xr >= 0]]
    else:
        se[xr >= 0] = np.nan
    if not opt.converged:
        se[xr >= 0] = np.nan
    free = xr >= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(free & (se > 0), est / se, np.nan)
    pval = np.where(np.isfinite(z), 2 * stats.norm.sf(np.abs(z)), np.nan)
    zc = stats.norm.ppf(0.975)
    ci_lo = np.where(free, est - zc * se, est)
    ci_hi = np.where(free, est + zc * se, est)
    veta = [imp.veta for _, imp in states]
    # lavaan's computeVY: the variances of y* before the delta scaling
    sigma = [imp.sigma / np.outer(imp.delta, imp.delta) for _, imp in states]
    std_lv, std_all = standardize(t, est, list(pt.lv_names), list(pt.ov_names), veta, sigma)
    params = pd.DataFrame({
        "lhs": t["lhs"], "op": t["op"], "rhs": t["rhs"], "group": t["group"],
        "label": t["label"], "free": t["free"], "est": est, "se": se, "z": z, "pvalue": pval,
        "ci_lower": ci_lo, "ci_upper": ci_hi, "std_lv": std_lv, "std_all": std_all,
    })[list(PARAMETER_COLUMNS)]
    _improper(state, est, std_all, states, warnings)
    labels = tuple(g.label for g in groups)
    implied, sample = {}, {}
    names = list(pt.ov_names)
    for g, (_, imp) in zip(groups, states, strict=True):
        implied[g.label] = {"cov": pd.DataFrame(imp.sigma, index=names, columns=names),
                            "mean": pd.Series(imp.mu, index=names)}
        sample[g.label] = {"cov": pd.DataFrame(g.cov, index=names, columns=names),
                           "mean": pd.Series(g.mean, index=names)}
    if state.estimator == "WLSMV":
        fit = state.extra["fit_fn"](state, states)
    else:
        fit = _ml_fit(state, states, test)
    chisq = fit.get("chisq", math.nan)
    if opt.converged and not chisq >= -1e-6 * max(1.0, state.ntotal):
        # a negative or missing chi-square from a converged fit: sample statistics too
        # degenerate for the model (e.g. N = 5); its fit measures would be meaningless
        warnings.append(FitWarning("numerical_problem", f"the chi-square statistic is "
                                   f"{chisq:.4g} with N = {int(state.ntotal)}: the sample "
                                   "statistics cannot support this model; no fit measures"))
    if not opt.converged or any(w.code == "numerical_problem" for w in warnings):
        fit = {k: (v if k in ("npar", "df", "ntotal", "baseline_df") else math.nan)
               for k, v in fit.items()}
    n_per = {g.label: g.n for g in groups}
    if len(excluded):
        warnings.insert(0, FitWarning("rows_dropped", f"{len(excluded)} row(s) not analysed "
                                      "(see 'excluded')"))
    return CFAResult(model=model_text, estimator=state.estimator,
                     missing="fiml" if state.fiml else "listwise", converged=opt.converged,
                     fit=fit, parameters=params, n_obs=int(state.ntotal),
                     n_obs_per_group=n_per, group_labels=labels, warnings=tuple(warnings),
                     implied=implied, sample=sample, excluded=excluded, options=options,
                     iterations=opt.iterations, _state=state)


def _ml_fit(state: State, states, test: dict) -> dict[str, float]:
    obj: MLObjective = state.objective
    groups = state.groups
    p = len(state.pt.ov_names)
    G = len(groups)
    ms = state.meanstructure
    n_moments = G * (p * (p + 1) // 2 + (p if ms else 0))
    df = n_moments - state.pt.npar
    logl = obj.loglik(state.x)
    logl_h1 = loglik_h1(groups, state.fiml)
    chisq = max(2 * (logl_h1 - logl), 0.0) if state.fiml else \
        2 * obj.ntotal * obj.f(state.x)
    logl0 = loglik_baseline(groups, state.fiml)
    x2_null = 2 * (logl_h1 - logl0)
    df_null = G * (p * (p - 1) // 2)
    return _fit_measures_ml(state, chisq, df, x2_null, df_null, logl, logl_h1, states, test)
