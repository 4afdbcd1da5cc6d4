"""``lospw items``: item statistics per scale."""

from __future__ import annotations

import click
from rich.table import Table

from lospw.analysis.classical.items import item_stats
from lospw.analysis.core.key import load_key
from lospw.cli.common import console
from lospw.cli.options import Inputs, stage_command, treatment


@stage_command(
    click.option("--skew-type", type=click.IntRange(1, 3), default=3, show_default=True,
                 help="Skew and kurtosis definition (psych::describe's type)."),
)
def items(data: str, key_file: str, inputs: Inputs, skew_type: int, as_json: bool) -> None:
    """Item statistics of every scale of KEY on DATA: answer distribution, floor and
    ceiling, mean, SD, skew, kurtosis, missing answers and inter-item correlations (of the
    keyed items). Statistics use each item's answers as given."""
    key = load_key(key_file)
    sample = inputs.sample(data, key)
    missing = treatment(inputs.missing_data, "items")
    res = item_stats(sample.intake.items, key, missing=missing, skew_type=skew_type)
    if as_json:
        sample.echo_json(res)
        return
    sample.print_rows("Item statistics")
    for name, s in res.scales.items():
        console.print(sample.n_used(f"inter-item r of {name} ({missing})", s.n_inter_item,
                                    missing))
    console.print(f"skew/kurtosis type {skew_type}; item statistics use each item's answers; "
                  f"inter-item r: missing = [bold]{missing}[/bold]")
    for name, s in res.scales.items():
        table = Table("item", "key", "n", "miss", "mean", "sd", "skew", "kurt", "floor %",
                      "ceil %",
                      title=f"Scale {name} (mean inter-item r {s.mean_inter_item_r:.3f}, "
                            f"n = {s.n_inter_item})")
        for _, r in s.stats.iterrows():
            table.add_row(r["item"], "-" if r["sign"] < 0 else "+", str(r["n"]),
                          str(r["n_missing"]), f"{r['mean']:.2f}", f"{r['sd']:.2f}",
                          f"{r['skew']:.2f}", f"{r['kurtosis']:.2f}", f"{r['floor_pct']:.1f}",
                          f"{r['ceiling_pct']:.1f}")
        console.print(table)
