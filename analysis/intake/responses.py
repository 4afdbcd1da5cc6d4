"""Response intake: check a survey table against a key, keep every row accounted for.

:func:`read_responses` (a file; formats in :mod:`lospw.analysis.intake.readers`) and
:func:`responses_from_frame` (a DataFrame) return an :class:`IntakeResult`:

* ``result.items`` is the canonical shape every analysis takes: a wide DataFrame, one row per
  analysed respondent, one float column per key item (key order), NaN for missing, indexed by
  the 1-based data row number of the input;
* ``result.meta`` holds the other columns of the analysed rows (same index);
* ``result.exclusions`` lists every input row that is not analysed, with its reason, so
  ``n_read == n_analysed + n_excluded`` always;
* ``result.missing_given`` keeps which missing code each cell held (NaN elsewhere): every
  code is missing for the statistics, but "weet niet" and "niet van toepassing" stay apart
  for the report; ``result.asked`` says which items each respondent was asked, from the
  key's ``design`` (:mod:`lospw.analysis.core.design`): an item not asked is planned
  missingness, not non-response;
* ``result.cell_log`` lists every cell the intake changed (a non-numeric or out-of-range value
  set to missing, an answer recoded, an XLSX cell that holds no value: a formula never
  calculated or the hidden part of a merged cell) or that caused an exclusion.

Checks against the key, in order: every key item has a column (all missing ones are listed in
one message); cells are numbers (or missing codes); values lie on the response scale; rows
are not empty; respondent ids are unique. Missing codes are the key's ``missing_codes`` plus
the ``missing_values`` option (numbers, or text such as ``"weet niet"``, which also matches an
SPSS value label), plus the empty cell and the usual "no value" spellings ``NA``, ``N/A``,
``NaN``, ``#NULL!`` and ``.``.

Exclusion reasons (``exclusions.reason``): ``malformed_row`` (more fields than the header),
``empty_row`` (no item answered), ``non_numeric`` and ``out_of_range`` (when those options say
``"exclude"``), ``duplicate_id`` (every row sharing an id, unless ``duplicate_ids=
"keep_first"``), and ``careless_*`` when screening excludes (:mod:`lospw.analysis.intake.screening`).
"""

from __future__ import annotations

import difflib
import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.core.design import asked_mask, design_groups
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.idscripts import skeleton
from lospw.analysis.core.key import Key
from lospw.analysis.core.warnings import Note, notes_to_dicts
from lospw.analysis.intake.cells import CellRules, column_verdicts, text_verdicts
from lospw.analysis.intake.cells import as_number as _as_number
from lospw.analysis.intake.cells import nfc as _nfc
from lospw.analysis.intake.cells import show_cell as _show
from lospw.analysis.intake.personal import cell_for_log, quotable
from lospw.analysis.intake.readers import DELIMITERS, RawTable, frame_to_table, read_table
from lospw.analysis.intake.text_columns import TextColumn

__all__ = [
    "CELL_LOG_COLUMNS",
    "EXCLUSION_COLUMNS",
    "ID_CANDIDATES",
    "NA_STRINGS",
    "IntakeResult",
    "detect_id_column",
    "item_columns",
    "pseudonyms",
    "read_responses",
    "responses_from_frame",
    "responses_from_table",
]

log = logging.getLogger(__name__)

EXCLUSION_COLUMNS = ("row", "id", "reason", "detail")
CELL_LOG_COLUMNS = ("row", "id", "column", "value", "problem", "action")
NA_STRINGS = ("NA", "N/A", "NaN", "#NULL!", ".")
_NA_FOLDED = frozenset(x.casefold() for x in NA_STRINGS)
# cells that are not an answer code may be anything a respondent typed: logged as what
# they are, not quoted (see lospw.analysis.intake.personal.cell_for_log)
_PRIVATE_PROBLEMS = frozenset({"non_numeric", "out_of_range"})
_REASON_ORDER = ("malformed_row", "empty_row", "non_numeric", "out_of_range", "duplicate_id")
_LEADING_ZERO = re.compile(r"^[+-]?0\d")
_BRACKET = re.compile(r"^(?P<q>[^\[\]]+)\[(?P<sq>[^\[\]]+)\]$")


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
        Columns ``row, id, reason, detail``: every input row not analysed, one line each.
    n_read : int
        Data rows read from the input.
    source : str
    id_column : str or None
    notes : tuple of str
        What the reader and the intake detected or changed.
    warnings : tuple of Note
        Named conditions (``design`` for planned missingness, ``mixed_script_id`` for a
        lookalike in the key's ids), also in ``to_dict()["warnings"]``.
    cell_log : DataFrame
        Columns ``row, id, column, value, problem, action``: every cell set to missing or
        causing an exclusion.
    read_info : dict
        How the file was read: format, encoding, delimiter, decimal mark, sheet.
    column_map : dict
        Key item -> the input column it was read from.
    value_labels, variable_labels : dict
        From SPSS files: column -> {code: label} and column -> label.
    options : dict
        The intake options used.
    input_order : tuple of str
        The key items in the order of their columns in the input (the presentation order,
        for longstring).
    missing_given : DataFrame or None
        Same shape as ``items``: the numeric missing code a cell held (the key's codes,
        ``missing_values`` numbers, SPSS user-missing values), NaN elsewhere.
    asked : DataFrame or None
        Same shape as ``items``, boolean: the respondent's group was asked the item (the
        key's ``design``); None when the key has no design (every item asked).
    """

    items: pd.DataFrame
    meta: pd.DataFrame
    exclusions: pd.DataFrame
    n_read: int
    source: str
    id_column: str | None = None
    notes: tuple[str, ...] = field(default=())
    cell_log: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(CELL_LOG_COLUMNS)))
    read_info: dict[str, Any] = field(default_factory=dict)
    column_map: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    variable_labels: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    input_order: tuple[str, ...] = ()
    missing_given: pd.DataFrame | None = None
    asked: pd.DataFrame | None = None
    warnings: tuple[Note, ...] = field(default=())

    @property
    def n_analysed(self) -> int:
        return len(self.items)

    @property
    def n_excluded(self) -> int:
        return len(self.exclusions)

    @property
    def ids(self) -> pd.Series:
        """The respondent ids of the analysed rows (None without an id column)."""
        if self.id_column is None:
            return pd.Series([None] * len(self.items), index=self.items.index, dtype=object)
        return self.meta[self.id_column]

    def excluded_by_reason(self) -> dict[str, int]:
        counts = self.exclusions["reason"].value_counts().sort_index()
        return {str(k): int(v) for k, v in counts.items()}

    def exclude(self, rows: Mapping[int, tuple[str, str]]) -> IntakeResult:
        """A copy with the analysed ``rows`` moved to the exclusion log.

        Parameters
        ----------
        rows : mapping
            Row number -> ``(reason, detail)``.
        """
        unknown = [r for r in rows if r not in self.items.index]
        if unknown:
            raise InputError(
                f"Cannot exclude row(s) {', '.join(map(str, unknown[:5]))}: they are not "
                "among the analysed rows."
            )
        if not rows:
            return self
        ids = self.ids
        new = pd.DataFrame(
            [{"row": int(r), "id": ids.loc[r], "reason": reason, "detail": detail}
             for r, (reason, detail) in rows.items()], columns=list(EXCLUSION_COLUMNS))
        exclusions = pd.concat([self.exclusions, new], ignore_index=True)
        exclusions = exclusions.sort_values("row", kind="stable").reset_index(drop=True)
        keep = ~self.items.index.isin(list(rows))
        return replace(self, items=self.items.loc[keep], meta=self.meta.loc[keep],
                       exclusions=exclusions,
                       missing_given=None if self.missing_given is None
                       else self.missing_given.loc[keep],
                       asked=None if self.asked is None else self.asked.loc[keep])

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "read": dict(self.read_info),
            "n_read": self.n_read,
            "n_analysed": self.n_analysed,
            "n_excluded": self.n_excluded,
            "excluded_by_reason": self.excluded_by_reason(),
            "n_cells_changed": len(self.cell_log),
            "id_column": self.id_column,
            "column_map": {k: v for k, v in self.column_map.items() if k != v},
            "options": dict(self.options),
            "notes": list(self.notes),
            "warnings": notes_to_dicts(self.warnings),
        }


# -- options ------------------------------------------------------------------------------
#: Column names taken as the respondent id when ``--id`` is not given (case-insensitive).
ID_CANDIDATES = ("id", "respondent", "respondent_id", "respondentid", "resp_id", "pid",
                 "participant", "participant_id", "person", "response_id", "responseid")


def detect_id_column(columns: Sequence[str], items: Sequence[str] = ()) -> str | None:
    """The first column whose name is a usual respondent-id name, or None.

    Examples
    --------
    >>> detect_id_column(["A1", "Respondent_ID", "age"])
    'Respondent_ID'
    >>> detect_id_column(["A1", "age"]) is None
    True
    """
    lower = {str(c).lower(): c for c in columns if c not in set(items)}
    for name in ID_CANDIDATES:
        if name in lower:
            return lower[name]
    return None


def _choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InputError(
            f"The {name!r} option must be one of {', '.join(repr(a) for a in allowed)}; got "
            f"{value!r}."
        )
    return value


def _split_missing(values: Iterable[Any], key: Key) -> tuple[set[float], set[str]]:
    nums: set[float] = set(key.missing_codes)
    texts: set[str] = {s.casefold() for s in NA_STRINGS}
    if isinstance(values, (str, int, float)):
        values = [values]
    rs = key.response_scale
    for v in values:
        if isinstance(v, bool) or v is None:
            raise InputError(f"The 'missing_values' option takes numbers or text; got {v!r}.")
        x: float | None
        if isinstance(v, (int, float, np.integer, np.floating)):
            x = float(v)
        elif isinstance(v, str):
            x = _as_number(v) if _as_number(v) is not None else _as_number(v, ",")
            if x is None:
                if not v.strip():
                    raise InputError("The 'missing_values' option has an empty text; an empty "
                                     "cell is always missing. Remove it.")
                texts.add(_nfc(v.strip()).casefold())
                continue
        else:
            raise InputError(f"The 'missing_values' option takes numbers or text; got "
                             f"{type(v).__name__}.")
        if not math.isfinite(x):
            raise InputError(f"The 'missing_values' option takes finite numbers; got {v!r}.")
        if rs.min <= x <= rs.max and (rs.continuous or x.is_integer()):
            raise InputError(
                f"The missing code {v!r} lies inside the response scale {rs.min:g}-{rs.max:g} "
                "and would turn real answers into missing values. Use a code outside it."
            )
        nums.add(x)
    return nums, texts


def _check_recode(recode: Mapping[Any, Any] | None) -> tuple[dict[str, float],
                                                              dict[float, float]]:
    """Answer code -> number, as (text codes, numeric codes).

    A code that is a number (``1``, ``"1"``, ``"1.0"``) is also matched numerically, so a
    recode changes a cell whatever the file format stored it as: CSV text ``"1"``, an XLSX
    number ``1`` or an SPSS ``1.0``.

    Examples
    --------
    >>> _check_recode({"A1": 1, 5: 1, "1": 5})
    ({'a1': 1.0, '5': 1.0, '1': 5.0}, {5.0: 1.0, 1.0: 5.0})
    """
    if recode is None:
        return {}, {}
    if not isinstance(recode, Mapping):
        raise InputError("The 'recode' option must map answer codes to numbers, e.g. "
                         "{'A1': 1, 'A2': 2}.")
    texts: dict[str, float] = {}
    nums: dict[float, float] = {}
    for k, v in recode.items():
        if (isinstance(v, bool) or not (v is None or isinstance(v, (int, float)))
                or (isinstance(v, float) and not math.isfinite(v))):
            raise InputError(f"recode: the code {k!r} must map to a number (or nothing for "
                             f"missing); got {v!r}.")
        new = math.nan if v is None else float(v)
        texts[_nfc(str(k).strip()).casefold()] = new
        number = (float(k) if isinstance(k, (int, float)) and not isinstance(k, bool)
                  else _as_number(k) if isinstance(k, str) else None)
        if number is not None and math.isfinite(number):
            nums[number + 0.0] = new
    return texts, nums


def _resolve_columns(table: RawTable, key: Key, column_map: Mapping[str, str] | None,
                     notes: list[str]) -> dict[str, str]:
    cols = table.columns
    col_set = set(cols)  # membership in O(1): a wide file has thousands of columns
    src = table.source
    cmap: dict[str, str] = {}
    if column_map is not None:
        if not isinstance(column_map, Mapping):
            raise InputError("The 'column_map' option must map key items to column names, "
                             "e.g. {'A1': 'q1'}.")
        used: dict[str, str] = {}
        for item, col in column_map.items():
            if item not in key.items:
                raise InputError(f"column_map: {item!r} is not an item of the key. Map key "
                                 "items (left) to data columns (right).")
            if col not in cols:  # (a tuple: a list given as a column is no column either)
                raise InputError(f"column_map: {src} has no column {col!r} (for item "
                                 f"{item}). Use one of its columns.")
            if col in used:
                raise InputError(f"column_map: column {col!r} is mapped to both {used[col]} "
                                 f"and {item}. Map each column once.")
            used[col] = item
            cmap[item] = col
    limesurvey: dict[str, str] = {}
    for c in cols:
        m = _BRACKET.match(c)
        if m:
            for cand in (m["sq"], m["q"] + m["sq"], f"{m['q']}_{m['sq']}"):
                limesurvey.setdefault(cand, c)
    out: dict[str, str] = {}
    ls_used = 0
    for item in key.items:
        if item in cmap:
            out[item] = cmap[item]
        elif item in col_set:
            out[item] = item
        elif item in limesurvey and limesurvey[item] not in cmap.values():
            out[item] = limesurvey[item]
            ls_used += 1
    if ls_used:
        notes.append(f"{ls_used} item column(s) matched by their LimeSurvey name Q[SQ] "
                     "(e.g. " + next(f"{v} -> {k}" for k, v in out.items() if k != v) + ")")
    missing = [i for i in key.items if i not in out]
    if missing:
        hint = _did_you_mean(missing, [c for c in cols if c not in out.values()])
        if len(cols) == 1 and len(key.items) > 1:
            found = [d for d in DELIMITERS if d in cols[0]]
            d = {"\t": "tab"}.get(found[0], repr(found[0])) if found else None
            hint = ("The file has a single column" + (
                f" whose name contains {d}: the delimiter is probably {d}; pass it "
                "(--delimiter)." if d else "; check the delimiter."))
        else:
            folded = {c.casefold(): c for c in cols}
            near = [f"{i}~{folded[i.casefold()]}" for i in missing if i.casefold() in folded]
            looks = {skeleton(c): c for c in cols}
            alike = [f"{i}~{looks[skeleton(i)]}" for i in missing if skeleton(i) in looks]
            if near:
                hint = (f"Some differ only in upper/lower case ({', '.join(near[:5])}); "
                        "rename them or give a column map.")
            elif alike:
                hint = (f"Some only look alike, written in other letters (Cyrillic or Greek "
                        f"lookalikes: {', '.join(alike[:5])}); retype them.")
        raise InputError(
            f"{src}: {len(missing)} of the key's {len(key.items)} item column(s) are missing: "
            f"{', '.join(missing)}. {hint}"
        )
    for item, col in out.items():
        if col in table.duplicate_columns.values():
            n = 1 + sum(v == col for v in table.duplicate_columns.values())
            raise InputError(f"{src}: column {col!r} (item {item}) appears {n} times in the "
                             "header. Remove or rename the repeats.")
    return out


def _did_you_mean(missing: list[str], columns: list[str]) -> str:
    """The fix for missing item columns: the closest column names, and ``--map``.

    Examples
    --------
    >>> _did_you_mean(["COM1", "COM2"], ["id", "Q1[SQ001]", "com_1"])
    "Did you mean COM1 -> com_1? Rename the columns to the key's item names, or give a column map (--map FILE, lines 'ITEM: column'; e.g. COM1: com_1)."
    """
    folded = {c.casefold(): c for c in columns}
    pairs = []
    for item in missing[:50]:
        near = difflib.get_close_matches(item.casefold(), list(folded), n=1, cutoff=0.6)
        if near:
            pairs.append(f"{item} -> {folded.pop(near[0])}")  # each column suggested once
    example = next((c for c in columns if re.search(r"\d|\[", c)),
                   columns[0] if columns else "q1")
    fix = ("Rename the columns to the key's item names, or give a column map (--map FILE, "
           "lines 'ITEM: column'; e.g. " + (pairs[0].replace(" -> ", ": ") if pairs else
                                             f"{missing[0]}: {example}") + ").")
    if pairs:
        return f"Did you mean {', '.join(pairs[:5])}{' ...' if len(pairs) > 5 else ''}? {fix}"
    shown = ", ".join(columns[:12]) + (", ..." if len(columns) > 12 else "")
    return f"The other columns are {shown or 'none'}. {fix}"


# -- cells --------------------------------------------------------------------------------
def _id_text(cell: Any) -> str | None:
    if cell is None:
        return None
    if isinstance(cell, float):
        if cell != cell:
            return None
        if cell.is_integer():
            return str(int(cell))
    if isinstance(cell, (datetime, date, time)):
        return cell.isoformat()
    text = str(cell).strip()
    return text or None


def _ids(table: RawTable, pos: int | None) -> list[str | None]:
    """The respondent id of every row (text, stripped; None when empty), or all None
    without an id column."""
    if pos is None:
        return [None] * table.n_rows
    data = table.data[pos]
    if isinstance(data, TextColumn):  # each distinct text once (never blank: stripped)
        texts = np.array([t.strip() for t in data.texts] + [None], dtype=object)
        return texts[data.codes].tolist()
    return [_id_text(c) for c in data]


def _meta_column(cells: list[Any], decimal: str) -> pd.Series:
    """Numbers when every cell is one (no leading zeros), else text; same for all formats."""
    if cells and set(map(type, cells)) <= {str, type(None)}:
        codes, uniques = pd.factorize(np.array(cells, dtype=object))  # None -> -1
        return _meta_text_column(codes, uniques, decimal)
    nums: list[float] = []
    numeric = True
    seen: dict[str, float | None] = {}  # survey columns repeat a few values many times
    for c in cells:
        if c is None:
            nums.append(math.nan)
        elif isinstance(c, (int, float, np.integer, np.floating)) and not isinstance(
                c, (bool, np.bool_)):
            nums.append(float(c))
        elif isinstance(c, str):
            if c not in seen:
                x = _as_number(c, decimal)
                seen[c] = None if x is None or _LEADING_ZERO.match(c.strip()) else x
            if (x := seen[c]) is None:
                numeric = False
                break
            nums.append(x)
        else:
            numeric = False
            break
    if numeric and cells and not all(c is None for c in cells):
        arr = np.asarray(nums, dtype=float)
        mask = np.isnan(arr)
        finite = arr[~mask]
        if np.all(finite == np.round(finite)) and np.all(np.abs(finite) < 2**53):
            ints = np.where(mask, 0, arr).astype(np.int64)
            return pd.Series(pd.arrays.IntegerArray(ints, mask))
        return pd.Series(arr + 0.0, dtype=float)
    return _text_series(cells)


def _meta_text_column(codes: np.ndarray, uniques: np.ndarray, decimal: str) -> pd.Series:
    """:func:`_meta_column` of a column of text cells (a CSV's) given as codes into its
    distinct texts (-1: empty): each distinct cell read once, then spread over the rows (the
    same result, at C speed)."""
    numbers = []
    for u in uniques:
        x = _as_number(u, decimal)
        if x is None or _LEADING_ZERO.match(u.strip()):
            numbers = None
            break
        numbers.append(x)
    if numbers:  # every cell a number (or empty): as the general path
        arr = np.append(np.asarray(numbers, dtype=float), math.nan)[codes]
        mask = np.isnan(arr)
        finite = arr[~mask]
        if np.all(finite == np.round(finite)) and np.all(np.abs(finite) < 2**53):
            ints = np.where(mask, 0, arr).astype(np.int64)
            return pd.Series(pd.arrays.IntegerArray(ints, mask))
        return pd.Series(arr + 0.0, dtype=float)
    texts = np.array([_id_text(u) for u in uniques] + [None], dtype=object)
    return pd.Series(pd.array(texts[codes], dtype="str"))


def _text_series(cells: list[Any]) -> pd.Series:
    texts: dict[Any, str | None] = {}
    out = []
    for c in cells:
        try:
            t = texts[c]
        except KeyError:
            t = texts[c] = _id_text(c)
        except TypeError:  # an unhashable cell
            t = _id_text(c)
        out.append(t)
    return pd.Series(pd.array(out, dtype="str"))


def item_columns(table: RawTable, key: Key,
                 column_map: Mapping[str, str] | None = None) -> dict[str, str]:
    """The data column of each key item, as :func:`responses_from_table` finds it (the
    column map, the item's own name, or its LimeSurvey name ``Q[SQ]``).

    Raises
    ------
    InputError
        An item without a column, or a column map that names unknown items or columns.
    """
    if isinstance(column_map, Mapping):
        column_map = {(_nfc(k) if isinstance(k, str) else k): (_nfc(v) if isinstance(v, str)
                                                               else v)
                      for k, v in column_map.items()}
    return _resolve_columns(table, key, column_map, [])


def responses_from_table(table: RawTable, key: Key, *, id_column: str | None = None,
                         out_of_range: str = "missing", non_numeric: str = "error",
                         duplicate_ids: str = "exclude",
                         missing_values: Iterable[Any] = (),
                         column_map: Mapping[str, str] | None = None,
                         recode: Mapping[Any, Any] | None = None,
                         id_within: str | None = None) -> IntakeResult:
    """Check a :class:`~lospw.analysis.intake.readers.RawTable` against ``key``; see :func:`read_responses`.

    ``id_within``: a column that is part of the respondent's identity (the wave of long
    data: one row per respondent and wave); ids are duplicates only within its values."""
    _choice("out_of_range", out_of_range, ("missing", "exclude"))
    _choice("non_numeric", non_numeric, ("error", "missing", "exclude"))
    _choice("duplicate_ids", duplicate_ids, ("exclude", "keep_first", "error"))
    miss_nums, miss_texts = _split_missing(missing_values, key)
    codes, num_codes = _check_recode(recode)
    src = table.source
    if id_column is not None:
        id_column = _nfc(id_column)
    if isinstance(column_map, Mapping):
        column_map = {(_nfc(k) if isinstance(k, str) else k): (_nfc(v) if isinstance(v, str)
                                                               else v)
                      for k, v in column_map.items()}
    notes = list(table.notes)
    if not table.n_rows:
        raise InputError(f"{src}: the file has a header but no data rows. Give one row per "
                         "respondent below the header.")
    if id_column is not None and id_column not in table.columns:
        raise InputError(f"{src}: no id column {id_column!r}; the columns are "
                         f"{', '.join(table.columns[:12])}{' ...' if len(table.columns) > 12 else ''}. "
                         "Name an existing column.")
    found: list[Note] = list(key.warnings())
    cmap = _resolve_columns(table, key, column_map, notes)
    if id_column is not None and id_column in cmap.values():
        raise InputError(f"{src}: the id column {id_column!r} is also an item column. Name "
                         "the respondent id column.")
    n = table.n_rows
    index = pd.RangeIndex(1, n + 1, name="row")
    id_pos = table.columns.index(id_column) if id_column else None
    ids = _ids(table, id_pos)
    rs = key.response_scale
    # item by row (pandas' own layout of a float frame: no transposing copy later)
    values = np.full((key.n_items, n), np.nan)
    given = np.full((key.n_items, n), np.nan)  # the missing code a cell held
    content = np.zeros((key.n_items, n), dtype=bool)  # the cell held anything at all
    bad_rows: dict[str, dict[int, list[str]]] = {"non_numeric": {}, "out_of_range": {}}
    cell_log: list[dict[str, Any]] = []
    missing_counts: Counter[str] = Counter()
    first_text: tuple[int, str, Any, int] | None = None
    n_text = 0
    position: dict[str, int] = {}  # the first column of each name, as tuple.index
    for j, c in enumerate(table.columns):
        position.setdefault(c, j)
    for j, item in enumerate(key.items):
        col = cmap[item]
        rules = CellRules(codes=codes, num_codes=num_codes, miss_texts=frozenset(miss_texts),
                          miss_nums=frozenset(miss_nums), decimal=table.decimal,
                          labels=table.value_labels.get(col, {}),
                          ranges=table.user_missing.get(col, []), low=rs.min, high=rs.max,
                          continuous=rs.continuous, non_numeric=non_numeric,
                          out_of_range=out_of_range, silent=_NA_FOLDED)
        data = table.data[position[col]]
        if isinstance(data, TextColumn):  # each distinct text decided once
            verdicts, inverse = text_verdicts(data.codes, data.texts, rules)
        else:
            verdicts, inverse = column_verdicts(data, rules)
        # each distinct cell was decided once; spread the verdicts over the rows
        values[j] = np.array([v.value for v in verdicts])[inverse]
        given[j] = np.array([v.code for v in verdicts])[inverse]
        content[j] = inverse > 0
        counts = np.bincount(inverse, minlength=len(verdicts))
        for u, v in enumerate(verdicts):
            if v.missing is not None:
                missing_counts[v.missing] += int(counts[u])
        noted = [u for u, v in enumerate(verdicts) if v.logs or v.text or v.bad]
        if not noted:
            continue
        cells = table.cells(position[col])
        for k in np.flatnonzero(np.isin(inverse, noted)).tolist():
            v, cell = verdicts[inverse[k]], cells[k]
            if v.text:
                n_text += 1
                if first_text is None:
                    first_text = (k + 1, col, cell, j)
            for problem, action in v.logs:
                cell_log.append({"row": k + 1, "id": ids[k], "column": col,
                                 "value": (cell_for_log(cell) if problem in _PRIVATE_PROBLEMS
                                           else _show(cell)),
                                 "problem": problem, "action": action})
            if v.bad is not None:
                bad_rows[v.bad].setdefault(k + 1, []).append(col)
    _log_lost_cells(table, cmap, ids, cell_log, notes)
    if first_text is not None and non_numeric == "error":
        r, col, cell, _ = first_text
        more = f" (and {n_text - 1} more non-numeric cell(s))" if n_text > 1 else ""
        hint = ("declare it a missing code (missing_values / --missing), recode it "
                "(recode / --recode), or pass non_numeric='missing' or 'exclude' "
                "(--non-numeric)")
        if isinstance(cell, str) and table.decimal == "." and _as_number(cell, ","):
            hint = "the file seems to use a decimal comma: pass decimal=',' (--decimal ,)"
        elif isinstance(cell, str) and re.match(r"^[A-Za-z]{1,3}\d{1,3}$", cell.strip()):
            hint = ("it looks like an answer code (as LimeSurvey writes 'A1', 'A2' ...): map "
                    "the codes to numbers with recode={'A1': 1, ...} (--recode FILE)")
        shown = (repr(_show(cell)) if quotable(cell) else
                 f"a cell that may identify someone {cell_for_log(cell)}")
        raise InputError(f"{src}: row {r}, column {col}: {shown} is not a number"
                         f"{more}. Correct it, or {hint}.")
    if missing_counts:
        notes.append("missing codes read as missing: " + ", ".join(
            f"{k} ({v} cell(s))" for k, v in sorted(missing_counts.items()))
            + " (each listed in the cell log)")
    n_recoded = sum(e["problem"] == "recoded" for e in cell_log)
    if n_recoded:
        notes.append(f"{n_recoded} cell(s) changed by the recode (listed in the cell log)")
    n_nonnum = sum(e["problem"] == "non_numeric" for e in cell_log)
    n_oor = sum(e["problem"] == "out_of_range" for e in cell_log)
    if n_nonnum:
        notes.append(f"{n_nonnum} non-numeric cell(s) " + (
            "set to missing" if non_numeric == "missing" else "excluded their rows"))
    if n_oor:
        notes.append(f"{n_oor} value(s) outside the response scale {rs.min:g}-{rs.max:g} " + (
            "set to missing" if out_of_range == "missing" else "excluded their rows"))

    reasons: dict[int, list[tuple[str, str]]] = {}

    def add(row: int, reason: str, detail: str) -> None:
        reasons.setdefault(row, []).append((reason, detail))

    for r, why in table.malformed.items():
        add(r, "malformed_row", why)
    answered = ~np.isnan(values)
    for k in np.flatnonzero(~answered.any(axis=0)):
        held = int(content[:, k].sum())
        add(int(k) + 1, "empty_row", "no item answered" if not held else
            f"no valid answer ({held} item cell(s) held only missing codes or invalid values)")
    for reason, rows in bad_rows.items():
        for r, cols in rows.items():
            add(r, reason, f"{'non-numeric' if reason == 'non_numeric' else 'out-of-range'} "
                f"value in {', '.join(cols)}")
    if id_column is not None:
        groups: dict[Any, list[int]] = {}
        w_pos = table.columns.index(id_within) if id_within in table.columns else None
        parts = table.cells(w_pos) if w_pos is not None else [None] * n
        for k, i in enumerate(ids):
            if i is not None:
                groups.setdefault((i, parts[k]), []).append(k + 1)
        dups = {i: rows for i, rows in groups.items() if len(rows) > 1}
        identical = {i: rows for i, rows in dups.items()
                     if all(table.row(r - 1) == table.row(rows[0] - 1) for r in rows[1:])}
        for rows in identical.values():
            # an exported twice row (overlapping export batches): the copies are no conflict
            for r in rows[1:]:
                add(r, "duplicate_id", f"identical copy of row {rows[0]}, which is kept")
        if identical:
            notes.append(f"{sum(len(r) - 1 for r in identical.values())} identical copy(ies) "
                         f"of {len(identical)} respondent(s) left out; the first copy of each "
                         "is kept")
        dups = {i: rows for i, rows in dups.items() if i not in identical}
        if dups and duplicate_ids == "error":
            rows = next(iter(dups.values()))
            # rows, never the id itself: messages and logs carry no raw ids
            raise InputError(
                f"{src}: rows {', '.join(map(str, rows))} share a respondent id "
                f"({len(dups)} duplicated id(s) in all). Make the ids unique, or pass "
                "duplicate_ids='exclude' or 'keep_first'."
            )
        for rows in dups.values():
            keeper = None
            if duplicate_ids == "keep_first":
                keeper = next((r for r in rows if r not in reasons), None)
            for r in rows:
                if r == keeper:
                    continue
                others = ", ".join(str(o) for o in rows if o != r)
                # the detail names rows, never the id itself (logs get pseudonymised ids)
                detail = (f"same id as row {keeper}, which is analysed" if keeper
                          else f"same id on row(s) {others}")
                add(r, "duplicate_id", detail)
        missing_ids = sum(i is None for i in ids)
        if missing_ids:
            notes.append(f"{missing_ids} row(s) have no respondent id")
    excl_rows = []
    for r in sorted(reasons):
        entries = sorted(reasons[r], key=lambda e: _REASON_ORDER.index(e[0]))
        detail = entries[0][1]
        if len(entries) > 1:
            detail += "; also " + "; ".join(f"{e[0]}: {e[1]}" for e in entries[1:])
        excl_rows.append({"row": r, "id": ids[r - 1], "reason": entries[0][0],
                          "detail": detail})
    exclusions = pd.DataFrame(excl_rows, columns=list(EXCLUSION_COLUMNS))
    keep = np.ones(n, dtype=bool)
    keep[np.array(list(reasons), dtype=np.intp) - 1] = False
    items = pd.DataFrame(values.T, index=index, columns=list(key.items), copy=False).loc[keep]
    used = set(cmap.values())
    meta_cols = [c for c in table.columns if c not in used]
    meta = pd.DataFrame(index=index)
    labelled: list[str] = []
    for c in meta_cols:
        if c == id_column:
            meta[c] = pd.Series(pd.array(ids, dtype="str"), index=index)
        else:
            data = table.data[position[c]]
            s = (_meta_text_column(data.codes, data.texts, table.decimal)
                 if isinstance(data, TextColumn) else _meta_column(list(data), table.decimal))
            s.index = index
            labels = table.value_labels.get(c)
            if labels and s.notna().any() and all(v in labels for v in s.dropna()):
                s = pd.Series([None if pd.isna(v) else labels[v] for v in s], index=s.index,
                              dtype=object)
                labelled.append(c)
            name = c
            if c == index.name:  # lospw's own output has a column 'row' (the row numbers)
                name = f"{c}_in_{Path(str(src)).stem}"
                while name in table.columns:
                    name += "_"
                notes.append(f"column {c!r} kept as {name!r} ('row' numbers this file's rows)")
            meta[name] = s
    asked = _design_asked(key, meta, values.T, src, found)
    meta = meta.loc[keep]
    if labelled:
        notes.append(f"value labels used for column(s) {', '.join(labelled[:8])}"
                     f"{' ...' if len(labelled) > 8 else ''} (every value has a label)")
    extra = [c for c in meta_cols if c != id_column and _looks_like_item(c, key)]
    if extra:
        notes.append(f"{len(extra)} column(s) look like items but are not in the key and are "
                     f"kept as other columns: {', '.join(extra[:8])}"
                     f"{' ...' if len(extra) > 8 else ''}")
    result = IntakeResult(
        items=items, meta=meta, exclusions=exclusions, n_read=n, source=src,
        id_column=id_column, notes=tuple(notes),
        cell_log=pd.DataFrame(cell_log, columns=list(CELL_LOG_COLUMNS)),
        read_info=table.read_info(), column_map=dict(cmap),
        value_labels={k: dict(v) for k, v in table.value_labels.items()},
        variable_labels=dict(table.variable_labels),
        options={"id_column": id_column, "out_of_range": out_of_range,
                 "non_numeric": non_numeric, "duplicate_ids": duplicate_ids,
                 "missing_values": sorted([f"{x:g}" for x in miss_nums]) + sorted(
                     t for t in miss_texts if t not in {s.casefold() for s in NA_STRINGS})},
        input_order=tuple(sorted(key.items, key=lambda i: position[cmap[i]])),
        missing_given=pd.DataFrame(given.T, index=index, columns=list(key.items),
                                   copy=False).loc[keep],
        asked=None if asked is None else pd.DataFrame(
            asked, index=index, columns=list(key.items)).loc[keep],
        warnings=tuple(found),
    )
    if result.n_analysed + result.n_excluded != result.n_read:  # pragma: no cover - a bug
        raise RuntimeError("intake lost rows: analysed + excluded != read")
    log.info("intake %s: %d read, %d analysed, %d excluded", src, n, result.n_analysed,
             result.n_excluded)
    return result


def _design_asked(key: Key, meta: pd.DataFrame, values: np.ndarray, src: str,
                  found: list[Note]) -> np.ndarray | None:
    """Which items each row was asked (the key's design), with ``design`` warnings; None
    without one."""
    col = key.design_column
    if col is None:
        return None
    if col not in meta.columns:
        raise InputError(f"{src}: the key's design routes items by the group column {col!r}, "
                         "which the data lack. Add that column, or remove 'design' from the "
                         "key if every respondent was asked every item.")
    groups = meta[col].astype(object).where(meta[col].notna(), None).tolist()
    asked = asked_mask(key, groups)
    named = set(design_groups(key))
    unnamed = sorted({str(g) for g in groups if g is not None} - named)
    n_planned = int((~asked).sum())
    where = {"column": col}
    found.append(Note("design", f"{n_planned} cell(s) of items a respondent's group was not "
                      f"asked (column {col!r}): planned missingness, not non-response", where))
    if unnamed:
        found.append(Note("design", f"group(s) {', '.join(unnamed[:8])} of column {col!r} are "
                          "named nowhere in the key's design: asked only the items not routed",
                          where))
    no_group = sum(g is None for g in groups)
    if no_group:
        found.append(Note("design", f"{no_group} row(s) without a group in column {col!r}: "
                          "every item counted as asked", where))
    extra = int((~asked & ~np.isnan(values)).sum())
    if extra:
        found.append(Note("design", f"{extra} answer(s) to items the respondent's group was "
                          "not asked (kept as given; check the routing)", where))
    return asked


_LOST = {"formula_without_value": "formula cell(s) without a calculated value",
         "merged_cell": "cell(s) hidden by merged cells"}


def _log_lost_cells(table: RawTable, cmap: Mapping[str, str], ids: list[str | None],
                    cell_log: list[dict[str, Any]], notes: list[str]) -> None:
    """Log the cells Excel shows but the file holds no value for (read as empty): each one
    in an item column in the cell log, all of them counted in the notes."""
    if not table.lost_cells:
        return
    n, width = table.n_rows, len(table.columns)
    item_of = {table.columns.index(c) + 1: c for c in cmap.values()}
    counts: Counter[str] = Counter()
    in_items: Counter[str] = Counter()
    for lc in table.lost_cells:
        rows = range(max(lc.min_row, 1), min(lc.max_row, n) + 1)
        for pos in range(lc.min_col, min(lc.max_col, width) + 1):
            for r in rows:
                if table.cell(r - 1, pos - 1) is not None:
                    continue  # the top-left cell of a merged range holds its value
                counts[lc.problem] += 1
                if pos in item_of:
                    in_items[lc.problem] += 1
                    cell_log.append({"row": r, "id": ids[r - 1], "column": item_of[pos],
                                     "value": "", "problem": lc.problem,
                                     "action": "set missing"})
    for problem, k in sorted(counts.items()):
        notes.append(f"{k} {_LOST[problem]} read as empty ({in_items[problem]} in item "
                     "columns, listed in the cell log)")


def _looks_like_item(col: str, key: Key) -> bool:
    stems = {re.sub(r"\d+$", "", i) for i in key.items}
    stem = re.sub(r"\d+$", "", col)
    return stem != col and stem in stems


def responses_from_frame(frame: pd.DataFrame, key: Key, *, source: str = "<frame>",
                         **options: Any) -> IntakeResult:
    """Check a DataFrame of responses against ``key``; options as :func:`read_responses`.

    Every row of ``frame`` is a data row; they are numbered 1, 2, ... in order (the frame's
    own index is not used).

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 5},
    ...                      "missing_codes": [9], "scales": {"S": ["a", "b"]}})
    >>> df = pd.DataFrame({"id": ["x", "y", "z"], "a": [1, 9, None], "b": [7, 2, None]})
    >>> res = responses_from_frame(df, key, id_column="id")
    >>> res.items.to_dict("index")
    {1: {'a': 1.0, 'b': nan}, 2: {'a': nan, 'b': 2.0}}
    >>> res.exclusions[["row", "reason"]].to_dict("records")
    [{'row': 3, 'reason': 'empty_row'}]
    >>> res.cell_log[["row", "column", "value", "action"]].to_dict("records")
    [{'row': 2, 'column': 'a', 'value': '9.0', 'action': 'set missing'}, {'row': 1, 'column': 'b', 'value': '7.0', 'action': 'set missing'}]
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"Responses must be a DataFrame; got {type(frame).__name__}.")
    return responses_from_table(frame_to_table(frame, source), key, **options)


def read_responses(path: str | Path, key: Key, *, id_column: str | None = None,
                   out_of_range: str = "missing", non_numeric: str = "error",
                   duplicate_ids: str = "exclude", missing_values: Iterable[Any] = (),
                   column_map: Mapping[str, str] | None = None,
                   recode: Mapping[Any, Any] | None = None, sheet: str | None = None,
                   encoding: str | None = None, delimiter: str | None = None,
                   decimal: str | None = None) -> IntakeResult:
    """Read a response file (CSV, XLSX, SPSS .sav) and check it against ``key``.

    Parameters
    ----------
    path : str or Path
        CSV / text (delimiter, decimal mark and encoding detected), XLSX or SPSS ``.sav``
        (value labels, variable labels and user-missing values kept); see
        :mod:`lospw.analysis.intake.readers`. LimeSurvey exports work as they are: columns named
        ``Q[SQ]`` match the key item ``SQ`` or ``QSQ``.
    key : Key
    id_column : str, optional
        The respondent id column (checked for duplicates).
    out_of_range : {"missing", "exclude"}
        A value outside the response scale (or not a whole category) becomes missing, or
        excludes its row. Either way it is listed in ``cell_log``.
    non_numeric : {"error", "missing", "exclude"}
        A cell that is not a number nor a missing code: stop with an error naming it
        (default), set it missing, or exclude its row (both logged).
    duplicate_ids : {"exclude", "keep_first", "error"}
        Rows sharing an id: exclude them all (each listed, naming the others), keep the first
        analysable one, or stop.
    missing_values : iterable
        More missing codes besides the key's: numbers (outside the response scale) or text
        (e.g. ``"weet niet"``; matched case-insensitively, also against SPSS value labels).
    column_map : mapping, optional
        Key item -> column name, for columns not named as the items.
    recode : mapping, optional
        Answer code -> number (or None for missing), e.g. ``{"A1": 1, "A2": 2}``.
    sheet, encoding, delimiter, decimal
        Passed to :func:`lospw.analysis.intake.readers.read_table`.

    Returns
    -------
    IntakeResult

    Raises
    ------
    InputError
        An unreadable file, missing item columns, a non-numeric cell (by default), a bad
        option: one line naming the file and the fix.
    """
    table = read_table(path, sheet=sheet, encoding=encoding, delimiter=delimiter,
                       decimal=decimal)
    return responses_from_table(
        table, key, id_column=id_column, out_of_range=out_of_range, non_numeric=non_numeric,
        duplicate_ids=duplicate_ids, missing_values=missing_values, column_map=column_map,
        recode=recode)


def pseudonyms(result: IntakeResult, prefix: str = "R") -> pd.Series:
    """Sequential pseudonymous codes for every input row (analysed and excluded).

    Codes are ``R0001``, ``R0002``, ... numbered by the first row on which each respondent id
    appears, so rows that share an id share a code; rows without an id get a code of their
    own. Nothing about the raw id can be recovered from the code; the link is the row number
    in the raw file, which stays with the raw data.

    Returns
    -------
    Series
        Indexed by row number (1..n_read).
    """
    ids: dict[int, Any] = {}
    for r, i in result.ids.items():
        ids[int(r)] = i
    for r, i in zip(result.exclusions["row"], result.exclusions["id"], strict=True):
        ids[int(r)] = i
    width = max(4, len(str(result.n_read)))
    codes: dict[int, str] = {}
    seen: dict[Any, str] = {}
    counter = 0
    for r in sorted(ids):
        i = ids[r]
        if i is None or (isinstance(i, float) and math.isnan(i)) or i is pd.NA:
            counter += 1
            codes[r] = f"{prefix}{counter:0{width}d}"
            continue
        if i not in seen:
            counter += 1
            seen[i] = f"{prefix}{counter:0{width}d}"
        codes[r] = seen[i]
    return pd.Series(codes, name="respondent").rename_axis("row")
