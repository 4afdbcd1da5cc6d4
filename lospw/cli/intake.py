"""``lospw intake``: read, check and screen survey responses against a key."""

from __future__ import annotations

import click
from rich.markup import escape

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import load_key
from lospw.analysis.core.outdir import legacy_layout, output_folder
from lospw.analysis.core.yamlio import load_yaml
from lospw.analysis.intake.artifacts import intake_summary, write_intake
from lospw.analysis.intake.responses import read_responses
from lospw.analysis.intake.screening import Cutoffs, screen_intake
from lospw.cli._common import console, echo_json, json_option

# A folder of lospw intake from before output records: intake.json lists the files.
LEGACY_INTAKE = legacy_layout(
    "intake.json", ["intake.json", "responses.csv", "exclusions.csv", "cell_log.csv",
                    "screening.csv"], keys=("reconciles", "files"))


def _mapping_file(path: str | None, what: str, example: str) -> dict | None:
    if path is None:
        return None
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise InputError(f"{path}: the {what} file must be a mapping, e.g. {example}.")
    return {str(k): v for k, v in data.items()}


@click.command()
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--key", "key_file", required=True, type=click.Path(dir_okay=False),
              help="The key (YAML) naming the items, scales and response scale.")
@click.option("--id", "id_column", help="The respondent id column (checked for duplicates; "
              "pseudonymised in the output).")
@click.option("--out-of-range", type=click.Choice(["missing", "exclude"]), default="missing",
              show_default=True, help="A value outside the response scale becomes missing, "
              "or excludes its row (logged either way).")
@click.option("--non-numeric", type=click.Choice(["error", "missing", "exclude"]),
              default="error", show_default=True,
              help="A cell that is not a number nor a missing code.")
@click.option("--duplicates", type=click.Choice(["exclude", "keep_first", "error"]),
              default="exclude", show_default=True, help="Rows sharing a respondent id.")
@click.option("--missing", "missing_values", multiple=True, metavar="VALUE",
              help="A missing code besides the key's (repeatable): a number outside the "
              "scale, or text such as 'weet niet'.")
@click.option("--map", "map_file", type=click.Path(dir_okay=False),
              help="YAML mapping key item -> column name, for differently named columns.")
@click.option("--recode", "recode_file", type=click.Path(dir_okay=False),
              help="YAML mapping answer code -> number (e.g. A1: 1), empty for missing.")
@click.option("--sheet", help="XLSX: the sheet to read (default: the first).")
@click.option("--encoding", help="Text files: the encoding (default: detected).")
@click.option("--delimiter", type=click.Choice([";", ",", "tab", "pipe"]),
              help="Text files: the delimiter (default: detected).")
@click.option("--decimal", type=click.Choice([".", ","]),
              help="The decimal mark of numbers written as text (default: detected).")
@click.option("--screen", "screen_mode", type=click.Choice(["flag", "exclude", "off"]),
              default="flag", show_default=True,
              help="Careless-responding screening: flag, exclude flagged rows, or skip.")
@click.option("--min-flags", type=click.IntRange(min=1), default=1, show_default=True,
              help="With --screen exclude: flags needed to exclude a respondent.")
@click.option("--time", "time_column", help="Response-time column in seconds (default: "
              "interviewtime, duration ... when present).")
@click.option("--keep", "keep_columns", multiple=True, metavar="COL",
              help="A non-item column to keep in the written data (repeatable). Only the "
              "items and the columns kept by name are written; a column that looks personal "
              "(e-mail, phone, names ...) cannot be kept.")
@click.option("--drop", multiple=True, metavar="COL",
              help="A column to leave out although named with --keep (repeatable).")
@click.option("-o", "--out", "outdir", type=click.Path(file_okay=False),
              help="Write responses.csv, exclusions.csv, cell_log.csv, screening.csv and "
              "intake.json here.")
@json_option
def intake(data: str, key_file: str, id_column: str | None, out_of_range: str,
           non_numeric: str, duplicates: str, missing_values: tuple[str, ...],
           map_file: str | None, recode_file: str | None, sheet: str | None,
           encoding: str | None, delimiter: str | None, decimal: str | None,
           screen_mode: str, min_flags: int, time_column: str | None,
           keep_columns: tuple[str, ...], drop: tuple[str, ...], outdir: str | None,
           as_json: bool) -> None:
    """Read DATA (CSV, XLSX or SPSS .sav), check it against the key, screen for careless
    responding, and account for every row: analysed, or excluded with its reason.

    Respondent ids are replaced by sequential codes (R0001 ...) in everything written.
    """
    key = load_key(key_file)
    column_map = _mapping_file(map_file, "column map", "{A1: q1}")
    recode = _mapping_file(recode_file, "recode", "{A1: 1, A2: 2}")
    res = read_responses(
        data, key, id_column=id_column, out_of_range=out_of_range, non_numeric=non_numeric,
        duplicate_ids=duplicates, missing_values=missing_values, column_map=column_map,
        recode=recode, sheet=sheet, encoding=encoding,
        delimiter={"tab": "\t", "pipe": "|"}.get(delimiter or "", delimiter), decimal=decimal)
    scr = None
    if screen_mode != "off":
        res, scr = screen_intake(res, time_column=time_column, cutoffs=Cutoffs(),
                                 exclude=screen_mode == "exclude", min_flags=min_flags)
    if outdir:
        with output_folder(outdir, command="intake", legacy=LEGACY_INTAKE,
                           inputs=(data, key_file, map_file, recode_file)) as folder:
            summary = write_intake(res, key, folder, scr, drop=drop, extra=keep_columns,
                                   screening_mode=screen_mode)
    else:
        summary = intake_summary(res, key, scr, screening_mode=screen_mode)
    if as_json:
        echo_json(summary)
        return
    console.print(
        f"[bold]{summary['source']}[/bold]: {summary['n_read']} row(s) read, "
        f"{summary['n_analysed']} analysed, {summary['n_excluded']} excluded"
    )
    for reason, n in summary["excluded_by_reason"].items():
        console.print(f"  excluded: {reason}: {n}")
    for note in summary["notes"]:
        console.print(f"  note: {escape(note)}")
    if scr is not None:
        s = summary["screening"]
        flagged = ", ".join(f"{k} {v}" for k, v in s["n_flagged_by"].items() if v)
        console.print(f"  screening ({'excluded' if screen_mode == 'exclude' else 'flagged'}): "
                      f"{s['n_flagged_any']} respondent(s) with a flag"
                      + (f" ({flagged})" if flagged else ""))
    left = [e["column"] for e in summary.get("columns_left_out", [])]
    if left:
        console.print(f"  {len(left)} non-item column(s) left out (not written; keep one "
                      f"with --keep COL): {escape(', '.join(map(str, left[:10])))}"
                      + (f" and {len(left) - 10} more" if len(left) > 10 else ""))
    if outdir:
        console.print(f"  written to {outdir}: " + ", ".join(
            v for v in summary["files"].values()))
