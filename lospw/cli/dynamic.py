"""``lospw cfa --dynamic``: McNeish & Wolf's dynamic fit cutoffs of the fitted model, with a
progress bar on stderr, Ctrl-C handling as ``lospw plan``, and the printed table.

This module imports the planning code (20-40 ms of start-up), so ``lospw cfa`` loads it only
when ``--dynamic`` is given, through the CLI's registry of command parts
(:data:`lospw.cli.PARTS`); its options are in :mod:`lospw.cli.dynamic_options`."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from lospw.analysis.planning.dynamic import DYNAMIC_INDICES, DynamicFitResult, dynamic_cutoffs
from lospw.cli.common import console
from lospw.cli.workers import check_workers, replication_progress

__all__ = ["print_dynamic", "run_dynamic"]


def run_dynamic(result: Any, data: Any, *, reps: int, seed: int, jobs: int | None,
                scheduler: str | None, quiet: bool = False) -> DynamicFitResult:
    """Compute the cutoffs with a progress bar; Ctrl-C stops the workers and exits 130."""
    check_workers(jobs, scheduler)

    def interrupted(done: int) -> str:
        return (f"lospw cfa: dynamic cutoffs interrupted after {done} fits; the workers were "
                "stopped.")

    with replication_progress("dynamic cutoffs", "fits", interrupted, transient=True,
                              quiet=quiet) as tick:
        return dynamic_cutoffs(result, data, reps=reps, seed=seed, jobs=jobs or 1,
                               scheduler=scheduler, progress=tick)


def _f(x: float | None) -> str:
    return "none" if x is None else f"{x:.3f}"


def print_dynamic(res: DynamicFitResult) -> None:
    """The cutoffs per level beside the observed values."""
    names = res.indices
    table = Table("level", "misspecification", *(names[i] for i in DYNAMIC_INDICES),
                  title=f"Dynamic fit cutoffs ({res.estimator}, N = {res.n}, {res.reps} "
                        f"replications per population, seed {res.seed})")
    table.add_row("observed", "the fitted model", *(_f(res.observed[i]) for i in DYNAMIC_INDICES))
    for lv in res.levels:
        cells = [f"{_f(lv.cutoffs[i])}" + (f" ({lv.rules[i]})" if lv.cutoffs[i] is not None
                                           else "") for i in DYNAMIC_INDICES]
        table.add_row(str(lv.level), escape(lv.misspecification), *cells)
    console.print(table)
    meets = res.meets(1) if res.levels else {}
    verdicts = [f"{names[i]} {'better' if ok else 'not better'} than the level-1 cutoff"
                for i, ok in meets.items() if ok is not None]
    if verdicts:
        console.print("Observed fit: " + "; ".join(verdicts) + ". (A cutoff separates the "
                      "correct model's fit from a model missing the level's parameters: "
                      "95/5 = 95% of each on its side, 90/10 likewise; none = they overlap.)")
    failed = sum(lv.failed for lv in res.levels) + res.correct["failed"]
    not_conv = (res.reps * (len(res.levels) + 1) - sum(lv.converged for lv in res.levels)
                - res.correct["converged"])
    if not_conv:
        console.print(f"[yellow]warning[/yellow]: {not_conv} replication(s) did not converge "
                      f"({failed} raised an error); they are left out of the distributions.")
