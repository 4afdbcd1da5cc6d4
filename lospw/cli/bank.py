"""``lospw bank``: validate the item bank, export questionnaires, generate the key, and
assign the items to the panelists of a Delphi panel."""

from __future__ import annotations

from pathlib import Path

import click
from rich import box
from rich.markup import escape
from rich.table import Table

from lospw.analysis.core.artifacts import write_csv
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.outdir import output_files
from lospw.cli.common import console, echo_json, json_option
from lospw.instrument import model
from lospw.instrument.bank import DEFAULT_BANK_DIR, LANGUAGES, STATUSES, load_bank
from lospw.instrument.bankcheck import check_bank
from lospw.instrument.delphi.assign import assign_items, read_panel
from lospw.instrument.delphi.rules import load_rules
from lospw.instrument.export import ACTIVE_STATUSES, FORMATS, export

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
    """Validate the item bank, export it (codebook, LimeSurvey, HTML, key) and assign its
    items to Delphi panelists."""


@bank.command("validate")
@bank_option
@json_option
def validate(bank_dir: str | None, as_json: bool) -> None:
    """Check the bank's schema and content: >= 3 items per aspect, nl and en texts, no
    duplicate texts, length limits, one referent per scale, every item answerable by a group
    and routed by a module, >= 3 items per scale for every group, one form of address, the
    reference period and both missing answers in the instructions. Wording heuristics
    (quantifiers, double-barrelled, cause and effect, jargon, plain language, nl/en
    persons) and the share of reverse-keyed items are warnings."""
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
            f"({t['reverse_keyed_share']:.0%}); languages nl, en; address "
            f"'{b.address}'; modules "
            + ", ".join(f"{m} {n}" for m, n in t["by_module"].items())
        )
        codes = {g.id: g.code for g in model.GROUPS}
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
        for h in ("scale", "aspects", "items", "reverse", "min/aspect", "referent",
                  *codes.values()):
            table.add_column(h, no_wrap=True, min_width=9 if h == "referent" else len(h))
        for el, info in result.summary["elements"].items():
            table.add_row(el, str(info["n_aspects"]), str(info["n_items"]),
                          str(info["n_reverse_keyed"]),
                          str(min(info["items_per_aspect"].values())),
                          "/".join(info["referents"]) or "-",
                          *(str(info["items_per_group"][g]) for g in codes))
        console.print(table)
        console.print("items per stakeholder group: "
                      + ", ".join(f"{c} = {g}" for g, c in codes.items()))
        for w in result.warnings:
            console.print(escape(f"warning [{w.code}]: {w.message}"))
        for f in result.failures:
            console.print("[red]problem[/red] " + escape(f"[{f.code}]: {f.message}"))
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
@click.option("--group", "group", type=click.Choice([g.id for g in model.GROUPS]),
              default=None, help="The questionnaire of one stakeholder group (its modules "
              "only, no group question). Default: every group, routed by a group question.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="File to write.")
def export_cmd(bank_dir: str | None, fmt: str, lang: str, statuses: tuple[str, ...],
               group: str | None, output: str) -> None:
    """Export the items (default: all that are not dropped) as a codebook CSV, a LimeSurvey
    import file or a printable HTML questionnaire, module by module."""
    b, bank_path = _load(bank_dir)
    with output_files([output], inputs=(bank_path,)):
        path = export(b, fmt, output, lang=lang, statuses=statuses or None, group=group)
    n = len([it for it in b.items if it.status in (statuses or ACTIVE_STATUSES)
             and (group is None or group in it.groups)])
    who = "all groups" if group is None else group
    click.echo(f"wrote {fmt} ({lang}, {who}, {n} items, bank {b.version}) to {path}",
               err=True)


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


@bank.command("assign")
@bank_option
@click.option("--panel", "panel_file", required=True, type=click.Path(dir_okay=False),
              help="Panel CSV: panelist, group (a stakeholder group) and optionally expertise "
                   "('all' or element ids).")
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUSES),
              help="Items with this status (repeatable; default: every item not dropped).")
@click.option("--raters-per-item", type=click.IntRange(min=1), default=None,
              help="Panelists per item (default: every panelist who may rate it).")
@click.option("--min-raters", type=click.IntRange(min=1), default=None,
              help="Refuse a design that leaves an item with fewer raters (default: the "
                   "rules' target_raters, 6).")
@click.option("--rules", "rules_file", type=click.Path(dir_okay=False), default=None,
              help="Decision rules (YAML) whose target_raters is the minimum.")
@click.option("--round", "round_no", type=click.IntRange(min=1), default=1,
              show_default=True, help="The round the form is for.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The rating form to write (CSV: round, panelist, group, item and empty "
                   "relevance, clarity, comment).")
@json_option
def assign_cmd(bank_dir: str | None, panel_file: str, statuses: tuple[str, ...],
               raters_per_item: int | None, min_raters: int | None, rules_file: str | None,
               round_no: int, output: str, as_json: bool) -> None:
    """Give each Delphi panelist the items their group answers or their expertise covers,
    with every item rated by at least the minimum number of panelists, and write the rating
    form that 'lospw delphi' reads back."""

    b, _ = _load(bank_dir)
    minimum = min_raters or load_rules(rules_file).target_raters
    items = b.by_status(*statuses) if statuses else tuple(
        it for it in b.items if it.status != "dropped")
    a = assign_items(items, read_panel(panel_file), min_raters=minimum,
                     raters_per_item=raters_per_item, round_no=round_no)
    with output_files([output], inputs=(panel_file, rules_file)):
        path = write_csv(a.form(), output)
    if as_json:
        echo_json({**a.to_dict(), "file": _display(Path(path))})
        return
    d = a.to_dict()
    click.echo(
        f"wrote the rating form of round {round_no} to {path}: {d['n_ratings']} ratings by "
        f"{d['n_panelists']} panelists of {d['n_items']} items; raters per item "
        f"{d['raters_per_item_found']['min']}-{d['raters_per_item_found']['max']} (minimum "
        f"{minimum}), items per panelist {d['items_per_panelist']['min']}-"
        f"{d['items_per_panelist']['max']}.", err=True)
