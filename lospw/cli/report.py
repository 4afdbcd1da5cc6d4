"""``lospw report``: the report (HTML, offline) of a ``lospw analyze`` folder."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import click

from lospw.cli.common import console, display_path, echo_json, err_console, json_option
from lospw.report_build import ReportInputs, build_report

_FOLDER = click.Path(file_okay=False)


@click.command()
@click.argument("results", type=click.Path(file_okay=False))
@click.option("-o", "--out", "out", required=True, type=_FOLDER,
              help="Folder for the report (OUT/index.html); new, empty, or an earlier report.")
@click.option("--title", default=None,
              help="Title of the report (default: the key's title, else '<instrument>: "
                   "validation report').")
@click.option("--author", "authors", multiple=True,
              help="An author (repeat for several; default: the key's authors).")
@click.option("--model", type=_FOLDER, default=None,
              help="Folder with model.json (the LOS-PW model): adds the model chapter.")
@click.option("--bank", type=_FOLDER, default=None,
              help="Folder with the item-bank exports (validate.json, codebook.csv): adds "
                   "the item-bank chapter.")
@click.option("--delphi", type=_FOLDER, default=None,
              help="Output folder of lospw delphi: adds the Delphi chapter.")
@json_option
def report(results: str, out: str, title: str | None, authors: tuple[str, ...],
           model: str | None, bank: str | None, delphi: str | None, as_json: bool) -> None:
    """Build the report of the lospw analyze folder RESULTS into OUT (OUT/index.html).

    The report is about the instrument in RESULTS' key: its title, scales and chapters come
    from the key and the artifacts. Chapters whose inputs the run lacks are left out
    (invariance without --group, aggregation without --cluster; the model, item-bank and
    Delphi chapters unless --model, --bank, --delphi are given). Offline; one to two minutes.
    """
    inputs = ReportInputs(
        results=Path(results), model=Path(model) if model else None,
        bank=Path(bank) if bank else None, delphi=Path(delphi) if delphi else None,
        title=title, authors=tuple(authors))
    logger = logging.getLogger("lospw.report_build")
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        logger.addHandler(_StderrHandler())  # the build log's last lines when it fails
    started = time.perf_counter()
    with err_console.status("building the report ..."):
        done = build_report(inputs, out)
    done["seconds"] = round(time.perf_counter() - started, 1)
    if as_json:
        echo_json(done)
        return
    console.print(f"Report '{done['title']}': {len(done['chapters'])} chapters in "
                  f"{done['seconds']} s -> {display_path(Path(out) / 'index.html')}",
                  markup=False)


class _StderrHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        err_console.print(self.format(record), markup=False)
