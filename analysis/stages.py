"""The stages of ``lospw analyze``: thin adapters from the :class:`~analysis.pipeline.Context`
to the stage modules, and writers of their artifacts.

No statistic is computed here: every number comes from the stage's own module
(:mod:`analysis.intake`, :mod:`analysis.screening`, :mod:`analysis.reliability`,
:mod:`analysis.efa`, :mod:`analysis.cfa`, :mod:`analysis.invariance`, :mod:`analysis.validity`,
:mod:`analysis.reduction`, :mod:`analysis.scheme`, :mod:`analysis.aggregate`,
:mod:`analysis.verdict`). A module that is not part of this version makes its stage
``skipped`` with the reason "not available in this version". The JSON artifacts of the
single-stage commands' shape (``lospw reliability --json`` ...) are written as those commands
print them, so the two agree number for number.

The artifact layout is documented in DESIGN.md, "Artifacts of lospw analyze".
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.artifacts import write_csv, write_json, write_text
from analysis.errors import InputError, LospwError, LospwWarning
from analysis.intake import IntakeResult, pseudonyms, responses_from_table
from analysis.key import Key
from analysis.pipeline import NOT_AVAILABLE, Context, Stage, StageSkipped, _portable
from analysis.readers import read_table

__all__ = ["STAGES", "VERDICT", "CFAStageResult", "InvarianceStageResult", "ReductionStageResult",
           "ScoringStageResult",
           "analysed", "standardized_loadings"]


# -- helpers --------------------------------------------------------------------------------
def _module(name: str, what: str) -> Any:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            raise StageSkipped(f"{what} ({name}) is {NOT_AVAILABLE}") from None
        raise


def _fit_cfa() -> Any:
    import analysis.cfa as cfa

    fit = getattr(cfa, "fit_cfa", None)
    if fit is None:
        raise StageSkipped(f"the CFA engine (analysis.cfa.fit_cfa) is {NOT_AVAILABLE}")
    return fit


def analysed(ctx: Context) -> IntakeResult:
    """The analysed sample: after screening when it ran, else as read."""
    if "screening" in ctx.results:
        return ctx.results["screening"][0]
    return ctx.result("intake")


def _intake_block(data: IntakeResult) -> dict[str, Any]:
    """What the single-stage commands add under ``"intake"`` in their ``--json``."""
    return {"source": _portable(data.source), "n_read": data.n_read,
            "n_analysed": data.n_analysed, "n_excluded": data.n_excluded}


def _json_with_intake(result: Any, data: IntakeResult, **extra: Any) -> dict[str, Any]:
    out = result.to_dict()
    out["intake"] = _intake_block(data)
    out.update(extra)
    return out


def _missing_for(ctx: Context, kind: str) -> str:
    """The stage's own name for the run's missing-data policy (see MISSING_POLICIES)."""
    m = ctx.options.missing
    if kind in ("reliability", "efa"):
        return "listwise" if m == "listwise" else "pairwise"
    return m


def _warn(code: str, message: str) -> None:
    warnings.warn(LospwWarning(code, message), stacklevel=2)


# -- intake and screening -------------------------------------------------------------------
def run_intake(ctx: Context) -> IntakeResult:
    from analysis.score_table import detect_id_column

    o, key = ctx.options, ctx.key
    table = read_table(o.data)
    res = responses_from_table(table, key, id_column=o.id_column)
    if o.id_column is None:
        found = detect_id_column([str(c) for c in res.meta.columns], key.items)
        if found is not None:
            res = responses_from_table(table, key, id_column=found)
    for option, col in (("group", o.group), ("cluster", o.cluster)):
        if col is not None and col not in res.meta.columns:
            others = ", ".join(map(str, res.meta.columns)) or "none"
            raise InputError(f"{_portable(o.data)}: no {option} column {col!r}; the non-item "
                             f"columns are {others}. Name one of them with --{option}.")
    if o.invariance_groups:
        present = set(res.meta[o.group].dropna().astype(str))
        absent = [g for tok in o.invariance_groups for g in tok.split("+") if g not in present]
        if absent:
            raise InputError(f"{_portable(o.data)}: --invariance-groups names group(s) "
                             f"{', '.join(absent)} that column {o.group!r} does not have; its "
                             f"groups are {', '.join(sorted(present))}.")
    return res


def write_intake_stage(res: IntakeResult, ctx: Context, folder: Path) -> None:
    from analysis.intake_artifacts import write_intake

    write_intake(res, ctx.key, folder, None, screening_mode="off")


def run_screening(ctx: Context) -> tuple[IntakeResult, Any]:
    from analysis.screening import screen_intake

    o = ctx.options
    if o.screen == "off":
        raise StageSkipped("screening is off (--screen off)")
    raw = ctx.result("intake")
    return screen_intake(raw, exclude=o.screen == "exclude", min_flags=o.min_flags)


def write_screening(res: tuple[IntakeResult, Any], ctx: Context, folder: Path) -> None:
    from analysis.intake_artifacts import write_intake

    data, scr = res
    write_intake(data, ctx.key, folder, scr, screening_mode=ctx.options.screen)


# -- items, reliability, dimensionality -----------------------------------------------------
def run_items(ctx: Context) -> Any:
    mod = _module("analysis.items", "item analysis")
    return mod.item_stats(analysed(ctx).items, ctx.key,
                          missing=_missing_for(ctx, "reliability"))


def write_items(res: Any, ctx: Context, folder: Path) -> None:
    write_json(_json_with_intake(res, analysed(ctx)), folder / "items.json")
    if hasattr(res, "to_frame"):
        write_csv(res.to_frame(), folder / "items.csv")


def run_reliability(ctx: Context) -> Any:
    from analysis.reliability import reliability

    return reliability(analysed(ctx).items, ctx.key, missing=_missing_for(ctx, "reliability"))


def write_reliability(res: Any, ctx: Context, folder: Path) -> None:
    write_json(_json_with_intake(res, analysed(ctx)), folder / "reliability.json")
    write_csv(res.to_frame(), folder / "scales.csv")
    write_csv(pd.concat([s.to_frame() for s in res.scales.values()], ignore_index=True),
              folder / "items.csv")


def _efa_correlation(ctx: Context) -> str:
    return "polychoric" if ctx.options.estimator == "WLSMV" else "pearson"


def run_dimensionality(ctx: Context) -> Any:
    mod = _module("analysis.efa", "dimensionality and EFA")
    return mod.efa(analysed(ctx).items, ctx.key, cor=_efa_correlation(ctx),
                   missing=_missing_for(ctx, "efa"), rng=ctx.options.seed)


def write_dimensionality(res: Any, ctx: Context, folder: Path) -> None:
    write_json(_json_with_intake(res, analysed(ctx)), folder / "efa.json")
    frame = res.to_frame()
    frame.insert(0, "item", frame.index)
    write_csv(frame, folder / "loadings.csv")


# -- CFA: competing models ----------------------------------------------------------------------
@dataclass(frozen=True)
class CFAStageResult:
    """The competing models, their fits and the comparison."""

    models: Any  # analysis.cfa.models.ModelSet
    fits: dict[str, Any]  # model name -> CFAResult
    comparison: dict[str, Any]
    judged: str
    modindices: pd.DataFrame | None = None
    warnings: tuple[dict[str, str], ...] = field(default=())


def _cfa_frame(ctx: Context, key: Key | None = None) -> pd.DataFrame:
    key = key or ctx.key
    data = analysed(ctx)
    return key.reverse_score(data.items[list(key.items)])


def _checked(result: Any) -> Any:
    """A CFA result whose estimator's corrections were computed (else a LospwError: the
    engine fell back to plain ML numbers, which must not pass as robust ones)."""
    for w in result.warnings:
        if w.code == "robust_failed":
            raise LospwError(f"The CFA engine could not compute the {result.estimator} "
                             f"corrections ({w.message}).")
    return result


def _engine_fitter() -> Any:
    """The engine's fitter for the FitOutcome-based stages, checked as :func:`_checked`;
    when the engine is absent, one that skips the stage (so that groups too small to fit
    are still reported as such)."""
    try:
        _fit_cfa()
    except StageSkipped as exc:
        reason = exc.reason

        def absent(*args: Any, **kwargs: Any) -> Any:
            raise StageSkipped(reason)
        return absent
    from analysis.cfa._bridge import engine_fitter

    def fitter(*args: Any, **kwargs: Any) -> Any:
        out = engine_fitter(*args, **kwargs)
        _checked(out.result)
        return out
    return fitter


def fit_model(ctx: Context, syntax: str, key: Key | None = None) -> Any:
    """Fit one model with the run's estimator and missing-data policy."""
    fit_cfa = _fit_cfa()
    return _checked(fit_cfa(_cfa_frame(ctx, key), syntax, estimator=ctx.options.estimator,
                            missing=_missing_for(ctx, "cfa")))


def run_cfa(ctx: Context) -> CFAStageResult:
    from analysis.cfa.models import competing_models

    _fit_cfa()
    o = ctx.options
    models = competing_models(ctx.key)
    fits: dict[str, Any] = {}
    if o.estimator in ("ML", "MLR"):
        from analysis.cfa.compare import compare_models

        by_syntax: dict[str, Any] = {}
        engine_fitter = _engine_fitter()

        def keep(data: pd.DataFrame, syntax: str, **kw: Any) -> Any:
            out = engine_fitter(data, syntax, **kw)
            by_syntax[syntax] = out.result
            return out

        cmp = compare_models(analysed(ctx).items, ctx.key, estimator=o.estimator,
                             missing=_missing_for(ctx, "cfa"), models=models, fitter=keep)
        fits = {m.name: by_syntax[m.syntax] for m in models.models}
        comparison = cmp.to_dict()
    else:
        for spec in models.models:
            fits[spec.name] = fit_model(ctx, spec.syntax)
        comparison = {"estimator": o.estimator, "best": None,
                      "note": "the model comparison (difference tests, best model) supports "
                              f"ML and MLR in this version; got {o.estimator}"}
    notes = [{"code": w.code, "message": f"{m}: {w.message}"}
             for m, r in fits.items() for w in r.warnings]
    judged = ctx.criteria.sv_model
    mi = fits[judged].modindices() if judged in fits and fits[judged].converged else None
    return CFAStageResult(models, fits, comparison, judged, mi, tuple(notes))


_FIT_COLUMNS = ("npar", "chisq", "df", "pvalue", "chisq_scaled", "df_scaled",
                "pvalue_scaled", "chisq_scaling_factor", "cfi", "tli", "cfi_scaled",
                "tli_scaled", "cfi_robust", "tli_robust", "rmsea", "rmsea_ci_lower",
                "rmsea_ci_upper", "rmsea_scaled", "rmsea_robust", "srmr", "aic", "bic")


def write_cfa(res: CFAStageResult, ctx: Context, folder: Path) -> None:
    from analysis.cfa.models import lavaan_script

    o = ctx.options
    write_json({**res.models.to_dict(), "judged_model": res.judged, "estimator": o.estimator,
                "missing": _missing_for(ctx, "cfa")}, folder / "models.json")
    fits = {m: {"converged": r.converged, "n_obs": r.n_obs, "fit": dict(r.fit),
                "warnings": [w.to_dict() for w in r.warnings]} for m, r in res.fits.items()}
    write_json({"estimator": o.estimator, "missing": _missing_for(ctx, "cfa"),
                "judged_model": res.judged, "models": fits}, folder / "fits.json")
    rows = [{"model": m, "converged": r.converged, "n_obs": r.n_obs,
             **{c: r.fit.get(c) for c in _FIT_COLUMNS}} for m, r in res.fits.items()]
    write_csv(pd.DataFrame(rows), folder / "fit_measures.csv")
    for m, r in res.fits.items():
        out = r.to_dict()
        out["model_syntax"] = res.models[m].syntax
        if m == res.judged and res.modindices is not None:
            out["modindices_top"] = res.modindices.head(10).to_dict("records")
            out["residual_correlations_top"] = r.top_residuals(10).to_dict("records")
        write_json(out, folder / f"{m}.json")
        write_csv(r.parameters, folder / f"parameters_{m}.csv")
    if res.modindices is not None:
        write_csv(res.modindices, folder / "modindices.csv")
    write_json(res.comparison, folder / "comparison.json")
    write_text(lavaan_script(res.models, ctx.key, data_file="screening/responses.csv",
                             estimator=o.estimator, missing=_missing_for(ctx, "cfa"),
                             ordered=o.estimator == "WLSMV"),
               folder / "lavaan.R")


# -- invariance, validity -----------------------------------------------------------------------
@dataclass(frozen=True)
class InvarianceStageResult:
    """The invariance result plus the item-level backward searches (:mod:`analysis.dif`)
    of the metric and scalar steps: items whose constraint does not hold even where the
    step passed the criteria's fit-index rule."""

    result: Any  # analysis.invariance.InvarianceResult
    searches: tuple[Any, ...] = ()  # analysis.dif.ItemSearch

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(self.result.warnings)

    @property
    def partial(self) -> tuple[dict[str, Any], ...]:
        return tuple(self.result.partial)

    def item_tests(self) -> pd.DataFrame:
        """The first fit's score tests per step, with the order in which items were freed."""
        frames = []
        for srch in self.searches:
            order = {f["parameter"]: i + 1 for i, f in enumerate(srch.freed)}
            t = srch.tests.copy()
            t.insert(0, "step", srch.step)
            t["k"], t["alpha"] = srch.k, srch.alpha
            t["freed_order"] = [order.get(p) for p in t["parameter"]]
            frames.append(t)
        cols = ["step", "parameter", "item", "X2", "df", "pvalue", "n_constraints", "k", "alpha",
                "freed_order"]
        return (pd.concat(frames, ignore_index=True)[cols] if frames
                else pd.DataFrame(columns=cols))


def _item_searches(res: Any, calls: dict[tuple, tuple], key: Key, alpha: float,
                   wanted: Sequence[str]) -> tuple[Any, ...]:
    from analysis.dif import KINDS, backward_search

    found: list[str] = []
    searches = []
    for step in res.steps:
        name = step["model"]
        if name not in KINDS or name not in wanted or not step.get("converged"):
            continue
        call = calls.get((tuple(step["group_equal"]), tuple(step["group_partial"])))
        if call is None:
            continue
        args, kwargs, out = call
        partial = list(step["group_partial"]) + [p for p in found
                                                 if p not in step["group_partial"]]

        def refit(group_partial: Sequence[str], args: Any = args, kwargs: Any = kwargs) -> Any:
            return kwargs["_fitter"](*args, **{k: v for k, v in kwargs.items()
                                               if k != "_fitter"},
                                     group_partial=tuple(group_partial))

        if partial != list(step["group_partial"]):
            out = refit(partial)
        srch = backward_search(name, out, refit, key, alpha=alpha, partial=partial)
        found += [f["parameter"] for f in srch.freed]
        searches.append(srch)
    return tuple(searches)


def run_invariance(ctx: Context) -> InvarianceStageResult:
    from analysis.invariance import measurement_invariance

    o = ctx.options
    if o.group is None:
        raise StageSkipped("no --group column given")
    data = analysed(ctx)
    groups = data.meta[o.group]
    if o.invariance_groups:
        label = {g: tok for tok in o.invariance_groups for g in tok.split("+")}
        text = groups.astype(str).where(groups.notna())
        left = text[~text.isin(list(label))].dropna().value_counts().sort_index()
        if len(left):
            _warn("groups_left_out", "--invariance-groups: " + ", ".join(
                f"{g} (n = {n})" for g, n in left.items()) + " not compared (their rows "
                "count under missing_group)")
        groups = text.map(label)
    calls: dict[tuple, tuple] = {}
    fitter = _engine_fitter()

    def keep(*args: Any, **kwargs: Any) -> Any:
        out = fitter(*args, **kwargs)
        group_partial = tuple(kwargs.pop("group_partial", ()))
        calls[(tuple(kwargs.get("group_equal", ())), group_partial)] = (
            args, {**kwargs, "_fitter": fitter}, out)
        return out

    res = measurement_invariance(
        data.items, groups, ctx.key, estimator=o.estimator,
        missing=_missing_for(ctx, "cfa"), criterion=ctx.criteria.invariance_rule,
        min_group_size=o.min_group_size, group_name=o.group, fitter=keep)
    searches: tuple[Any, ...] = ()
    if o.estimator == "WLSMV":
        _warn("item_search_unavailable", "the item-level backward search needs score tests "
              "of ordinal models, not available in this version")
    else:
        searches = _item_searches(res, calls, ctx.key, ctx.criteria.noninvariance_alpha,
                                  ctx.criteria.invariance_steps)
    return InvarianceStageResult(res, searches)


def check_invariance(res: InvarianceStageResult) -> str | None:
    r = res.result
    if r.steps and not any(s["estimable"] for s in r.steps):
        small = [w for w in r.warnings if "group_too_small" in w]
        return (small[0].split("] ", 1)[-1] if small else "no step was estimable")
    return None


def write_invariance(res: InvarianceStageResult, ctx: Context, folder: Path) -> None:
    write_json(_json_with_intake(res.result, analysed(ctx)), folder / "invariance.json")
    write_csv(res.result.to_frame(), folder / "steps.csv")
    write_csv(res.item_tests(), folder / "item_tests.csv")
    write_json({"method": "backward search (Jung & Yoon, 2016): free the constraint with the "
                          "largest univariate score test (lavTestScore) while p < alpha / k, "
                          "refit, test again (analysis.dif)",
                "noninvariance_alpha": ctx.criteria.noninvariance_alpha,
                "steps": {s.step: s.to_dict() for s in res.searches}},
               folder / "item_tests.json")


@dataclass(frozen=True)
class _HtmtOnly:
    """Validity without the CFA engine: HTMT only."""

    htmt: pd.DataFrame
    n_htmt: int
    method: str = "htmt2"

    def to_dict(self) -> dict[str, Any]:
        m = {str(r): {str(c): float(self.htmt.loc[r, c]) for c in self.htmt.columns}
             for r in self.htmt.index}
        return {"scales": list(map(str, self.htmt.columns)), "htmt": m,
                "htmt_method": self.method, "n_htmt": self.n_htmt,
                "composite_reliability": None, "ave": None, "fornell_larcker": None,
                "flags": [], "warnings": []}


def run_validity(ctx: Context) -> Any:
    from analysis.validity import htmt, validity

    items = analysed(ctx).items
    try:
        _fit_cfa()
    except StageSkipped:
        _warn("partial_stage", "HTMT only: CR, AVE and Fornell-Larcker need the CFA engine "
              f"(analysis.cfa.fit_cfa), which is {NOT_AVAILABLE}")
        table, n = htmt(items, ctx.key)
        return _HtmtOnly(table, n)
    est = ctx.options.estimator if ctx.options.estimator in ("ML", "MLR") else "ML"
    if est != ctx.options.estimator:
        _warn("estimator_substituted", "CR and AVE use ML point estimates (validity supports "
              "ML and MLR)")
    cfa = ctx.results.get("cfa")
    fit = cfa.fits.get("correlated") if cfa is not None else None
    if fit is None or est != ctx.options.estimator:
        return validity(items, ctx.key, estimator=est, missing=_missing_for(ctx, "cfa"))
    # the same model, data and options as validity() fits: reuse the CFA stage's fit
    from analysis.cfa._bridge import estimates_from_result
    from analysis.validity import validity_from_estimates

    table, n_htmt = htmt(items, ctx.key)
    factors, n_obs, notes = estimates_from_result(fit, ctx.key)
    return validity_from_estimates(factors, table, n_obs=n_obs, n_htmt=n_htmt,
                                   missing=_missing_for(ctx, "cfa"),
                                   reverse_scored=ctx.key.reverse_items, warnings=notes)


def write_validity(res: Any, ctx: Context, folder: Path) -> None:
    write_json(_json_with_intake(res, analysed(ctx)), folder / "validity.json")
    frame = res.htmt.copy()
    frame.insert(0, "scale", frame.index)
    write_csv(frame, folder / "htmt.csv")
    if hasattr(res, "to_frame"):
        write_csv(res.to_frame(), folder / "scales.csv")


# -- reduction ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReductionStageResult:
    """The proposal, the reduced key, and the reduced model refitted beside the full one."""

    proposal: Any  # analysis.reduction.ReductionProposal
    reduced_key: Key
    full_fit: Any
    reduced_fit: Any | None
    reliability_full: Any | None
    reliability_reduced: Any | None
    warnings: tuple[dict[str, str], ...] = field(default=())


def standardized_loadings(fit: Any, key: Key) -> dict[str, float]:
    """Item -> standardized loading (``std_all``) on its own scale's factor."""
    p = fit.parameters
    rows = p[p["op"] == "=~"]
    own = {i: key.scale_of(i) for i in key.items}
    return {str(r["rhs"]): float(r["std_all"]) for _, r in rows.iterrows()
            if own.get(str(r["rhs"])) == str(r["lhs"])}


def run_reduction(ctx: Context) -> ReductionStageResult:
    from analysis.cfa.models import correlated_factors
    from analysis.reduction import (
        cross_loading_flags,
        item_search_flags,
        modification_flags,
        noninvariant_flags,
        propose_reduction,
        reduced_key,
        weak_loading_flags,
    )
    from analysis.reliability import reliability

    key, c = ctx.key, ctx.criteria
    cfa = ctx.result("cfa")
    full = cfa.fits.get("correlated")
    if full is None or not full.converged:
        raise StageSkipped("the key's correlated-factors model did not converge")
    lam = standardized_loadings(full, key)
    notes: list[str] = []
    flags = weak_loading_flags(lam, c.weak_loading_below)
    efa = ctx.results.get("dimensionality")
    if efa is not None and efa.congruence is not None:
        factor_of = {s: v["factor"] for s, v in efa.congruence.by_scale.items()}
        flags += cross_loading_flags(efa.loadings, factor_of, key, c.cross_secondary_at_least,
                                     c.cross_gap_below)
    else:
        notes.append("cross_loading rule not applied: the EFA stage did not run")
    mi = cfa.modindices if cfa.judged == "correlated" else full.modindices()
    flags += modification_flags(mi, key, lam, c.mi_at_least, c.sepc_at_least)
    inv = ctx.results.get("invariance")
    if inv is not None:
        flags += noninvariant_flags(inv.partial, key)
        flags += item_search_flags(inv.searches, key)
    else:
        notes.append("non_invariant rule not applied: no invariance testing in this run")
    proposal = propose_reduction(key, flags, lam, c, notes)
    rkey = reduced_key(key, proposal.dropped)
    reduced_fit = rel_red = None
    warn: list[dict[str, str]] = []
    if proposal.dropped:
        reduced_fit = fit_model(ctx, correlated_factors(rkey), rkey)
        warn = [{"code": w.code, "message": f"reduced model: {w.message}"}
                for w in reduced_fit.warnings]
        rel_red = reliability(analysed(ctx).items, rkey,
                              missing=_missing_for(ctx, "reliability"))
    return ReductionStageResult(proposal, rkey, full, reduced_fit,
                                ctx.results.get("reliability"), rel_red, tuple(warn))


def _reduction_comparison(res: ReductionStageResult, ctx: Context) -> pd.DataFrame:
    rows = []
    for label, fit, key in (("full", res.full_fit, ctx.key),
                            ("reduced", res.reduced_fit, res.reduced_key)):
        if fit is None:
            continue
        rows.append({"model": label, "n_items": key.n_items, "converged": fit.converged,
                     "n_obs": fit.n_obs, **{c: fit.fit.get(c) for c in _FIT_COLUMNS}})
    return pd.DataFrame(rows)


def _alphas(rel: Any) -> dict[str, float] | None:
    return None if rel is None else {s: v.alpha for s, v in rel.scales.items()}


def write_reduction(res: ReductionStageResult, ctx: Context, folder: Path) -> None:
    p = res.proposal
    comparison = _reduction_comparison(res, ctx)
    out = p.to_dict()
    out.update(
        by_scale=p.by_scale(ctx.key), estimator=ctx.options.estimator,
        standardized_loadings=standardized_loadings(res.full_fit, ctx.key),
        comparison={"fit": comparison.to_dict("records"),
                    "alpha_full": _alphas(res.reliability_full),
                    "alpha_reduced": _alphas(res.reliability_reduced),
                    "note": "The reduced model has fewer items, so it is not nested in the "
                            "full one: compare the fit indices, not a chi-square difference. "
                            "It was chosen on these data: confirm it on new data."},
        reduced_key_sha256=res.reduced_key.sha256(), applied=ctx.options.reduce)
    write_json(out, folder / "proposal.json")
    write_csv(p.to_frame(), folder / "decisions.csv")
    write_csv(comparison, folder / "comparison.csv")
    res.reduced_key.save(folder / "key_reduced.yaml")
    if res.reduced_fit is not None:
        write_json(res.reduced_fit.to_dict(), folder / "reduced_model.json")


# -- scoring and aggregation --------------------------------------------------------------------
@dataclass(frozen=True)
class ScoringStageResult:
    """The scheme, the scores of the analysed sample, and which key they use."""

    scheme: Any
    scores: Any  # ScoreResult
    key: Key
    reduced: bool


def run_scoring(ctx: Context) -> ScoringStageResult:
    from analysis.scheme import derive_scheme

    o = ctx.options
    key, reduced = ctx.key, False
    if o.reduce:
        red = ctx.results.get("reduction")
        if red is None:
            _warn("reduce_unavailable", "--reduce was given but the reduction stage did not "
                  "run: the scheme uses the full key")
        elif red.proposal.dropped:
            key, reduced = red.reduced_key, True
    data = analysed(ctx)
    label = ""
    if ctx.synthetic:
        label = ("DEMO scheme: norms from SYNTHETIC data; not for interpreting real "
                 "respondents.")
    scheme = derive_scheme(data, key, group=o.group, estimator=o.estimator,
                           synthetic=ctx.synthetic, seeds={"analysis": o.seed}, label=label,
                           description=f"lospw analyze of {Path(o.data).name}")
    groups = data.meta[o.group] if o.group else None
    scores = scheme.score_items(data.items, groups)
    return ScoringStageResult(scheme, scores, key, reduced)


def write_scoring(res: ScoringStageResult, ctx: Context, folder: Path) -> None:
    o = ctx.options
    data = analysed(ctx)
    res.scheme.save(folder / "scheme.json")
    table = res.scores.to_frame()
    codes = pseudonyms(data).reindex(table.index)
    front = pd.DataFrame({"respondent": codes.to_numpy(), "row": table.index.astype(int)},
                         index=table.index)
    for col in (o.group, o.cluster):
        if col:
            front[col] = data.meta[col]
    write_csv(pd.concat([front, table], axis=1), folder / "scores.csv")
    summary = res.scores.to_dict()
    summary.update(key="reduced" if res.reduced else "full", instrument=res.key.instrument,
                   scales={**summary["scales"]},
                   items={s.name: list(s.items) for s in res.key.scales},
                   synthetic=ctx.synthetic)
    write_json(summary, folder / "summary.json")


def run_aggregation(ctx: Context) -> Any:
    from analysis.aggregate import aggregate

    o = ctx.options
    if o.cluster is None:
        raise StageSkipped("no --cluster column given")
    sc = ctx.result("scoring")
    data = analysed(ctx)
    return aggregate(sc.scores.scores, data.items, data.meta[o.cluster], sc.key, by=o.cluster)


def write_aggregation(res: Any, ctx: Context, folder: Path) -> None:
    from analysis.profile_chart import write_profile_charts

    sc = ctx.results["scoring"]
    write_json(res.to_dict(), folder / "aggregation.json")
    write_csv(res.to_frame(), folder / "profiles.csv")
    write_csv(res.scales, folder / "scales.csv")
    rs = sc.key.response_scale
    overall = {s: float(sc.scores.scores[s].mean()) for s in sc.key.scale_names}
    note = ("SYNTHETIC data; " if ctx.synthetic else "") + f"lospw analyze: {sc.key.instrument}"
    write_profile_charts(res.profiles, folder / "charts", low=rs.min, high=rs.max,
                         scales=sc.key.scale_names, overall=overall, by=res.by, note=note)


# -- verdict ------------------------------------------------------------------------------------
def run_verdict(ctx: Context) -> Any:
    from analysis.verdict import verdict_from_dir

    return verdict_from_dir(ctx.outdir, ctx.criteria)


def write_verdict(res: Any, ctx: Context, folder: Path) -> None:
    from analysis.verdict import write_verdict as write

    write(res, ctx.criteria, folder)


STAGES: tuple[Stage, ...] = (
    Stage("intake", "intake and exclusion log", run_intake, write_intake_stage, fatal=True),
    Stage("screening", "careless-responding screening", run_screening, write_screening,
          requires=("intake",)),
    Stage("items", "item analysis", run_items, write_items, requires=("intake",)),
    Stage("reliability", "reliability", run_reliability, write_reliability,
          requires=("intake",)),
    Stage("dimensionality", "dimensionality and EFA", run_dimensionality,
          write_dimensionality, requires=("intake",), uses_seed=True),
    Stage("cfa", "competing CFA models", run_cfa, write_cfa, requires=("intake",),
          uses_estimator=True),
    Stage("invariance", "measurement invariance", run_invariance, write_invariance,
          requires=("intake",), uses_estimator=True, check=check_invariance),
    Stage("validity", "convergent and discriminant validity", run_validity, write_validity,
          requires=("intake",), uses_estimator=True),
    Stage("reduction", "item-reduction proposal", run_reduction, write_reduction,
          requires=("cfa",), uses_estimator=True, uses_seed=True),
    Stage("scoring", "scoring scheme and norms", run_scoring, write_scoring,
          requires=("intake",), uses_estimator=True),
    Stage("aggregation", "workplace aggregation", run_aggregation, write_aggregation,
          requires=("scoring",)),
)
VERDICT = Stage("verdict", "verdict table", run_verdict, write_verdict)
