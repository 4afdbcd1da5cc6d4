"""``lospw analyze``: the whole validation of any instrument in one command."""

from __future__ import annotations

import logging

import click
from rich.table import Table

from lospw.analysis.core.options import ESTIMATORS
from lospw.analysis.pipeline.context import (
    AnalysisOptions,
    Stage,
    StageRecord,
)
from lospw.analysis.pipeline.runner import RunSummary, run_analysis
from lospw.cli.common import echo_json, err_console
from lospw.cli.invariance import group_options, group_tokens
from lospw.cli.options import Inputs, estimator_option, seed_option, stage_command
from lospw.cli.workers import check_workers, worker_options

#: The exit status of a run in which a stage failed (after every other stage ran).
EXIT_STAGE_FAILED = 3

_STYLE = {"ok": "green", "skipped": "yellow", "failed": "red"}
_MARK = {"ok": "✓", "skipped": "–", "failed": "✗"}
_VERDICT = {"sufficient": "green", "insufficient": "red", "indeterminate": "yellow"}


class _Progress:
    """Stage-by-stage progress on stderr (a spinner while a stage runs)."""

    def __init__(self, quiet: bool, header: str = "") -> None:
        self.quiet = quiet
        self.status = None
        # Printed when the first stage ends, i.e. after the inputs were checked: a bad input
        # gives one line on stderr, not a header and then the error.
        self.header = header

    def __call__(self, event: str, stage: Stage, rec: StageRecord | None) -> None:
        if self.quiet:
            return
        if self.header:
            if event == "start":
                # the first stage reads and checks the inputs: the header waits for its end,
                # so a bad input gives one line on stderr
                return
            err_console.print(self.header)
            self.header = ""
        if event == "start":
            self.status = err_console.status(f"{stage.name}: {stage.title} ...")
            self.status.start()
            return
        if self.status is not None:
            self.status.stop()
        assert rec is not None
        style = _STYLE[rec.status]
        line = (f"[{style}]{_MARK[rec.status]} {stage.name:<15}[/{style}] "
                f"{rec.seconds:6.1f} s  {rec.status}")
        if rec.n_used:
            line += f" ({rec.n_used})"
        if rec.reason:
            line += f": {rec.reason}"
        err_console.print(line, highlight=False)
        for w in rec.warnings[:5]:
            err_console.print(f"    [dim]warning {w.code}: {w.message[:160]}[/dim]",
                              highlight=False)
        if len(rec.warnings) > 5:
            err_console.print(f"    [dim]... {len(rec.warnings) - 5} more in manifest.json[/dim]")


def _print_summary(summary: RunSummary) -> None:
    if summary.synthetic:
        err_console.print("[bold yellow]SYNTHETIC data[/bold yellow]: the verdict illustrates "
                          "the method; it is not evidence about the instrument.")
    table = Table("property", "scope", "result", "verdict", title="Verdict",
                  title_justify="left")
    for r in summary.verdict:
        color = _VERDICT[r["verdict"]]
        table.add_row(r["property"], r["scope"], r["result"],
                      f"[{color}]{r['verdict']}[/{color}]")
    err_console.print(table)
    n = {s: sum(r.status == s for r in summary.records) for s in ("ok", "skipped", "failed")}
    err_console.print(f"{n['ok']} stage(s) ok, {n['skipped']} skipped, {n['failed']} failed "
                      f"in {summary.seconds:.1f} s; artifacts and manifest.json in "
                      f"{summary.outdir.as_posix()}")


@stage_command(
    click.option("-o", "--out", "outdir", required=True, type=click.Path(file_okay=False),
                 help="Output folder: new, empty, or an earlier run's, which is replaced "
                 "whole when this run is done (a folder with other files is refused)."),
    click.option("--group", help="Column with the groups: invariance and group norms "
                 "(e.g. stakeholder group)."),
    click.option("--cluster", help="Column with the clusters to aggregate to (e.g. workplace)."),
    click.option("--wave", help="Column with the waves of long data (one row per respondent and "
                 "wave; the respondent from --id): invariance across waves, latent change and "
                 "workplace trajectories."),
    estimator_option("CFA estimator (robust fit indices are judged with MLR / WLSMV) "
                     "[default: MLR when the items have 5 or more categories or are "
                     "continuous, WLSMV when fewer].", ESTIMATORS),
    seed_option("Seed of every random step (parallel analysis)."),
    click.option("--reduce", is_flag=True, help="Build the scoring scheme on the reduced key "
                 "(the item-reduction proposal)."),
    click.option("--criteria", "criteria_file", type=click.Path(dir_okay=False),
                 help="Criteria file (YAML) for the verdict and the reduction; default: COSMIN "
                 "(see analysis/data/criteria.yaml)."),
    click.option("--synthetic/--no-synthetic", default=None,
                 help="Label the data synthetic or not [default: detected from a README or "
                 "metadata file beside the data]."),
    group_options("Smaller groups are left out of the invariance test (named in a warning).",
                  "The groups of --group compared in the invariance stage, comma-separated; join "
                  "levels with + to compare them as one group (default: every level)."),
    click.option("--dynamic", is_flag=True,
                 help="Add the dynamic stage: McNeish & Wolf's dynamic fit cutoffs of the judged "
                      "model (also run when the criteria say cutoffs: dynamic)."),
    click.option("--dynamic-reps", type=click.IntRange(min=10), default=500, show_default=True,
                 help="Replications per population of the dynamic stage."),
    worker_options("Local worker processes of the dynamic stage [default: 1]; results do not "
                   "depend on it.",
                   "A Dask scheduler's address (tcp://host:8786) for the dynamic stage."),
    key_help="The key file (YAML): scales, keyed items, response scale, aspects.",
)
def analyze(data: str, key_file: str, outdir: str, group: str | None, cluster: str | None,
            wave: str | None,
            estimator: str | None, inputs: Inputs, seed: int, reduce: bool,
            criteria_file: str | None, synthetic: bool | None, min_group_size: int,
            invariance_groups: str | None, dynamic: bool, dynamic_reps: int,
            jobs: int | None, scheduler: str | None, as_json: bool) -> None:
    """The whole validation of the instrument described by KEY on DATA, into DIR (-o):
    intake and exclusion log, screening, item analysis, reliability, dimensionality (EFA),
    competing CFA models, invariance across --group, validity, an item-reduction proposal,
    the scoring scheme (norms per group) and aggregation over --cluster; then a COSMIN-style
    verdict table computed from the artifacts. A stage that cannot run is recorded as
    skipped or failed (DIR/manifest.json) and the others still run. With --dynamic, dynamic
    fit cutoffs of the judged model (McNeish & Wolf, 2023).

    Exit status: 0 when every stage is ok or skipped for a stated reason, 3 when a stage
    failed (after the other stages ran), 2 for bad input."""
    check_workers(jobs, scheduler)
    options = AnalysisOptions(
        data=data, key=key_file, group=group, cluster=cluster, estimator=estimator,
        missing=inputs.missing_data, seed=seed, reduce=reduce, criteria=criteria_file,
        synthetic=synthetic, id_column=inputs.read.id_column, screen=inputs.screen,
        min_flags=inputs.min_flags, min_group_size=min_group_size, read=inputs.read,
        wave=wave,
        invariance_groups=group_tokens(invariance_groups),
        dynamic=dynamic, dynamic_reps=dynamic_reps, jobs=jobs or 1, scheduler=scheduler)
    debug = bool(click.get_current_context().find_root().params.get("debug"))
    # The stages' warnings are recorded in manifest.json and shown per stage; their log
    # lines (and the tracebacks of failed stages) only with --debug.
    logging.getLogger("analysis").setLevel(logging.DEBUG if debug else logging.ERROR)
    if debug:
        logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    header = f"[bold]lospw analyze[/bold] {data} --key {key_file} -> {outdir}"
    summary = run_analysis(options, outdir, progress=_Progress(quiet=as_json, header=header))
    failed = [r.name for r in summary.records if r.status == "failed"]
    if as_json:
        echo_json(summary.to_dict())
    else:
        _print_summary(summary)
        if failed:
            err_console.print(f"[red]{len(failed)} stage(s) failed[/red] ({', '.join(failed)}): "
                              f"exit status {EXIT_STAGE_FAILED}; the reasons are above and in "
                              "manifest.json.")
    if failed:
        raise SystemExit(EXIT_STAGE_FAILED)
