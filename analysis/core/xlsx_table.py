"""Tables written as real Excel workbooks (``.xlsx``), safe to open.

For researchers who open score tables in Excel with a locale whose decimal mark is a
comma (Dutch, German ...): a CSV with decimal points is misread there, an XLSX is not,
because numbers are stored as numbers. Safety as in :mod:`lospw.analysis.core.csv_safe`:
every text cell is stored as text (never as a formula, whatever it starts with), missing
values are empty cells, no negative zero. The workbook is written to a temporary file and
renamed; its timestamps are fixed so the same table gives the same bytes.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["write_xlsx"]

_FIXED_TIME = _dt.datetime(2000, 1, 1)


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        x = float(value)
        return None if not math.isfinite(x) else x + 0.0
    return str(value)


def write_xlsx(frame: pd.DataFrame, path: str | Path, sheet: str = "scores") -> Path:
    """Write ``frame`` (header + rows, no index) as a one-sheet XLSX workbook at ``path``.

    Examples
    --------
    >>> import tempfile, zipfile
    >>> p = write_xlsx(pd.DataFrame({"id": ["=1+1"], "x": [0.5]}),
    ...                Path(tempfile.mkdtemp()) / "t.xlsx")
    >>> zipfile.is_zipfile(p)
    True
    """
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING

    path = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append([str(c) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        ws.append([_cell(v) for v in row])
    for r in ws.iter_rows(min_row=1):
        for c in r:
            if isinstance(c.value, str):
                c.data_type = TYPE_STRING  # text stays text: '=1+1' is never a formula
    wb.properties.created = wb.properties.modified = _FIXED_TIME
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    os.replace(tmp, path)
    return path
