"""Shared pieces of the command line: JSON output, common options, the console."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.errors import MarkupError

from lospw.analysis.core.artifacts import to_jsonable
from lospw.analysis.pipeline.manifest import enclosing_run, require_complete
from lospw.cli import exit_broken_pipe

__all__ = ["console", "display_path", "echo_json", "err_console", "json_option", "number",
           "require_complete_input"]


class _Console(Console):
    """rich's Console, but a closed pipe (``lospw ... | head``) ends the run the way
    :func:`lospw.cli.main` does (exit 141, no message) rather than with rich's exit 1."""

    def on_broken_pipe(self) -> None:
        exit_broken_pipe()

    def print(self, *objects: Any, **kwargs: Any) -> None:
        """Print with rich markup; text from the user's files that reads as broken markup
        (e.g. ``[/x]`` in a file name or label) is printed as it is instead of crashing."""
        try:
            super().print(*objects, **kwargs)
        except MarkupError:
            super().print(*objects, **{**kwargs, "markup": False})


# Human-readable output goes to stdout; progress and notes to stderr.
console = _Console(highlight=False, soft_wrap=True)
err_console = _Console(stderr=True, highlight=False)


def display_path(path: str | Path) -> str:
    """A path for an artifact or a message: relative to the working directory when it lies
    under it, else as given when relative, else only its name (no absolute paths).

    Examples
    --------
    >>> display_path("data/raw/delphi"), display_path("/somewhere/else/panel")
    ('data/raw/delphi', 'panel')
    """
    p = Path(path)
    if not p.is_absolute():
        return p.as_posix()
    try:
        return p.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return p.name


def echo_json(obj: Any) -> None:
    """Print ``obj`` as strict JSON on stdout."""
    text = json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False, allow_nan=False)
    try:
        click.echo(text)
    except BrokenPipeError:  # click's own main would turn it into exit 1
        exit_broken_pipe()


json_option = click.option("--json", "as_json", is_flag=True,
                           help="Print a machine-readable JSON result on stdout.")


def number(x: float | None, digits: int = 3) -> str:
    """A number for a table cell: ``digits`` decimals, "-" for none or NaN.

    Examples
    --------
    >>> number(0.81234), number(2.0, 0), number(None), number(float("nan"))
    ('0.812', '2', '-', '-')
    """
    if x is None or x != x:
        return "-"
    return f"{x:.{digits}f}"


def require_complete_input(path: str) -> None:
    """A scheme or key inside a lospw analyze folder is read only from a complete run."""
    run = enclosing_run(path)
    if run is not None:
        require_complete(run)
