"""The input options of every command that reads responses, defined once.

``@input_options`` adds ``--id``, ``--map``, ``--recode``, ``--missing``,
``--missing-data``, ``--sheet``, ``--header-row``, ``--drop``, ``--screen``,
``--min-flags``, ``--duplicates``, ``--encoding``, ``--delimiter`` and ``--decimal`` to a
command and hands it one :class:`Inputs` (argument ``inputs``). :meth:`Inputs.load` reads
and screens the data (:func:`lospw.analysis.intake.reading.read_input`); :func:`print_rows`
prints the first lines every command starts with (rows read, rows analysed, the notes),
:func:`n_used` the n of one analysis with a note when it uses fewer than
:data:`LOW_SHARE` of the analysed rows.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import click
from rich.markup import escape

from lospw.analysis.core.key import Key
from lospw.analysis.intake.reading import (
    DUPLICATES,
    MISSING_DATA,
    ReadOptions,
    missing_data_of,
    read_input,
    treatment,
)
from lospw.analysis.intake.responses import IntakeResult
from lospw.analysis.intake.screening import Cutoffs, screen_intake
from lospw.analysis.intake.waves import first_wave

__all__ = ["LOW_SHARE", "SCREEN_MODES", "Inputs", "input_options", "intake_block", "n_used",
           "print_rows", "treatment", "wave_option"]

#: An analysis using fewer than this share of the analysed rows says so, naming the fix.
LOW_SHARE = 0.90
SCREEN_MODES = ("flag", "exclude", "off")


@dataclass(frozen=True)
class Inputs:
    """The shared input options of one command run."""

    read: ReadOptions
    missing_data: str = "available"
    screen: str = "flag"
    min_flags: int = 1

    def load(self, data: str, key: Key, time_column: str | None = None,
             wave: str | None = None) -> tuple[IntakeResult, Any]:
        """Read DATA against KEY and screen it: (the analysed sample, the screening or None).
        With ``wave`` (long data) the first wave is analysed, later waves are logged."""
        if wave is None:
            intake = read_input(data, key, self.read)
        else:
            intake = first_wave(read_input(data, key, replace(self.read, id_within=wave)),
                                wave, data)
        if self.screen == "off":
            return intake, None
        return screen_intake(intake, time_column=time_column, cutoffs=Cutoffs(),
                             exclude=self.screen == "exclude", min_flags=self.min_flags)


#: ``--wave`` of the commands that analyse one wave of long data (intake, scheme).
wave_option = click.option(
    "--wave", help="Long data (one row per respondent and wave): the wave column. An id may "
    "repeat across waves; the first wave is analysed and later-wave rows are logged as "
    "later_wave ('lospw analyze --wave' analyses every wave).")

_OPTIONS = (
    click.option("--id", "id_column", help="Respondent id column [default: a column named "
                 "like an id, e.g. id, respondent_id]: checked for duplicates, pseudonymised "
                 "in every output."),
    click.option("--map", "map_file", type=click.Path(dir_okay=False),
                 help="YAML mapping key item -> column name, for differently named columns."),
    click.option("--recode", "recode_file", type=click.Path(dir_okay=False),
                 help="YAML mapping answer code -> number (e.g. A1: 1), empty for missing."),
    click.option("--missing", "missing_values", multiple=True, metavar="VALUE",
                 help="A missing code besides the key's (repeatable): a number outside the "
                 "scale, or text such as 'weet niet'. The words listwise / fiml / pairwise / "
                 "available set --missing-data instead."),
    click.option("--missing-data", type=click.Choice(MISSING_DATA), default=None,
                 help="available [default]: every answer is used (FIML for ML/MLR models, "
                 "pairwise for WLSMV models, item statistics, alpha and EFA); listwise: "
                 "complete rows only."),
    click.option("--sheet", help="XLSX: the sheet to read (default: the first)."),
    click.option("--header-row", type=click.IntRange(min=1), default=None, metavar="N",
                 help="CSV/XLSX: the line or row with the column names [default: the first, "
                 "or the first below a title]."),
    click.option("--drop", multiple=True, metavar="COL",
                 help="A column to leave out (repeatable); known personal fields (email, "
                 "ipaddr, token, names) are always left out of what is written."),
    click.option("--screen", type=click.Choice(SCREEN_MODES), default="flag",
                 show_default=True, help="Careless-responding screening: flag, exclude "
                 "flagged rows, or off."),
    click.option("--min-flags", type=click.IntRange(min=1), default=1, show_default=True,
                 help="With --screen exclude: flags needed to exclude a respondent."),
    click.option("--duplicates", type=click.Choice(DUPLICATES), default="exclude",
                 show_default=True, help="Rows sharing a respondent id: exclude them all, "
                 "keep the first, or stop (error). Identical copies always keep one."),
    click.option("--encoding", help="Text files: the encoding (default: detected)."),
    click.option("--delimiter", type=click.Choice([";", ",", "tab", "pipe"]),
                 help="Text files: the delimiter (default: detected)."),
    click.option("--decimal", type=click.Choice([".", ","]),
                 help="The decimal mark of numbers written as text (default: detected)."),
)
_NAMES = ("id_column", "map_file", "recode_file", "missing_values", "missing_data", "sheet",
          "header_row", "drop", "screen", "min_flags", "duplicates", "encoding", "delimiter",
          "decimal")


def input_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add the shared input options to a click command; it receives ``inputs: Inputs``."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        v = {name: kwargs.pop(name) for name in _NAMES}
        missing_data, codes = missing_data_of(tuple(v["missing_values"]), v["missing_data"])
        read = ReadOptions(
            id_column=v["id_column"], map_file=v["map_file"], recode_file=v["recode_file"],
            missing_values=codes, sheet=v["sheet"], header_row=v["header_row"],
            drop=tuple(v["drop"]), duplicates=v["duplicates"], encoding=v["encoding"],
            delimiter={"tab": "\t", "pipe": "|"}.get(v["delimiter"] or "", v["delimiter"]),
            decimal=v["decimal"])
        kwargs["inputs"] = Inputs(read, missing_data, v["screen"], v["min_flags"])
        return func(*args, **kwargs)

    for option in reversed(_OPTIONS):
        wrapper = option(wrapper)
    return wrapper


def intake_block(intake: IntakeResult) -> dict[str, Any]:
    """What a command's ``--json`` says under ``"intake"`` (as the artifacts of
    ``lospw analyze`` do: :func:`lospw.analysis.pipeline.common.json_with_intake`)."""
    return {"source": intake.source, "n_read": intake.n_read,
            "n_analysed": intake.n_analysed, "n_excluded": intake.n_excluded,
            "excluded_by_reason": intake.excluded_by_reason()}


def print_rows(console: Any, intake: IntakeResult, what: str, missing_data: str) -> None:
    """The first lines of every command: rows read, rows analysed, why rows were left out,
    the missing-data treatment and the intake's notes."""
    why = ", ".join(f"{k} {v}" for k, v in intake.excluded_by_reason().items())
    console.print(f"[bold]{escape(what)}[/bold]: rows read {intake.n_read}, rows analysed "
                  f"{intake.n_analysed}" + (f" (excluded: {why})" if why else "")
                  + f"; missing data: {missing_data}"
                  + (" (every answer used)" if missing_data != "listwise" else
                     " (complete rows only)"))
    for note in intake.notes:
        console.print(f"  note: {escape(note)}")


def n_used(label: str, n: int | float, n_analysed: int, fix: str | None) -> str:
    """One line: the n an analysis used, with a note when it is under :data:`LOW_SHARE`.

    Examples
    --------
    >>> n_used("CFA", 103, 245, "--missing-data available")
    'CFA: n = 103 of 245 analysed rows (42%); fewer than 90%: --missing-data available keeps them'
    >>> n_used("EFA", 245, 245, None)
    'EFA: n = 245 of 245 analysed rows'
    """
    n_text = f"{n:.0f}" if float(n).is_integer() else f"{n:.1f}"
    line = f"{label}: n = {n_text} of {n_analysed} analysed rows"
    if n_analysed and n < LOW_SHARE * n_analysed:
        line += f" ({n / n_analysed:.0%}); fewer than {LOW_SHARE:.0%}"
        line += f": {fix} keeps them" if fix else ""
    return line
