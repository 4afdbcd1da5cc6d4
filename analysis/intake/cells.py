"""What the intake makes of one item cell, decided once per distinct cell of a column.

A survey column holds a handful of distinct cells (``"1"`` ... ``"5"``, empty, a missing code)
repeated over thousands of rows. :func:`cell_verdict` decides what one cell becomes under a
column's rules (:class:`CellRules`: recodes, missing codes, SPSS user-missing ranges and value
labels, the response scale, the options); :func:`column_verdicts` groups a column's cells by
identity (type and value, so ``1``, ``1.0`` and ``True`` stay apart) and decides each distinct
cell once. The intake (:func:`lospw.analysis.intake.responses.responses_from_table`) then
spreads the verdicts over the rows with array indexing: the work per row is a dictionary
look-up, not the parsing and checks, so intake time grows with N at a small constant
(200,000 x 40 cells in seconds).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["CellRules", "Verdict", "as_number", "cell_verdict", "column_verdicts", "nfc",
           "number_of", "show_cell", "text_verdicts"]

_NUMBER = {".": re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"),
           ",": re.compile(r"^[+-]?(\d+(,\d*)?|,\d+)([eE][+-]?\d+)?$")}


def nfc(text: str) -> str:
    """Unicode NFC form (headers are read in it; ids typed either way then match)."""
    return unicodedata.normalize("NFC", text)


def as_number(text: str, decimal: str = ".") -> float | None:
    """Parse text as a plain decimal number (no thousands separators, no inf/nan).

    Examples
    --------
    >>> as_number(" 3 "), as_number("2,5", ","), as_number("2,5"), as_number("inf")
    (3.0, 2.5, None, None)
    """
    s = text.strip()
    if not _NUMBER[decimal].match(s):
        return None
    return float(s.replace(",", ".")) if decimal == "," else float(s)


def number_of(cell: Any, decimal: str) -> float | None:
    """The number a cell holds as it stands (text parsed), or None."""
    if isinstance(cell, str):
        return as_number(cell, decimal)
    if isinstance(cell, (int, float, np.integer, np.floating)) and not isinstance(
            cell, (bool, np.bool_)):
        return float(cell)
    return None


def show_cell(cell: Any) -> str:
    """A cell as the cell log shows it (at most 40 characters)."""
    text = str(cell)
    return text if len(text) <= 40 else text[:37] + "..."


@dataclass(frozen=True)
class CellRules:
    """The rules one item column's cells are read under (constant over its rows)."""

    codes: Mapping[str, float]          # recode: folded text code -> number (NaN: missing)
    num_codes: Mapping[float, float]    # recode: numeric code -> number
    miss_texts: frozenset[str]          # folded missing-code texts
    miss_nums: frozenset[float]         # numeric missing codes
    decimal: str
    labels: Mapping[Any, str]           # SPSS value labels of the column
    ranges: Sequence[tuple[float, float]]  # SPSS user-missing ranges of the column
    low: float                          # the response scale
    high: float
    continuous: bool
    non_numeric: str                    # "error" | "missing" | "exclude"
    out_of_range: str                   # "missing" | "exclude"
    silent: frozenset[str] = frozenset()  # folded missing texts not logged (NA, N/A ...)


@dataclass(frozen=True)
class Verdict:
    """What a cell becomes: a value (NaN when not analysed), the missing-code tally it adds
    to, the cell-log entries ``(problem, action)`` it writes, whether it is non-numeric text,
    and the exclusion reason of its row (``"non_numeric"`` / ``"out_of_range"``) if any."""

    value: float = math.nan
    missing: str | None = None
    logs: tuple[tuple[str, str], ...] = ()
    text: bool = False
    bad: str | None = None
    code: float = math.nan


_EMPTY = Verdict()
_CODE_LOG = (("missing_code", "set missing"),)


def cell_verdict(cell: Any, rules: CellRules) -> Verdict:
    """Decide one non-empty cell: recode, missing codes, parsing, the response scale.

    Examples
    --------
    >>> r = CellRules({}, {}, frozenset({"na"}), frozenset({9.0}), ".", {}, (), 1, 5, False,
    ...               "error", "missing")
    >>> cell_verdict("3", r).value, cell_verdict(" NA", r).missing, cell_verdict(9, r).missing
    (3.0, "'NA'", '9')
    >>> cell_verdict("7", r).logs, cell_verdict("x", r).text
    ((('out_of_range', 'set missing'),), True)
    """
    logs: list[tuple[str, str]] = []
    missing: str | None = None
    x: float | None = None
    recoded = False
    if isinstance(cell, str):
        folded = nfc(cell.strip()).casefold()
        if folded in rules.codes:
            x, recoded = rules.codes[folded], True
        elif folded in rules.miss_texts:
            # a missing code read as missing changes the cell: the cell log lists it
            return Verdict(missing=repr(cell.strip()),
                           logs=() if folded in rules.silent else _CODE_LOG)
        else:
            x = as_number(cell, rules.decimal)
    elif isinstance(cell, (int, float, np.integer, np.floating)) and not isinstance(
            cell, (bool, np.bool_)):
        x = float(cell)
    if not recoded and x is not None and x in rules.num_codes:
        x, recoded = rules.num_codes[x], True
    if recoded:
        before = number_of(cell, rules.decimal)
        if math.isnan(x):
            missing = f"recoded {show_cell(cell).strip()!r}"
        if before is None or math.isnan(x) or before != x:
            logs.append(("recoded", "set missing" if math.isnan(x) else f"set to {x:g}"))
        if math.isnan(x):
            return Verdict(missing=missing, logs=tuple(logs))
    if x is not None:
        x += 0.0  # no negative zero
    if x is None or not math.isfinite(x):
        if rules.non_numeric == "error":
            return Verdict(logs=tuple(logs), text=True)
        action = "set missing" if rules.non_numeric == "missing" else "row excluded"
        logs.append(("non_numeric", action))
        return Verdict(logs=tuple(logs), text=True,
                       bad="non_numeric" if rules.non_numeric == "exclude" else None)
    if x in rules.miss_nums:
        return Verdict(missing=f"{x:g}", logs=(*logs, *_CODE_LOG), code=x)
    if any(lo <= x <= hi for lo, hi in rules.ranges):
        return Verdict(missing=f"{x:g} (SPSS user-missing)", logs=(*logs, *_CODE_LOG), code=x)
    labels = rules.labels
    label = labels.get(x, labels.get(int(x), None)) if x.is_integer() else labels.get(x)
    miss_label = label is not None and label.strip().casefold() in rules.miss_texts
    if miss_label:
        return Verdict(missing=f"{x:g} (label {label.strip()!r})", logs=(*logs, *_CODE_LOG))
    if x < rules.low or x > rules.high or (not rules.continuous and not x.is_integer()):
        action = "set missing" if rules.out_of_range == "missing" else "row excluded"
        logs.append(("out_of_range", action))
        return Verdict(logs=tuple(logs),
                       bad="out_of_range" if rules.out_of_range == "exclude" else None)
    return Verdict(value=x, logs=tuple(logs))


def _identity(cell: Any) -> tuple[Any, ...]:
    """A dictionary key that keeps apart cells equal in value but shown or read differently
    (``1`` / ``1.0`` / ``True``; ``0.0`` / ``-0.0``)."""
    if isinstance(cell, float) and cell == 0.0:
        return (float, cell, math.copysign(1.0, cell))
    return (cell.__class__, cell)


_TEXT_KINDS = frozenset({str, type(None)})


def column_verdicts(cells: Sequence[Any], rules: CellRules) -> tuple[list[Verdict], np.ndarray]:
    """The verdict of every distinct cell of a column and, per row, which one it has.

    Empty cells (``None``) get the empty verdict (NaN, nothing logged) at position 0.

    Returns
    -------
    verdicts : list of Verdict
    inverse : ndarray of int
        ``verdicts[inverse[k]]`` is row ``k``'s verdict.

    Examples
    --------
    >>> r = CellRules({}, {}, frozenset(), frozenset(), ".", {}, (), 1, 5, False, "error",
    ...               "missing")
    >>> v, inv = column_verdicts(["1", None, "2", "1", 1.0], r)
    >>> [x.value for x in v], inv.tolist()
    ([nan, 1.0, 2.0, 1.0], [1, 0, 2, 1, 3])
    """
    if set(map(type, cells)) <= _TEXT_KINDS:  # a text file's column: hashed in C
        codes, uniques = pd.factorize(np.array(cells, dtype=object))  # None -> -1
        return text_verdicts(codes, uniques, rules)
    index: dict[Any, int] = {}
    verdicts: list[Verdict] = [_EMPTY]
    inverse = np.zeros(len(cells), dtype=np.intp)
    for k, cell in enumerate(cells):
        if cell is None:
            continue
        try:
            key = _identity(cell)
            u = index.get(key)
        except TypeError:  # an unhashable cell: decided on its own
            key, u = None, None
        if u is None:
            u = len(verdicts)
            verdicts.append(cell_verdict(cell, rules))
            if key is not None:
                index[key] = u
        inverse[k] = u
    return verdicts, inverse


def text_verdicts(codes: np.ndarray, texts: Sequence[str],
                  rules: CellRules) -> tuple[list[Verdict], np.ndarray]:
    """:func:`column_verdicts` of a column given as codes into its distinct texts (-1: an
    empty cell), as a text file's columns are read.

    Examples
    --------
    >>> r = CellRules({}, {}, frozenset(), frozenset(), ".", {}, (), 1, 5, False, "error",
    ...               "missing")
    >>> v, inv = text_verdicts(np.array([0, -1, 1, 0]), ["1", "2"], r)
    >>> [x.value for x in v], inv.tolist()
    ([nan, 1.0, 2.0], [1, 0, 2, 1])
    """
    return ([_EMPTY] + [cell_verdict(t, rules) for t in texts],
            np.asarray(codes).astype(np.intp) + 1)
