"""The stages of ``lospw analyze``: thin adapters from the :class:`~lospw.analysis.pipeline.context.Context`
to the stage modules, and writers of their artifacts.

No statistic is computed here: every number comes from the stage's own module
(:mod:`lospw.analysis.intake.responses`, :mod:`lospw.analysis.intake.screening`, :mod:`lospw.analysis.classical.reliability`,
:mod:`lospw.analysis.efa.efa`, :mod:`lospw.analysis.cfa`, :mod:`lospw.analysis.validation.invariance`, :mod:`lospw.analysis.validation.validity`,
:mod:`lospw.analysis.validation.reduction`, :mod:`lospw.analysis.scoring.derive`, :mod:`lospw.analysis.scoring.aggregate`,
:mod:`lospw.analysis.pipeline.verdict`). The JSON artifacts of the
single-stage commands' shape (``lospw reliability --json`` ...) are written as those commands
print them, so the two agree number for number.

The artifact layout is documented in DESIGN.md, "Artifacts of lospw analyze".
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.classical.items import item_stats
from lospw.analysis.classical.reliability import reliability
from lospw.analysis.core.artifacts import write_csv, write_json
from lospw.analysis.core.design import key_without, never_asked
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import Key
from lospw.analysis.efa.efa import efa
from lospw.analysis.intake.artifacts import write_intake
from lospw.analysis.intake.reading import read_input
from lospw.analysis.intake.responses import IntakeResult, pseudonyms
from lospw.analysis.intake.screening import screen_intake
from lospw.analysis.intake.waves import first_wave
from lospw.analysis.pipeline import verdict
from lospw.analysis.pipeline.context import (
    Context,
    Stage,
    StageSkipped,
    analysed,
    json_with_intake,
    missing_for,
    portable_name,
    warn,
)
from lospw.analysis.pipeline.stages_fit_reliability import (
    reliability_with_models,
    run_dynamic,
    write_dynamic,
)
from lospw.analysis.pipeline.stages_model import (
    check_invariance,
    run_cfa,
    run_invariance,
    run_reduction,
    run_validity,
    write_cfa,
    write_invariance,
    write_reduction,
    write_validity,
)
from lospw.analysis.pipeline.stages_multilevel import run_multilevel, write_multilevel
from lospw.analysis.pipeline.stages_waves import (
    run_longitudinal,
    run_trajectories,
    write_longitudinal,
    write_trajectories,
)
from lospw.analysis.scoring.aggregate import aggregate
from lospw.analysis.scoring.derive import derive_scheme
from lospw.analysis.scoring.profiles import write_profile_charts
from lospw.analysis.scoring.scheme_io import save_scheme
from lospw.analysis.scoring.scores import check_score_columns

__all__ = ["STAGES", "VERDICT", "ScoringStageResult", "analysed"]


# -- intake and screening -------------------------------------------------------------------
def _first_wave(ctx: Context, res: IntakeResult) -> IntakeResult:
    """Long data (``--wave``): the cross-sectional stages analyse the first wave; the wave
    stages read every wave (``ctx.results["all_waves"]``). Later-wave rows are logged with
    the reason ``later_wave``."""
    ctx.results["all_waves"] = res
    return first_wave(res, ctx.options.wave, detail="analysed by the wave stages "
                      "(longitudinal, trajectories) only")


def run_intake(ctx: Context) -> IntakeResult:
    o, key = ctx.options, ctx.key
    read = o.read if o.id_column is None else dataclasses.replace(o.read,
                                                                  id_column=o.id_column)
    if o.wave is not None:
        read = dataclasses.replace(read, id_within=o.wave)
    res = read_input(o.data, key, read)
    if o.wave is not None and o.wave in res.meta.columns:
        res = _first_wave(ctx, res)
    for option, col in (("group", o.group), ("cluster", o.cluster)):
        if col is not None and col not in res.meta.columns:
            others = ", ".join(map(str, res.meta.columns)) or "none"
            raise InputError(f"{portable_name(o.data)}: no {option} column {col!r}; the non-item "
                             f"columns are {others}. Name one of them with --{option}.")
    _check_rows_left(ctx, res)
    _check_ordered(ctx, res)
    _drop_items_not_asked(ctx, res)
    if o.invariance_groups:
        present = set(res.meta[o.group].dropna().astype(str))
        absent = [g for tok in o.invariance_groups for g in tok.split("+") if g not in present]
        if absent:
            raise InputError(f"{portable_name(o.data)}: --invariance-groups names group(s) "
                             f"{', '.join(absent)} that column {o.group!r} does not have; its "
                             f"groups are {', '.join(sorted(present))}.")
    return res


def _check_rows_left(ctx: Context, res: IntakeResult) -> None:
    """A run with no row left to analyse is refused as a whole (exit 2), naming why the
    rows were left out and the most frequent cell problem: no stage could use the data."""
    if res.n_analysed > 0:
        return
    why = "; ".join(f"{r}: {n}" for r, n in res.exclusions["reason"].value_counts().items())
    cells = res.cell_log["problem"].value_counts()
    worst = f"; cells: {cells.index[0]} {int(cells.iloc[0])}" if len(cells) else ""
    raise InputError(f"{portable_name(ctx.options.data)}: no row is left to analyse: all "
                     f"{res.n_read} rows read were left out ({why or 'no rows'}{worst}). "
                     "Check the key's response_scale and missing_codes against the data "
                     "('lospw intake' writes the exclusion and cell logs).")


def _check_ordered(ctx: Context, res: IntakeResult) -> None:
    """WLSMV treats every item as ordered categories: answers that are not whole numbers
    make the option and the data disagree, which is refused for the run as a whole."""
    if ctx.options.estimator != "WLSMV":
        return
    values = res.items.to_numpy(dtype=float)
    odd = np.isfinite(values) & (values != np.round(values))
    if odd.any():
        row, col = np.argwhere(odd)[0]
        raise InputError(f"{portable_name(ctx.options.data)}: --estimator WLSMV needs ordered "
                         f"answers (whole numbers); item {res.items.columns[col]!r} has "
                         f"{float(values[row, col])!r}. Use --estimator ML or MLR for "
                         "continuous scores.")


def _drop_items_not_asked(ctx: Context, res: IntakeResult) -> None:
    """Items the key's design asks of no respondent in the data (their groups were not
    sampled) cannot be analysed: the run goes on with the key without them, and says so."""
    never = never_asked(res.asked, ctx.key)
    if not never:
        return
    if len(never) == ctx.key.n_items or any(
            all(i in never for i in s.items) for s in ctx.key.scales):
        raise InputError(f"{portable_name(ctx.options.data)}: the key's design asks no respondent "
                         f"in the data the items {', '.join(never)}, leaving a scale empty. "
                         f"Check column {ctx.key.design_column!r} against the key's design.")
    warn("items_not_asked", f"{', '.join(never)}: asked (key design, column "
         f"{ctx.key.design_column!r}) only of groups with no respondent in the data; left "
         "out of every analysis after the intake")
    ctx.key = key_without(ctx.key, never, "items asked of no group in the data")
    ctx.key.save(ctx.outdir / "key.yaml")  # the key the run analyses (provenance: the input)


def write_intake_stage(res: IntakeResult, ctx: Context, folder: Path) -> None:

    write_intake(res, ctx.key, folder, None, keep=(ctx.options.group, ctx.options.cluster),
                 screening_mode="off", group=ctx.options.group)


def run_screening(ctx: Context) -> tuple[IntakeResult, Any]:

    o = ctx.options
    if o.screen == "off":
        raise StageSkipped("screening is off (--screen off)")
    raw = ctx.result("intake")
    return screen_intake(raw, exclude=o.screen == "exclude", min_flags=o.min_flags)


def write_screening(res: tuple[IntakeResult, Any], ctx: Context, folder: Path) -> None:

    data, scr = res
    write_intake(data, ctx.key, folder, scr, keep=(ctx.options.group, ctx.options.cluster),
                 screening_mode=ctx.options.screen, group=ctx.options.group)


# -- items, reliability, dimensionality -----------------------------------------------------
def run_items(ctx: Context) -> Any:
    data = analysed(ctx)
    return item_stats(data.items, ctx.key, missing=missing_for(ctx, "reliability"),
                      asked=data.asked)


def write_items(res: Any, ctx: Context, folder: Path) -> None:
    write_json(json_with_intake(res, analysed(ctx)), folder / "items.json")
    if hasattr(res, "to_frame"):
        write_csv(res.to_frame(), folder / "items.csv")


def run_reliability(ctx: Context) -> Any:
    res = reliability(analysed(ctx).items, ctx.key, missing=missing_for(ctx, "reliability"))
    return reliability_with_models(ctx, res)


def write_reliability(res: Any, ctx: Context, folder: Path) -> None:
    write_json(json_with_intake(res, analysed(ctx)), folder / "reliability.json")
    write_csv(res.to_frame(), folder / "scales.csv")
    write_csv(pd.concat([s.to_frame() for s in res.scales.values()], ignore_index=True),
              folder / "items.csv")


def _efa_correlation(ctx: Context) -> str:
    return "polychoric" if ctx.options.estimator == "WLSMV" else "pearson"


def run_dimensionality(ctx: Context) -> Any:
    return efa(analysed(ctx).items, ctx.key, cor=_efa_correlation(ctx),
               missing=missing_for(ctx, "efa"), rng=ctx.options.seed)


def write_dimensionality(res: Any, ctx: Context, folder: Path) -> None:
    write_json(json_with_intake(res, analysed(ctx)), folder / "efa.json")
    frame = res.to_frame()
    frame.insert(0, "item", frame.index)
    write_csv(frame, folder / "loadings.csv")


# -- scoring and aggregation --------------------------------------------------------------------
@dataclass(frozen=True)
class ScoringStageResult:
    """The scheme, the scores of the analysed sample, and which key they use."""

    scheme: Any
    scores: Any  # ScoreResult
    key: Key
    reduced: bool


def run_scoring(ctx: Context) -> ScoringStageResult:

    o = ctx.options
    key, reduced = ctx.key, False
    if o.reduce:
        red = ctx.results.get("reduction")
        if red is None:
            warn("reduce_unavailable", "--reduce was given but the reduction stage did not "
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
    scores = scheme.score_items(data.items, groups, data.asked)
    check_score_columns(scores.scales, reserved=_scores_front(o))
    return ScoringStageResult(scheme, scores, key, reduced)


def _scores_front(o: Any) -> dict[str, str]:
    """The columns of scores.csv before the scales' (name -> what it is)."""
    front = {"respondent": "the pseudonym column 'respondent'",
             "row": "the input-row column 'row'"}
    for flag, col in (("--group", o.group), ("--cluster", o.cluster)):
        if col:
            front.setdefault(col, f"the {flag} column {col!r}")
    return front


def write_scoring(res: ScoringStageResult, ctx: Context, folder: Path) -> None:
    o = ctx.options
    data = analysed(ctx)
    save_scheme(res.scheme, folder / "scheme.json")
    table = res.scores.to_frame()
    codes = pseudonyms(data).reindex(table.index)
    front = pd.DataFrame({"respondent": codes.to_numpy(), "row": table.index.astype(int)},
                         index=table.index)
    for col in (o.group, o.cluster):
        if col and col not in front.columns:
            front[col] = data.meta[col]
        elif col:  # a group column called row or respondent: lospw's columns stay
            front[f"{col}.2"] = data.meta[col]
    write_csv(pd.concat([front, table], axis=1), folder / "scores.csv")
    summary = res.scores.to_dict()
    summary.update(key="reduced" if res.reduced else "full", instrument=res.key.instrument,
                   scales={**summary["scales"]},
                   items={s.name: list(s.items) for s in res.key.scales},
                   synthetic=ctx.synthetic)
    write_json(summary, folder / "summary.json")


def run_aggregation(ctx: Context) -> Any:

    o = ctx.options
    if o.cluster is None:
        raise StageSkipped("no --cluster column given")
    sc = ctx.result("scoring")
    data = analysed(ctx)
    return aggregate(sc.scores.scores, data.items, data.meta[o.cluster], sc.key, by=o.cluster)


def write_aggregation(res: Any, ctx: Context, folder: Path) -> None:

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

    return verdict.verdict_from_dir(ctx.outdir, ctx.criteria)


def write_verdict(res: Any, ctx: Context, folder: Path) -> None:

    verdict.write_verdict(res, ctx.criteria, folder)


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
    Stage("dynamic", "dynamic fit cutoffs", run_dynamic, write_dynamic, requires=("cfa",),
          uses_estimator=True, uses_seed=True),
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
    Stage("multilevel", "two-level CFA and multilevel reliability", run_multilevel,
          write_multilevel, requires=("intake",)),
    Stage("longitudinal", "invariance across waves and latent change", run_longitudinal,
          write_longitudinal, requires=("intake",), uses_estimator=True),
    Stage("trajectories", "workplace trajectories over waves", run_trajectories,
          write_trajectories, requires=("scoring",)),
)
VERDICT = Stage("verdict", "verdict table", run_verdict, write_verdict)
