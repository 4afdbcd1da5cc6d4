"""``lospw delphi``: content validity, decisions and feedback per Delphi round."""

from __future__ import annotations

from pathlib import Path

import click
from rich import box
from rich.table import Table

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.outdir import legacy_layout, output_folder
from lospw.cli.common import console, echo_json, json_option
from lospw.instrument.bank import load_bank
from lospw.instrument.delphi.assign import rater_coverage
from lospw.instrument.delphi.decide import run_delphi
from lospw.instrument.delphi.outputs import write_outputs
from lospw.instrument.delphi.ratings import read_ratings
from lospw.instrument.delphi.rules import load_rules

# A folder of lospw delphi from before output records (layout in instrument/delphi/outputs.py).
LEGACY_DELPHI = legacy_layout(
    "summary.json", ["items.*", "rounds.*", "stability.csv", "attrition.csv", "final.csv",
                     "groups/*", "audit.*", "feedback/*", "bank/*", "key.yaml",
                     "summary.json"],
    keys=("outcome", "rules", "inputs"))


def _item_list(path: str) -> list[str]:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file. Give a text file with one item id per line.")
    ids = [line.split("#", 1)[0].strip() for line in p.read_text(encoding="utf-8-sig")
           .splitlines()]
    ids = [i for i in ids if i]
    if not ids:
        raise InputError(f"{p}: no item ids. Write one item id per line.")
    return ids


@click.command("delphi")
@click.argument("ratings", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--bank", "bank_dir", type=click.Path(file_okay=False),
              help="Item bank directory: items must be in it; a new bank version with the "
                   "Delphi statuses and the key of the retained items are written to DIR.")
@click.option("--items", "items_file", type=click.Path(dir_okay=False),
              help="Text file with the known item ids, one per line (instead of --bank).")
@click.option("--rules", "rules_file", type=click.Path(dir_okay=False),
              help="Decision rules (YAML) over the defaults in "
                   "instrument/delphi/rules_default.yaml.")
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Directory for the artifacts (created if needed).")
@click.option("--label", default=None,
              help="A line shown in the summary and on every feedback sheet, e.g. "
                   "'SYNTHETIC demo panel'.")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True,
              help="Language of the item texts on the feedback sheets (with --bank).")
@click.option("--bank-version", default=None,
              help="Version of the new bank (default: <input version>+delphi.r<last round>).")
@json_option
def delphi(ratings: tuple[str, ...], bank_dir: str | None, items_file: str | None,
           rules_file: str | None, out_dir: str, label: str | None, lang: str,
           bank_version: str | None, as_json: bool) -> None:
    """Content-validity statistics, keep / revise / drop decisions and a stop / go-on
    verdict per round of a Delphi panel, with an audit trail and feedback sheets.

    RATINGS are long-form CSV or XLSX files, one row per rating, with the columns round,
    panelist, item, relevance (and optionally group, clarity, comment).
    """

    if bank_dir and items_file:
        raise InputError("Give --bank or --items, not both: the bank already lists its items.")
    rules = load_rules(rules_file)
    bank = None
    items = None
    item_source = "the item list"
    if bank_dir:

        bank = load_bank(bank_dir)
        items = list(bank.ids())
        item_source = f"the bank {bank_dir}"
        target = (Path(out_dir) / "bank").resolve()
        if target == Path(bank_dir).resolve():
            raise InputError(
                f"-o {out_dir} would write the new bank over the input bank {bank_dir}. "
                "Choose another output directory; the input bank is never overwritten."
            )
    elif items_file:
        items = _item_list(items_file)
        item_source = f"the item list {items_file}"
    data = read_ratings(list(ratings), rules.scale, rules.clarity, items, item_source)
    result = run_delphi(data, rules)
    low = rater_coverage(data, rules.target_raters)
    with output_folder(out_dir, command="delphi", legacy=LEGACY_DELPHI,
                       inputs=(*ratings, bank_dir, items_file, rules_file)) as folder:
        summary = write_outputs(result, folder, bank=bank, new_version=bank_version,
                                label=label, lang=lang)
    if as_json:
        echo_json(result.summary())
        return
    for row in low.head(10).to_dict(orient="records"):
        console.print(f"warning: item {row['item']} has {row['n_ratings']} rating(s) in round "
                      f"{row['round']}; every item needs at least {rules.target_raters} "
                      "(rules: target_raters).")
    if len(low) > 10:
        console.print(f"warning: ... and {len(low) - 10} more items with fewer than "
                      f"{rules.target_raters} ratings (summary.json: design).")
    if label:
        console.print(f"[bold]{label}[/bold]")
    r = data.to_dict()
    console.print(
        f"{r['n_ratings']} ratings ({r['n_missing_ratings']} empty) by {r['n_panelists']} "
        f"panelists of {r['n_items']} items in {len(r['rounds'])} round(s); method "
        f"{rules.method}, scale {rules.scale.min}-{rules.scale.max}."
    )
    heads = ("round", "n", "left", "S-CVI/Ave", "S-CVI/UA", "W", "keep", "revise", "drop",
             "verdict")
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
    for h in heads:
        table.add_column(h, no_wrap=True, min_width=len(h))
    for row in result.rounds.to_dict(orient="records"):
        w = row["kendall_w"]
        table.add_row(str(row["round"]), str(row["n_panelists"]), str(row["n_left"]),
                      f"{row['s_cvi_ave']:.2f}", f"{row['s_cvi_ua']:.2f}",
                      "-" if w != w else f"{w:.2f}", str(row["n_keep"]),
                      str(row["n_revise"]), str(row["n_drop"]), row["verdict"])
    console.print(table)
    console.print(result.rounds["verdict_reason"].iloc[-1])
    final = summary["outcome"]["final"]
    console.print(f"final: {final['retained']} retained, {final['revised']} revised, "
                  f"{final['dropped']} dropped.")
    if bank is not None:
        b = summary["bank"]
        console.print(f"new bank version {b['new_version']} in {Path(out_dir) / 'bank'}"
                      + (f"; key of the retained items: {Path(out_dir) / 'key.yaml'}"
                         if b.get("key") else "; no item retained, no key written"))
    console.print(f"artifacts in {out_dir} ({len(summary['files'])} files).")
