"""``lospw bank``: validate the item bank, export questionnaires, generate the key."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from analysis.errors import InputError
from instrument.bank import DEFAULT_BANK_DIR, load_bank
from instrument.bankcheck import check_bank
from lospw.cli._common import console, echo_json, json_option

bank_option = click.option(
    "--bank", "bank_dir", type=click.Path(file_okay=False), default=None,
    help="Bank directory (default: the bank shipped with lospw, instrument/bank/).",
)


def _display(path: Path) -> str:
    """A path relative to the working directory when possible (no absolute paths in output)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix() if not path.is_absolute() else path.name


def _load(bank_dir: str | None):
    path = Path(bank_dir) if bank_dir else DEFAULT_BANK_DIR
    return load_bank(path), path


@click.group()
def bank() -> None:
    """Validate the item bank and export it (codebook, LimeSurvey, HTML, key)."""


@bank.command("validate")
@bank_option
@json_option
def validate(bank_dir: str | None, as_json: bool) -> None:
    """Check the bank's schema and content: >= 3 items per aspect, nl and en texts, no
    duplicate texts, length limits; report the share of reverse-keyed items."""
    b, path = _load(bank_dir)
    result = check_bank(b, source=_display(path))
    if as_json:
        echo_json(result)
    else:
        t = result.summary["totals"]
        console.print(
            f"[bold]{b.instrument}[/bold] item bank {b.version} ({result.source}): "
            f"{t['n_elements']} elements, {t['n_aspects']} aspects, {t['n_items']} items "
            f"(+{t['n_dropped']} dropped), {t['n_reverse_keyed']} reverse-keyed "
            f"({t['reverse_keyed_share']:.0%}); languages nl, en"
        )
        table = Table("element", "aspects", "items", "reverse-keyed", "fewest per aspect")
        for el, info in result.summary["elements"].items():
            table.add_row(el, str(info["n_aspects"]), str(info["n_items"]),
                          str(info["n_reverse_keyed"]),
                          str(min(info["items_per_aspect"].values())))
        console.print(table)
        for w in result.warnings:
            console.print(f"warning: {w.message}")
        for f in result.failures:
            console.print(f"[red]problem[/red]: {f.message}")
    if not result.ok:
        first = result.failures[0].message
        raise InputError(
            f"The bank fails {len(result.failures)} content check(s); the first: {first}"
        )
