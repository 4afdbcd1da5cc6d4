"""The model-based stages of ``lospw analyze``: competing CFA models, invariance (with the
item-level backward search), validity and the item-reduction proposal. Adapters only: the
numbers come from :mod:`lospw.analysis.cfa`, :mod:`lospw.analysis.validation.invariance`, :mod:`lospw.analysis.validation.dif`,
:mod:`lospw.analysis.validation.validity` and :mod:`lospw.analysis.validation.reduction`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from lospw.analysis.cfa import fit_cfa
from lospw.analysis.cfa.modindices import modindices
from lospw.analysis.classical.reliability import reliability
from lospw.analysis.core.artifacts import write_csv, write_json, write_text
from lospw.analysis.core.design import key_without
from lospw.analysis.core.errors import LospwError
from lospw.analysis.core.errors import warn as warn_note
from lospw.analysis.core.key import Key
from lospw.analysis.core.warnings import Note
from lospw.analysis.intake.reading import treatment
from lospw.analysis.pipeline.context import (
    Context,
    StageSkipped,
    analysed,
    json_with_intake,
    missing_for,
    warn,
)
from lospw.analysis.pipeline.stages_fit_reliability import bifactor_block
from lospw.analysis.validation import fitting
from lospw.analysis.validation.compare import FIT_FAILURES, IMPROPER_CODES, compare_models
from lospw.analysis.validation.dif import KINDS, backward_search
from lospw.analysis.validation.invariance import (
    measurement_invariance,
    memo_score_tests,
    ordinal_step_syntax,
)
from lospw.analysis.validation.invariance_groups import choose_groups
from lospw.analysis.validation.models import competing_models, correlated_factors, lavaan_script
from lospw.analysis.validation.reduction import (
    cross_loading_flags,
    item_search_flags,
    modification_flags,
    noninvariant_flags,
    propose_reduction,
    reduced_key,
    weak_loading_flags,
)
from lospw.analysis.validation.validity import (
    estimates_from_result,
    htmt,
    validity,
    validity_from_estimates,
)

__all__ = ["CFAStageResult", "InvarianceStageResult", "ReductionStageResult", "check_invariance",
           "fit_model", "run_cfa", "run_invariance", "run_reduction", "run_validity",
           "standardized_loadings", "write_cfa", "write_invariance", "write_reduction",
           "write_validity"]


# -- CFA: competing models ----------------------------------------------------------------------
@dataclass(frozen=True)
class CFAStageResult:
    """The competing models, their fits and the comparison.

    A rival model the engine cannot fit is in ``failed`` (name -> why), not in ``fits``; the
    stage goes on without it (warning ``model_failed``). Only a failure of the key's own
    (judged) model fails the stage.
    """

    models: Any  # lospw.analysis.validation.models.ModelSet
    fits: dict[str, Any]  # model name -> CFAResult
    comparison: dict[str, Any]
    judged: str
    modindices: pd.DataFrame | None = None
    warnings: tuple[Note, ...] = field(default=())
    failed: dict[str, str] = field(default_factory=dict)


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


def _engine_fitter(*args: Any, **kwargs: Any) -> Any:
    """The engine's fitter for the FitOutcome-based stages, checked as :func:`_checked`."""
    out = fitting.engine_fitter(*args, **kwargs)
    _checked(out.result)
    return out


def fit_model(ctx: Context, syntax: str, key: Key | None = None) -> Any:
    """Fit one model with the run's estimator and missing-data policy."""
    return _checked(fit_cfa(_cfa_frame(ctx, key), syntax, estimator=ctx.options.estimator,
                            missing=missing_for(ctx, "cfa")))


def run_cfa(ctx: Context) -> CFAStageResult:

    o = ctx.options
    models = competing_models(ctx.key)
    judged = ctx.criteria.sv_model
    fits: dict[str, Any] = {}
    errors: dict[str, Exception] = {}  # model name -> why the engine could not fit it
    untested: list[Note] = []  # difference tests that could not be made
    if o.estimator in ("ML", "MLR"):

        by_syntax: dict[str, Any] = {}
        raised: dict[str, Exception] = {}
        def keep(data: pd.DataFrame, syntax: str, **kw: Any) -> Any:
            try:
                out = _engine_fitter(data, syntax, **kw)
            except FIT_FAILURES as exc:
                raised[syntax] = exc
                raise
            by_syntax[syntax] = out.result
            return out

        cmp = compare_models(analysed(ctx).items, ctx.key, estimator=o.estimator,
                             missing=missing_for(ctx, "cfa"), models=models, fitter=keep)
        fits = {m.name: by_syntax[m.syntax] for m in models.models if m.syntax in by_syntax}
        errors = {m.name: raised[m.syntax] for m in models.models if m.syntax in raised}
        comparison = cmp.to_dict()
        untested = [d["warning"] for d in cmp.differences if d.get("warning")]
    else:
        for spec in models.models:
            try:
                fits[spec.name] = fit_model(ctx, spec.syntax)
            except FIT_FAILURES as exc:
                errors[spec.name] = exc
        comparison = {"estimator": o.estimator, "best": None,
                      "note": "the model comparison (difference tests, best model) supports "
                              f"ML and MLR in this version; got {o.estimator}"}
    if judged in errors:  # the key's own model: nothing to judge
        raise errors[judged]
    failed = {m: f"model {m} could not be fitted: {exc}" for m, exc in errors.items()}
    notes = [Note(w.code, f"{m}: {w.message}", (*w.context, ("model", m)))
             for m, r in fits.items() for w in r.warnings]
    notes += [_failed_note(m, why) for m, why in failed.items()]
    notes += untested
    mi = modindices(fits[judged]) if judged in fits and fits[judged].converged else None
    return CFAStageResult(models, fits, comparison, judged, mi, tuple(notes), failed)


def _failed_note(model: str, why: str) -> Note:
    return Note("model_failed", why, {"model": model})


def _model_status(res: CFAStageResult) -> dict[str, str]:
    """Model name -> ``ok``, ``improper``, ``not_converged`` (as the comparison table says)."""

    table = {r["model"]: r["status"] for r in res.comparison.get("table", [])}
    return {m: table.get(m) or ("not_converged" if not r.converged else "improper"
                                if {w.code for w in r.warnings} & set(IMPROPER_CODES) else "ok")
            for m, r in res.fits.items()}


_FIT_COLUMNS = ("npar", "chisq", "df", "pvalue", "chisq_scaled", "df_scaled",
                "pvalue_scaled", "chisq_scaling_factor", "cfi", "tli", "cfi_scaled",
                "tli_scaled", "cfi_robust", "tli_robust", "rmsea", "rmsea_ci_lower",
                "rmsea_ci_upper", "rmsea_scaled", "rmsea_robust", "srmr", "aic", "bic")


def write_cfa(res: CFAStageResult, ctx: Context, folder: Path) -> None:
    o = ctx.options
    write_json({**res.models.to_dict(), "judged_model": res.judged, "estimator": o.estimator,
                "missing": missing_for(ctx, "cfa")}, folder / "models.json")
    status = _model_status(res)
    fits = {m: {"status": status[m], "converged": r.converged, "n_obs": r.n_obs,
                "fit": dict(r.fit), "warnings": [w.to_dict() for w in r.warnings]}
            for m, r in res.fits.items()}
    fits.update({m: {"status": "failed", "converged": False, "n_obs": None, "fit": {},
                     "warnings": [_failed_note(m, why).to_dict()]}
                 for m, why in res.failed.items()})
    fits = {m.name: fits[m.name] for m in res.models.models if m.name in fits}
    write_json({"estimator": o.estimator, "missing": missing_for(ctx, "cfa"),
                "judged_model": res.judged, "models": fits}, folder / "fits.json")
    rows = [{"model": m, "status": f["status"], "converged": f["converged"],
             "n_obs": f["n_obs"], **{c: f["fit"].get(c) for c in _FIT_COLUMNS}}
            for m, f in fits.items()]
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
    bifactor = bifactor_block(res, ctx.key)
    if bifactor is not None:
        write_json(bifactor, folder / "bifactor_indices.json")
    write_text(lavaan_script(res.models, ctx.key, data_file="screening/responses.csv",
                             estimator=o.estimator, missing=missing_for(ctx, "cfa"),
                             ordered=o.estimator == "WLSMV"),
               folder / "lavaan.R")


# -- invariance, validity -----------------------------------------------------------------------
@dataclass(frozen=True)
class InvarianceStageResult:
    """The invariance result plus the item-level backward searches (:mod:`lospw.analysis.validation.dif`)
    of the metric and scalar steps: items whose constraint does not hold even where the
    step passed the criteria's fit-index rule."""

    result: Any  # lospw.analysis.validation.invariance.InvarianceResult
    searches: tuple[Any, ...] = ()  # lospw.analysis.validation.dif.ItemSearch

    @property
    def warnings(self) -> tuple[Note, ...]:
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
    """The backward searches of the wanted steps. Ordered items (WLSMV) carry their
    constraints in the Wu & Estabrook syntax, so a step's call is found, and refitted with
    more parameters free, by that syntax (``ordinal_step_syntax``); their thresholds step is
    searched with the scalar one (both are about item location)."""

    ordinal = res.estimator == "WLSMV"
    if ordinal and "scalar" in wanted:
        wanted = ("thresholds", *wanted)
    found: list[str] = []
    searches = []
    for step in res.steps:
        name = step["model"]
        if name not in KINDS or name not in wanted or not step.get("converged"):
            continue
        text_of = None
        if ordinal:
            frame = next(iter(calls.values()))[0][0]
            n_thr = {i: int(frame[i].nunique()) - 1 for i in key.items}

            def text_of(partial: Sequence[str], name: str = name, n_thr: Any = n_thr) -> str:
                return ordinal_step_syntax(key, len(res.group_sizes), n_thr, name, partial)

            call = calls.get(((), (), text_of(step["group_partial"])))
        else:
            call = calls.get((tuple(step["group_equal"]), tuple(step["group_partial"]), None))
        if call is None:
            continue
        args, kwargs, out = call
        partial = list(step["group_partial"]) + [p for p in found
                                                 if p not in step["group_partial"]]

        def refit(group_partial: Sequence[str], args: Any = args, kwargs: Any = kwargs,
                  text_of: Any = text_of) -> Any:
            if text_of is not None:
                args, group_partial = (args[0], text_of(group_partial)), ()
            return memo_score_tests(kwargs["_fitter"](
                *args, **{k: v for k, v in kwargs.items() if k != "_fitter"},
                group_partial=tuple(group_partial)))

        if partial != list(step["group_partial"]):
            out = refit(partial)
        srch = backward_search(name, out, refit, key, alpha=alpha, partial=partial)
        found += [f["parameter"] for f in srch.freed]
        searches.append(srch)
    return tuple(searches)


def run_invariance(ctx: Context) -> InvarianceStageResult:

    o = ctx.options
    if o.group is None:
        raise StageSkipped("no --group column given")
    data = analysed(ctx)
    groups, said = choose_groups(data.meta[o.group], invariance_groups=o.invariance_groups,
                                 min_group_size=o.min_group_size, n_items=ctx.key.n_items)
    for note in said:
        warn_note(note)
    key = _key_asked_in_every_group(ctx.key, data, groups)
    calls: dict[tuple, tuple] = {}
    fitter = _engine_fitter

    def keep(*args: Any, **kwargs: Any) -> Any:
        out = memo_score_tests(fitter(*args, **kwargs))
        group_partial = tuple(kwargs.pop("group_partial", ()))
        text = args[1] if kwargs.get("ordered") else None   # ordinal: the syntax is the step
        calls[(tuple(kwargs.get("group_equal", ())), group_partial, text)] = (
            args, {**kwargs, "_fitter": fitter}, out)
        return out

    res = measurement_invariance(
        data.items, groups, key, estimator=o.estimator,
        missing=missing_for(ctx, "cfa"), criterion=ctx.criteria.invariance_rule,
        min_group_size=o.min_group_size, group_name=o.group, fitter=keep)
    searches = _item_searches(res, calls, key, ctx.criteria.noninvariance_alpha,
                              ctx.criteria.invariance_steps)
    return InvarianceStageResult(res, searches)


def _key_asked_in_every_group(key: Key, data: Any, groups: pd.Series) -> Key:
    """The key without the items some compared group was not asked (the key's design):
    invariance compares what every group answered; a warning names the items left out."""
    if data.asked is None:
        return key
    compared = [g for g in pd.unique(groups.dropna())]
    lacking = [i for i in key.items
               if any(not data.asked.loc[(groups == g).to_numpy(), i].any() for g in compared)]
    if not lacking:
        return key
    empty = [s.name for s in key.scales if all(i in lacking for i in s.items)]
    if empty:
        raise StageSkipped(f"scale(s) {', '.join(empty)} have no item every compared group "
                           "was asked (key design)")
    warn("items_not_asked_in_group", f"{', '.join(lacking)}: not asked of every compared "
         "group (key design); left out of the invariance models")
    return key_without(key, lacking, "invariance on the items every compared group was asked")


def check_invariance(res: InvarianceStageResult) -> str | None:
    r = res.result
    if r.steps and not any(s["estimable"] for s in r.steps):
        code = next((s.get("reason") for s in r.steps if s.get("reason")), None)
        said = [w.message for w in r.warnings if code and w.code == code]
        if said:
            return said[0]
        return "no step was estimable" + (f" ({code})" if code else "")
    return None


def write_invariance(res: InvarianceStageResult, ctx: Context, folder: Path) -> None:
    write_json(json_with_intake(res.result, analysed(ctx)), folder / "invariance.json")
    write_csv(res.result.to_frame(), folder / "steps.csv")
    write_csv(res.item_tests(), folder / "item_tests.csv")
    write_json({"method": "backward search (Jung & Yoon, 2016): free the constraint with the "
                          "largest univariate score test (lavTestScore) while p < alpha / k, "
                          "refit, test again (lospw.analysis.validation.dif)",
                "noninvariance_alpha": ctx.criteria.noninvariance_alpha,
                "steps": {s.step: s.to_dict() for s in res.searches}},
               folder / "item_tests.json")


def run_validity(ctx: Context) -> Any:

    items = analysed(ctx).items
    # planned missingness: complete rows would be only the groups asked every item
    h_missing = ("pairwise" if analysed(ctx).asked is not None
                 and ctx.options.missing != "listwise" else "listwise")
    if h_missing == "pairwise":
        warn("htmt_pairwise", "HTMT from pairwise-complete correlations: with the key's "
             "design, complete rows are only the groups asked every item")
    est = ctx.options.estimator if ctx.options.estimator in ("ML", "MLR") else "ML"
    if est != ctx.options.estimator:
        warn("estimator_substituted", "CR and AVE use ML point estimates (validity supports "
              "ML and MLR)")
    cfa = ctx.results.get("cfa")
    fit = cfa.fits.get("correlated") if cfa is not None else None
    if fit is None or est != ctx.options.estimator:
        return validity(items, ctx.key, estimator=est,
                        missing=treatment(ctx.options.missing, "cfa", est),
                        htmt_missing=h_missing)
    # the same model, data and options as validity() fits: reuse the CFA stage's fit

    table, n_htmt = htmt(items, ctx.key, missing=h_missing)
    factors, n_obs, notes = estimates_from_result(fit, ctx.key)
    return validity_from_estimates(factors, table, n_obs=n_obs, n_htmt=n_htmt,
                                   missing=missing_for(ctx, "cfa"),
                                   reverse_scored=ctx.key.reverse_items, warnings=notes)


def write_validity(res: Any, ctx: Context, folder: Path) -> None:
    write_json(json_with_intake(res, analysed(ctx)), folder / "validity.json")
    frame = res.htmt.copy()
    # the first column names the rows: 'scale', unless a scale has that name
    taken = set(map(str, frame.columns))
    label = next(c for c in ("scale", *(f"scale_{k}" for k in range(1, len(taken) + 2)))
                 if c not in taken)
    frame.insert(0, label, frame.index)
    write_csv(frame, folder / "htmt.csv")
    if hasattr(res, "to_frame"):
        write_csv(res.to_frame(), folder / "scales.csv")


# -- reduction ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReductionStageResult:
    """The proposal, the reduced key, and the reduced model refitted beside the full one."""

    proposal: Any  # lospw.analysis.validation.reduction.ReductionProposal
    reduced_key: Key
    full_fit: Any
    reduced_fit: Any | None
    reliability_full: Any | None
    reliability_reduced: Any | None
    warnings: tuple[Note, ...] = field(default=())


def standardized_loadings(fit: Any, key: Key) -> dict[str, float]:
    """Item -> standardized loading (``std_all``) on its own scale's factor."""
    p = fit.parameters
    rows = p[p["op"] == "=~"]
    own = {i: key.scale_of(i) for i in key.items}
    return {str(r["rhs"]): float(r["std_all"]) for _, r in rows.iterrows()
            if own.get(str(r["rhs"])) == str(r["lhs"])}


def run_reduction(ctx: Context) -> ReductionStageResult:

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
    mi = cfa.modindices if cfa.judged == "correlated" else modindices(full)
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
    reduced_notes: list[Note] = []
    if proposal.dropped:
        reduced_fit = fit_model(ctx, correlated_factors(rkey), rkey)
        reduced_notes = [Note(w.code, f"reduced model: {w.message}",
                              (*w.context, ("model", "reduced")))
                         for w in reduced_fit.warnings]
        rel_red = reliability(analysed(ctx).items, rkey,
                              missing=missing_for(ctx, "reliability"))
    return ReductionStageResult(proposal, rkey, full, reduced_fit,
                                ctx.results.get("reliability"), rel_red, tuple(reduced_notes))


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


