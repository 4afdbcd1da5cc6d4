"""Shared pieces of the command line: JSON output, common options, the console."""

from __future__ import annotations

import json
from typing import Any

import click
from rich.console import Console

from analysis.artifacts import to_jsonable

__all__ = ["console", "echo_json", "err_console", "json_option"]

# Human-readable output goes to stdout; progress and notes to stderr.
console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False)


def echo_json(obj: Any) -> None:
    """Print ``obj`` as strict JSON on stdout."""
    click.echo(json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False, allow_nan=False))


json_option = click.option("--json", "as_json", is_flag=True,
                           help="Print a machine-readable JSON result on stdout.")
