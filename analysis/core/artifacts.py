"""Writing artifacts: deterministic JSON and CSV, spreadsheet-safe cells, file hashes.

Every stage writes its results through these functions so that a rerun on the same input
gives byte-identical files: JSON with sorted keys, fixed float formatting (``repr`` of the
float, which round-trips), no timestamps or absolute paths; CSV with a fixed float format,
``\\n`` line ends, cells that a spreadsheet would run as formulas neutralised and cells with
line breaks quoted (:mod:`lospw.analysis.core.csv_safe`).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import secrets
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.core.csv_safe import (
    FORMULA_PREFIXES,
    csv_text,
    neutralise_cell,
    neutralise_frame,
)

__all__ = [
    "FORMULA_PREFIXES",
    "neutralise_cell",
    "neutralise_frame",
    "sha256_file",
    "to_jsonable",
    "write_csv",
    "write_json",
    "write_text",
]

def to_jsonable(obj: Any) -> Any:
    """Plain JSON values from results: dataclasses (via ``to_dict``), numpy, pandas, paths.

    NaN and infinities become ``None`` so the output is strict JSON.
    """
    if hasattr(obj, "to_dict") and not isinstance(obj, (pd.DataFrame, pd.Series, type)):
        return to_jsonable(obj.to_dict())
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return [to_jsonable(v) for v in sorted(obj, key=str)]
    if isinstance(obj, pd.DataFrame):
        return [to_jsonable(r) for r in obj.to_dict(orient="records")]
    if isinstance(obj, pd.Series):
        return to_jsonable(obj.to_dict())
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        return x if math.isfinite(x) else None
    if isinstance(obj, Path):
        return obj.as_posix()
    if obj is None or isinstance(obj, str):
        return obj
    if obj is pd.NA or obj is pd.NaT:
        return None
    raise TypeError(f"cannot write a {type(obj).__name__} to JSON")


def write_text(text: str, path: str | Path) -> Path:
    """Write UTF-8 text with ``\\n`` line ends, creating parent folders; atomic rename.

    The text goes to a new temporary file beside ``path`` (a name no other run uses), which
    then replaces ``path``: a reader never sees half a file, and a link at ``path`` is
    replaced, never written through.
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with open(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        tmp.replace(p)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return p


def write_json(obj: Any, path: str | Path) -> Path:
    """Write ``obj`` as deterministic, strict JSON (sorted keys, 2-space indent)."""
    text = json.dumps(to_jsonable(obj), indent=2, sort_keys=True, ensure_ascii=False,
                      allow_nan=False)
    return write_text(text + "\n", path)


def write_csv(frame: pd.DataFrame, path: str | Path, *, sep: str = ",",
              index: bool = False, float_format: str = "%.10g") -> Path:
    """Write a table deterministically and spreadsheet-safe (:func:`lospw.analysis.core.csv_safe.csv_text`:
    formula cells neutralised, cells with line breaks quoted)."""
    return write_text(csv_text(frame, sep=sep, index=index, float_format=float_format), path)


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's bytes (for manifests and provenance)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
