"""A throw-away command for the CLI tests: it fails in the ways a bug would."""

from __future__ import annotations

import click


def _callback(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value == "callback":
        raise ValueError("a bug inside an option callback")
    return value


@click.command()
@click.option("--where", callback=_callback, default=None)
def boom(where: str | None) -> None:
    """Fail on purpose."""
    if where == "body":
        raise RuntimeError("a bug in the command body")
    if where == "interrupt":
        raise KeyboardInterrupt
    if where == "pipe":
        raise BrokenPipeError
    if where == "oserror":
        raise OSError(28, "No space left on device")
    if where == "oserror_bug":
        raise OSError(9, "Bad file descriptor")
