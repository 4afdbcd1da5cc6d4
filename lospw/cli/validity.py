"""``lospw validity``: composite reliability, AVE, Fornell–Larcker and HTMT."""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from lospw.analysis.core.key import load_key
from lospw.analysis.validation.validity import validity as compute
from lospw.cli.common import console
from lospw.cli.common import number as _f
from lospw.cli.options import Inputs, estimator_option, n_used, stage_command, treatment


@stage_command(
    estimator_option("Estimator of the correlated-factors CFA (CR and AVE are ML point "
                     "estimates; MLR gives the same point estimates).", ("ML", "MLR"),
                     default="MLR"),
    click.option("--htmt", "htmt_method", type=click.Choice(["htmt2", "htmt"]), default="htmt2",
                 show_default=True,
                 help="htmt2: geometric means (semTools' default); htmt: Henseler et al. 2015."),
)
def validity(data: str, key_file: str, estimator: str, inputs: Inputs, htmt_method: str,
             as_json: bool) -> None:
    """Convergent and discriminant validity of KEY's scales on DATA: composite reliability
    and AVE (as semTools), the Fornell-Larcker table and HTMT, with flags (HTMT >= .85 / .90,
    sqrt(AVE) below a factor correlation, CR < .70, AVE < .50). Reverse-keyed items are
    reversed first."""
    key = load_key(key_file)
    sample = inputs.sample(data, key)
    missing = treatment(inputs.missing_data, "cfa", estimator)
    res = compute(sample.intake.items, key, estimator=estimator, missing=missing,
                  htmt_method=htmt_method)
    if as_json:
        sample.echo_json(res)
        return
    sample.print_rows("Validity")
    console.print(sample.n_used(f"CFA ({estimator}, {missing})", res.n_obs, missing))
    console.print(n_used("HTMT (complete rows)", res.n_htmt, sample.intake.n_analysed, None))
    console.print(f"[bold]Validity[/bold] of {key.instrument} on {data}: CFA on {res.n_obs} "
                  f"rows ({estimator}, missing = {missing}); HTMT ({htmt_method}) on "
                  f"{res.n_htmt} complete rows; reversed: {', '.join(res.reverse_scored) or '-'}")
    table = Table("scale", "CR", "AVE", "sqrt AVE", "max |r|", "max HTMT", title="Scales")
    for _, r in res.to_frame().iterrows():
        table.add_row(r["scale"], _f(r["composite_reliability"]), _f(r["ave"]),
                      _f(r["sqrt_ave"]), _f(r["max_abs_factor_corr"]), _f(r["max_htmt"]))
    console.print(table)
    for title, frame in (("Fornell-Larcker (sqrt AVE on the diagonal)", res.fornell_larcker),
                         (f"HTMT ({htmt_method})", res.htmt)):
        t = Table("", *map(str, frame.columns), title=title)
        for name, row in frame.iterrows():
            t.add_row(str(name), *(_f(v) for v in row))
        console.print(t)
    for f in res.flags:
        console.print(f"[yellow]flag[/yellow] {f['code']}: {', '.join(f['scales'])} "
                      f"({_f(f['value'])})")
    for w in res.warnings:
        console.print(f"[yellow]warning[/yellow]: {escape(str(w))}")
