"""Reading survey exports into a raw table: CSV / text, XLSX and SPSS ``.sav``.

This module knows file formats and nothing about keys. :func:`read_table` turns a file into a
:class:`RawTable`: the header and the data rows with their cells untouched (text stays text,
numbers stay numbers, an empty cell is ``None``), plus what was detected on the way
(format, encoding, delimiter, decimal mark) and, for SPSS files, the value labels, variable
labels and declared missing values. :mod:`lospw.analysis.intake.responses` checks the table against a key.

Detection rules (each can be overridden):

* **format** from the file's first bytes, not its name: ``PK`` (a zip) is XLSX, ``$FL2`` /
  ``$FL3`` is SPSS, anything else is text. An old binary ``.xls`` is refused with the fix.
* **encoding**: a byte-order mark decides (UTF-8 with BOM, UTF-16); UTF-16 without one is
  recognised by its zero bytes; otherwise UTF-8 if the bytes are valid UTF-8, else
  Windows-1252 (cp1252, what Dutch Excel writes), else an error.
* **delimiter**: of ``;``, ``,``, tab and ``|``, the one whose header has more than one field
  and that gives the most rows with the header's field count.
* **decimal mark**: ``,`` when more number-like cells look like ``3,5`` than like ``3.5``.

Every data row is kept, in order, numbered from 1 (the header is not counted; in a spreadsheet
data row *k* is line *k* + 1). Blank lines at the very end are dropped and counted in the
notes; a row with more non-empty fields than the header is reported in ``malformed`` (the
intake then excludes it with its reason); a shorter row is padded with empty cells and counted.
A row that spans several physical lines (a quoted cell with line breaks) is noted with its
line numbers, and refused when the lines it swallowed look like rows of their own (a quote
left open). Header names are read in Unicode NFC.

Work is bounded by the data, not by what a file declares (issue 17): :data:`MAX_FILE_BYTES`,
:data:`MAX_ROWS`, :data:`MAX_CELLS`, :data:`MAX_CELL_CHARS` and :data:`MAX_BLANK_RUN` are
refused in one line; XLSX sheets are streamed (:mod:`lospw.analysis.intake.xlsx_reader`).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import itertools
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.core.errors import InputError
from lospw.analysis.intake.text_columns import RegularText, TextColumn, split_regular
from lospw.analysis.intake.xlsx_reader import LostCells, read_sheet

__all__ = ["DELIMITERS", "MAX_BLANK_RUN", "MAX_CELLS", "MAX_CELL_CHARS", "MAX_FILE_BYTES",
           "MAX_ROWS", "LostCells",
           "RawTable", "frame_to_table", "read_table", "table_from_rows"]

log = logging.getLogger(__name__)

DELIMITERS = (";", ",", "\t", "|")
_DELIM_NAMES = {";": "';'", ",": "','", "\t": "tab", "|": "'|'"}
_COMMA_NUMBER = re.compile(r"^[+-]?\d+,\d+$")
_DOT_NUMBER = re.compile(r"^[+-]?\d*\.\d+$")
_SNIFF_LINES = 200
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")

#: The largest data file read (bytes); bigger ones are refused in one line.
MAX_FILE_BYTES = 256 * 2**20
#: The most cells (rows x columns) a table may have once read.
MAX_CELLS = 10_000_000
_SHARED_CELLS = 65_536
#: The most data rows a table may have.
MAX_ROWS = 500_000
#: The longest run of blank lines (rows) inside the data; a longer one before more data is
#: refused (a stray cell far below the data).
MAX_BLANK_RUN = 10_000
#: The longest text cell (characters) of a CSV / text file.
MAX_CELL_CHARS = 16 * 2**20


@dataclass(frozen=True)
class RawTable:
    """A table as read from a file, before any check against a key.

    Attributes
    ----------
    columns : tuple of str
        Header names (stripped; empty names become ``column<j>``; repeated names get a
        suffix ``.2``, ``.3`` ... and are listed in ``duplicate_columns``).
    data : tuple
        The cells column by column, each column as long as the table: a sequence of cells,
        ``None`` (empty), ``str`` or a number (XLSX cells may also be ``bool`` or dates), or
        for a regular text file a :class:`~lospw.analysis.intake.text_columns.TextColumn`
        (codes into the column's distinct texts). :attr:`rows` gives the rows.
    source : str
        The path as given (used in messages).
    format : str
        ``"csv"``, ``"xlsx"``, ``"sav"`` or ``"frame"``.
    encoding, delimiter : str or None
        For text files.
    decimal : str
        ``"."`` or ``","``: how text cells are read as numbers.
    sheet : str or None
        For XLSX.
    value_labels : dict
        Column -> {code: label} (SPSS).
    variable_labels : dict
        Column -> label (SPSS).
    user_missing : dict
        Column -> list of ``(lo, hi)`` ranges declared missing in the SPSS file.
    duplicate_columns : dict
        Renamed column -> original name, for repeated header names.
    malformed : dict
        Data row number -> why it cannot be read (e.g. more fields than the header). The
        reason names positions and counts, never the content of the cells.
    notes : tuple of str
        What the reader detected or changed.
    lost_cells : tuple of LostCells
        XLSX: ranges of cells (data row numbers, 1-based column positions) that Excel shows
        but the file does not hold a value for: formulas never calculated, merged cells.
    """

    columns: tuple[str, ...]
    data: tuple[Sequence[Any] | TextColumn, ...]
    source: str
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str = "."
    sheet: str | None = None
    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    variable_labels: dict[str, str] = field(default_factory=dict)
    user_missing: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    duplicate_columns: dict[str, str] = field(default_factory=dict)
    malformed: dict[int, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    lost_cells: tuple[LostCells, ...] = ()

    @property
    def n_rows(self) -> int:
        return len(self.data[0]) if self.data else 0

    @property
    def rows(self) -> tuple[tuple[Any, ...], ...]:
        """The data rows, each as long as ``columns`` (built on each call)."""
        return tuple(zip(*map(self.cells, range(len(self.data))), strict=True))

    def cells(self, j: int) -> list[Any]:
        """The cells of column ``j`` (0-based), in row order."""
        d = self.data[j]
        return d.cells() if isinstance(d, TextColumn) else list(d)

    def column(self, name: str) -> list[Any]:
        """The cells of one column, in row order."""
        return self.cells(self.columns.index(name))

    def cell(self, k: int, j: int) -> Any:
        """The cell of row ``k``, column ``j`` (both 0-based)."""
        d = self.data[j]
        return d.cell(k) if isinstance(d, TextColumn) else d[k]

    def row(self, k: int) -> tuple[Any, ...]:
        """Row ``k`` (0-based)."""
        return tuple(self.cell(k, j) for j in range(len(self.data)))

    def read_info(self) -> dict[str, Any]:
        """How the file was read (for the intake summary)."""
        return {"format": self.format, "encoding": self.encoding,
                "delimiter": self.delimiter, "decimal": self.decimal, "sheet": self.sheet}


def _clean(cell: Any) -> Any:
    """Empty or blank text -> None; NaN -> None; other cells unchanged."""
    if cell is None:
        return None
    if isinstance(cell, str):
        return cell if cell.strip() else None
    if isinstance(cell, float) and cell != cell:
        return None
    try:
        if cell is pd.NA or cell is pd.NaT or (not isinstance(cell, (list, tuple, dict))
                                               and bool(pd.isna(cell))):
            return None
    except (TypeError, ValueError):
        pass
    return cell


#: distinct texts whose cleaned value :class:`_CleanText` remembers
_CLEAN_MEMO = 100_000


class _CleanText(dict):
    """Text cell -> :func:`_clean` of it, remembered for up to :data:`_CLEAN_MEMO` texts: a
    text file repeats a few answer codes millions of times, and ``map`` over this dict's
    lookup cleans a row without a Python call per cell."""

    def __missing__(self, cell: Any) -> Any:
        value = _clean(cell)
        if cell.__class__ is str and len(self) < _CLEAN_MEMO:
            self[cell] = value
        return value


def _is_blank(row: list[Any] | tuple[Any, ...]) -> bool:
    return all(_clean(c) is None for c in row)


def table_from_rows(header: list[Any], records: list[list[Any]], *, source: str, fmt: str,
                    notes: list[str] | None = None, drop_trailing_blank: bool = True,
                    **info: Any) -> RawTable:
    """Build a :class:`RawTable` from a header and records (the shared last step of readers).

    Normalises the header (names stripped and in Unicode NFC form, blanks named, repeats
    renamed), drops blank rows at the end (counted), pads short rows and reports rows with
    extra non-empty fields. Refuses a table of more than :data:`MAX_CELLS` cells.

    Examples
    --------
    >>> t = table_from_rows(["id", "a", "a"], [["1", "2", "3"], ["2", "4"], [None, ""]],
    ...                     source="x.csv", fmt="csv")
    >>> t.columns, t.rows, t.duplicate_columns
    (('id', 'a', 'a.2'), (('1', '2', '3'), ('2', '4', None)), {'a.2': 'a'})
    >>> t.notes
    ('1 blank line(s) after the last data row ignored', "column name 'a' appears 2 times; the repeats are called a.2", '1 row(s) have fewer fields than the header; the missing cells are empty')
    """
    notes = list(notes or [])
    names, dups, header_notes = _header_names(header, source)
    # blank rows at the end are not data
    end = len(records)
    while drop_trailing_blank and end > 0 and _is_blank(records[end - 1]):
        end -= 1
    if end < len(records):
        notes.append(f"{len(records) - end} blank line(s) after the last data row ignored")
    width = len(names)
    _check_cells(end, width, source)
    rows: list[tuple[Any, ...]] = []
    malformed: dict[int, str] = {}
    short = 0
    clean = _CleanText().__getitem__ if fmt == "csv" else _clean  # csv: every cell is text
    for k, rec in enumerate(records[:end], start=1):
        cells = list(map(clean, rec))
        if len(cells) > width:
            extra = [j for j, c in enumerate(cells[width:], start=width + 1) if c is not None]
            if extra:
                # positions only: the cells may hold anything (an e-mail address ...)
                malformed[k] = (
                    f"{len(cells)} fields but the header has {width}; {len(extra)} extra "
                    f"non-empty field(s), at position(s) "
                    f"{', '.join(map(str, extra[:5]))}{' ...' if len(extra) > 5 else ''}"
                )
            cells = cells[:width]
        elif len(cells) < width:
            if fmt == "csv" and not _is_blank(cells):  # a sheet stores no trailing blanks
                short += 1
            cells = cells + [None] * (width - len(cells))
        rows.append(tuple(cells))
    notes.extend(header_notes)
    if short:
        notes.append(f"{short} row(s) have fewer fields than the header; the missing cells "
                     "are empty")
    if malformed:
        notes.append(f"{len(malformed)} row(s) have more fields than the header")
    data = tuple(zip(*rows, strict=True)) if rows else tuple(() for _ in names)
    return RawTable(columns=tuple(names), data=data, source=source, format=fmt,
                    duplicate_columns=dups, malformed=malformed, notes=tuple(notes), **info)


def _check_cells(n_rows: int, width: int, source: str) -> None:
    if width * n_rows > MAX_CELLS:
        raise InputError(
            f"{source}: the table has {n_rows:,} rows x {width:,} columns, more than the "
            f"{MAX_CELLS:,} cells lospw reads. Keep only the columns needed, or split the file."
        )


def _header_names(header: Sequence[Any], source: str
                  ) -> tuple[list[str], dict[str, str], list[str]]:
    """The column names of a header (stripped, in NFC, blanks named, repeats renamed), the
    renamed repeats (new name -> name) and the notes saying so."""
    if not header or _is_blank(header):
        raise InputError(
            f"{source}: the first row (the header) is empty. Put the column names in the "
            "first row."
        )
    notes: list[str] = []
    names: list[str] = []
    seen: Counter[str] = Counter()
    dups: dict[str, str] = {}
    blank_names = 0
    for j, raw in enumerate(header, start=1):
        name = "" if raw is None else unicodedata.normalize("NFC", str(raw)).strip()
        if isinstance(raw, float) and raw.is_integer():
            name = str(int(raw))
        if not name:
            name = f"column{j}"
            blank_names += 1
        seen[name] += 1
        if seen[name] > 1:
            new = f"{name}.{seen[name]}"
            taken = {str(h).strip() for h in header if h is not None}
            while new in taken or new in names:
                new += "_"
            dups[new] = name
            name = new
        names.append(name)
    if blank_names:
        notes.append(f"{blank_names} column(s) without a name were called column<number>")
    for name in sorted(set(dups.values())):
        notes.append(f"column name {name!r} appears {seen[name]} times; the repeats are called "
                     + ", ".join(k for k, v in dups.items() if v == name))
    return names, dups, notes


# -- text ---------------------------------------------------------------------------------
def _decode(data: bytes, source: str, encoding: str | None) -> tuple[str, str]:
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(
                f"The 'encoding' option must name a text encoding such as 'utf-8' or "
                f"'cp1252'; got {encoding!r}."
            ) from None
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{source}: cannot be decoded as {encoding} (byte {exc.start}). Check the "
                "encoding, or leave it out to detect it."
            ) from None
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            return utf16
        raise InputError(
            f"{source}: not a text table (the file holds binary data). Give a CSV, XLSX or "
            "SPSS .sav file."
        )
    for enc in ("utf-8", "cp1252"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise InputError(
        f"{source}: unknown text encoding (neither UTF-8 nor Windows-1252). Save the file as "
        "'CSV UTF-8' or pass the encoding (--encoding)."
    )


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 text without a byte-order mark: every other byte of ASCII text is zero."""
    head = data[:4096]
    if len(data) % 2 or len(head) < 4:
        return None
    zeros_even = head[0::2].count(0) / (len(head) // 2)
    zeros_odd = head[1::2].count(0) / (len(head) // 2)
    enc = ("utf-16-le" if zeros_odd > 0.5 and zeros_even < 0.1 else
           "utf-16-be" if zeros_even > 0.5 and zeros_odd < 0.1 else None)
    if enc is None:
        return None
    try:
        text = data.decode(enc)
    except UnicodeDecodeError:
        return None
    return (None if "\x00" in text else (text, enc))


@contextlib.contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    old = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _lines(text: str) -> Iterator[str]:
    """The physical lines of ``text`` with their ends (CR, LF or CRLF), one at a time (an
    ``io.StringIO`` would copy the whole text, at four bytes per character)."""
    for m in _LINE.finditer(text):
        yield m.group()


def _reader(text: str, delimiter: str) -> Any:
    return csv.reader(_lines(text), delimiter=delimiter, quotechar='"', doublequote=True,
                      skipinitialspace=False, strict=False)


def _parse(text: str, delimiter: str, limit: int) -> list[list[str]]:
    """The first ``limit`` records of ``text`` (for sniffing)."""
    out: list[list[str]] = []
    with _field_limit(MAX_CELL_CHARS):
        for rec in _reader(text, delimiter):
            out.append(rec)
            if len(out) >= limit:
                break
    return out


def _blank_text(rec: list[str]) -> bool:
    return not any(map(str.strip, rec))


def _records(text: str, delimiter: str, source: str) -> tuple[list[list[str]], list[int], int]:
    """Parse ``text`` into records, bounded by the data.

    Returns the records from the header on, the physical line on which each ends, and the
    number of blank lines after the last data row (not kept). Blank lines before the header
    are skipped; a run of blank lines inside the data is kept (each is an empty row) unless
    it is longer than :data:`MAX_BLANK_RUN` (refused: a stray line far below the data);
    more than :data:`MAX_ROWS` rows or :data:`MAX_CELLS` cells are refused.
    """
    reader = _reader(text, delimiter)
    records: list[list[str]] = []
    ends: list[int] = []
    blank_ends: list[int] = []
    n_blank = first_blank = cells = 0
    # repeated cells (answer codes, labels) share one string object: a table of a million
    # "1"s or "ab"s then costs pointers, not strings; the cache itself is bounded
    shared: dict[str, str] = {}
    with _field_limit(MAX_CELL_CHARS):
        try:
            for rec in reader:
                if len(shared) < _SHARED_CELLS:
                    rec = list(map(shared.setdefault, rec, rec))
                else:
                    rec = list(map(shared.get, rec, rec))
                if _blank_text(rec):
                    if records:
                        first_blank = first_blank or reader.line_num
                        n_blank += 1
                        blank_ends.append(reader.line_num)
                        if n_blank > MAX_BLANK_RUN and not rec:
                            # blank lines at the end were cut off before: more lines follow
                            raise InputError(
                                f"{source}: lines {first_blank:,}-{reader.line_num:,} and "
                                "more are blank, and lines with data follow them. Delete "
                                "the blank lines (or the stray line far below the data).")
                    continue
                if n_blank > MAX_BLANK_RUN:
                    raise InputError(
                        f"{source}: lines {first_blank:,}-{reader.line_num - 1:,} are blank "
                        f"({n_blank:,} lines) and line {reader.line_num:,} holds data again. "
                        "Delete the blank lines (or the stray line far below the data).")
                records.extend([] for _ in blank_ends)
                ends.extend(blank_ends)
                records.append(rec)
                ends.append(reader.line_num)
                cells += len(rec) + len(blank_ends)
                blank_ends, n_blank, first_blank = [], 0, 0
                if len(records) > MAX_ROWS + 1 or cells > MAX_CELLS:
                    what = (f"more than {MAX_ROWS:,} rows" if len(records) > MAX_ROWS + 1
                            else f"more than {MAX_CELLS:,} cells")
                    raise InputError(
                        f"{source}: the table has {what} (at line {reader.line_num:,}); "
                        "lospw reads at most that. Keep only the rows and columns needed, "
                        "or split the file.")
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise InputError(
                    f"{source}: line {reader.line_num:,} holds a cell of more than "
                    f"{MAX_CELL_CHARS:,} characters (an unclosed quote?); lospw reads cells "
                    "up to that size. Shorten the cell or close the quote.") from None
            raise InputError(f"{source}: cannot be read as a delimited table ({exc}). Check "
                             "that it is a CSV file.") from None
    return records, ends, n_blank


def _check_spans(records: list[list[str]], ends: list[int], text: str, delimiter: str,
                 source: str, notes: list[str]) -> None:
    """Compare physical lines with records: a record over several lines is noted (a quoted
    cell with line breaks) or, when the lines it swallowed look like rows of their own (a
    quote opened and not closed in time), refused with the line numbers."""
    starts = [1] + [e + 1 for e in ends[:-1]]
    multi = [(k, a, b) for k, (a, b) in enumerate(zip(starts, ends, strict=True)) if b > a]
    if not multi:
        return
    width = len(records[0]) if records else 0
    # the lines each record swallowed (its first 50), parsed on their own
    wanted = {n for k, a, b in multi[:1000] if k for n in range(a + 1, min(b, a + 50) + 1)}
    lines = {n: line for n, line in enumerate(_lines(text), start=1) if n in wanted} if (
        width >= 3) else {}
    for k, a, b in multi[:1000]:
        if not lines or k == 0:
            continue
        swallowed = [n for n in range(a + 1, min(b, a + 50) + 1) if len(next(
            csv.reader([lines[n]], delimiter=delimiter, strict=False), [])) == width]
        if swallowed:
            col = next((j for j, c in enumerate(records[k]) if "\n" in c or "\r" in c), 0)
            name = str(records[0][col]).strip() if col < width else f"column{col + 1}"
            raise InputError(
                f"{source}: lines {a}-{b} were read as one row: a quote (\") opened in "
                f"column {name!r} on line {a} is closed only on line {b}, and line "
                f"{swallowed[0]} in it looks like a row of its own. Close or remove the "
                f"quote on line {a} (write a quote inside a cell as \"\").")
    shown = ", ".join(f"row {k} (lines {a}-{b})" for k, a, b in multi[:5] if k)
    n_rows = sum(1 for k, _, _ in multi if k)
    if n_rows:
        notes.append(f"{n_rows} row(s) span several lines (quoted cells with line breaks): "
                     f"{shown}{' ...' if n_rows > 5 else ''}")


def _sniff_delimiter(text: str) -> str:
    best: tuple[int, int, int] | None = None
    choice = ","
    for d in DELIMITERS:
        try:
            recs = [r for r in _parse(text, d, _SNIFF_LINES) if r]
        except csv.Error:
            continue
        if not recs:
            continue
        # a title line above the header (one field) does not decide the delimiter
        first = next((k for k, r in enumerate(recs) if len(r) > 1), 0)
        width = len(recs[first])
        matches = sum(len(r) == width for r in recs[first + 1:])
        score = (int(width > 1), matches, width)
        if best is None or score > best:
            best, choice = score, d
    return choice


def _sniff_decimal(cells: Iterable[Any]) -> tuple[str, int, int]:
    return _decimal_of(Counter(cells).items())  # each distinct cell once


def _decimal_of(counts: Iterable[tuple[Any, int]]) -> tuple[str, int, int]:
    """The decimal mark from cells and how often each occurs, with the numbers of cells
    like ``3,5`` and like ``3.5``."""
    n_comma = n_dot = 0
    for c, n in counts:
        if isinstance(c, str):
            s = c.strip()
            if _COMMA_NUMBER.match(s):
                n_comma += n
            elif _DOT_NUMBER.match(s):
                n_dot += n
    return ("," if n_comma > n_dot else "."), n_comma, n_dot


def _decimal_notes(decimal: str, n_comma: int, n_dot: int) -> list[str]:
    if n_comma and n_dot:
        return [f"mixed decimal marks: {n_comma} cell(s) like '3,5' and {n_dot} like '3.5'; "
                f"read with decimal {decimal!r} (the others are not numbers)"]
    if decimal == ",":
        return ["decimal comma detected"]
    return []


def _read_text(path: Path, source: str, encoding: str | None, delimiter: str | None,
               decimal: str | None, header_row: int | None = None) -> RawTable:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{source}: cannot be read ({exc.strerror}).") from None
    text, enc = _decode(data, source, encoding)
    del data  # only the text is needed from here on
    notes: list[str] = []
    if enc == "cp1252":
        notes.append("read as Windows-1252 (cp1252): the file is not valid UTF-8")
    elif enc in ("utf-8-sig", "utf-16"):
        notes.append(f"byte-order mark found; read as {enc}")
    elif enc in ("utf-16-le", "utf-16-be"):
        notes.append(f"read as {enc.upper()} (a text file without byte-order mark)")
    if text.startswith("\ufeff"):
        text = text[1:]
    controls = sum(ch < " " and ch not in "\t\r\n" for ch in text[:20000])
    if controls > max(2, len(text[:20000]) // 100):
        raise InputError(
            f"{source}: not a text table (it holds control characters). Give a CSV, XLSX "
            "or SPSS .sav file."
        )
    if not text or text.isspace():
        raise InputError(f"{source}: the file is empty. Give a file with a header row and "
                         "one row per respondent.")
    if delimiter is None:
        delimiter = _sniff_delimiter(text)
        if delimiter != ",":
            notes.append(f"delimiter {_DELIM_NAMES[delimiter]} detected")
    # blank lines at the end are no data: cut off before parsing (a 20 MB file of line
    # ends is then read in no time)
    body = len(text.rstrip("\r\n"))
    tail = text[body:]
    cut = tail.count("\n") + tail.count("\r") - tail.count("\r\n")
    text = text[:body]
    if READ_REGULAR:
        regular = split_regular(text, delimiter, MAX_ROWS + 1, MAX_CELLS, MAX_CELL_CHARS)
        table = None if regular is None else _read_regular(
            regular, source, notes, cut, header_row, decimal, encoding=enc,
            delimiter=delimiter)
        del regular
        if table is not None:
            return table
    records, ends, trailing = _records(text, delimiter, source)
    trailing += max(cut - 1, 0)
    if not records:
        raise InputError(f"{source}: the file is empty. Give a file with a header row and "
                         "one row per respondent.")
    _check_spans(records, ends, text, delimiter, source, notes)
    del text  # the records hold the cells now
    if trailing:
        notes.append(f"{trailing} blank line(s) after the last data row ignored")
    start = _header_index(records, ends, header_row, source, "line", notes)
    header, body = records[start], records[start + 1:]
    if decimal is None:
        decimal, n_comma, n_dot = _sniff_decimal(itertools.chain.from_iterable(body))
        notes.extend(_decimal_notes(decimal, n_comma, n_dot))
    table = table_from_rows(header, body, source=source, fmt="csv", notes=notes,
                            encoding=enc, delimiter=delimiter, decimal=decimal)
    return table


#: Read a regular text file (no quotes, every line with the same number of fields) column by
#: column with pandas' C parser (:mod:`lospw.analysis.intake.text_columns`); the csv module
#: reads the others. Both give the same table; the tests switch this off to compare them.
READ_REGULAR = True


class _Records(Sequence[list[str]]):
    """The records of a regular text from its first non-blank line, built on demand: a
    blank line is an empty record, as the csv reader's are."""

    def __init__(self, regular: RegularText, first: int, stop: int) -> None:
        self.regular, self.first, self.stop = regular, first, stop

    def __len__(self) -> int:
        return self.stop - self.first

    def __getitem__(self, k: Any) -> Any:
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        if not -len(self) <= k < len(self):
            raise IndexError(k)
        line = self.first + k % len(self)
        return [] if self.regular.blank[line] else self.regular.record(line)


def _read_regular(regular: RegularText, source: str, notes: list[str], cut: int,
                  header_row: int | None, decimal: str | None,
                  **info: Any) -> RawTable | None:
    """:func:`_read_text`'s steps after parsing, for a regular text (the same table); None
    when the csv path must decide (no data, or a long run of blank lines to refuse)."""
    filled = np.flatnonzero(~regular.blank)
    if not len(filled) or (np.diff(filled) > MAX_BLANK_RUN + 1).any():
        return None
    first, last = int(filled[0]), int(filled[-1])
    trailing = regular.n_lines - 1 - last + max(cut - 1, 0)
    if trailing:
        notes.append(f"{trailing} blank line(s) after the last data row ignored")
    records = _Records(regular, first, last + 1)
    start = _header_index(records, range(first + 1, last + 2), header_row, source, "line",
                          notes)
    top = first + start + 1  # the first data line
    if decimal is None:
        # only a cell with a comma or a point can look like a number with decimals
        decimal, n_comma, n_dot = _decimal_of(
            (t, n) for texts, counts in regular.counts(top, last + 1)
            for t, n in zip(texts.tolist(), counts.tolist(), strict=True)
            if "," in t or "." in t)
        notes.extend(_decimal_notes(decimal, n_comma, n_dot))
    names, dups, header_notes = _header_names(records[start], source)
    _check_cells(last + 1 - top, len(names), source)
    notes.extend(header_notes)
    return RawTable(columns=tuple(names), data=regular.columns(top, last + 1), source=source,
                    format="csv", decimal=decimal, duplicate_columns=dups, notes=tuple(notes),
                    **info)


#: At most this many title rows above the header are recognised without --header-row.
MAX_TITLE_ROWS = 5


def _filled(record: list[Any]) -> int:
    return sum(not (c is None or (isinstance(c, str) and not c.strip())) for c in record)


def _header_index(records: list[list[Any]], rownums: list[int], header_row: int | None,
                  source: str, unit: str, notes: list[str]) -> int:
    """Which record holds the column names.

    With ``header_row`` (1-based, as the file's line or the sheet's row number), that one;
    otherwise the first record, unless it is a title: up to :data:`MAX_TITLE_ROWS` leading
    records with at most one filled cell (and blank ones between them) are skipped when a
    record below them has three or more filled cells (a title and a blank row above the
    header, as spreadsheets often have). A note states which row was read as the header.

    Examples
    --------
    >>> notes = []
    >>> _header_index([["Survey 2026"], [], ["id", "a", "b"], ["1", "2", "3"]], [1, 2, 3, 4],
    ...               None, "x.csv", "line", notes), notes
    (2, ["line 1 ('Survey 2026') read as a title above the header; the column names are on line 3 (give --header-row to choose another)"])
    """
    if header_row is not None:
        if header_row in rownums:
            k = rownums.index(header_row)
            if not _filled(records[k]):
                raise InputError(f"{source}: --header-row {header_row}: {unit} {header_row} is "
                                 "blank. Give the number of the row with the column names.")
            if k:
                notes.append(f"column names read from {unit} {header_row} (--header-row); "
                             f"{k} {unit}(s) above it ignored")
            return k
        first = rownums[0] if rownums else 1
        where = ("above the first non-blank one" if header_row < first
                 else "beyond the data" if header_row > rownums[-1] else "blank")
        raise InputError(f"{source}: --header-row {header_row}: {unit} {header_row} is {where} "
                         f"(the table starts on {unit} {first}). Give the number of the row "
                         "with the column names.")
    k = 0
    limit = min(len(records) - 1, MAX_TITLE_ROWS + MAX_TITLE_ROWS)
    while k < limit and _filled(records[k]) <= 1:
        k += 1
    titles = sum(_filled(r) > 0 for r in records[:k])
    if k == 0 or _filled(records[k]) < 3 or titles > MAX_TITLE_ROWS:
        return 0
    title = next(str(c).strip() for r in records[:k] for c in r
                 if c is not None and str(c).strip())
    notes.append(f"{unit} {rownums[0]} ({title[:40]!r}) read as a title above the header; "
                 f"the column names are on {unit} {rownums[k]} (give --header-row to choose "
                 "another)")
    return k


# -- XLSX ---------------------------------------------------------------------------------
def _read_xlsx(path: Path, source: str, sheet: str | None, decimal: str | None,
               header_row: int | None = None) -> RawTable:
    found = read_sheet(path, source, sheet, max_cells=MAX_CELLS, max_rows=MAX_ROWS + 1,
                       max_blank_run=MAX_BLANK_RUN)
    notes = list(found.notes)
    others = [n for n in found.sheet_names if n != found.name]
    if others:
        notes.insert(0, f"read sheet {found.name!r} of {len(found.sheet_names)}")
    if not found.records:
        fix = (f"Name the sheet that holds the data (--sheet); the others are "
               f"{', '.join(others)}." if others else
               "Put a header row and one row per respondent in it.")
        raise InputError(f"{source}: sheet {found.name!r} is empty. {fix}")
    rows = [found.first_row + k for k in range(len(found.records))]
    start = _header_index(found.records, rows, header_row, source, "row", notes)
    header, body = found.records[start], found.records[start + 1:]
    if decimal is None:
        decimal, n_comma, n_dot = _sniff_decimal(itertools.chain.from_iterable(body))
        notes.extend(_decimal_notes(decimal, n_comma, n_dot))
    # sheet coordinates -> data row numbers (the header is row 0) and column positions
    top = rows[start]
    lost = tuple(LostCells(c.problem, c.min_row - top, c.min_col, c.max_row - top, c.max_col)
                 for c in found.lost if c.max_row >= top)
    return table_from_rows(header, body, source=source, fmt="xlsx", notes=notes,
                           decimal=decimal, sheet=found.name, lost_cells=lost)


# -- SPSS ---------------------------------------------------------------------------------
def _read_sav(path: Path, source: str) -> RawTable:
    import pyreadstat  # imported here: only SPSS users pay for it

    def unreadable(exc: Exception) -> InputError:
        return InputError(
            f"{source}: cannot be read as an SPSS .sav file ({' '.join(str(exc).split())[:120]}). "
            "Save it again from SPSS, or export it as CSV.")

    # the header declares the size; the data are read only up to the cell limit
    try:
        _, head = pyreadstat.read_sav(str(path), metadataonly=True)
    except Exception as exc:  # readstat failures: the file is unreadable
        raise unreadable(exc) from None
    n_cols = max(int(head.number_columns or 0), 1)
    max_rows = MAX_CELLS // n_cols
    declared = head.number_rows if head.number_rows is not None else -1
    if declared > max_rows:
        raise InputError(
            f"{source}: the SPSS file declares {declared:,} cases x {n_cols:,} variables, more "
            f"than the {MAX_CELLS:,} cells lospw reads. Keep only the variables needed.")
    try:
        df, meta = pyreadstat.read_sav(str(path), user_missing=True, row_limit=max_rows + 1)
    except Exception as exc:  # readstat failures: the file is unreadable
        raise unreadable(exc) from None
    if len(df) > max_rows:
        raise InputError(
            f"{source}: the SPSS file holds more than {max_rows:,} cases x {n_cols:,} "
            f"variables ({MAX_CELLS:,} cells) lospw reads. Keep only the variables needed.")
    columns = [str(c) for c in df.columns]
    records = [[_clean(v) for v in row] for row in df.itertuples(index=False, name=None)]
    value_labels = {str(c): {k: str(v) for k, v in labels.items()}
                    for c, labels in (meta.variable_value_labels or {}).items()}
    variable_labels = {str(c): str(lab) for c, lab in
                       (meta.column_names_to_labels or {}).items() if lab}
    user_missing: dict[str, list[tuple[float, float]]] = {}
    for c, ranges in (meta.missing_ranges or {}).items():
        pairs = []
        for r in ranges:
            lo, hi = r.get("lo"), r.get("hi")
            if isinstance(lo, (int, float)) and isinstance(hi, (int, float)):
                pairs.append((float(lo), float(hi)))
        if pairs:
            user_missing[str(c)] = pairs
    notes = []
    if user_missing:
        notes.append(f"{len(user_missing)} variable(s) declare SPSS user-missing values")
    if not columns:
        raise InputError(f"{source}: the SPSS file has no variables.")
    return table_from_rows(columns, records, source=source, fmt="sav", notes=notes,
                           value_labels=value_labels, variable_labels=variable_labels,
                           user_missing=user_missing)


def read_table(path: str | Path, *, sheet: str | None = None, encoding: str | None = None,
               delimiter: str | None = None, decimal: str | None = None,
               header_row: int | None = None) -> RawTable:
    """Read a CSV / text, XLSX or SPSS ``.sav`` file into a :class:`RawTable`.

    Parameters
    ----------
    path : str or Path
    sheet : str, optional
        XLSX: the sheet to read (default: the first).
    encoding : str, optional
        Text files: the encoding (default: detected; see the module docstring).
    delimiter : str, optional
        Text files: one of ``;``, ``,``, tab, ``|`` (default: detected).
    decimal : {".", ","}, optional
        The decimal mark of numbers written as text (default: detected).
    header_row : int, optional
        CSV / XLSX: the line or sheet row (from 1) holding the column names; default: the
        first non-blank one, or the first below a title (see :func:`_header_index`).

    Returns
    -------
    RawTable

    Raises
    ------
    InputError
        The file is missing, empty, not a table, in an unknown encoding, an old ``.xls``, or
        cannot be parsed; the message names the file and the fix.
    """
    p = Path(path)
    source = str(path)
    if delimiter is not None and delimiter not in DELIMITERS:
        raise InputError(
            "The 'delimiter' option must be one of ';', ',', tab, '|'; got "
            f"{delimiter!r}."
        )
    if decimal is not None and decimal not in (".", ","):
        raise InputError(f"The 'decimal' option must be one of '.', ','; got {decimal!r}.")
    if not p.exists():
        raise InputError(f"{source}: no such file. Check the path.")
    if not p.is_file():
        raise InputError(f"{source}: is not a file (a folder?). Give the data file itself.")
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(
                f"{source}: the file is {size / 2**20:,.0f} MB; lospw reads data files up to "
                f"{MAX_FILE_BYTES // 2**20} MB. Keep only the columns needed, or split it.")
        with open(p, "rb") as fh:
            data = fh.read(8)  # the format is in the first bytes; readers read the rest
    except OSError as exc:
        raise InputError(f"{source}: cannot be read ({exc.strerror}).") from None
    if not data:
        raise InputError(f"{source}: the file is empty (0 bytes). Give a file with a header "
                         "row and one row per respondent.")
    suffix = p.suffix.lower()
    if data.startswith(b"PK\x03\x04"):
        if suffix == ".sav":
            raise InputError(f"{source}: named .sav but it is a zip file (an .xlsx?). "
                             "Rename it or export it again.")
        table = _read_xlsx(p, source, sheet, decimal, header_row)
    elif data.startswith((b"$FL2", b"$FL3")):
        table = _read_sav(p, source)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(f"{source}: an old binary Excel (.xls) or other OLE file, which is "
                         "not supported. Save it as .xlsx or CSV.")
    elif data.startswith(b"%PDF"):
        raise InputError(f"{source}: a PDF, not a data table. Give a CSV, XLSX or SPSS .sav "
                         "file.")
    else:
        if suffix in (".xlsx", ".xlsm"):
            raise InputError(f"{source}: named {suffix} but it is not an Excel workbook. Save "
                             "it again from Excel, or rename it if it is a CSV file.")
        if suffix in (".sav", ".zsav"):
            raise InputError(f"{source}: named {suffix} but it is not an SPSS file. Save it "
                             "again from SPSS.")
        table = _read_text(p, source, encoding, delimiter, decimal, header_row)
    log.debug("read %s: %d rows, %d columns", source, table.n_rows, len(table.columns))
    return table


def frame_to_table(frame: pd.DataFrame, source: str = "<frame>") -> RawTable:
    """Wrap an in-memory DataFrame as a :class:`RawTable` (cells as they are).

    Every row of the frame is a data row, blank ones at the end included.
    """
    header = [str(c) for c in frame.columns]
    records = [list(r) for r in frame.astype(object).itertuples(index=False, name=None)]
    return table_from_rows(header, records, source=source, fmt="frame",
                           drop_trailing_blank=False)
