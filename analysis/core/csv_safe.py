"""Spreadsheet-safe CSV text: no cell a spreadsheet would run, every line break quoted.

Every table lospw writes (``write_csv`` in :mod:`lospw.analysis.core.artifacts`, the LimeSurvey export
of the item bank) goes through :func:`csv_text`, so the rules hold in one place:

* **Formulas are made inert** (OWASP "CSV injection"): a text cell that starts with ``=``,
  ``+``, ``-``, ``@``, tab or CR - also after leading white space or double quotes - gets a
  leading apostrophe, which spreadsheets read as "this is text". Quotes count because a
  cell's own quote is written doubled: a reader that splits a quoted cell at a line break
  reads the fragment that begins with the doubled quotes of ``"=1"`` as the live ``=1``.
* **Line breaks cannot start a row.** A cell holding a CR or LF is always quoted (Python's
  ``csv`` quotes only the characters of its line terminator, so a bare CR stayed unquoted
  under ``\\n`` line ends and readers split the row there). Because some readers split rows
  on CR or LF even inside quotes, every fragment of such a cell that could start a row - or,
  after the delimiter, a cell - is neutralised as well: ``"x\\r=1+1"`` is written
  ``"x\\r'=1+1"``.
* **No negative zero**: ``-0.0`` is written ``0``.

Cells are otherwise written as pandas writes them (``\\n`` line ends, minimal quoting, a
fixed float format), so the text is deterministic.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FORMULA_PREFIXES", "csv_text", "neutralise_cell", "neutralise_frame", "rows_text"]

# Cells starting with these are run as formulas by Excel / LibreOffice / Sheets; a leading
# apostrophe makes them plain text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_AFTER_SPACE = ("=", "+", "-", "@")
# what may stand before a formula prefix and still leave it live: white space and quotes
_TRANSPARENT = " \t\r\n\f\v\u00a0\""


def _inert(text: str) -> str:
    stripped = text.lstrip(_TRANSPARENT)
    if text.startswith(FORMULA_PREFIXES) or stripped.startswith(_FORMULA_AFTER_SPACE):
        return "'" + text
    return text


def neutralise_cell(value: Any, sep: str = ",") -> Any:
    """Prefix text that a spreadsheet would evaluate with ``'``; leave numbers alone.

    Parameters
    ----------
    value : object
        A cell; only text (``str``) is changed.
    sep : str
        The delimiter of the file the cell goes to (a fragment after it, inside a cell that
        holds a line break, is neutralised too).

    Examples
    --------
    >>> neutralise_cell("=SUM(A1:A2)")
    "'=SUM(A1:A2)"
    >>> neutralise_cell("-A1"), neutralise_cell(-1.5), neutralise_cell("ok")
    ("'-A1", -1.5, 'ok')
    >>> neutralise_cell(" =1+1"), neutralise_cell("x\\r=1+1"), neutralise_cell("a\\nb,@x")
    ("' =1+1", "x\\r'=1+1", "a\\nb,'@x")
    >>> neutralise_cell('x\\r"=1"'), neutralise_cell('""@x')
    ('x\\r\\\'"=1"', '\\\'""@x')
    """
    if isinstance(value, float) and value == 0.0:
        return 0.0   # no negative zero
    if not isinstance(value, str):
        return value
    if "\r" not in value and "\n" not in value:
        return _inert(value)
    parts = re.split(f"(\r\n|\r|\n|{re.escape(sep)})", value)
    return "".join(p if k % 2 else _inert(p) for k, p in enumerate(parts))


def neutralise_frame(frame: pd.DataFrame, sep: str = ",") -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and column name) neutralised and ``-0.0``
    made ``0.0``."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            out[col] = _neutralise_series(s, sep)
        elif pd.api.types.is_float_dtype(s):
            out[col] = s + 0.0   # -0.0 + 0.0 == 0.0; NaN stays NaN
    out.columns = [neutralise_cell(c, sep) if isinstance(c, str) else c for c in out.columns]
    return out


def _neutralise_series(s: pd.Series, sep: str) -> pd.Series:
    """Each distinct cell neutralised once (columns repeat a few values many times)."""
    try:
        mapping = {v: neutralise_cell(v, sep) for v in s.dropna().unique()}
    except TypeError:  # unhashable cells
        return s.map(lambda v: neutralise_cell(v, sep))
    if all(k is v for k, v in mapping.items()):
        return s
    return s.map(lambda v: mapping.get(v, v) if isinstance(v, (str, float)) else v)


def _crlf_records_to_lf(text: str) -> str:
    """Turn the ``\\r\\n`` record ends of minimally quoted CSV text into ``\\n``.

    Outside quoted cells there is no ``"`` (a cell holding one is quoted and its quotes
    doubled), so the even-numbered pieces between quotes are exactly the unquoted text.
    """
    parts = text.split('"')
    parts[::2] = [p.replace("\r\n", "\n") for p in parts[::2]]
    return '"'.join(parts)


def csv_text(frame: pd.DataFrame, *, sep: str = ",", index: bool = False,
             float_format: str = "%.10g") -> str:
    """The spreadsheet-safe CSV text of ``frame`` (see the module docstring).

    Examples
    --------
    >>> csv_text(pd.DataFrame({"a": ["x\\r=1+1", "@b"], "b": [-0.0, 1.5]}))
    'a,b\\n"x\\r\\'=1+1",0\\n\\'@b,1.5\\n'
    """
    if index:
        frame = frame.reset_index()
    # written with \r\n record ends so that csv quotes every cell holding CR or LF; the
    # record ends are then made \n
    text = _floats_as_text(neutralise_frame(frame, sep), float_format).to_csv(
        sep=sep, index=False, float_format=float_format, lineterminator="\r\n")
    return _crlf_records_to_lf(text)


def _floats_as_text(frame: pd.DataFrame, float_format: Any) -> pd.DataFrame:
    """``frame`` (a copy of the caller's) with its float64 columns as the text ``to_csv``
    writes for them (``float_format % x``, NaN as an empty cell), each distinct value
    formatted once: pandas formats every cell in Python, which at 200,000 x 40 took
    seconds for a table of a handful of answer codes."""
    if not isinstance(float_format, str):
        return frame
    for j in range(frame.shape[1]):
        col = frame.iloc[:, j]
        if col.dtype != "float64":
            continue
        codes, uniques = pd.factorize(col.to_numpy())  # NaN -> -1
        text = [float_format % u for u in uniques] + [""]
        frame.isetitem(j, pd.Series(np.array(text, dtype=object)[codes], index=frame.index,
                                    dtype=object))
    return frame


def rows_text(rows: Iterable[Sequence[Any]], *, sep: str = ",",
              neutralise: Sequence[bool] | None = None) -> str:
    """CSV text of plain rows, quoted like :func:`csv_text` (every CR / LF quoted).

    Parameters
    ----------
    rows : iterable of sequences
        The header first, if any.
    sep : str
    neutralise : sequence of bool, optional
        Per column: neutralise formula cells (default: every column). A column that must
        reach another program unchanged (e.g. LimeSurvey syntax) can be exempted; its
        cells are still quoted when they hold a line break.
    """
    out = io.StringIO()
    w = csv.writer(out, delimiter=sep, quotechar='"', quoting=csv.QUOTE_MINIMAL,
                   lineterminator="\r\n")
    for row in rows:
        w.writerow([c if neutralise is not None and not neutralise[j] else
                    neutralise_cell(c, sep) for j, c in enumerate(row)])
    return _crlf_records_to_lf(out.getvalue())
