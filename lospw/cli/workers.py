"""Commands that run replications on workers (``lospw plan``, ``lospw cfa --dynamic``,
``lospw analyze --dynamic``): the ``--jobs`` / ``--scheduler`` options, their check, and the
progress bar on stderr with Ctrl-C handling.

The bar appears when the replications start (:func:`lospw.analysis.core.parallel.run_tasks`
reports ``progress(0, total)`` first), not before: a refusal found while the run is set up
(bad options, a preflight fit that fails) is the one line of the error, with no header or
empty bar before it.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

import click
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from lospw.analysis.core.errors import InputError
from lospw.cli.common import err_console

__all__ = ["EXIT_INTERRUPTED", "check_workers", "replication_progress", "worker_options"]

#: The exit status of a run stopped by Ctrl-C (or SIGTERM).
EXIT_INTERRUPTED = 130

#: ``tick(done, total)``: the progress callback of the analysis functions.
Tick = Callable[[int, int], None]


def worker_options(jobs_help: str, scheduler_help: str
                   ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The options ``--jobs`` (local worker processes) and ``--scheduler`` (a Dask
    scheduler's address), with each command's help."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        func = click.option("--scheduler", default=None, metavar="ADDRESS",
                            help=scheduler_help)(func)
        return click.option("--jobs", type=click.IntRange(min=1), default=None,
                            help=jobs_help)(func)

    return decorate


def check_workers(jobs: int | None, scheduler: str | None) -> None:
    """Refuse ``--jobs`` with ``--scheduler``: the work runs in one place."""
    if jobs is not None and scheduler is not None:
        raise InputError("Give either --jobs (local workers) or --scheduler (a Dask "
                         "cluster), not both.")


@contextlib.contextmanager
def replication_progress(label: str, unit: str, interrupted: Callable[[int], str], *,
                         header: str = "", transient: bool = False, quiet: bool = False
                         ) -> Iterator[Tick]:
    """A progress bar on stderr for the body, which passes the yielded ``tick`` on.

    Parameters
    ----------
    label, unit : str
        The words before and after the bar's count ("plan", "replications").
    interrupted : callable
        ``interrupted(done)``: the line printed when Ctrl-C stops the run after ``done``
        units; the command then exits :data:`EXIT_INTERRUPTED`.
    header : str
        A line printed (rich markup) when the bar appears, i.e. when the work starts.
    transient : bool
        Remove the bar when the work is done.
    quiet : bool
        No bar (``--json`` runs that print nothing on stderr).
    """
    progress = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(),
                        TextColumn(unit), TimeElapsedColumn(), TextColumn("ETA"),
                        TimeRemainingColumn(), console=err_console, transient=transient,
                        disable=quiet)
    task = progress.add_task(label, total=None)
    state = {"done": 0, "started": False}

    def tick(done: int, total: int) -> None:
        if not state["started"]:
            state["started"] = True
            if header:
                err_console.print(header)
            progress.start()
        state["done"] = done
        progress.update(task, completed=done, total=total)

    def stop() -> None:  # rich ends a bar on a non-terminal with a newline: only a started one
        if state["started"]:
            state["started"] = False
            progress.stop()

    try:
        yield tick
    except KeyboardInterrupt:
        stop()
        err_console.print(interrupted(state["done"]), markup=False)
        sys.exit(EXIT_INTERRUPTED)
    finally:
        stop()
