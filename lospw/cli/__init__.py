"""The ``lospw`` command line: one entry point, one sub-command module per stage.

Exit codes: 0 success; 2 bad input or usage (one line on stderr, no traceback), or a file
the system will not let lospw write (no space, no permission, a read-only file system); 1 an
unexpected error (a short message and where to report it; the traceback only with
``--debug``); 130 interrupted (Ctrl-C or SIGTERM: the output being written is discarded, the
previous one kept; see :mod:`lospw.analysis.core.outdir`); 141 the reader of the output went away
(``lospw ... | head``: no message, as for a shell tool stopped by SIGPIPE).

Python warnings are not printed (``--debug`` shows them): every named condition
(:class:`lospw.analysis.core.errors.LospwWarning`) is part of the command's results and output, and
numerical RuntimeWarnings from numpy/scipy are what those named warnings report.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import importlib.util
import os
import signal
import sys
import threading
import traceback
import warnings
from collections.abc import Iterator, Sequence
from types import ModuleType
from typing import Any

import click

import lospw
from lospw.analysis.core.errors import LospwError

__all__ = ["PARTS", "LazyGroup", "cli", "load_part", "main"]

REPORT_URL = "the project's issue tracker (see README.md, 'Reporting problems')"

# name -> (module, attribute, one-line help). A module that does not exist yet is skipped,
# so each stage's command lives in its own file under lospw/cli/.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "key": ("lospw.cli.key", "key", "Check and inspect key files."),
    "bank": ("lospw.cli.bank", "bank", "Validate and export the item bank."),
    "delphi": ("lospw.cli.delphi", "delphi", "Content validity and decisions per Delphi round."),
    "simulate": ("lospw.cli.simulate", "simulate", "Synthetic demo data from a stated model."),
    "intake": ("lospw.cli.intake", "intake", "Read, check and screen survey responses."),
    "items": ("lospw.cli.items", "items", "Item statistics per scale."),
    "reliability": ("lospw.cli.reliability", "reliability", "Alpha, omega and item statistics."),
    "efa": ("lospw.cli.efa", "efa", "KMO, Bartlett, parallel analysis, MAP and EFA."),
    "cfa": ("lospw.cli.cfa", "cfa", "Confirmatory factor analysis with lavaan parity."),
    "invariance": ("lospw.cli.invariance", "invariance", "Measurement invariance across groups."),
    "validity": ("lospw.cli.validity", "validity", "CR, AVE, Fornell-Larcker and HTMT."),
    "score": ("lospw.cli.score", "score", "Score new data with a scheme or a key."),
    "scheme": ("lospw.cli.scheme", "scheme", "Derive a scoring scheme (norms, SEM) from data."),
    "plan": ("lospw.cli.plan", "plan", "Monte Carlo sample-size planning."),
    "analyze": ("lospw.cli.analyze", "analyze", "The whole validation of any instrument."),
    "report": ("lospw.cli.report", "report", "The report (HTML) of a lospw analyze folder."),
    "example": ("lospw.cli.example", "example", "Copy an example instrument (key and data)."),
}

#: Parts of a command that only one of its options uses, imported only then (name -> module),
#: as the commands above: ``lospw cfa --dynamic`` needs the planning code (20-40 ms of
#: start-up) that a plain ``lospw cfa`` does not.
PARTS: dict[str, str] = {
    "cfa --dynamic": "lospw.cli.dynamic",
}


def load_part(name: str) -> ModuleType:
    """The module of a command part in :data:`PARTS`, imported on first use."""
    return importlib.import_module(PARTS[name])


class LazyGroup(click.Group):
    """A group whose sub-commands are imported only when used: ``registry`` maps a name to
    (module, attribute, one-line help); a name whose module does not exist is left out."""

    def __init__(self, *args: Any, registry: dict[str, tuple[str, str, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.registry = registry

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [n for n, (mod, _, _) in self.registry.items() if importlib.util.find_spec(mod)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = self.registry.get(cmd_name)
        if entry is None or importlib.util.find_spec(entry[0]) is None:
            return None
        return getattr(importlib.import_module(entry[0]), entry[1])


class _MainGroup(LazyGroup):
    """``lospw``: ``--help`` lists the registry's one-line help (it imports no command)."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(n, self.registry[n][2]) for n in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _print_version(ctx: click.Context, value: bool) -> None:
    """``lospw --version`` (the version is read from the package's metadata only here)."""
    if value and not ctx.resilient_parsing:
        click.echo(f"lospw, version {lospw.__version__}")
        ctx.exit()


@click.group(cls=_MainGroup, registry=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=lambda ctx, _param, value: _print_version(ctx, value),
              help="Show the version and exit.")
@click.option("--debug", is_flag=True, help="Show the full traceback of unexpected errors.")
def cli(debug: bool) -> None:
    """lospw: develop, validate and score the LOS-in-PW questionnaire, or any instrument
    described by a key file.

    Every command exits 0 on success and 2 with a one-line message on bad input;
    --json prints a machine-readable result on stdout.
    """


def _fail(message: str, code: int) -> None:
    click.echo(f"lospw: error: {message}", err=True)
    sys.exit(code)


BROKEN_PIPE = 141


def exit_broken_pipe() -> None:
    """The output's reader is gone: stop quietly (no 'Exception ignored' at exit)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is not a real file (tests)
        pass
    sys.exit(BROKEN_PIPE)


#: Environment variables that set the number of BLAS threads (OpenBLAS, OpenMP, MKL).
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _one_blas_thread() -> None:
    """Run BLAS on one thread unless the user set a thread count (any of
    :data:`BLAS_THREAD_VARIABLES`). lospw's matrices are small (tens to a few hundred items):
    threads of a multi-threaded BLAS spend more time waiting for each other than computing,
    most of all on a busy machine (one omega fit took 40 times longer with two OpenBLAS
    threads). Work is spread over processes instead (``lospw plan --jobs``). It takes effect
    because numpy is not imported yet: BLAS reads the variables when it loads."""
    if not any(v in os.environ for v in BLAS_THREAD_VARIABLES):
        os.environ.update(dict.fromkeys(BLAS_THREAD_VARIABLES, "1"))


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line; see the module docstring for the exit codes."""
    args = list(sys.argv[1:] if argv is None else argv)
    _one_blas_thread()
    debug = "--debug" in args
    with warnings.catch_warnings(), _terminate_as_interrupt():
        if not debug:
            warnings.simplefilter("ignore")
        _run(args, debug)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (``kill``, ``timeout``) ends a run as Ctrl-C does: its output is cleaned up."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


# Errors of the file system that are about the user's disk or folders, not a bug in lospw.
_ENVIRONMENT_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM,
                                 errno.EROFS, errno.ENOTDIR, errno.EISDIR, errno.ENAMETOOLONG,
                                 errno.ELOOP, errno.EMFILE, errno.EFBIG})


def _os_message(exc: OSError) -> str:
    where = f" {exc.filename}" if exc.filename else ""
    return (f"cannot read or write{where}: {exc.strerror or exc}. Free space, fix the "
            "permissions or choose another path.")


def _run(args: list[str], debug: bool) -> None:
    try:
        rv = cli.main(args=args, prog_name="lospw", standalone_mode=False)
        sys.stdout.flush()  # a closed pipe shows up here, not at interpreter exit
    except click.exceptions.Abort:
        _fail("interrupted.", 130)
    except KeyboardInterrupt:
        _fail("interrupted.", 130)
    except click.exceptions.ClickException as exc:
        # usage errors: unknown option, missing argument, bad choice ...
        message = exc.format_message()
        ctx = getattr(exc, "ctx", None)
        hint = f" Try '{ctx.command_path} --help'." if ctx is not None else ""
        _fail(" ".join(message.split()) + hint, 2)
    except LospwError as exc:
        if debug:
            traceback.print_exc()
        _fail(str(exc), exc.exit_code)
    except BrokenPipeError:
        exit_broken_pipe()
    except OSError as exc:
        if exc.errno not in _ENVIRONMENT_ERRORS:
            _unexpected(exc, debug)
        if debug:
            traceback.print_exc()
        _fail(" ".join(_os_message(exc).split()), 2)
    except click.exceptions.Exit:
        raise
    except Exception as exc:  # an unexpected error is a bug: say so, briefly
        _unexpected(exc, debug)
    sys.exit(rv if isinstance(rv, int) else 0)


def _unexpected(exc: Exception, debug: bool) -> None:
    if debug:
        traceback.print_exc()
    name = type(exc).__name__
    text = " ".join(str(exc).split())[:300]
    click.echo(
        f"lospw: unexpected error ({name}: {text}). This is a bug in lospw; please "
        f"report it with the command you ran, at {REPORT_URL}. Rerun with --debug "
        "for the traceback.",
        err=True,
    )
    sys.exit(1)
