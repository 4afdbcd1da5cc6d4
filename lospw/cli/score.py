"""``lospw score``: score new data with a scoring scheme (or a key), per respondent and per
workplace, and the change since a baseline wave."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from lospw.analysis.core.artifacts import write_csv
from lospw.analysis.core.errors import InputError, require_column
from lospw.analysis.core.key import Key, load_key
from lospw.analysis.core.outdir import output_files, output_folder
from lospw.analysis.core.warnings import Note, notes_to_dicts
from lospw.analysis.core.xlsx_table import write_xlsx
from lospw.analysis.intake.reading import ReadOptions, read_input
from lospw.analysis.intake.responses import IntakeResult
from lospw.analysis.scoring.aggregate import aggregate
from lospw.analysis.scoring.change import compare_waves
from lospw.analysis.scoring.profiles import safe_name, write_profile_charts
from lospw.analysis.scoring.scheme import ScoringScheme
from lospw.analysis.scoring.scheme_io import demo_scheme_path, load_scheme
from lospw.analysis.scoring.score_table import output_table
from lospw.analysis.scoring.scores import MissingRule, ScoreResult, score_items
from lospw.cli.common import (
    console,
    echo_json,
    err_console,
    json_option,
    require_complete_input,
)
from lospw.cli.options import Inputs, input_options, intake_block


def _score(intake: IntakeResult, key: Key, scheme: ScoringScheme | None,
           rule: MissingRule | None, norm_group: str | None) -> ScoreResult:
    if scheme is None:
        return score_items(intake.items, key, rule=rule, asked=intake.asked)
    groups = None
    if norm_group is not None:
        require_column(norm_group, intake.meta.columns, "norm-group column", intake.source)
        groups = intake.meta[norm_group]
    return scheme.score_items(intake.items, groups, intake.asked)


#: ``--max-charts`` by default: profile charts take about 0.2 s each (40,000 groups: hours).
MAX_CHARTS = 100


def _side(out: Path, suffix: str, ext: str = ".csv") -> Path:
    return out.with_name(f"{out.stem}_{suffix}{ext}")


def _side_files(out: Path, by: str | None, baseline: str | None) -> list[Path]:
    """The tables written next to OUT (the profile charts go to a folder of their own)."""

    files = []
    if by:
        files += [_side(out, f"by_{safe_name(by)}"), _side(out, f"by_{safe_name(by)}_scales")]
    if baseline:
        files += [_side(out, f"change_by_{safe_name(by) if by else 'all'}"),
                  _side(out, "change"), _side(out, "unmatched")]
    return files


def _f(x: Any, digits: int = 2) -> str:
    return "-" if x is None or x != x else f"{x:.{digits}f}"


@click.command()
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--scheme", "scheme_file", type=click.Path(dir_okay=False),
              help="A scoring scheme (JSON from 'lospw scheme'); 'demo' for the shipped DEMO "
                   "scheme of LOS-PW (norms from synthetic data).")
@click.option("--key", "key_file", type=click.Path(dir_okay=False),
              help="Score with a key only: scores and answered items, no SE or percentile.")
@click.option("-o", "--out", "out_file", required=True, type=click.Path(dir_okay=False),
              help="Scores table: CSV, or a real Excel workbook when it ends in .xlsx "
                   "(text-safe cells); side files are written next to it as CSV.")
@click.option("--by", "by", help="Group column (e.g. workplace): profiles, ICC(1), ICC(2), "
                                 "rwg(j), AD and profile charts next to OUT.")
@click.option("--max-charts", type=click.IntRange(min=0), default=MAX_CHARTS, show_default=True,
              help="Draw the profile charts of --by only when it has at most this many groups "
                   "(each chart takes about 0.2 s); the profile tables are always written.")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False),
              help="An earlier wave of the same instrument: reliable change per respondent, "
                   "change per group.")
@click.option("--norm-group", help="Column whose levels select the scheme's group norms.")
@click.option("--min-fraction", type=click.FloatRange(0, 1),
              help="With --key: share of a scale's items a score needs (default 2/3).")
@input_options
@json_option
def score(data: str, scheme_file: str | None, key_file: str | None, out_file: str,
          by: str | None, max_charts: int, inputs: Inputs, baseline_file: str | None,
          norm_group: str | None, min_fraction: float | None, as_json: bool) -> None:
    """Score DATA per respondent and scale: the mean of the answered keyed items, with
    (given a scheme) its standard error, 95% interval, percentile and band. Every input row
    is kept in input order; a row without a score says why in <scale>_reason."""
    if scheme_file and key_file:
        raise InputError("Give --scheme or --key, not both: a scheme already holds its key.")
    if min_fraction is not None and not key_file:
        raise InputError("--min-fraction applies to --key only; a scheme fixes its own "
                         "missing-items rule.")
    scheme: ScoringScheme | None = None
    notes: list[str] = []
    if key_file:
        require_complete_input(key_file)
        key = load_key(key_file)
        rule = MissingRule() if min_fraction is None else MissingRule(min_fraction)
        if norm_group:
            raise InputError("--norm-group needs a scheme (norms); --key has none.")
    else:
        if scheme_file is None:
            raise InputError("Give --scheme FILE (from 'lospw scheme') or --key KEY to say "
                             "how to score; '--scheme demo' scores with the LOS-PW DEMO scheme.")
        if scheme_file == "demo" and not Path("demo").is_file():
            path = demo_scheme_path()
            if not path.is_file():
                raise InputError("The demo scheme is not installed; give --scheme FILE or "
                                 "--key KEY.")
            notes.append("--scheme demo: using the DEMO scheme shipped with lospw (LOS-PW, "
                         "norms from SYNTHETIC data).")
            scheme = load_scheme(path)
            scheme_file = None
        else:
            require_complete_input(scheme_file)
            scheme = load_scheme(scheme_file)
        key, rule = scheme.key, scheme.rule
    read = inputs.read
    try:
        intake, _ = inputs.load(data, key)
    except InputError as exc:
        text = str(exc)
        if scheme is None or "item column" not in text or "missing" not in text:
            raise
        version = f" {key.version}" if key.version else ""
        raise InputError(
            f"The scheme's items do not match the data (the scheme is for "
            f"{key.instrument}{version}, {key.n_items} items): {text}"
        ) from None
    idc = intake.id_column
    if by is not None and by == idc:
        raise InputError(f"--by {by!r} is the respondent id column: every respondent would be "
                         "a group of one. Aggregate by another column (e.g. the team or "
                         "workplace).")
    for col in (by,):
        if col is not None and col not in intake.meta.columns:
            raise InputError(f"No column {col!r} in {data} to group by; the other columns are "
                             f"{', '.join(map(str, intake.meta.columns)) or 'none'}.")
    res = _score(intake, key, scheme, rule, norm_group)
    notes += list(res.notes)
    keep = [c for c in (by, norm_group) if c]
    table = output_table(res, intake, id_column=idc, keep=keep)
    out = Path(out_file)
    inputs = (data, scheme_file, key_file, baseline_file)
    warned: list[Note] = []
    n_groups = int(intake.meta[by].dropna().nunique()) if by else 0
    if by and n_groups > max_charts:
        warned.append(Note("profile_charts_skipped",
                           f"{n_groups} groups in {by!r}: no profile charts drawn (at most "
                           f"{max_charts}; raise --max-charts to draw them); the profiles are "
                           "in the by-group tables.",
                           {"column": by, "groups": n_groups, "max_charts": max_charts}))
    charts = out.with_name(f"{out.stem}_profiles") if by and not warned else None
    # every output is checked before anything is written, built aside and moved in together
    with output_files([out], unnamed=_side_files(out, by, baseline_file), inputs=inputs,
                      command="score") as staged, \
            (output_folder(charts, command="score", inputs=inputs) if charts
             else contextlib.nullcontext()) as chart_dir:
        _write_table(table, staged(out))
        written = [out]
        summary: dict[str, Any] = {
            "data": data, "instrument": key.instrument, "n_read": intake.n_read,
            "n_analysed": intake.n_analysed, "n_excluded_at_intake": intake.n_excluded,
            "id_column": idc, "scheme": _scheme_info(scheme),
            # the table holds every row read; the scorer saw the analysed ones
            "scores": {"n_rows_read": len(table), **res.to_dict()},
        }
        if by:
            summary["aggregation"], files = _aggregate(res, intake, key, scheme, by, out,
                                                       staged, chart_dir)
            written += files
        if baseline_file:
            summary["change"], files = _change(baseline_file, key, scheme, rule, norm_group,
                                               idc, by, table, out, notes, read, staged)
            written += files
    summary["notes"] = notes
    summary["warnings"] = notes_to_dicts(warned)
    summary["written"] = [p.as_posix() for p in written]
    summary["intake"] = intake_block(intake)
    if as_json:
        echo_json(summary)
        return
    _print(summary, res, written)


def _write_table(table, out: Path) -> Path:
    """The scores table as CSV, or as a real .xlsx workbook when OUT ends in .xlsx."""
    if out.suffix.lower() == ".xlsx":
        return write_xlsx(table, out)
    return write_csv(table, out)


def _scheme_info(scheme: ScoringScheme | None) -> dict[str, Any] | None:
    if scheme is None:
        return None
    return {"instrument": scheme.key.instrument, "version": scheme.key.version,
            "key_sha256": scheme.key.sha256(), "schema_version": scheme.schema_version,
            "synthetic_norms": scheme.is_synthetic, "label": scheme.label,
            "reliability": dict(scheme.reliability), "sem": scheme.sem}


def _aggregate(res: ScoreResult, intake: IntakeResult, key: Key,
               scheme: ScoringScheme | None, by: str, out: Path,
               staged: Callable[[Path], Path], tmp: Path | None) -> tuple[dict, list[Path]]:
    """Profiles per ``by`` group: two tables beside OUT (staged) and the charts in ``tmp``
    (the staging folder of ``<stem>_profiles``; None: no charts)."""

    agg = aggregate(res.scores, intake.items, intake.meta[by], key, by=by)
    tag = f"by_{safe_name(by)}"
    files = [_side(out, tag), _side(out, f"{tag}_scales")]
    write_csv(agg.to_frame(), staged(files[0]))
    write_csv(agg.scales, staged(files[1]))
    if tmp is None:
        return agg.to_dict(), files
    note = ("SYNTHETIC demo norms; " if scheme is not None and scheme.is_synthetic else "")
    overall = {s: float(res.scores[s].mean()) for s in key.scale_names}
    rs = key.response_scale
    charts = out.with_name(f"{out.stem}_profiles")
    drawn = write_profile_charts(agg.profiles, tmp, low=rs.min, high=rs.max,
                                 scales=key.scale_names, overall=overall, by=by,
                                 note=note + f"lospw score: {key.instrument}")
    files += [charts / p.relative_to(tmp) for p in drawn]
    return agg.to_dict(), files


def _change(baseline_file: str, key: Key, scheme: ScoringScheme | None, rule: MissingRule,
            norm_group: str | None, idc: str | None, by: str | None, table,
            out: Path, notes: list[str], read: ReadOptions,
            staged: Callable[[Path], Path]) -> tuple[dict, list[Path]]:

    base = read_input(baseline_file, key, dataclasses.replace(read, id_column=idc))
    bres = _score(base, key, scheme, rule, norm_group)
    btable = output_table(bres, base, id_column=idc, keep=[c for c in (by,) if c])
    if by and by not in btable.columns:
        raise InputError(f"No column {by!r} in the baseline {baseline_file}; both waves "
                         "need the group column.")
    ch = compare_waves(btable, table, key.scale_names, scheme.sem if scheme else None,
                       id_column=idc, by=by, directions=key.directions)
    notes += list(ch.notes)

    files = [_side(out, f"change_by_{safe_name(by) if by else 'all'}"), _side(out, "change"),
             _side(out, "unmatched")]
    for frame, path in zip((ch.groups, ch.respondents, ch.unmatched), files, strict=True):
        write_csv(frame, staged(path))
    return ch.to_dict(), files


def _print(summary: dict[str, Any], res: ScoreResult, written: list[Path]) -> None:
    for n in summary["notes"]:
        err_console.print(f"[yellow]note[/yellow]: {escape(n)}")
    for w in summary["warnings"]:
        err_console.print(f"[yellow]warning[/yellow] {escape(w['code'])}: {escape(w['message'])}")
    console.print(
        f"[bold]Scores[/bold] of {summary['instrument']} for {summary['data']}: "
        f"{summary['n_read']} rows ({summary['n_analysed']} analysed, "
        f"{summary['n_excluded_at_intake']} excluded at intake, kept with their reason)."
    )
    t = Table("scale", "items needed", "scored", "too few items", "mean", "SD", "SEM")
    sem = (summary["scheme"] or {}).get("sem", {})
    for s, d in summary["scores"]["scales"].items():
        t.add_row(s, str(d["required"]), str(d["n_scored"]), str(d["n_too_few_items"]),
                  _f(d["mean"]), _f(d["sd"]), _f(sem.get(s), 3))
    console.print(t)
    agg = summary.get("aggregation")
    if agg is not None:
        sc = agg["scales"]
        t = Table("scale", "ICC(1)", "ICC(2)", "groups", "flags",
                  title=f"Aggregation by {agg['by']}")
        for r in sc.itertuples():
            t.add_row(r.scale, _f(r.icc1, 3), _f(r.icc2, 3), str(int(r.n_groups)),
                      r.flags or "-")
        console.print(t)
        prof = agg["profiles"]
        bad = prof[~prof["aggregate_ok"]]
        console.print(f"{len(bad)} of {len(prof)} group x scale means are flagged "
                      "(rwg(j) < .70, AD > c/6 or fewer than 2 respondents).")
    ch = summary.get("change")
    if ch is not None:
        console.print(f"Change since baseline: {ch['n_matched']} respondents matched, "
                      f"{ch['n_unmatched']} unmatched (listed).")
    console.print("written: " + ", ".join(p.as_posix() for p in written[:6])
                  + (f" and {len(written) - 6} more" if len(written) > 6 else ""))
