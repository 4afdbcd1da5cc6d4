"""``lospw reliability``: alpha, omega and item statistics per scale."""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from lospw.analysis.classical.polychoric import CONVENTIONS
from lospw.analysis.classical.reliability import CI_METHODS
from lospw.analysis.classical.reliability import reliability as compute
from lospw.analysis.core.key import load_key
from lospw.cli._common import console, echo_json, json_option
from lospw.cli.options import Inputs, input_options, intake_block, n_used, print_rows, treatment


def _f(x: float | None, digits: int = 3) -> str:
    if x is None or x != x:
        return "-"
    return f"{x:.{digits}f}"


@click.command()
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--key", "key_file", required=True, type=click.Path(dir_okay=False),
              help="The key file (YAML) naming the scales and keyed items.")
@click.option("--ci", type=click.Choice(CI_METHODS), default="feldt", show_default=True,
              help="Confidence interval of alpha.")
@click.option("--n-boot", type=click.IntRange(min=50), default=1000, show_default=True,
              help="Bootstrap resamples (with --ci bootstrap).")
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True,
              help="Seed of the bootstrap.")
@click.option("--polychoric", type=click.Choice(CONVENTIONS), default="lavaan",
              show_default=True,
              help="Polychoric convention of ordinal alpha: lavaan (lavCor: item thresholds, "
                   "no correction) or psych (psych::polychoric: per-pair thresholds and .5 "
                   "for empty cells when the items' response ranges differ).")
@input_options
@json_option
def reliability(data: str, key_file: str, inputs: Inputs, ci: str, n_boot: int, seed: int,
                polychoric: str, as_json: bool) -> None:
    """Reliability of every scale of KEY on DATA: Cronbach's alpha with its CI, standardised
    and ordinal alpha, McDonald's omega, item-rest correlations, alpha and omega if an item
    is deleted, and the standard error of measurement. Reverse-keyed items are reversed."""
    key = load_key(key_file)
    intake, _ = inputs.load(data, key)
    missing = treatment(inputs.missing_data, "reliability")
    res = compute(intake.items, key, missing=missing, ci=ci, n_boot=n_boot, rng=seed,
                  polychoric=polychoric)
    if as_json:
        out = res.to_dict()
        out["intake"] = intake_block(intake)
        echo_json(out)
        return
    print_rows(console, intake, f"Reliability of {key.instrument} on {data}",
               inputs.missing_data)
    fix = "--missing-data available" if missing == "listwise" else None
    for name, sc in res.scales.items():
        console.print(n_used(f"alpha of {name} ({missing})", sc.n, intake.n_analysed, fix))
    console.print(
        f"missing = [bold]{missing}[/bold]; {int(res.ci_level * 100)}% CI: {ci}"
        + (f" ({n_boot} resamples, seed {seed})" if ci == "bootstrap" else "")
        + f"; ordinal alpha: {polychoric} polychorics"
    )
    table = Table("scale", "k", "n", "alpha", "CI", "alpha std", "alpha ord", "omega",
                  "SD", "SEM", title=f"Scales (missing = {missing})")
    for name, s in res.scales.items():
        lo, hi = s.alpha_ci if s.alpha_ci is not None else (None, None)
        table.add_row(name, str(len(s.items)), str(s.n), _f(s.alpha),
                      f"{_f(lo)}-{_f(hi)}" if lo is not None else "-", _f(s.alpha_std),
                      _f(s.alpha_ordinal), _f(s.omega), _f(s.sd), _f(s.sem))
    console.print(table)
    items = Table("scale", "item", "key", "n", "item-rest r", "alpha if deleted",
                  "omega if deleted", title="Items (keyed)")
    for name, s in res.scales.items():
        for it in s.items:
            items.add_row(name, it.item, "-" if it.sign < 0 else "+", str(it.n),
                          _f(it.item_rest), _f(it.alpha_if_deleted), _f(it.omega_if_deleted))
    console.print(items)
    if missing == "pairwise":
        console.print("pairwise: the Feldt CI uses the harmonic mean of the pairwise counts "
                      "as n (column n_ci in --json).")
    for w in res.warnings:
        console.print(f"[yellow]warning[/yellow]: {escape(str(w))}")
