"""Reading responses with the input options every command shares.

Every command that reads responses (``intake``, ``items``, ``reliability``, ``efa``, ``cfa``,
``invariance``, ``validity``, ``scheme``, ``score``, ``analyze``) reads them through
:func:`read_input` with one :class:`ReadOptions`, so the options behave identically
everywhere:

* the respondent id: ``id_column`` when given, else a column named like an id (``id``,
  ``respondent_id``, ``ResponseId`` ...; :data:`~lospw.analysis.scoring.score_table.ID_CANDIDATES`)
  is *used* as the id -- duplicates are found -- and, as every id, pseudonymised in what
  is written;
* a column map and a recode file (YAML), extra missing codes, the sheet, the header row
  (or a title row above the header, detected and stated in a note), columns to drop, the
  duplicate policy;
* the missing-data treatment (:data:`~lospw.analysis.core.missing.MISSING_DATA`): ``available`` (default) uses every
  answer -- FIML for ML/MLR models, pairwise for WLSMV models, item statistics, alpha and
  EFA --, ``listwise`` only complete rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import Key
from lospw.analysis.core.missing import MISSING_DATA
from lospw.analysis.core.yamlio import load_yaml
from lospw.analysis.intake.readers import read_table
from lospw.analysis.intake.responses import (
    IntakeResult,
    detect_id_column,
    item_columns,
    responses_from_table,
)

__all__ = ["DUPLICATES", "MISSING_DATA", "TREATMENT_WORDS", "ReadOptions", "missing_data_of",
           "read_input", "treatment"]

#: Words ``--missing`` also takes as the treatment (earlier versions' values).
TREATMENT_WORDS = {"available": "available", "fiml": "fiml", "pairwise": "available",
                   "listwise": "listwise"}
#: Rows sharing an id: exclude them all, keep the first analysable one, or stop. Identical
#: copies of a row (an export made twice) are always reduced to their first copy.
DUPLICATES = ("exclude", "keep_first", "error")


@dataclass(frozen=True)
class ReadOptions:
    """How to read a response file (the shared input options of every command).

    Parameters
    ----------
    id_column : str, optional
        The respondent id column; default: a column named like an id, if any.
    map_file : str, optional
        YAML mapping key item -> column name.
    recode_file : str, optional
        YAML mapping answer code -> number (empty for missing).
    missing_values : tuple of str
        Missing codes besides the key's (numbers outside the scale, or text).
    sheet : str, optional
        XLSX: the sheet.
    header_row : int, optional
        The line / sheet row with the column names (default: detected).
    drop : tuple of str
        Columns left out of the data (and so of every artifact).
    duplicates : {"exclude", "keep_first", "error"}
        Rows sharing an id (see :data:`DUPLICATES`).
    encoding, delimiter, decimal : str, optional
        Text files: as :func:`~lospw.analysis.intake.readers.read_table`.
    out_of_range : {"missing", "exclude"}
    non_numeric : {"error", "missing", "exclude"}
    id_within : str, optional
        A column that is part of a respondent's identity (the wave of long data): ids are
        duplicates only within one of its values.
    """

    id_column: str | None = None
    map_file: str | None = None
    recode_file: str | None = None
    missing_values: tuple[str, ...] = ()
    sheet: str | None = None
    header_row: int | None = None
    drop: tuple[str, ...] = ()
    duplicates: str = "exclude"
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str | None = None
    out_of_range: str = "missing"
    non_numeric: str = "error"
    id_within: str | None = None

    def __post_init__(self) -> None:
        if self.duplicates not in DUPLICATES:
            raise InputError(f"The 'duplicates' option must be one of {', '.join(DUPLICATES)}; "
                             f"got {self.duplicates!r}.")
        if self.header_row is not None and (isinstance(self.header_row, bool)
                                            or not isinstance(self.header_row, int)
                                            or self.header_row < 1):
            raise InputError(f"The 'header_row' option must be a row number of at least 1; "
                             f"got {self.header_row!r}.")

    def inputs(self) -> tuple[str, ...]:
        """The files these options read besides the data (for provenance)."""
        return tuple(f for f in (self.map_file, self.recode_file) if f)

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v)
                for k, v in dataclasses.asdict(self).items()}


def missing_data_of(values: tuple[str, ...], explicit: str | None = None
                    ) -> tuple[str, tuple[str, ...]]:
    """Split ``--missing`` values into the treatment and the missing codes.

    ``--missing`` takes missing codes; the words of :data:`TREATMENT_WORDS` (``fiml``,
    ``pairwise``, ``listwise``, ``available``) name the treatment instead, as they did in
    earlier versions. ``explicit`` (``--missing-data``) wins.

    Examples
    --------
    >>> missing_data_of(("9", "listwise"))
    ('listwise', ('9',))
    >>> missing_data_of(("weet niet",))
    ('available', ('weet niet',))
    """
    words = [TREATMENT_WORDS[v.strip().casefold()] for v in values
             if v.strip().casefold() in TREATMENT_WORDS]
    codes = tuple(v for v in values if v.strip().casefold() not in TREATMENT_WORDS)
    if len({w if w == "listwise" else "available" for w in words}) > 1 and explicit is None:
        raise InputError("--missing names both listwise and an every-answer treatment "
                         "(fiml/pairwise/available). Give one (or --missing-data).")
    if explicit is not None:
        if explicit not in MISSING_DATA:
            raise InputError(f"The missing-data treatment must be one of "
                             f"{', '.join(MISSING_DATA)}; got {explicit!r}.")
        return explicit, codes
    return (words[0] if words else "available"), codes


def treatment(missing_data: str, kind: str, estimator: str | None = None) -> str:
    """The analysis' own name for the run's missing-data treatment.

    ``available`` is FIML for ML / MLR models, pairwise for WLSMV models (lavaan's
    ``missing = "pairwise"``) and for item statistics, alpha and EFA (as psych); ``listwise``
    is listwise everywhere.

    Examples
    --------
    >>> treatment("available", "cfa", "MLR"), treatment("available", "efa")
    ('fiml', 'pairwise')
    >>> treatment("available", "cfa", "WLSMV"), treatment("listwise", "reliability")
    ('pairwise', 'listwise')
    """
    if missing_data == "listwise":
        return "listwise"
    if kind in ("items", "reliability", "efa"):
        return "pairwise"
    if missing_data == "fiml":  # asked for by name: the estimator must support it
        return "fiml"
    return "fiml" if (estimator or "ML").upper() in ("ML", "MLR") else "pairwise"


def _mapping_file(path: str | None, what: str, example: str) -> dict[str, Any] | None:
    if path is None:
        return None
    data = load_yaml(path)
    if not isinstance(data, Mapping):
        raise InputError(f"{path}: the {what} file must be a mapping, e.g. {example}.")
    return {str(k): v for k, v in data.items()}


def read_input(path: str | Path, key: Key, options: ReadOptions | None = None) -> IntakeResult:
    """Read a response file with the shared input options.

    Parameters
    ----------
    path : str or Path
        CSV / text, XLSX or SPSS ``.sav``.
    key : Key
    options : ReadOptions, optional

    Returns
    -------
    IntakeResult
        Every input row analysed or excluded with its reason; the notes say which column was
        taken as the id (when detected) and which columns were dropped.

    Raises
    ------
    InputError
        Unreadable file or option, missing item columns (naming ``--map`` and the closest
        column names), an unknown ``--id`` or ``--drop`` column.
    """
    o = options or ReadOptions()
    column_map = _mapping_file(o.map_file, "column map (--map)", "{A1: q1}")
    recode = _mapping_file(o.recode_file, "recode (--recode)", "{A1: 1, A2: 2}")
    table = read_table(path, sheet=o.sheet, encoding=o.encoding, delimiter=o.delimiter,
                       decimal=o.decimal, header_row=o.header_row)
    for col in o.drop:
        if col not in table.columns:
            raise InputError(f"{table.source}: --drop {col!r}: no such column; the columns "
                             f"are {_some(table.columns)}.")

    def read(id_column: str | None) -> IntakeResult:
        return responses_from_table(
            table, key, id_column=id_column, out_of_range=o.out_of_range,
            non_numeric=o.non_numeric, duplicate_ids=o.duplicates,
            missing_values=o.missing_values, column_map=column_map, recode=recode,
            id_within=o.id_within)

    if o.id_column is not None and o.id_column in o.drop:
        raise InputError(f"--drop {o.id_column!r} names the id column (--id). Drop another "
                         "column, or name another id.")
    found = None if o.id_column is not None else _detected_id(table, key, column_map, o.drop)
    res = read(o.id_column if found is None else found)  # the table is checked once
    if found is not None:
        res = dataclasses.replace(res, notes=(
            *res.notes,
            f"column {found!r} used as the respondent id (named like an id; give --id "
            "to choose another): checked for duplicates, pseudonymised in the output"))
    if o.drop:
        res = dataclasses.replace(
            res, meta=res.meta.drop(columns=[c for c in o.drop if c in res.meta.columns]),
            notes=(*res.notes, f"column(s) dropped (--drop): {', '.join(o.drop)}"))
    return res


def _detected_id(table: Any, key: Key, column_map: Mapping[str, str] | None,
                 drop: tuple[str, ...]) -> str | None:
    """The column named like a respondent id among the columns that hold no item (the
    intake's meta columns), or None; None too when the items' columns cannot be found (the
    read then says why)."""
    try:
        used = set(item_columns(table, key, column_map).values())
    except InputError:
        return None
    return detect_id_column([str(c) for c in table.columns if c not in used and c not in drop],
                            key.items)


def _some(columns: Any, k: int = 12) -> str:
    cols = [str(c) for c in columns]
    return ", ".join(cols[:k]) + (" ..." if len(cols) > k else "")
