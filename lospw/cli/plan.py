"""``lospw plan``: Monte Carlo sample-size planning on a population model."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click
from rich.table import Table

from lospw.analysis.core.options import ESTIMATORS
from lospw.analysis.core.outdir import legacy_layout, output_folder
from lospw.analysis.planning.plan import plan_sample_size
from lospw.analysis.planning.population import load_population
from lospw.analysis.planning.report import load_plotting, write_plan
from lospw.cli.common import console, echo_json, json_option
from lospw.cli.options import estimator_option, seed_option
from lospw.cli.workers import check_workers, replication_progress, worker_options

# A folder of lospw plan from before output records (analysis/planning/report.py: write_plan).
LEGACY_PLAN = legacy_layout("plan.json", ["plan.json", "plan_*.csv", "plan.png", "plan.svg"],
                            keys=("recommended",))


class _PlanCommand(click.Command):
    """Lets ``--n 150 300 600`` give several sizes (rewritten to repeated ``--n``)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(args):
            a = args[i]
            out.append(a)
            i += 1
            if a == "--n":
                first = True
                while i < len(args) and not args[i].startswith("-"):
                    if not first:
                        out.append("--n")
                    out.append(args[i])
                    first = False
                    i += 1
        return super().parse_args(ctx, out)


def _fmt(x: float, spec: str = ".2f") -> str:
    return "-" if x != x else format(x, spec)  # NaN -> "-"


@click.command(cls=_PlanCommand)
@click.option("--population", "population_file", required=True,
              type=click.Path(dir_okay=False),
              help="Population model (YAML, the format of `lospw simulate population`).")
@click.option("--n", "sizes", required=True, multiple=True, type=click.IntRange(min=10),
              help="Sample sizes to plan for: --n 150 300 600.")
@click.option("--reps", type=click.IntRange(min=2), default=500, show_default=True,
              help="Replications per sample size.")
@estimator_option("CFA estimator [default: WLSMV for items with at most 7 categories, as "
                  "`lospw cfa`, else ML].", ESTIMATORS, case_sensitive=False)
@click.option("--alternative", type=click.Choice(["grouped", "one_factor", "second_order"]),
              default=None, help="Model the key's model is tested against [default: grouped "
              "when the key has higher_order groups, else one_factor].")
@worker_options("Local worker processes [default: 1].",
                "Run on a Dask distributed cluster: its scheduler's address (tcp://host:8786).")
@seed_option("Root seed; every replication's seed derives from it.")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Folder for plan.json, the CSV tables and plan.png / plan.svg.")
@json_option
def plan(population_file: str, sizes: tuple[int, ...], reps: int, estimator: str | None,
         alternative: str | None, jobs: int | None, scheduler: str | None, seed: int,
         out_dir: str | None, as_json: bool) -> None:
    """Monte Carlo sample-size plan: for each N, simulate REPS data sets from the population
    model (SYNTHETIC), fit the key's model and an alternative, and report convergence,
    proper solutions, fit, bias and CI coverage of the loadings, the power of the χ²
    difference test and the recommended N. Results do not depend on --jobs or --scheduler."""

    check_workers(jobs, scheduler)
    pop = load_population(population_file)
    if estimator is None:
        n_cat = pop.key.response_scale.n_categories or 0
        estimator = "WLSMV" if 0 < n_cat <= 7 else "ML"
    estimator = estimator.upper()
    total = len(set(sizes)) * reps
    where = (f"Dask cluster {scheduler}" if scheduler else
             f"{jobs or 1} local worker{'s' if (jobs or 1) > 1 else ''}")
    header = (f"lospw plan: {total} replications ({len(set(sizes))} sizes x {reps}), "
              f"estimator {estimator}, on {where}")

    def interrupted(done: int) -> str:
        return (f"lospw plan: interrupted after {done} of {total} replications; the workers "
                "were stopped and nothing was written.")

    # the output folder is checked and locked before the (long) run, written after it; the
    # header and the bar appear when the replications start (a refusal is one line)
    with (output_folder(out_dir, command="plan", legacy=LEGACY_PLAN,
                        inputs=(population_file,))
          if out_dir is not None else contextlib.nullcontext()) as folder:
        with replication_progress("plan", "replications", interrupted,
                                  header=header) as tick:
            res = plan_sample_size(pop, list(sizes), reps, estimator=estimator,
                                   alternative=alternative, seed=seed, jobs=jobs or 1,
                                   scheduler=scheduler, progress=tick,
                                   population_file=population_file,
                                   meanwhile=load_plotting if folder is not None else None)
        written = []
        if folder is not None:
            written = [Path(out_dir) / p.relative_to(folder)
                       for p in write_plan(res, folder, jobs=jobs or 1)]
    if as_json:
        out = res.to_dict()
        out["written"] = [p.name for p in written]
        echo_json(out)
        return
    _print(res, population_file, written)


def _print(res, population_file: str, written) -> None:
    cfg = res.config
    alt = cfg["alternative"]
    console.print(f"[bold]Sample-size plan[/bold] for {population_file} (SYNTHETIC population "
                  f"model): estimator {cfg['estimator']}, {cfg['reps']} replications per N, "
                  f"seed {cfg['seed']}")
    console.print(f"Key model: {cfg['key_model']['description']}; alternative: "
                  f"[bold]{alt['name']}[/bold] ({alt['description']}; {alt['why']})")
    t = Table("N", "conv.", "proper", "fit", "power", "coverage", "bias", "COSMIN", "meets",
              title="Per sample size")
    for _, r in res.summary.iterrows():
        t.add_row(str(int(r["n"])), _fmt(r["converged"]), _fmt(r["proper"]),
                  _fmt(r["fit_all"]), _fmt(r["power"]),
                  f"{_fmt(r['coverage_min'])}-{_fmt(r['coverage_max'])}",
                  _fmt(r["rel_bias_std_max"], ".3f"),
                  "ok" if r["n"] >= r["cosmin_minimum"] else f"<{int(r['cosmin_minimum'])}",
                  "yes" if r["meets"] else "no")
    console.print(t)
    console.print("fit: share meeting all four cut-offs; coverage: min-max over the free "
                  "loadings; bias: max |relative bias| of the standardized loadings.")
    for _, r in res.summary.iterrows():
        if r["failed"]:
            console.print(f"N = {int(r['n'])} fails: {r['failed'].replace(';', ', ')}")
    rec = res.recommended
    if rec["n"] is not None:
        console.print(f"Recommended N = [bold]{rec['n']}[/bold] usable responses ({rec['reason']}); "
                      f"collect about {rec['n_collect']} to allow for the "
                      f"{rec['unusable_share']:.1%} unusable respondents the population "
                      "model expects.")
    else:
        console.print(f"[yellow]No recommended N[/yellow]: {rec['reason']}.")
    errors = int(res.summary["errors"].sum())
    if errors:
        console.print(f"[yellow]warning[/yellow]: {errors} replication(s) failed with an error "
                      "(counted as not converged; see plan_replications.csv).")
    for p in written:
        console.print(f"wrote {p}")
