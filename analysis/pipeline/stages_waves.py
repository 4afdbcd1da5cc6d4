"""The wave stages of ``lospw analyze --wave COL`` (long data: one row per respondent and
wave; the respondent column from ``--id`` or detected): invariance across waves with the
latent change per scale, and the cluster (e.g. workplace) trajectories (with ``--cluster``). Adapters only:
the numbers come from :mod:`lospw.analysis.validation.longitudinal` and
:mod:`lospw.analysis.scoring.trajectories`.

The invariance models are fitted per scale (the scale's items at every wave): a model of
all items at all waves has items x waves variables (144 for 48 items and 3 waves), which
FIML cannot fit in reasonable time and memory, and invariance across waves is a property of
each scale's measurement. ``lospw invariance --wave`` fits the whole key at once.

Rows: every wave's rows as read, less the first-wave rows the screening excluded (the
screening stage looks at the first wave only; later waves are not screened).

Missing data: persons who missed a wave stay in the invariance models by FIML with ML and
MLR (whatever ``--missing`` says: attrition is the point of a longitudinal design); WLSMV
fits listwise (lavaan's default for ordered items). Both stages are skipped, with the
reason, when there is no wave column (and the trajectories when there is no cluster).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.classical.reliability import cronbach_alpha
from lospw.analysis.core.artifacts import write_csv, write_json
from lospw.analysis.core.errors import InputError
from lospw.analysis.pipeline.context import Context, StageSkipped, analysed
from lospw.analysis.scoring.profiles import safe_name
from lospw.analysis.scoring.scores import score_items
from lospw.analysis.scoring.trajectories import trajectories, trajectory_figure
from lospw.analysis.validation.longitudinal import long_to_wide, longitudinal_invariance

__all__ = ["run_longitudinal", "run_trajectories", "waves_data",
           "write_longitudinal", "write_trajectories"]


def waves_data(ctx: Context) -> Any:
    """Every wave's rows (the intake before the first-wave selection) less the first-wave
    rows the screening excluded (careless responding; they stay in the exclusion log with
    their reason), else the analysed sample. Later waves are not screened."""
    every = ctx.results.get("all_waves")
    if every is None:
        return analysed(ctx)
    first, kept = ctx.results.get("intake"), analysed(ctx)
    if first is None or kept is first:
        return every
    log = kept.exclusions.drop_duplicates("row", keep="last").set_index("row")
    out = first.items.index.difference(kept.items.index)
    return every.exclude({int(r): (str(log.loc[r, "reason"]), str(log.loc[r, "detail"]))
                          for r in out})


def _wave_column(ctx: Context) -> str:
    """The --wave column, or StageSkipped saying why there is none (a single-wave data
    set analysed with the demo's --wave option skips the wave stages, it does not fail)."""
    o = ctx.options
    if getattr(o, "wave", None) is None:
        raise StageSkipped("no --wave column given")
    if o.wave not in waves_data(ctx).meta.columns:
        raise StageSkipped(f"the data have no wave column {o.wave!r} (a single wave)")
    return o.wave


def _id_column(ctx: Context) -> str:
    data = waves_data(ctx)
    col = ctx.options.id_column or data.id_column
    if col is None or col not in data.meta.columns:
        raise StageSkipped("no respondent id column (give --id) to link a person's waves")
    return col


def run_longitudinal(ctx: Context) -> Any:
    o = ctx.options
    _wave_column(ctx)
    idc = _id_column(ctx)
    data = waves_data(ctx)
    key = ctx.key
    frame = pd.concat([key.reverse_score(data.items[list(key.items)]),
                       data.meta[[o.wave, idc]]], axis=1)
    try:
        wide, waves, sfx, excluded = long_to_wide(frame, list(key.items), o.wave, idc)
    except InputError as exc:
        raise StageSkipped(str(exc)) from None
    missing = "listwise" if o.estimator == "WLSMV" else "fiml"
    results, failed = {}, {}
    for s in key.scales:
        if len(s.items) < 2:
            failed[s.name] = "a single item: no measurement model to compare across waves"
            continue
        try:
            results[s.name] = longitudinal_invariance(
                wide, replace(key, scales=(s,), higher_order=()), sfx, waves=waves,
                estimator=o.estimator, missing=missing)
        except InputError as exc:
            failed[s.name] = str(exc)
    if not results:
        raise StageSkipped("no scale could be analysed across waves: " + "; ".join(
            f"{k}: {v}" for k, v in failed.items()))
    return results, failed, excluded


def _screened_out(ctx: Context) -> int:
    """First-wave rows the screening excluded, which the wave stages leave out too."""
    every = ctx.results.get("all_waves")
    return 0 if every is None else every.n_analysed - waves_data(ctx).n_analysed


def write_longitudinal(res: Any, ctx: Context, folder: Path) -> None:
    results, failed, excluded = res
    first = next(iter(results.values()))
    d = {"design": "longitudinal, one model per scale", "waves": list(first.waves),
         "estimator": first.estimator, "missing": first.missing,
         "criterion": first.criterion, "n_obs": first.n_obs,
         "scales": {k: r.to_dict() for k, r in results.items()}, "not_analysed": failed,
         "rows_excluded": len(excluded), "rows_screened_out": _screened_out(ctx),
         "synthetic": ctx.synthetic}
    write_json(d, folder / "longitudinal.json")
    steps = pd.DataFrame([{"scale": k, "step": s["step"], "converged": s["converged"],
                           "partial": ";".join(s["partial"]), **s["fit"]}
                          for k, r in results.items() for s in r.steps])
    write_csv(steps, folder / "steps.csv")
    lc = [r.latent_change for r in results.values() if r.latent_change is not None]
    if lc:
        write_csv(pd.concat(lc, ignore_index=True), folder / "latent_change.csv")


def _alpha_per_wave(items: pd.DataFrame, waves: pd.Series, key: Any) -> dict[tuple[str, str],
                                                                             float]:
    keyed = key.reverse_score(items[list(key.items)])
    out = {}
    for w in waves.astype(str).unique():
        part = keyed.loc[(waves.astype(str) == w).to_numpy()]
        for s in key.scales:
            x = part[list(s.items)].dropna()
            out[(s.name, w)] = (cronbach_alpha(np.cov(x.to_numpy(float), rowvar=False))
                                if len(s.items) > 1 and len(x) > 2 else float("nan"))
    return out


def run_trajectories(ctx: Context) -> Any:
    o = ctx.options
    _wave_column(ctx)
    if o.cluster is None:
        raise StageSkipped("no --cluster column given")
    sc = ctx.result("scoring")
    data = waves_data(ctx)
    scores = score_items(data.items, sc.key).scores       # every wave, the scheme's key
    waves = data.meta[o.wave].reindex(scores.index)
    rel = _alpha_per_wave(data.items, data.meta[o.wave], sc.key)
    try:
        return trajectories(scores, data.meta[o.cluster].reindex(scores.index), waves,
                            list(sc.key.scale_names), rel, by=o.cluster)
    except InputError as exc:
        raise StageSkipped(str(exc)) from None


def write_trajectories(res: Any, ctx: Context, folder: Path) -> None:
    d = res.to_dict()
    d["rows_screened_out"] = _screened_out(ctx)
    d["synthetic"] = ctx.synthetic
    write_json(d, folder / "trajectories.json")
    write_csv(res.means, folder / "means.csv")
    write_csv(res.changes, folder / "changes.csv")
    note = ("SYNTHETIC data; " if ctx.synthetic else "") + f"lospw analyze: {ctx.key.instrument}"
    for s in res.means["scale"].unique():
        trajectory_figure(res, s, folder / "charts" / f"trajectory_{safe_name(str(s))}",
                          note=note)
