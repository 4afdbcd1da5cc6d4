"""The ``dynamic`` stage of ``lospw analyze`` and the model-based reliability artifacts:
McNeish & Wolf's dynamic fit cutoffs of the judged CFA model, the bifactor indices of the CFA
stage's bifactor rival, and categorical omega in the reliability stage. Adapters only: the
numbers come from :mod:`lospw.analysis.planning.dynamic` and
:mod:`lospw.analysis.validation.model_reliability`.

Artifacts
---------
``dynamic/dynamic.json``
    ``lospw cfa --dynamic --json``'s ``"dynamic"`` block plus ``model_name`` (the judged
    model) and ``model_syntax``.
``dynamic/cutoffs.csv``
    One row per level: the misspecification and the cutoff and rule of each index.
``dynamic/replications.csv``
    Every replication (population 0 = the model itself, L = level L): the indices and
    whether the fit converged. The report draws the distributions from it.
``cfa/bifactor_indices.json``
    The bifactor indices (Rodriguez, Reise & Haviland, 2016) of the CFA stage's
    ``bifactor`` model when it converged (:func:`bifactor_block`); ``cfa/bifactor.json`` is that
    model's own fit, as for every rival.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from lospw.analysis.core.artifacts import write_csv, write_json
from lospw.analysis.core.warnings import Note
from lospw.analysis.pipeline.context import Context, StageSkipped, analysed, missing_for, warn
from lospw.analysis.planning.dynamic import dynamic_cutoffs
from lospw.analysis.validation.model_reliability import (
    BifactorReliability,
    bifactor_from_fit,
    items_are_ordinal,
    with_model_reliability,
)

__all__ = ["bifactor_block", "reliability_with_models", "run_dynamic", "write_dynamic"]

_BIFACTOR_MODEL = "bifactor"


# -- dynamic fit cutoffs -----------------------------------------------------------------------
def run_dynamic(ctx: Context) -> Any:
    """Dynamic cutoffs of the judged model of the CFA stage (see the module docstring)."""
    o, c = ctx.options, ctx.criteria
    if not o.dynamic and c.sv_cutoffs != "dynamic":
        raise StageSkipped("not requested (give --dynamic, or cutoffs: dynamic in the "
                           "criteria)")
    cfa = ctx.result("cfa")
    fit = cfa.fits.get(cfa.judged)
    if fit is None or not fit.converged:
        raise StageSkipped(f"the judged model ({cfa.judged}) did not converge")
    if o.missing == "fiml" and o.estimator == "MLR":
        warn("dynamic_complete_rows", "MLR with FIML: the replications resample the complete "
             "rows transformed to each population (Bollen-Stine); the simulated data have no "
             "missing values")
    frame = ctx.key.reverse_score(analysed(ctx).items[list(ctx.key.items)])
    res = dynamic_cutoffs(fit, frame, reps=o.dynamic_reps, seed=o.seed, jobs=o.jobs,
                          scheduler=o.scheduler)
    return _DynamicStage(cfa.judged, res)


class _DynamicStage:
    """The judged model's name with its :class:`DynamicFitResult`."""

    def __init__(self, model: str, result: Any) -> None:
        self.model = model
        self.result = result

    @property
    def warnings(self) -> tuple[Note, ...]:
        r = self.result
        total = r.reps * (len(r.levels) + 1)
        ok = r.correct["converged"] + sum(lv.converged for lv in r.levels)
        if ok == total:
            return ()
        return (Note("dynamic_not_converged", f"{total - ok} of {total} replications did not "
                     "converge; they are left out of the distributions"),)


def write_dynamic(res: _DynamicStage, ctx: Context, folder: Path) -> None:
    r = res.result
    write_json({**r.to_dict(), "model_name": res.model, "model_syntax": r.model,
                "missing": missing_for(ctx, "cfa")}, folder / "dynamic.json")
    rows = [{"level": lv.level, "misspecification": lv.misspecification,
             **{i: lv.cutoffs[i] for i in lv.cutoffs},
             **{f"{i}_rule": lv.rules[i] for i in lv.rules},
             "converged": lv.converged} for lv in r.levels]
    write_csv(pd.DataFrame(rows), folder / "cutoffs.csv")
    write_csv(r.to_frame(), folder / "replications.csv")


# -- model-based reliability ------------------------------------------------------------------
def reliability_with_models(ctx: Context, result: Any) -> Any:
    """The reliability stage's result with categorical omega per scale when the key's items
    are ordinal (:func:`~lospw.analysis.validation.model_reliability.with_model_reliability`)."""
    if not items_are_ordinal(ctx.key):
        return result
    return with_model_reliability(result, analysed(ctx).items, ctx.key, ordinal=True)


def bifactor_block(cfa: Any, key: Any) -> dict[str, Any] | None:
    """The bifactor indices of the CFA stage's ``bifactor`` model (None when it was not
    fitted or did not converge): ``lospw reliability --bifactor --json``'s block."""
    fit = cfa.fits.get(_BIFACTOR_MODEL)
    if fit is None or not fit.converged:
        return None
    notes = tuple(w.with_context(model=_BIFACTOR_MODEL) for w in fit.warnings)
    ind = bifactor_from_fit(fit, key)
    return BifactorReliability(ind, "cfa", fit.estimator, fit.n_obs, True, notes).to_dict()
