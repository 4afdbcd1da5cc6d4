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

from lospw.analysis.cfa.assemble import Estimation, cfa_result, groups_from_data, parameter_table
from lospw.analysis.cfa.data import GroupData, group_from_cov
from lospw.analysis.cfa.information import singular_information, vcov_warnings
from lospw.analysis.cfa.measures import fit_measures
from lospw.analysis.cfa.ml import MLObjective
from lospw.analysis.cfa.model import Model
from lospw.analysis.cfa.multistart import (
    StartRecord,
    best_start,
    disagreement,
    n_random_starts,
    start_from_previous,
)
from lospw.analysis.cfa.multistart import random_starts as random_starts_
from lospw.analysis.cfa.optimizer import OptResult
from lospw.analysis.cfa.partable import GROUP_EQUAL, ParTable, build_partable
from lospw.analysis.cfa.result import CFAResult
from lospw.analysis.cfa.robust import mlr_corrections
from lospw.analysis.cfa.start import start_values
from lospw.analysis.cfa.state import FitState
from lospw.analysis.cfa.syntax import (
    Statement,
    indicators_and_factors,
    parse_model,
    split_levels,
)
from lospw.analysis.cfa.threads import single_threaded
from lospw.analysis.cfa.twolevel import fit_cfa_two_level
from lospw.analysis.cfa.wlsmv import estimate_wlsmv
from lospw.analysis.core.degenerate import DegenerateDataError, check_item_variance
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.missing import MODEL_MISSING
from lospw.analysis.core.options import ESTIMATORS
from lospw.analysis.core.warnings import Note

__all__ = ["default_estimator", "fit_cfa"]

log = logging.getLogger(__name__)

#: items with at most this many categories are treated as ordinal by default
MAX_ORDINAL_CATEGORIES = 7


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


@dataclass(frozen=True)
class _Checked:
    """The options of one fit after validation."""

    statements: list[Statement]
    ov: list[str]
    estimator: str
    missing: str
    parameterization: str


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
    if cluster is not None or (isinstance(model, str) and split_levels(model) is not None):
        return fit_cfa_two_level(data, model, cluster, estimator,
                                 _choice("missing", missing, MODEL_MISSING), group, std_lv,
                                 orthogonal, random_starts, rng)
    c = _checked(data, model, estimator=estimator, missing=missing, group=group,
                 group_equal=group_equal, group_partial=group_partial, ordered=ordered,
                 parameterization=parameterization, sample_cov=sample_cov)
    options = {"estimator": c.estimator, "missing": c.missing, "group": group,
               "group_equal": tuple(group_equal), "group_partial": tuple(group_partial),
               "std_lv": bool(std_lv), "orthogonal": bool(orthogonal)}
    if c.estimator == "WLSMV":
        options["parameterization"] = c.parameterization
        est = estimate_wlsmv(data, c.statements, c.ov, group=group, group_equal=group_equal,
                             group_partial=group_partial, ordered=ordered, std_lv=std_lv,
                             orthogonal=orthogonal, options=options)
        return _result(est, model)
    groups, excluded = _ml_groups(data, c, group, sample_cov, sample_nobs, sample_mean)
    pt = build_partable(c.statements, ngroups=len(groups), std_lv=std_lv,
                        meanstructure=bool(meanstructure or len(groups) > 1
                                           or c.missing == "fiml"),
                        orthogonal=orthogonal, group_equal=group_equal,
                        group_partial=group_partial)
    if pt.npar == 0:
        raise InputError("The model has no free parameters, so there is nothing to estimate "
                         "(e.g. a single indicator with a fixed loading and std_lv). Free a "
                         "loading or a variance.")
    est = _estimate_ml(pt, groups, excluded, c, options, start, random_starts, rng)
    return _with_starts(_result(est, model), est)


def _checked(data: pd.DataFrame | None, model: Any, *, estimator: str | None, missing: str,
             group: str | None, group_equal: Sequence[str], group_partial: Sequence[str],
             ordered: bool | Sequence[str] | None, parameterization: str,
             sample_cov: Any) -> _Checked:
    """Validate the options and the data against the model (one-line errors)."""
    if not isinstance(model, str):
        raise InputError(f"The model must be lavaan syntax as a string; got "
                         f"{type(model).__name__}.")
    missing = _choice("missing", missing, MODEL_MISSING)
    for g in group_equal:
        if g not in GROUP_EQUAL:
            raise InputError(f"The 'group_equal' option takes {', '.join(GROUP_EQUAL)}; got "
                             f"{g!r}.")
    if (group_equal or group_partial) and group is None:
        raise InputError("group_equal / group_partial need a 'group' column.")
    statements = parse_model(model)
    ov, _ = indicators_and_factors(statements)
    if not ov:
        raise InputError("The model defines no latent variable. Write at least one "
                         "'factor =~ item1 + item2 + ...' line.")
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
        _check_data(data, ov)
        check_item_variance(data, [v for v in ov if v in data.columns], stage="CFA",
                            groups=data[group] if group is not None and group in data else None)
    if estimator is None:
        estimator = default_estimator(data, ov)
    estimator = _choice("estimator", estimator, ESTIMATORS)
    if estimator == "WLSMV" and missing == "fiml":
        raise InputError("missing='fiml' is for ML and MLR; WLSMV uses pairwise "
                         "(missing='pairwise', as lavaan) or listwise deletion.")
    if estimator != "WLSMV" and missing == "pairwise":
        raise InputError(f"missing='pairwise' is for WLSMV (as lavaan); with {estimator} use "
                         "missing='fiml' (every answer) or 'listwise'.")
    if ordered not in (None, False) and estimator != "WLSMV":
        raise InputError(f"Ordered items need estimator 'WLSMV' (lavaan has no ML for ordered "
                         f"data); got estimator {estimator!r}.")
    parameterization = _choice("parameterization", parameterization, ("delta", "theta"))
    if parameterization != "delta" and estimator != "WLSMV":
        raise InputError("The theta parameterization is for ordered items (estimator "
                         f"'WLSMV'); got estimator {estimator!r}.")
    return _Checked(statements, ov, estimator, missing, parameterization)


def _ml_groups(data: pd.DataFrame | None, c: _Checked, group: str | None, sample_cov: Any,
               sample_nobs: Any, sample_mean: Any) -> tuple[list[GroupData], pd.DataFrame]:
    """Each group's data (or moments) for ML / MLR, checked for enough cases."""
    if data is not None:
        groups, excluded = groups_from_data(data, c.ov, group, c.missing)
    else:
        groups = _moment_groups(sample_cov, sample_nobs, sample_mean, c.ov)
        excluded = pd.DataFrame(columns=["row", "reason"])
    small = [g.label or "the data" for g in groups if g.n < 2]
    if small:
        raise DegenerateDataError("too_few_rows",
                                  f"Too few complete cases in {', '.join(small)} to fit the "
                                  "model. Use missing='fiml' or check the data.")
    broken = [g.label or "the data" for g in groups
              if not (np.isfinite(g.cov).all() and np.isfinite(g.mean).all())]
    if broken:
        raise DegenerateDataError(
            "too_few_rows", f"The sample moments of {', '.join(broken)} could not be estimated "
            f"(N = {sum(g.n for g in groups)} for {len(c.ov)} items: too few cases for the "
            "pattern of missing answers). Use more respondents or missing='listwise'.")
    return groups, excluded


def _estimate_ml(pt: ParTable, groups: list[GroupData], excluded: pd.DataFrame, c: _Checked,
                 options: dict[str, Any], start: Any, random_starts: int | None,
                 rng: Any) -> Estimation:
    """ML / MLR (FIML or complete data): optimise from lospw's starts, then the standard
    errors and, for MLR, the robust corrections."""
    fiml = c.missing == "fiml"
    m = Model(pt)
    obj = MLObjective(m, groups, fiml=fiml, meanstructure=pt.meanstructure)
    opt, starts, seed = _optimise(pt, m, obj, groups, start, random_starts, rng)
    if len(starts) > 1:
        options.update(random_starts=sum(s.label.startswith("random") for s in starts),
                       seed=seed)
    state = FitState(pt, m, groups, opt.x, obj, pt.meanstructure, c.estimator, fiml, None,
                     None, obj.ntotal)
    warnings = _solution_warnings(pt, groups, opt)
    state.vcov, state.info = _vcov(obj, opt, m.nx, fiml or c.estimator == "MLR", warnings)
    test: dict[str, Any] = {}
    if c.estimator == "MLR" and state.vcov is not None:
        try:
            state.vcov, test = mlr_corrections(state)
        except (np.linalg.LinAlgError, ValueError) as exc:
            warnings.append(Note("robust_failed", f"robust corrections failed: {exc}"))
    if opt.converged and state.vcov is not None:   # lavaan judges a converged fit's vcov
        warnings.extend(vcov_warnings(state.vcov, m.x_of_row))
    return Estimation(state, opt, warnings, excluded, options, test, starts)


def _solution_warnings(pt: ParTable, groups: list[GroupData], opt: OptResult
                       ) -> list[Note]:
    warnings: list[Note] = []
    p = len(pt.ov_names)
    n_moments = len(groups) * (p * (p + 1) // 2 + (p if pt.meanstructure else 0))
    if pt.npar > n_moments:
        warnings.append(Note("not_identified", f"the model has more free parameters "
                             f"({pt.npar}) than sample moments ({n_moments}): df < 0"))
    if not opt.converged:
        warnings.append(Note("not_converged", f"the optimizer did not converge "
                             f"({opt.message}); estimates are not a solution"))
    return warnings


def _vcov(obj: MLObjective, opt: OptResult, nx: int, observed: bool,
          warnings: list[Note]) -> tuple[np.ndarray | None, np.ndarray]:
    """The covariance of the estimates (None when the information is singular) and the
    information per observation (observed under FIML and MLR, else expected)."""
    try:
        info = obj.observed_info(opt.x) if observed else obj.info(opt.x)
    except np.linalg.LinAlgError:           # implied covariance not positive definite
        info = np.full((nx, nx), np.nan)
    try:
        if singular_information(info):
            raise np.linalg.LinAlgError
        return np.linalg.inv(info) / obj.ntotal, info
    except np.linalg.LinAlgError:
        warnings.append(Note("se_failed", "the information matrix could not be inverted; "
                             "the model may not be identified (no standard errors)"))
        return None, info


def _result(est: Estimation, model_text: str) -> CFAResult:
    """Parameter table, improper-solution checks and fit measures of an estimation."""
    state = est.state
    states = state.model.group_state(state.x)
    params, improper = parameter_table(state, states, est.opt)
    fit = fit_measures(state, states, est.test)
    return cfa_result(state, states, est.opt, params, fit, [*est.warnings, *improper],
                      est.excluded, model_text, est.options)


def _with_starts(res: CFAResult, est: Estimation) -> CFAResult:
    """Every start's fmin on the result's scale, and a warning when converged starts
    disagree (a local optimum is suspected)."""
    starts = est.starts
    fmin = res.fit.get("fmin", math.nan)
    if np.isfinite(fmin):  # FIML minimises -logL / N: report every start on fmin's scale
        starts = tuple(replace(s, fmin=s.fmin - est.opt.fx + fmin) for s in starts)
    disagree = disagreement(starts)
    extra = (Note("local_optimum_suspected", disagree),) if disagree else ()
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


