"""Delphi ratings: read long-form CSV / XLSX files, check every row, one canonical frame.

One row per rating::

    round,panelist,item,relevance,group,clarity,comment
    1,p01,LOSgoals1,4,professional,3,
    1,p01,LOSgoals2,2,professional,2,"Two questions in one."

``round``, ``panelist``, ``item`` and ``relevance`` are required; ``group`` (stakeholder
group), ``clarity`` and ``comment`` are optional. Column names are case-insensitive; other
columns are ignored and listed in the result. An empty ``relevance`` (or ``NA``) records that
the panelist saw the item but gave no rating: it is kept and counted as missing, never
dropped. Several files (e.g. one per round) are read as one panel.

Anything else that is wrong stops the run with one line naming the file and the row (rows
are numbered as a spreadsheet shows them: the header is row 1): a missing column, an empty
file, a round that is not a whole number >= 1, an empty panelist or item, an item not in
the item list, a rating that is not a number or not a whole number on the scale, a duplicate
rating (same round, panelist and item) and a panelist listed in two groups.
"""

from __future__ import annotations

import csv
import io
import logging
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from lospw.analysis.core.errors import InputError
from lospw.analysis.intake.readers import MAX_BLANK_RUN, MAX_CELLS, MAX_ROWS
from lospw.analysis.intake.xlsx_reader import read_sheet
from lospw.instrument.delphi.rules import RatingScale

__all__ = ["COLUMNS", "OPTIONAL", "REQUIRED", "Ratings", "ratings_from_rows", "read_ratings"]

log = logging.getLogger(__name__)

REQUIRED = ("round", "panelist", "item", "relevance")
OPTIONAL = ("group", "clarity", "comment")
COLUMNS = ("source", "row", "round", "panelist", "group", "item", "relevance", "clarity",
           "comment")
_MISSING = ("", "na", "n/a")
#: The most rating rows a file may have (a panel of 1,000 rating 100 items in 2 rounds is
#: 200,000); a bigger file is refused before it is analysed.
MAX_RATING_ROWS = 200_000
_TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
_XLSX_SUFFIXES = (".xlsx", ".xlsm")


@dataclass(frozen=True)
class Ratings:
    """Checked ratings of a Delphi panel in one long frame.

    Attributes
    ----------
    frame : DataFrame
        Columns ``source, row, round, panelist, group, item, relevance, clarity, comment``:
        one row per input row (``row`` as a spreadsheet numbers it), ``relevance`` and
        ``clarity`` float with NaN for "no rating", ``group`` and ``comment`` text ("" when
        absent).
    sources : tuple of str
        The files read, in order.
    has_group, has_clarity : bool
        Whether any file had the column.
    ignored_columns : tuple of str
        Columns present in a file but not used (``file: column``).
    items : tuple of str
        The item ids in order of first appearance.
    """

    frame: pd.DataFrame
    sources: tuple[str, ...]
    has_group: bool
    has_clarity: bool
    ignored_columns: tuple[str, ...] = ()
    items: tuple[str, ...] = field(default=())

    @property
    def rounds(self) -> tuple[int, ...]:
        return tuple(sorted(int(r) for r in self.frame["round"].unique()))

    @property
    def panelists(self) -> tuple[str, ...]:
        return tuple(sorted(self.frame["panelist"].unique()))

    @property
    def groups(self) -> tuple[str, ...]:
        if not self.has_group:
            return ()
        return tuple(sorted(g for g in self.frame["group"].unique() if g))

    def panelist_groups(self) -> dict[str, str]:
        """Panelist -> stakeholder group ("" without a group column)."""
        pairs = self.frame.drop_duplicates("panelist")[["panelist", "group"]]
        return dict(zip(pairs["panelist"], pairs["group"], strict=True))

    def pseudonyms(self) -> dict[str, str]:
        """Panelist id -> pseudonym ``P01``, ``P02`` ... (ids in sorted order).

        Outputs name panelists only by these codes; ``feedback/pseudonyms.csv`` is the one
        file that links them to the ids.
        """
        ids = self.panelists
        width = max(2, len(str(len(ids))))
        return {p: f"P{k:0{width}d}" for k, p in enumerate(ids, start=1)}

    def to_dict(self) -> dict[str, Any]:
        f = self.frame
        return {
            "sources": list(self.sources),
            "n_rows": len(f),
            "n_ratings": int(f["relevance"].notna().sum()),
            "n_missing_ratings": int(f["relevance"].isna().sum()),
            "n_clarity_ratings": int(f["clarity"].notna().sum()),
            "n_comments": int((f["comment"] != "").sum()),
            "rounds": list(self.rounds),
            "n_panelists": len(self.panelists),
            "n_items": len(self.items),
            "groups": list(self.groups),
            "ignored_columns": list(self.ignored_columns),
        }


# ---- reading files into (row number, {column: raw value}) ----------------------------------
def _read_text(path: Path) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    if path.stat().st_size > 64 * 2**20:
        raise InputError(f"{path}: the file is {path.stat().st_size / 2**20:,.0f} MB; a ratings "
                         "file is read up to 64 MB. Check that it is the right file.")
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError(f"{path}: the file is empty; it needs a header row "
                         f"({', '.join(REQUIRED)}) and one row per rating.")
    if b"\x00" in raw:  # binary data, or UTF-16 text, which the reader does not decode
        raise InputError(f"{path}: not a text table (it holds NUL bytes: binary data or "
                         "UTF-16 text). Save the ratings as 'CSV UTF-8'.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
        log.info("%s: not UTF-8; read as Windows-1252", path)
    first = text.splitlines()[0] if text.splitlines() else ""
    delim = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    header: list[str] | None = None
    line = 0
    rows: list[tuple[int, list[Any]]] = []
    for record in reader:
        start = line + 1
        line = reader.line_num
        if header is None:
            if not any(c.strip() for c in record):
                continue
            header = record
            continue
        rows.append((start, record))
        if len(rows) > MAX_RATING_ROWS:
            raise InputError(f"{path}: more than {MAX_RATING_ROWS:,} rating rows; lospw reads "
                             "at most that. Check that it is the right file.")
    if header is None:
        raise InputError(f"{path}: the file is empty; it needs a header row.")
    return header, iter(rows)


def _read_xlsx(path: Path) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:

    sheet = read_sheet(path, str(path), None, max_cells=MAX_CELLS,
                       max_rows=min(MAX_ROWS, MAX_RATING_ROWS) + 1,
                       max_blank_run=MAX_BLANK_RUN, default="ratings")
    if not sheet.records:
        raise InputError(f"{path}: the workbook's first sheet is empty; it needs a header "
                         f"row ({', '.join(REQUIRED)}) and one row per rating.")
    if sheet.lost:
        c = sheet.lost[0]
        what = ("a formula without a calculated value" if c.problem == "formula_without_value"
                else "a merged cell")
        raise InputError(f"{path}: row {c.min_row}: column {c.min_col} is {what}, so its "
                         "value is not in the file. Open the workbook in Excel and save it "
                         "again (formulas are then calculated), or unmerge the cells.")
    header = ["" if v is None else str(v) for v in sheet.records[0]]
    rows = [(sheet.first_row + k, ["" if v is None else v for v in cells])
            for k, cells in enumerate(sheet.records[1:], start=1)]
    return header, iter(rows)


def _header(path: Path, header: Sequence[str]) -> tuple[dict[str, int], list[str]]:
    names = [str(h).strip().lower() for h in header]
    index: dict[str, int] = {}
    for k, name in enumerate(names):
        if not name:
            continue
        if name in index:
            raise InputError(f"{path}: row 1: the column {name!r} appears twice. Keep one.")
        index[name] = k
    missing = [c for c in REQUIRED if c not in index]
    if missing:
        found = ", ".join(n for n in names if n) or "none"
        raise InputError(
            f"{path}: row 1: missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (found: {found}). The ratings need the columns "
            f"{', '.join(REQUIRED)}; optional: {', '.join(OPTIONAL)}."
        )
    ignored = [n for n in names if n and n not in REQUIRED + OPTIONAL]
    return index, ignored


# ---- checking cells -------------------------------------------------------------------------
def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rating(value: Any, where: str, column: str, scale: RatingScale) -> float:
    if isinstance(value, str):
        s = value.strip()
        if s.lower() in _MISSING:
            return math.nan
        try:
            x = float(s.replace(",", ".")) if s.count(",") == 1 and "." not in s else float(s)
        except ValueError:
            raise InputError(
                f"{where}: {column} {s!r} is not a number. Give a whole number "
                f"{scale.min}-{scale.max}, or leave the cell empty for no rating."
            ) from None
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{where}: {column} {value!r} is not a number. Give a whole number "
                         f"{scale.min}-{scale.max}, or leave the cell empty for no rating.")
    else:
        x = float(value)
    if not math.isfinite(x):
        raise InputError(f"{where}: {column} {value!r} is not a rating. Give a whole number "
                         f"{scale.min}-{scale.max}, or leave the cell empty for no rating.")
    if not x.is_integer() or not scale.min <= x <= scale.max:
        shown = int(x) if x.is_integer() else x
        raise InputError(
            f"{where}: {column} {shown} is outside the scale: ratings are whole numbers "
            f"{scale.min}-{scale.max}. Correct it; if the panel used another scale, set "
            "scale.min/max in a rules file (--rules)."
        )
    return x


def _round(value: Any, where: str) -> int:
    s = _text(value)
    try:
        x = float(s)
    except ValueError:
        x = math.nan
    if not (math.isfinite(x) and x.is_integer() and x >= 1):
        raise InputError(f"{where}: round {s!r} is not a round number; rounds are whole "
                         "numbers 1, 2, 3 ...")
    return int(x)


def ratings_from_rows(rows: Iterable[tuple[int, Sequence[Any]]], header: Sequence[str],
                      source: str, scale: RatingScale, clarity: RatingScale | None = None,
                      items: Sequence[str] | None = None,
                      item_source: str = "the item list") -> tuple[pd.DataFrame, list[str]]:
    """Check one file's rows; return its canonical frame and its ignored columns.

    Parameters
    ----------
    rows : iterable of (row number, cells)
    header : sequence of str
    source : str
        The file's name, for messages and the ``source`` column.
    scale, clarity : RatingScale
        Valid relevance and clarity ratings (clarity defaults to ``scale``).
    items : sequence of str, optional
        The known item ids; an item not among them is an error.
    item_source : str
        What ``items`` came from, for the message (e.g. "the bank instrument/bank").

    Examples
    --------
    >>> from lospw.instrument.delphi.rules import load_rules
    >>> s = load_rules().scale
    >>> frame, _ = ratings_from_rows([(2, ["1", "p1", "A", "4"])],
    ...                              ["round", "panelist", "item", "relevance"], "f.csv", s)
    >>> frame[["round", "panelist", "item", "relevance"]].to_dict("records")
    [{'round': 1, 'panelist': 'p1', 'item': 'A', 'relevance': 4.0}]
    >>> ratings_from_rows([(2, ["1", "p1", "A", "5"])],
    ...                   ["round", "panelist", "item", "relevance"], "f.csv", s)
    Traceback (most recent call last):
    ...
    lospw.analysis.core.errors.InputError: f.csv: row 2: relevance 5 is outside the scale: ratings are whole numbers 1-4. Correct it; if the panel used another scale, set scale.min/max in a rules file (--rules).
    """
    path = Path(source)
    index, ignored = _header(path, header)
    clarity = clarity or scale
    known = set(items) if items is not None else None
    width = len(header)
    out: dict[str, list[Any]] = {c: [] for c in COLUMNS}
    for number, cells in rows:
        cells = list(cells)
        if not any(_text(c) for c in cells):
            continue  # a blank line holds no rating
        where = f"{source}: row {number}"
        while len(cells) > width and _text(cells[-1]) == "":
            cells.pop()
        if len(cells) > width:
            raise InputError(f"{where}: {len(cells)} cells but the header has {width} columns."
                             " Quote cells that contain the delimiter, or remove the extra "
                             "cells.")
        cells += [""] * (width - len(cells))

        def cell(name: str, cells: list[Any] = cells) -> Any:
            return cells[index[name]] if name in index else ""

        rnd = _round(cell("round"), where)
        panelist = _text(cell("panelist"))
        if not panelist:
            raise InputError(f"{where}: the panelist is empty. Give every rating its "
                             "panelist's id.")
        item = _text(cell("item"))
        if not item:
            raise InputError(f"{where}: the item is empty. Give every rating its item id.")
        if known is not None and item not in known:
            raise InputError(f"{where}: unknown item {item!r}: it is not in {item_source}. "
                             "Correct the id, or rate only items of the bank.")
        group = _text(cell("group"))
        if "group" in index and not group:
            raise InputError(f"{where}: the group is empty. Give the panelist's stakeholder "
                             "group in every row, or remove the group column.")
        out["source"].append(source)
        out["row"].append(int(number))
        out["round"].append(rnd)
        out["panelist"].append(panelist)
        out["group"].append(group)
        out["item"].append(item)
        out["relevance"].append(_rating(cell("relevance"), where, "relevance", scale))
        out["clarity"].append(_rating(cell("clarity"), where, "clarity", clarity)
                              if "clarity" in index else math.nan)
        out["comment"].append(" ".join(_text(cell("comment")).split()))
    frame = pd.DataFrame(out)
    frame = frame.astype({"row": "int64", "round": "int64", "relevance": "float64",
                          "clarity": "float64"})
    for c in ("source", "panelist", "group", "item", "comment"):
        frame[c] = frame[c].astype(object)
    return frame, [f"{source}: {c}" for c in ignored]


def _check_panel(frame: pd.DataFrame) -> None:
    key = ["round", "panelist", "item"]
    dup = frame.duplicated(key, keep=False)
    if dup.any():
        first = frame[dup].iloc[0]
        same = frame[dup & (frame["round"] == first["round"])
                     & (frame["panelist"] == first["panelist"])
                     & (frame["item"] == first["item"])]
        a, b = same.iloc[0], same.iloc[1]
        raise InputError(
            f"{b['source']}: row {b['row']}: duplicate rating: panelist {b['panelist']!r} "
            f"rated item {b['item']!r} in round {b['round']} already in {a['source']} row "
            f"{a['row']}. Keep one of the two rows."
        )
    seen: dict[str, tuple[str, str, int]] = {}
    for src, row, panelist, group in frame[["source", "row", "panelist", "group"]].itertuples(
            index=False):
        if panelist in seen and seen[panelist][0] != group:
            g0, s0, r0 = seen[panelist]
            raise InputError(
                f"{src}: row {row}: panelist {panelist!r} is in group {group!r} here but in "
                f"group {g0!r} in {s0} row {r0}. Give each panelist one group."
            )
        seen.setdefault(panelist, (group, src, row))


def read_ratings(paths: str | Path | Sequence[str | Path], scale: RatingScale,
                 clarity: RatingScale | None = None, items: Sequence[str] | None = None,
                 item_source: str = "the item list") -> Ratings:
    """Read and check one or more ratings files (CSV, TSV or XLSX) as one panel.

    Parameters
    ----------
    paths : path or sequence of paths
        CSV files (comma, semicolon or tab separated; UTF-8, else Windows-1252) or XLSX
        workbooks (the sheet named ``ratings``, else the first sheet).
    scale, clarity : RatingScale
        The valid relevance and clarity ratings (from the rules).
    items : sequence of str, optional
        The known item ids (the bank's); None accepts any id.
    item_source : str
        What the item list is, for messages.

    Returns
    -------
    Ratings

    Raises
    ------
    InputError
        One line naming the file and row: see the module docstring for the checks.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    if not paths:
        raise InputError("No ratings files given. Name at least one CSV or XLSX file.")
    frames: list[pd.DataFrame] = []
    ignored: list[str] = []
    has_group = has_clarity = False
    for p in paths:
        path = Path(p)
        if not path.is_file():
            raise InputError(f"{path}: no such file. Check the path.")
        suffix = path.suffix.lower()
        if suffix in _XLSX_SUFFIXES:
            header, rows = _read_xlsx(path)
        elif suffix in _TEXT_SUFFIXES:
            header, rows = _read_text(path)
        else:
            raise InputError(f"{path}: unknown file type {suffix or '(none)'!r}; give the "
                             "ratings as .csv, .tsv or .xlsx.")
        names = {str(h).strip().lower() for h in header}
        has_group |= "group" in names
        has_clarity |= "clarity" in names
        frame, ign = ratings_from_rows(rows, header, str(p), scale, clarity, items,
                                       item_source)
        if frame.empty:
            raise InputError(f"{path}: no ratings below the header. Add one row per rating.")
        frames.append(frame)
        ignored += ign
    frame = pd.concat(frames, ignore_index=True)
    if has_group and (frame["group"] == "").any():
        bad = frame[frame["group"] == ""].iloc[0]
        raise InputError(
            f"{bad['source']}: row {bad['row']}: no group column in this file, but other "
            "files give groups. Add the group column to every file, or to none."
        )
    _check_panel(frame)
    order = list(dict.fromkeys(frame["item"]))
    if items is not None:
        rank = {i: k for k, i in enumerate(items)}
        order.sort(key=lambda i: rank[i])
    for name in ignored:
        log.info("ignored column %s", name)
    return Ratings(frame=frame, sources=tuple(str(p) for p in paths), has_group=has_group,
                   has_clarity=has_clarity, ignored_columns=tuple(ignored),
                   items=tuple(order))
