"""``lospw key``: check and inspect key files."""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from lospw.analysis.core.key import load_key
from lospw.cli._common import console, echo_json, json_option


@click.group()
def key() -> None:
    """Check and inspect key files (scales, keyed items, response scale)."""


@key.command("check")
@click.argument("key_file", type=click.Path(dir_okay=False))
@json_option
def check(key_file: str, as_json: bool) -> None:
    """Check KEY_FILE and print its scales, item counts and reverse-keyed items."""
    k = load_key(key_file)
    summary = k.summary()
    if as_json:
        echo_json(summary)
        return
    rs = k.response_scale
    kind = "continuous" if rs.continuous else f"{rs.n_categories} categories"
    console.print(
        f"[bold]{k.instrument}[/bold] ({key_file}): {len(k.scales)} scales, {k.n_items} items, "
        f"{len(k.reverse_items)} reverse-keyed; responses {summary['response_scale']['min']}"
        f"-{summary['response_scale']['max']} ({kind})"
    )
    table = Table("scale", "items", "reverse-keyed", "item list")
    for s in k.scales:
        table.add_row(s.name, str(len(s)), ", ".join(s.reverse_items) or "-", " ".join(s.keyed))
    console.print(table)
    if k.missing_codes:
        console.print("missing codes: " + ", ".join(str(c) for c in summary["missing_codes"]))
    for group, members in k.higher_order:
        console.print(f"higher-order group {group}: {', '.join(members)}")
    for w in summary["warnings"]:
        console.print(f"warning: {escape(w)}")
