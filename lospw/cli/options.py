"""The input options of every command that reads responses, defined once, and the output
envelope of the single-stage commands.

``@stage_command`` makes a command of DATA, ``--key``, its own options, the input options
and ``--json``; ``@input_options`` adds ``--id``, ``--map``, ``--recode``, ``--missing``,
``--missing-data``, ``--sheet``, ``--header-row``, ``--drop``, ``--screen``,
``--min-flags``, ``--duplicates``, ``--encoding``, ``--delimiter`` and ``--decimal`` to a
command and hands it one :class:`Inputs` (argument ``inputs``). :meth:`Inputs.load` reads
and screens the data (:func:`lospw.analysis.intake.reading.read_input`); :func:`print_rows`
prints the first lines every command starts with (rows read, rows analysed, the notes),
:func:`n_used` the n of one analysis with a note when it uses fewer than
:data:`LOW_SHARE` of the analysed rows. :meth:`Inputs.sample` gives a :class:`Sample` (the
analysed rows with the key and the data's name): its ``--json`` envelope
(:meth:`Sample.echo_json`: the result with an ``"intake"`` block) and its first lines
(:meth:`Sample.print_rows`) are what every single-stage command prints.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import click
from rich.markup import escape

from lospw.analysis.core.key import Key
from lospw.analysis.core.options import SCREEN_MODES
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
from lospw.cli.common import console, echo_json, json_option

__all__ = ["KEY_HELP", "LISTWISE_FIX", "LOW_SHARE", "SCREEN_MODES", "Inputs", "Sample",
           "estimator_option", "input_options", "intake_block", "listwise_fix", "n_used",
           "print_rows", "seed_option", "stage_command", "treatment", "wave_option"]

#: An analysis using fewer than this share of the analysed rows says so, naming the fix.
LOW_SHARE = 0.90
#: What keeps the rows a listwise analysis leaves out.
LISTWISE_FIX = "--missing-data available"
#: The help of ``--key`` of the commands that analyse the key's scales.
KEY_HELP = "The key file (YAML) naming the scales and keyed items."


def seed_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--seed``: a whole number >= 0, 1 by default (recorded in every output)."""
    return click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True,
                        help=help_text)


def estimator_option(help_text: str, choices: Sequence[str], *, case_sensitive: bool = True,
                     default: str | None = None
                     ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--estimator``: one of ``choices`` (the estimators a command fits); with a
    ``default`` the help shows it."""
    return click.option("--estimator", type=click.Choice(choices, case_sensitive=case_sensitive),
                        default=default, show_default=default is not None, help=help_text)


def stage_command(*options: Callable[[Any], Any], key_help: str = KEY_HELP,
                  key_required: bool = True) -> Callable[[Callable[..., Any]], click.Command]:
    """A click command that reads responses against a key: the DATA argument, ``--key``
    (argument ``key_file``), the command's own ``options``, the shared input options
    (:func:`input_options`, argument ``inputs``) and ``--json`` (argument ``as_json``), in
    that order (as ``--help`` lists them)."""

    def decorate(func: Callable[..., Any]) -> click.Command:
        key = click.option("--key", "key_file", required=key_required,
                           type=click.Path(dir_okay=False), help=key_help)
        data = click.argument("data", type=click.Path(dir_okay=False))
        for option in reversed((data, key, *options, input_options, json_option)):
            func = option(func)
        return click.command()(func)

    return decorate


@dataclass(frozen=True)
class Sample:
    """The analysed rows of one command run: DATA as given, the key, the intake and the
    missing-data treatment asked for (``--missing-data``)."""

    data: str
    key: Key
    intake: IntakeResult
    missing_data: str

    def echo_json(self, result: Any, **extra: Any) -> None:
        """Print ``result.to_dict()`` with the ``"intake"`` block (:func:`intake_block`) and
        then ``extra``, in that order, as the command's ``--json``."""
        out = result.to_dict()
        out["intake"] = intake_block(self.intake)
        out.update(extra)
        echo_json(out)

    def print_rows(self, what: str) -> None:
        """The first lines (:func:`print_rows`) under the title '<what> of <instrument> on
        <DATA>'."""
        print_rows(console, self.intake, f"{what} of {self.key.instrument} on {self.data}",
                   self.missing_data)

    def n_used(self, label: str, n: int | float, missing: str, otherwise: str | None = None
               ) -> str:
        """:func:`n_used` of an analysis of these rows with the given treatment; the fix
        named is :func:`listwise_fix`'s."""
        return n_used(label, n, self.intake.n_analysed, listwise_fix(missing, otherwise))


def listwise_fix(missing: str, otherwise: str | None = None) -> str | None:
    """What keeps the rows an analysis leaves out: :data:`LISTWISE_FIX` for a listwise one,
    else ``otherwise``.

    Examples
    --------
    >>> listwise_fix("listwise"), listwise_fix("pairwise")
    ('--missing-data available', None)
    """
    return LISTWISE_FIX if missing == "listwise" else otherwise


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

    def sample(self, data: str, key: Key) -> Sample:
        """Read and screen DATA against KEY (:meth:`load`): the analysed rows."""
        intake, _ = self.load(data, key)
        return Sample(data, key, intake, self.missing_data)


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
    for w in intake.warnings:
        console.print(f"  warning {escape(w.code)}: {escape(w.message)}")


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
