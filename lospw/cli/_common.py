"""Shared pieces of the command line: JSON output, common options, the console."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd
from rich.console import Console

__all__ = ["console", "echo_json", "json_default", "to_jsonable"]

# Human-readable output goes to stdout; progress and notes to stderr.
console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False)


def to_jsonable(obj: Any) -> Any:
    """Turn results (dataclasses, numpy, pandas, paths) into JSON-ready values.

    NaN and infinities become ``null``, so the output is strict JSON.
    """
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        if hasattr(obj, "to_dict"):
            return to_jsonable(obj.to_dict())
        return to_jsonable(dataclasses.asdict(obj))
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, pd.DataFrame):
        return to_jsonable(obj.to_dict(orient="records"))
    if isinstance(obj, pd.Series):
        return to_jsonable(obj.to_dict())
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        return x if math.isfinite(x) else None
    if isinstance(obj, Path):
        return str(obj)
    if obj is pd.NA or obj is pd.NaT:
        return None
    return obj


def json_default(obj: Any) -> Any:
    return to_jsonable(obj)


def echo_json(obj: Any) -> None:
    """Print ``obj`` as strict JSON on stdout."""
    click.echo(json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False, allow_nan=False))


json_option = click.option("--json", "as_json", is_flag=True,
                           help="Print a machine-readable JSON result on stdout.")
