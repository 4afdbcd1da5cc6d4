"""``lospw intake``: read, check and screen survey responses against a key."""

from __future__ import annotations

import dataclasses

import click
from rich.markup import escape

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import load_key
from lospw.analysis.core.outdir import legacy_layout, output_folder
from lospw.analysis.intake.artifacts import intake_summary, write_intake
from lospw.analysis.intake.reading import read_input
from lospw.analysis.intake.screening import Cutoffs, screen_intake
from lospw.analysis.intake.waves import first_wave
from lospw.cli.common import console, echo_json
from lospw.cli.options import Inputs, stage_command, wave_option

# A folder of lospw intake from before output records: intake.json lists the files.
LEGACY_INTAKE = legacy_layout(
    "intake.json", ["intake.json", "responses.csv", "exclusions.csv", "cell_log.csv",
                    "screening.csv"], keys=("reconciles", "files"))


@stage_command(
    click.option("--out-of-range", type=click.Choice(["missing", "exclude"]), default="missing",
                 show_default=True, help="A value outside the response scale becomes missing, "
                 "or excludes its row (logged either way)."),
    click.option("--non-numeric", type=click.Choice(["error", "missing", "exclude"]),
                 default="error", show_default=True,
                 help="A cell that is not a number nor a missing code."),
    click.option("--time", "time_column", help="Response-time column in seconds (default: "
                 "interviewtime, duration ... when present)."),
    click.option("--keep", "keep_columns", multiple=True, metavar="COL",
                 help="A non-item column to keep in the written data (repeatable). Only the "
                 "items and the columns kept by name are written; a column that looks personal "
                 "(e-mail, phone, names ...) cannot be kept."),
    click.option("-o", "--out", "outdir", type=click.Path(file_okay=False),
                 help="Write responses.csv, exclusions.csv, cell_log.csv, screening.csv and "
                 "intake.json here."),
    wave_option,
    key_help="The key (YAML) naming the items, scales and response scale.",
)
def intake(data: str, key_file: str, inputs: Inputs, out_of_range: str, non_numeric: str,
           time_column: str | None, keep_columns: tuple[str, ...], outdir: str | None,
           wave: str | None, as_json: bool) -> None:
    """Read DATA (CSV, XLSX or SPSS .sav), check it against the key, screen for careless
    responding, and account for every row: analysed, or excluded with its reason.

    Respondent ids are replaced by sequential codes (R0001 ...) in everything written.
    """
    key = load_key(key_file)
    # --drop is applied when writing, so intake.json lists the dropped columns ("asked")
    drop = inputs.read.drop
    read = dataclasses.replace(inputs.read, drop=(), out_of_range=out_of_range,
                               non_numeric=non_numeric, id_within=wave)
    res = read_input(data, key, read)
    if wave is not None:
        res = first_wave(res, wave, data)
    for col in drop:
        if col not in res.meta.columns:
            raise InputError(f"{data}: --drop {col!r}: no such non-item column; they are "
                             f"{', '.join(map(str, res.meta.columns)) or 'none'}.")
    screen_mode, min_flags = inputs.screen, inputs.min_flags
    map_file, recode_file = inputs.read.map_file, inputs.read.recode_file
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
    for w in summary["warnings"]:
        console.print(f"  warning {escape(w['code'])}: {escape(w['message'])}")
    answers = summary.get("missing_answers") or {}
    if answers.get("codes"):
        console.print("  missing codes (of the cells asked): " + escape(", ".join(
            f"{c['code']} {c['meaning']} {c['n_cells']}"
            + (f" ({c['rate']:.1%})" if c["rate"] is not None else "")
            for c in answers["codes"])))
    if scr is not None:
        s = summary["screening"]
        flagged = ", ".join(f"{k} {v}" for k, v in s["n_flagged_by"].items() if v)
        console.print(f"  screening ({'excluded' if screen_mode == 'exclude' else 'flagged'}): "
                      f"{s['n_flagged_any']} respondent(s) with a flag"
                      + (f" ({flagged})" if flagged else ""))
        for w in s["warnings"]:
            console.print(f"  warning {escape(w['code'])}: {escape(w['message'])}")
    left = [e["column"] for e in summary.get("columns_left_out", [])]
    if left:
        console.print(f"  {len(left)} non-item column(s) left out (not written; keep one "
                      f"with --keep COL): {escape(', '.join(map(str, left[:10])))}"
                      + (f" and {len(left) - 10} more" if len(left) > 10 else ""))
    if outdir:
        console.print(f"  written to {outdir}: " + ", ".join(
            v for v in summary["files"].values()))
