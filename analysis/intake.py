"""Response intake: read a survey export, check it against a key, keep every row accounted.

PROVISIONAL (foundation): a minimal reader with the final API so that every stage can read
data now. The intake issue replaces the internals (delimiter / decimal / encoding detection,
XLSX and SAV, full validation, exclusion reasons) without changing this API:

* :func:`read_responses` (a file) and :func:`responses_from_frame` (a DataFrame) return an
  :class:`IntakeResult`;
* ``result.items`` is the canonical shape every analysis takes: a wide DataFrame, one row per
  analysed respondent, one float column per key item (key order), NaN for missing;
* ``result.meta`` holds the other columns of the analysed rows (same index);
* ``result.exclusions`` lists every input row that is not analysed, with its reason, so
  ``n_read == len(items) + len(exclusions)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import InputError
from analysis.key import Key

__all__ = ["IntakeResult", "read_responses", "responses_from_frame"]

EXCLUSION_COLUMNS = ("row", "id", "reason", "detail")


@dataclass(frozen=True)
class IntakeResult:
    """Analysed responses plus the log of rows that were not analysed.

    Attributes
    ----------
    items : DataFrame
        Analysed rows x key items (float, NaN = missing), indexed by the 1-based data row
        number in the input (header not counted).
    meta : DataFrame
        The non-item columns of the analysed rows, same index.
    exclusions : DataFrame
        Columns ``row, id, reason, detail``: every input row not analysed.
    n_read : int
        Data rows read from the input.
    source : str
    id_column : str or None
    notes : tuple of str
        What the intake changed (e.g. out-of-range values set to missing).
    """

    items: pd.DataFrame
    meta: pd.DataFrame
    exclusions: pd.DataFrame
    n_read: int
    source: str
    id_column: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def n_analysed(self) -> int:
        return len(self.items)

    @property
    def n_excluded(self) -> int:
        return len(self.exclusions)

    def to_dict(self) -> dict[str, Any]:
        reasons = self.exclusions["reason"].value_counts().sort_index().to_dict()
        return {
            "source": self.source,
            "n_read": self.n_read,
            "n_analysed": self.n_analysed,
            "n_excluded": self.n_excluded,
            "excluded_by_reason": {str(k): int(v) for k, v in reasons.items()},
            "id_column": self.id_column,
            "notes": list(self.notes),
        }


def responses_from_frame(frame: pd.DataFrame, key: Key, *, source: str = "<frame>",
                         id_column: str | None = None,
                         out_of_range: str = "missing") -> IntakeResult:
    """Check a DataFrame of responses against ``key``; see :func:`read_responses`."""
    if out_of_range not in ("missing", "exclude"):
        raise InputError(
            f"The 'out_of_range' option must be one of 'missing', 'exclude'; got "
            f"{out_of_range!r}."
        )
    missing = [i for i in key.items if i not in frame.columns]
    if missing:
        raise InputError(
            f"{source}: {len(missing)} item column(s) of the key are missing: "
            f"{', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}. Check the "
            "column names against the key."
        )
    if id_column is not None and id_column not in frame.columns:
        raise InputError(f"{source}: no id column {id_column!r}. Name an existing column.")
    frame = frame.reset_index(drop=True)
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    items = frame[list(key.items)].apply(pd.to_numeric, errors="coerce").astype(float)
    nonnum = items.isna() & frame[list(key.items)].notna()
    if nonnum.to_numpy().any():
        r, c = np.argwhere(nonnum.to_numpy())[0]
        raise InputError(
            f"{source}: row {items.index[r]}, column {key.items[c]}: non-numeric value "
            f"{frame[key.items[c]].iloc[r]!r}. Recode it as a number or a missing code."
        )
    for code in key.missing_codes:
        items = items.mask(items == code)
    rs = key.response_scale
    bad = (items < rs.min) | (items > rs.max)
    if not rs.continuous:
        bad |= items.notna() & (items != np.round(items))
    notes: list[str] = []
    excl_rows: list[dict[str, Any]] = []
    ids = frame[id_column] if id_column else pd.Series([None] * len(frame), index=frame.index)
    if bad.to_numpy().any():
        if out_of_range == "missing":
            notes.append(f"{int(bad.to_numpy().sum())} out-of-range value(s) set to missing")
            items = items.mask(bad)
        else:
            for row in items.index[bad.any(axis=1)]:
                cols = [c for c in items.columns if bad.loc[row, c]]
                excl_rows.append({"row": int(row), "id": ids.loc[row], "reason": "out_of_range",
                                  "detail": ", ".join(cols)})
    empty = items.isna().all(axis=1)
    for row in items.index[empty]:
        if not any(e["row"] == row for e in excl_rows):
            excl_rows.append({"row": int(row), "id": ids.loc[row], "reason": "empty_row",
                              "detail": "no item answered"})
    excluded = {e["row"] for e in excl_rows}
    keep = [r for r in items.index if r not in excluded]
    meta_cols = [c for c in frame.columns if c not in key.items]
    exclusions = pd.DataFrame(excl_rows, columns=list(EXCLUSION_COLUMNS))
    exclusions = exclusions.sort_values("row", kind="stable").reset_index(drop=True)
    return IntakeResult(items.loc[keep], frame.loc[keep, meta_cols], exclusions,
                        len(frame), source, id_column, tuple(notes))


def read_responses(path: str | Path, key: Key, *, id_column: str | None = None,
                   out_of_range: str = "missing") -> IntakeResult:
    """Read a response file and check it against ``key``.

    Parameters
    ----------
    path : str or Path
        A CSV file (comma or semicolon separated).
    key : Key
    id_column : str, optional
        The respondent id column.
    out_of_range : {"missing", "exclude"}
        Whether a value outside the response scale becomes missing or excludes its row.

    Returns
    -------
    IntakeResult

    Raises
    ------
    InputError
        Missing file, missing item columns, non-numeric cells.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file. Check the path.")
    try:
        frame = pd.read_csv(p, sep=None, engine="python", encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: cannot read as CSV ({' '.join(str(exc).split())}).") from None
    return responses_from_frame(frame, key, source=str(p), id_column=id_column,
                                out_of_range=out_of_range)
