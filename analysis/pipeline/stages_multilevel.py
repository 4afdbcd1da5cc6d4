"""The two-level stage of ``lospw analyze --cluster``: a two-level CFA of the key's scales
(the same structure at both levels, loadings equal across levels) and each scale's
multilevel reliability (Lai, 2021) beside the aggregation stage's ICC(1), ICC(2) and mean
rwg(j). Adapters only: the numbers come from :mod:`lospw.analysis.cfa.twolevel` and
:mod:`lospw.analysis.cfa.twolevel_reliability`.

Skipped, with the reason, when there is no cluster column or when the clusters are too few
for a two-level CFA (:data:`lospw.analysis.cfa.twolevel.MIN_CLUSTERS`; the engine's
refusal is the stated reason).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from lospw.analysis.cfa.twolevel import fit_twolevel
from lospw.analysis.cfa.twolevel_reliability import multilevel_reliability
from lospw.analysis.core.artifacts import write_csv, write_json, write_text
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.warnings import Note, notes_to_dicts
from lospw.analysis.intake.reading import treatment
from lospw.analysis.pipeline.context import Context, StageSkipped, analysed
from lospw.analysis.validation.twolevel_models import twolevel_model

__all__ = ["MultilevelStageResult", "run_multilevel", "write_multilevel"]

#: The between-level structure fitted by the pipeline (see twolevel_models).
STRUCTURE = "same"


@dataclass(frozen=True)
class MultilevelStageResult:
    """The two-level fit, the per-scale reliability table, its warnings (e.g.
    ``unequal_level_loadings``) and notes on what is shown."""

    fit: Any            # TwoLevelResult
    model: str
    reliability: pd.DataFrame
    notes: tuple[str, ...] = ()
    warnings: tuple[Note, ...] = ()


def run_multilevel(ctx: Context) -> MultilevelStageResult:
    o = ctx.options
    if o.cluster is None:
        raise StageSkipped("no --cluster column given")
    data = analysed(ctx)
    key = ctx.key
    frame = key.reverse_score(data.items[list(key.items)])
    frame[o.cluster] = data.meta[o.cluster]
    model = twolevel_model(key, STRUCTURE)
    missing = treatment(o.missing, "cfa", "ML")      # available / fiml -> two-level FIML
    try:
        res = fit_twolevel(frame, model, o.cluster, missing=missing)
    except InputError as exc:
        raise StageSkipped(str(exc)) from None
    if not res.converged:
        raise StageSkipped("the two-level CFA did not converge; no multilevel reliability")
    scales = [s.name for s in key.scales if len(s.items) > 1]
    rel = multilevel_reliability(res, config=scales, shared=scales)
    table = rel.table.drop(columns="n_items").rename_axis("scale").reset_index()
    notes: list[str] = []
    agg = ctx.results.get("aggregation")
    if agg is not None:
        icc = agg.scales.set_index("scale")[["icc1", "icc2"]]
        rwg = agg.profiles.groupby("scale")["rwg_j"].mean().rename("rwg_j_mean")
        table = table.join(icc, on="scale").join(rwg, on="scale")
    else:
        notes.append("the aggregation stage did not run: ICC(1), ICC(2) and rwg(j) are not "
                     "shown beside the reliabilities")
    return MultilevelStageResult(res, model, table, tuple(notes), (*res.warnings, *rel.warnings))


def write_multilevel(res: MultilevelStageResult, ctx: Context, folder: Path) -> None:
    out = res.fit.to_dict()
    out.update(model_syntax=res.model, structure=STRUCTURE, synthetic=ctx.synthetic,
               reliability=res.reliability.astype(object).where(res.reliability.notna(), None)
               .to_dict("records"), notes=list(res.notes),
               reliability_warnings=notes_to_dicts(res.warnings))
    write_json(out, folder / "twolevel_cfa.json")
    write_csv(res.fit.parameters, folder / "parameters.csv")
    write_csv(res.reliability, folder / "reliability.csv")
    icc = res.fit.icc.rename("icc").rename_axis("item").reset_index()
    write_csv(icc, folder / "icc_items.csv")
    write_text(res.fit.to_lavaan_syntax(), folder / "twolevel_cfa.R")
