"""``lospw bank``: validate the item bank, export questionnaires, generate the key."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from analysis.errors import InputError
from analysis.outdir import output_files
from instrument.bank import DEFAULT_BANK_DIR, LANGUAGES, STATUSES, load_bank
from instrument.bankcheck import check_bank
from instrument.export import ACTIVE_STATUSES, FORMATS, export
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
            console.print(f"warning: {escape(w.message)}")
        for f in result.failures:
            console.print(f"[red]problem[/red]: {escape(f.message)}")
    if not result.ok:
        first = result.failures[0].message
        raise InputError(
            f"The bank fails {len(result.failures)} content check(s); the first: {first}"
        )


status_option = click.option(
    "--status", "statuses", multiple=True, type=click.Choice(STATUSES),
    help="Items with this status (repeatable).",
)


@bank.command("export")
@bank_option
@click.option("--format", "fmt", required=True, type=click.Choice(FORMATS),
              help="codebook (CSV), limesurvey (tab-separated .txt to import) or html.")
@click.option("--lang", default="nl", show_default=True, type=click.Choice(LANGUAGES),
              help="Language of the labels (the LimeSurvey file has both, this one as base).")
@status_option
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="File to write.")
def export_cmd(bank_dir: str | None, fmt: str, lang: str, statuses: tuple[str, ...],
               output: str) -> None:
    """Export the items (default: all that are not dropped) as a codebook CSV, a LimeSurvey
    import file or a printable HTML questionnaire."""
    b, path = _load(bank_dir)
    with output_files([output], inputs=(path,)):
        path = export(b, fmt, output, lang=lang, statuses=statuses or None)
    n = len([it for it in b.items if it.status in (statuses or ACTIVE_STATUSES)])
    click.echo(f"wrote {fmt} ({lang}, {n} items, bank {b.version}) to {path}", err=True)


@bank.command("key")
@bank_option
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUSES),
              default=("retained",), show_default=True,
              help="Items with this status go into the key (repeatable).")
@click.option("--lang", default="nl", show_default=True, type=click.Choice(LANGUAGES),
              help="Language of the item labels in the key.")
@click.option("--instrument", default="LOS-PW", show_default=True, help="Instrument name.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Key file to write (default: print it).")
def key_cmd(bank_dir: str | None, statuses: tuple[str, ...], lang: str, instrument: str,
            output: str | None) -> None:
    """Generate the key (scales = elements, reverse-keyed items, higher-order roles, aspects,
    labels, missing code) for the items with the chosen status."""
    b, path = _load(bank_dir)
    k = b.key(statuses=statuses, instrument=instrument, lang=lang)
    if output is None:
        click.echo(k.to_yaml(), nl=False)
        return
    with output_files([output], inputs=(path,)):
        k.save(output)
    click.echo(f"wrote key ({k.n_items} items, {len(k.scales)} scales, "
               f"{len(k.reverse_items)} reverse-keyed) to {output}", err=True)
