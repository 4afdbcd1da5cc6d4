"""``lospw key``: check and inspect key files."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from lospw.analysis.core.artifacts import write_text
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import load_key
from lospw.analysis.core.outdir import output_files
from lospw.analysis.intake.key_draft import draft_key
from lospw.analysis.validation.models import check_model_names
from lospw.cli.common import console, echo_json, json_option


@click.group()
def key() -> None:
    """Check, inspect and draft key files (scales, keyed items, response scale)."""


@key.command("check")
@click.argument("key_file", type=click.Path(dir_okay=False))
@json_option
def check(key_file: str, as_json: bool) -> None:
    """Check KEY_FILE and print its scales, item counts and reverse-keyed items."""
    k = load_key(key_file)
    check_model_names(k)  # a key the CFA cannot use is refused here, with the fix
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
        console.print(f"warning: {escape(w['code'])}: {escape(w['message'])}")


@key.command("init")
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("-o", "--out", "out_file", type=click.Path(dir_okay=False),
              help="Write the draft key here (YAML; an existing file is refused) instead of "
              "printing it.")
@click.option("--sheet", help="XLSX: the sheet to read (default: the first).")
@click.option("--header-row", type=click.IntRange(min=1), default=None, metavar="N",
              help="CSV/XLSX: the line or row with the column names [default: detected].")
def init(data: str, out_file: str | None, sheet: str | None, header_row: int | None) -> None:
    """Draft a key from DATA (CSV, XLSX, SPSS .sav): item columns grouped into scales by
    their common prefix (BET1..BET5 -> BET; LimeSurvey Q1[SQ001] -> Q1), the response scale
    from the observed answers, missing codes from SPSS user-missing values (or rare values
    apart from the others, to confirm), candidate reverse-keyed items (negative corrected
    item-total r) marked for you to confirm, and the other columns (ids, dates, metadata,
    personal data, groups) listed in comments. Check the draft, then 'lospw key check'."""
    draft = draft_key(data, sheet=sheet, header_row=header_row)
    if out_file is None:
        click.echo(draft.text, nl=False)
        return
    if Path(out_file).exists():
        raise InputError(f"{out_file} exists; lospw key init does not overwrite a key. Give "
                         "a new file name (-o), or remove the old file first.")
    with output_files([out_file], inputs=(data,)):
        path = write_text(draft.text, out_file)
    n_items = sum(len(v) for v in draft.scales.values())
    console.print(f"draft key written to {path.as_posix()}: {len(draft.scales)} scale(s), "
                  f"{n_items} item(s), {len(draft.reverse)} reverse-keyed candidate(s) to "
                  f"confirm, {len(draft.left_out)} column(s) left out. Check it, then run "
                  f"'lospw key check {path.as_posix()}'.")
