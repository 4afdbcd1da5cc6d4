"""Measurement invariance across groups: configural → metric → scalar → strict.

Each step is a multi-group CFA of the key's correlated-factors model with more equality
constraints across groups (lavaan's ``group.equal``): ``loadings``; ``+ intercepts``;
``+ residuals``. Between consecutive steps lospw reports the χ² difference test (plain for
ML, Satorra–Bentler 2001 for MLR) and the change in fit, and judges it by two rules:

``chen2007`` (Chen, 2007, recommendations for total N > 300 and equal group sizes)
    A step is *non-invariant* when ΔCFI ≤ −.010 **and** (ΔRMSEA ≥ .015 **or** ΔSRMR ≥ .030
    for loadings, ≥ .010 for intercepts and residuals).
``cheung_rensvold2002`` (Cheung & Rensvold, 2002)
    A step is *non-invariant* when ΔCFI ≤ −.010.
``chisq``
    A step is *non-invariant* when the difference test has p < .05.

For ordered items (``estimator="WLSMV"``) the steps are Wu & Estabrook's (2016):
configural → thresholds → + loadings → + intercepts → + residual variances
(:mod:`lospw.analysis.validation.wu_estabrook`; the strict step in the theta parameterization, the others
in the delta one), with ``cfi_scaled``/``rmsea_scaled``/``srmr`` and the engine's
scaled-shifted difference test; each group must use every category of every item (else
``empty_category``: not estimable). The partial search frees a threshold, loading,
intercept or residual variance as for continuous items; intercepts and residual variances
are fixed alike in every group there (0 and 1), so their tests are the score tests for
freeing them in groups 2.. (modification indices).

Δ is the constrained step minus the step before it (after any partial freeing). The indices
are ``cfi``/``rmsea``/``srmr`` for ML, ``cfi_robust``/``rmsea_robust``/``srmr`` for MLR.
When total N ≤ 300 or the largest group is more than 1.5 times the smallest, a
``chen2007_conditions`` warning says Chen's cut-offs were derived for other conditions.

When a step is non-invariant by the chosen ``criterion``, a partial-invariance search frees
one equality constraint at a time: the parameter of the step's kind (a loading, an intercept
or a residual variance) with the largest univariate score test (lavaan's ``lavTestScore``;
with more than two groups a parameter's largest test over its constraints), refits, and
stops when the step is acceptable, ``max_free`` parameters are free, or no candidate is left.
Each constrained step also lists its largest score tests and flags the parameters whose test
stays significant after a Bonferroni correction (``top_scores``): a misfitting constraint is
named even when the Δ-fit rule lets the step pass.

A parameter is not freed when its factor would keep fewer than two invariant items of that
kind (the marker's fixed loading counts; Byrne, Shavelson & Muthén, 1989). Freed parameters
stay free in later steps (``group.partial``). When the search ends without an acceptable
step, the step is reported non-invariant with the parameters freed so far, and the later
steps are still fitted and reported.

Groups with fewer than ``min_group_size`` (default 50) analysed respondents, or not more
respondents than items (the group's covariance matrix would be singular), make every step
``not estimable`` (warning ``group_too_small``); nothing is fitted. Groups with fewer
respondents than the configural model's free parameters per group are fitted, with the
warning ``few_cases_per_parameter``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from lospw.analysis.cfa.difftest import difference_test
from lospw.analysis.cfa.partable import build_partable
from lospw.analysis.cfa.syntax import parse_model
from lospw.analysis.core.degenerate import DegenerateDataError, check_item_variance
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import Key
from lospw.analysis.core.missing import check_model_missing
from lospw.analysis.core.options import check_estimator
from lospw.analysis.core.warnings import Note, notes_to_dicts
from lospw.analysis.validation.fitting import (
    FitOutcome,
    Fitter,
    engine_difference_test,
    engine_fitter,
)
from lospw.analysis.validation.models import correlated_factors
from lospw.analysis.validation.wu_estabrook import (
    ORDINAL_STEPS,
    step_parameterization,
    wu_estabrook_syntax,
)

__all__ = [
    "CRITERIA",
    "STEPS",
    "InvarianceResult",
    "chen_2007",
    "chen_2007_cutoffs",
    "chen_2007_decided_by",
    "cheung_rensvold_2002",
    "free_parameters_per_group",
    "measurement_invariance",
    "ordinal_step_syntax",
]

log = logging.getLogger(__name__)

#: The steps and their lavaan ``group.equal``.
STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("configural", ()),
    ("metric", ("loadings",)),
    ("scalar", ("loadings", "intercepts")),
    ("strict", ("loadings", "intercepts", "residuals")),
)
CRITERIA = ("chen2007", "cheung_rensvold2002", "chisq")
_KIND = {"thresholds": "|", "metric": "=~", "scalar": "~1", "strict": "~~"}
_INDICES = {"ML": ("cfi", "rmsea", "srmr"), "MLR": ("cfi_robust", "rmsea_robust", "srmr"),
            "WLSMV": ("cfi_scaled", "rmsea_scaled", "srmr")}


# -- pure rules -----------------------------------------------------------------------------
def chen_2007_cutoffs(step: str) -> dict[str, float]:
    """Chen's (2007) cut-offs for a step: ΔCFI ≤ −.010, ΔRMSEA ≥ .015, ΔSRMR ≥ .030
    (loadings) or .010 (intercepts, residuals).

    Examples
    --------
    >>> chen_2007_cutoffs("scalar")
    {'delta_cfi': -0.01, 'delta_rmsea': 0.015, 'delta_srmr': 0.01}
    """
    return {"delta_cfi": -0.010, "delta_rmsea": 0.015,
            "delta_srmr": 0.030 if step == "metric" else 0.010}


def chen_2007_decided_by(delta_cfi: float, delta_rmsea: float, delta_srmr: float,
                         step: str) -> tuple[str, ...]:
    """The changes in fit that decide Chen's (2007) joint rule for a step.

    The rule is *non-invariant* when ΔCFI ≤ −.010 **and** (ΔRMSEA ≥ .015 or ΔSRMR ≥ its
    cut-off). So ΔCFI alone decides an invariant step when it stays above −.010; a failing
    ΔCFI with ΔRMSEA or ΔSRMR at its cut-off decides a non-invariant one (both named); and a
    failing ΔCFI is overruled when ΔRMSEA **and** ΔSRMR stay below theirs (those two
    decide: the step is invariant although ΔCFI alone says otherwise).

    Examples
    --------
    >>> chen_2007_decided_by(-0.002, 0.02, 0.0, "metric")
    ('delta_cfi',)
    >>> chen_2007_decided_by(-0.049, 0.004, 0.006, "scalar")
    ('delta_rmsea', 'delta_srmr')
    >>> chen_2007_decided_by(-0.049, 0.004, 0.012, "scalar")
    ('delta_cfi', 'delta_srmr')
    """
    cut = chen_2007_cutoffs(step)
    if not delta_cfi <= cut["delta_cfi"]:
        return ("delta_cfi",)
    hit = tuple(k for k, v in (("delta_rmsea", delta_rmsea), ("delta_srmr", delta_srmr))
                if v >= cut[k])
    return ("delta_cfi", *hit) if hit else ("delta_rmsea", "delta_srmr")


def chen_2007(delta_cfi: float, delta_rmsea: float, delta_srmr: float, step: str) -> bool:
    """Chen (2007): is the step non-invariant? (cut-offs for N > 300, equal groups)

    Examples
    --------
    >>> chen_2007(-0.012, 0.016, 0.0, "metric")
    True
    >>> chen_2007(-0.012, 0.010, 0.020, "metric"), chen_2007(-0.012, 0.010, 0.020, "scalar")
    (False, True)
    """
    cut = chen_2007_cutoffs(step)
    return bool(delta_cfi <= cut["delta_cfi"] and (delta_rmsea >= cut["delta_rmsea"]
                                                   or delta_srmr >= cut["delta_srmr"]))


def cheung_rensvold_2002(delta_cfi: float) -> bool:
    """Cheung & Rensvold (2002): non-invariant when ΔCFI ≤ −.010.

    Examples
    --------
    >>> cheung_rensvold_2002(-0.0385), cheung_rensvold_2002(-0.0025)
    (True, False)
    """
    return bool(delta_cfi <= -0.010)


def free_parameters_per_group(key: Key, n_thresholds: dict[str, int] | None = None) -> int:
    """Free parameters per group of the key's configural model.

    Continuous items (marker scaling, meanstructure): intercepts and residual variances of
    all items, loadings less one marker per factor, factor variances and covariances; a
    single-item scale's residual is fixed. Ordered items (``n_thresholds`` given; Wu &
    Estabrook's configural model): all loadings, the thresholds and the factor covariances.

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> free_parameters_per_group(key_from_dict({"response_scale": {"min": 0, "max": 9},
    ...     "scales": {"a": ["x1", "x2", "x3"], "b": ["x4", "x5", "x6"]}}))
    19
    """
    p, f = key.n_items, len(key.scales)
    if n_thresholds is not None:
        return p + sum(n_thresholds.values()) + f * (f - 1) // 2
    single = sum(1 for s in key.scales if len(s) == 1)
    return p + (p - single) + (p - f) + f + f * (f - 1) // 2


# -- results ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class InvarianceResult:
    """The invariance steps, the decisions between them and the partial searches.

    ``to_dict()`` gives the CLI's JSON: ``{"steps": [{"model": "configural", "fit": {...}},
    ...], "decisions": [...], "partial": [...], ...}``.
    """

    group: str
    group_sizes: dict[str, int]
    estimator: str
    missing: str
    criterion: str
    steps: tuple[dict[str, Any], ...]
    decisions: tuple[dict[str, Any], ...]
    partial: tuple[dict[str, Any], ...]
    excluded: dict[str, int] = field(default_factory=dict)
    warnings: tuple[Note, ...] = ()

    @property
    def highest_level(self) -> str | None:
        """The last step reached (``"scalar (partial)"`` when freed parameters were needed)."""
        level = None
        for d in self.decisions:
            if d["verdict"] != "invariant":
                break
            level = d["step"] + (" (partial)" if d.get("group_partial") else "")
        if level is None and self.steps and self.steps[0]["estimable"] and \
                self.steps[0]["converged"]:
            level = "configural"
        return level

    def to_frame(self) -> pd.DataFrame:
        rows = []
        for s in self.steps:
            row = {"model": s["model"], "estimable": s["estimable"], "converged": s["converged"]}
            row.update(s["fit"])
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        return {"group": self.group, "group_sizes": dict(self.group_sizes),
                "estimator": self.estimator, "missing": self.missing,
                "criterion": self.criterion,
                "steps": [{**s, "warnings": notes_to_dicts(s["warnings"])} for s in self.steps],
                "decisions": [dict(d) for d in self.decisions],
                "partial": [dict(p) for p in self.partial],
                "highest_level": self.highest_level, "excluded": dict(self.excluded),
                "warnings": notes_to_dicts(self.warnings)}


# -- the procedure -----------------------------------------------------------------------------
def _deltas(fit: dict[str, float], prev: dict[str, float], estimator: str) -> dict[str, float]:
    cfi, rmsea, srmr = _INDICES[estimator]
    return {"delta_cfi": fit[cfi] - prev[cfi], "delta_rmsea": fit[rmsea] - prev[rmsea],
            "delta_srmr": fit[srmr] - prev[srmr]}


def _judge(step: str, out: FitOutcome, prev: FitOutcome, estimator: str,
           criterion: str) -> dict[str, Any]:
    d = _deltas(out.fit, prev.fit, estimator)
    if estimator == "WLSMV":
        test = engine_difference_test(out, prev)
    else:
        test = difference_test(out.fit, prev.fit, estimator=estimator)
    chen = chen_2007(d["delta_cfi"], d["delta_rmsea"], d["delta_srmr"], step)
    cr = cheung_rensvold_2002(d["delta_cfi"])
    chi = bool(test.pvalue < 0.05) if not math.isnan(test.pvalue) else None
    return {**d, "chisq_diff": test.chisq_diff, "df_diff": test.df_diff,
            "pvalue": test.pvalue, "test": test.method,
            "non_invariant": {"chen2007": chen, "cheung_rensvold2002": cr, "chisq": chi},
            "decided_by": _decided_by(criterion, d, step),
            "cutoffs": {"chen2007": chen_2007_cutoffs(step),
                        "cheung_rensvold2002": {"delta_cfi": -0.010},
                        "chisq": {"pvalue": 0.05}}[criterion],
            "delta_cfi_alone": "non-invariant" if cr else "invariant"}


def _decided_by(criterion: str, d: dict[str, float], step: str) -> list[str]:
    """The quantities that decided the step under ``criterion`` (see chen_2007_decided_by)."""
    if criterion == "chen2007":
        return list(chen_2007_decided_by(d["delta_cfi"], d["delta_rmsea"], d["delta_srmr"],
                                         step))
    return ["delta_cfi"] if criterion == "cheung_rensvold2002" else ["pvalue"]


def _candidates(scores: pd.DataFrame, kind: str, freed: Sequence[str],
                key: Key) -> pd.DataFrame:
    """Score tests of the step's kind, best first, one row per parameter, Byrne guard."""
    s = scores[(scores["op"] == kind) & ~scores["parameter"].isin(list(freed))]
    if kind == "~~":  # residual variances only, not covariances
        s = s.loc[[p.split("~~")[0] == p.split("~~")[-1] for p in s["parameter"]]] \
            if len(s) else s
    s = (s.sort_values("X2", ascending=False, kind="stable")
          .drop_duplicates("parameter").reset_index(drop=True))
    if kind in ("=~", "~1"):
        keep = []
        for p in s["parameter"]:
            item = p.split("=~")[-1] if kind == "=~" else p[:-2]
            scale = key.scale(key.scale_of(item))
            invariant = [i for i in scale.items
                         if _name(kind, scale.name, i) not in (*freed, p)]
            keep.append(len(invariant) >= 2)
        s = s[keep]
    return s


def _name(kind: str, factor: str, item: str) -> str:
    return {"=~": f"{factor}=~{item}", "~1": f"{item}~1", "~~": f"{item}~~{item}"}[kind]


def measurement_invariance(items: pd.DataFrame, groups: pd.Series | Sequence[Any], key: Key,
                           *, estimator: str = "ML", missing: str = "listwise",
                           criterion: str = "chen2007", search: bool = True,
                           max_free: int = 5, min_group_size: int = 50,
                           top_scores: int = 5,
                           group_name: str = "group",
                           fitter: Fitter | None = None) -> InvarianceResult:
    """Configural, metric, scalar and strict invariance of the key's scales across groups.

    Parameters
    ----------
    items : DataFrame
        Canonical responses (``IntakeResult.items``); reverse-keyed items are reversed here.
    groups : Series or sequence
        Group of each row (same length and order as ``items``); rows without a group are
        left out and counted in ``excluded``.
    key : Key
    estimator : {"ML", "MLR", "WLSMV"}
        WLSMV treats the items as ordered (Wu & Estabrook's steps, see the module docstring).
    missing : {"listwise", "fiml", "pairwise"}
    criterion : {"chen2007", "cheung_rensvold2002", "chisq"}
        The rule that decides a step and stops the partial search.
    search : bool
        Run the partial-invariance search on non-invariant steps.
    max_free : int
        At most this many parameters freed per step.
    min_group_size : int
    top_scores : int
        Report the largest univariate score tests of each constrained step's new kind of
        constraint (``score_tests`` in the step), and flag the parameters whose test is
        significant after a Bonferroni correction over that kind's constraints (``flagged``),
        whether or not the step passes; 0 to skip (score tests take time on large models).
    group_name : str
        Name of the group column (for reports and the lavaan call).
    fitter : callable, optional
        The CFA fitter; lospw's engine by default.

    Raises
    ------
    InputError
        Bad options, a group vector of the wrong length, fewer than two groups.
    """
    check_estimator(estimator)
    check_model_missing(estimator, missing)
    if criterion not in CRITERIA:
        raise InputError(f"The 'criterion' option must be one of {', '.join(map(repr, CRITERIA))}; "
                         f"got {criterion!r}.")
    if max_free < 0:
        raise InputError(f"The 'max_free' option must be 0 or more; got {max_free}.")
    values = groups.to_numpy() if isinstance(groups, pd.Series) else list(groups)
    if len(values) != len(items):
        raise InputError(f"The group column has {len(values)} values for {len(items)} rows; "
                         "give one group per row.")
    g = pd.Series(values, index=items.index, dtype=object)
    if fitter is None:
        fitter = engine_fitter
    data = key.reverse_score(items[list(key.items)].astype(float))
    excluded: dict[str, int] = {}
    no_group = g.isna() | (g.astype(str).str.strip() == "")
    if no_group.any():
        excluded["missing_group"] = int(no_group.sum())
    data, g = data[~no_group], g[~no_group].astype(str)
    if missing == "listwise":
        complete = data.notna().all(axis=1)
        if (~complete).any():
            excluded["incomplete_listwise"] = int((~complete).sum())
        data, g = data[complete], g[complete]
    sizes = {str(k): int(v) for k, v in g.value_counts().sort_index().items()}
    if len(sizes) < 2:
        raise DegenerateDataError("too_few_groups",
                                  f"Invariance needs at least two groups in column {group_name!r}; "
                                  f"got {len(sizes)} ({', '.join(sizes) or 'none'}). Choose a "
                                  "column with two or more groups.")
    check_item_variance(data, key.items, stage="invariance", groups=g)
    frame = data.assign(**{group_name: g})
    syntax = correlated_factors(key)
    warnings: list[Note] = []
    ordinal = estimator == "WLSMV"
    step_list = ORDINAL_STEPS if ordinal else STEPS
    n_thr = {i: int(data[i].nunique()) - 1 for i in key.items}
    q = free_parameters_per_group(key, n_thr if ordinal else None)
    floor = max(min_group_size, key.n_items + 1)
    small = {k: n for k, n in sizes.items() if n < floor}
    reason, msg = None, ""
    if small:
        reason = "group_too_small"
        msg = (f"group(s) {', '.join(f'{k} (n = {n})' for k, n in small.items())} "
               f"have fewer than {floor} respondents (the larger of {min_group_size} and the "
               f"{key.n_items} items + 1): no step is estimable")
    elif ordinal:
        empty = [(i, k) for i in key.items for k, d in data.groupby(g)
                 if d[i].nunique() - 1 != n_thr[i]]
        if empty:
            reason = "empty_category"
            msg = (f"item {empty[0][0]} does not use all its "
                   f"{n_thr[empty[0][0]] + 1} categories in group {empty[0][1]} ({len(empty)} "
                   "item-group pair(s) in all): thresholds cannot be compared; no step is "
                   "estimable. Merge sparse categories or use ML/MLR")
    if reason:
        note = Note(reason, msg)
        log.warning("%s", note)
        steps = tuple({"model": name, "group_equal": list(eq), "group_partial": [],
                       "estimable": False, "converged": False, "fit": {},
                       "reason": reason, "warnings": ()} for name, eq in step_list)
        return InvarianceResult(group_name, sizes, estimator, missing, criterion, steps, (),
                                (), excluded, (note,))
    few = {k: n for k, n in sizes.items() if n < q}
    if few and not reason:
        warnings.append(Note("few_cases_per_parameter", f"group(s) "
                             f"{', '.join(f'{k} (n = {n})' for k, n in few.items())} have "
                             f"fewer respondents than the {q} free parameters per group of "
                             "the configural model: estimates are unstable"))
    n = sum(sizes.values())
    if n <= 300 or max(sizes.values()) > 1.5 * min(sizes.values()):
        warnings.append(Note("chen2007_conditions", f"total N = {n}, group sizes "
                             f"{', '.join(map(str, sizes.values()))}: Chen's (2007) cut-offs "
                             "were derived for N > 300 and equal groups"))

    def fit(eq: Sequence[str], partial: Sequence[str],
            start: FitOutcome | None = None) -> FitOutcome:
        return memo_score_tests(_fit(eq, partial, start))

    def _fit(eq: Sequence[str], partial: Sequence[str],
             start: FitOutcome | None) -> FitOutcome:
        if ordinal:  # the constraints are in the syntax (Wu & Estabrook, 2016)
            name = next(n for n, e in ORDINAL_STEPS if tuple(e) == tuple(eq))
            text = ordinal_step_syntax(key, len(sizes), n_thr, name, partial)
            return fitter(frame, text, estimator=estimator, missing=missing,
                          group=group_name, group_equal=(), group_partial=(), ordered=True,
                          parameterization=step_parameterization(name))
        # each fit also starts from the solution before it (lospw.analysis.cfa.multistart)
        extra = {} if start is None or start.result is None else {"start": start}
        return fitter(frame, syntax, estimator=estimator, missing=missing, group=group_name,
                      group_equal=tuple(eq), group_partial=tuple(partial), **extra)

    steps: list[dict[str, Any]] = []
    decisions: list[dict[str, Any]] = []
    searches: list[dict[str, Any]] = []
    partial: list[str] = []
    prev: FitOutcome | None = None
    prev_name = ""
    for name, eq in step_list:
        out = fit(eq, partial, prev)
        record = {"model": name, "group_equal": list(eq), "group_partial": list(partial),
                  "estimable": True, "converged": out.converged, "fit": dict(out.fit),
                  "warnings": tuple(out.warnings), "starts": _starts(out)}
        if prev is None or not (out.converged and prev.converged):
            warnings += _local_optimum(name, record)
            steps.append(record)
            if prev is not None:
                decisions.append({"step": name, "versus": prev_name,
                                  "verdict": "not tested",
                                  "reason": "a model did not converge"})
            if out.converged or prev is None:
                prev, prev_name = out, name
            continue
        judged = _judge(name, out, prev, estimator, criterion)
        if top_scores > 0 and name in _KIND and out.score_tests is not None:
            record["score_tests"], record["flagged"] = _top_scores(
                out.score_tests(), _KIND[name], top_scores)
        if search and judged["non_invariant"][criterion] and max_free > 0:
            result = _search(name, eq, partial, out, prev, fit, key, estimator, criterion,
                             max_free)
            searches.append(result["report"])
            if result["outcome"] is not out:
                out = result["outcome"]
                partial = list(result["partial"])
                record.update(group_partial=list(partial), converged=out.converged,
                              fit=dict(out.fit), warnings=tuple(out.warnings),
                              starts=_starts(out))
                judged = _judge(name, out, prev, estimator, criterion)
        verdict = "non-invariant" if judged["non_invariant"][criterion] else "invariant"
        if judged["non_invariant"][criterion] is None:
            verdict = "not tested"
        decisions.append({"step": name, "versus": prev_name, "criterion": criterion,
                          "verdict": verdict, "group_partial": list(partial), **judged})
        warnings += _local_optimum(name, record)
        steps.append(record)
        prev, prev_name = out, name
    return InvarianceResult(group_name, sizes, estimator, missing, criterion, tuple(steps),
                            tuple(decisions), tuple(searches), excluded, tuple(warnings))


def _local_optimum(step: str, record: dict[str, Any]) -> list[Note]:
    """The step's ``local_optimum_suspected`` warning, named by step, for the result."""
    return [Note(w.code, f"{step}: {w.message}", (*w.context, ("step", step)))
            for w in record["warnings"] if w.code == "local_optimum_suspected"]


def _starts(out: FitOutcome) -> list[dict[str, Any]]:
    """Where each start of the step's fit ended (empty for a single start)."""
    return [s.to_dict() for s in out.starts] if len(out.starts) > 1 else []


def ordinal_step_syntax(key: Key, n_groups: int, n_thr: dict[str, int], step: str,
                        partial: Sequence[str]) -> str:
    """The Wu & Estabrook model of one step for ordered items, checked by the engine's
    parser first: a model lospw writes and cannot read is lospw's bug (``RuntimeError``),
    never the user's syntax error."""

    text = wu_estabrook_syntax(key, n_groups, n_thr, step, partial=partial)
    try:
        build_partable(parse_model(text), ngroups=n_groups, meanstructure=True,
                       ordered=n_thr, parameterization=step_parameterization(step))
    except InputError as exc:
        raise RuntimeError(f"the {step} model that lospw writes for ordered items (Wu & "
                           f"Estabrook, 2016) is refused by its own CFA engine ({exc})"
                           ) from exc
    return text


def memo_score_tests(out: FitOutcome) -> FitOutcome:
    """The same outcome whose score tests are computed at most once."""
    if out.score_tests is None:
        return out
    compute, cache = out.score_tests, []

    def once() -> pd.DataFrame:
        if not cache:
            cache.append(compute())
        return cache[0]

    return replace(out, score_tests=once)


def _top_scores(scores: pd.DataFrame, kind: str, n: int
                ) -> tuple[list[dict[str, Any]], list[str]]:
    """The ``n`` largest score tests of the step's kind; Bonferroni-flagged parameters."""
    s = scores[scores["op"] == kind]
    if kind == "~~":  # residual variances only, not covariances
        s = s.loc[[p.split("~~")[0] == p.split("~~")[-1] for p in s["parameter"]]] \
            if len(s) else s
    k = len(s)
    s = s.sort_values("X2", ascending=False, kind="stable").drop_duplicates("parameter")
    top = [{"parameter": str(r["parameter"]), "X2": float(r["X2"]), "df": float(r["df"]),
            "pvalue": float(r["pvalue"]),
            "p_bonferroni": float(min(1.0, r["pvalue"] * k))} for _, r in s.head(n).iterrows()]
    flagged = [str(r["parameter"]) for _, r in s.iterrows() if r["pvalue"] * k < 0.05]
    return top, flagged


def _search(step: str, eq: Sequence[str], partial: Sequence[str], out: FitOutcome,
            prev: FitOutcome, fit: Any, key: Key, estimator: str, criterion: str,
            max_free: int) -> dict[str, Any]:
    kind = _KIND[step]
    freed: list[dict[str, Any]] = []
    current, names = out, list(partial)
    stopped = "max_free"
    for _ in range(max_free):
        if current.score_tests is None:
            stopped = "no_score_tests"
            break
        cands = _candidates(current.score_tests(), kind, names, key)
        if cands.empty:
            stopped = "no_candidates"
            break
        top = cands.iloc[0]
        names.append(str(top["parameter"]))
        nxt = fit(eq, names, current)
        entry = {"parameter": str(top["parameter"]), "X2": float(top["X2"]),
                 "df": float(top["df"]), "pvalue": float(top["pvalue"]),
                 "converged": nxt.converged, "fit": dict(nxt.fit)}
        if not nxt.converged:
            entry["acceptable"] = False
            freed.append(entry)
            stopped = "not_converged"
            names.pop()
            break
        judged = _judge(step, nxt, prev, estimator, criterion)
        entry.update({k: judged[k] for k in ("delta_cfi", "delta_rmsea", "delta_srmr",
                                             "chisq_diff", "df_diff")})
        entry["diff_pvalue"] = judged["pvalue"]
        entry["acceptable"] = not judged["non_invariant"][criterion]
        freed.append(entry)
        current = nxt
        if entry["acceptable"]:
            stopped = "acceptable"
            break
    report = {"step": step, "criterion": criterion, "freed": freed,
              "acceptable": stopped == "acceptable", "stopped": stopped,
              "group_partial": list(names)}
    log.info("partial %s invariance: freed %s (%s)", step,
             [f["parameter"] for f in freed], stopped)
    return {"report": report, "outcome": current, "partial": names}

