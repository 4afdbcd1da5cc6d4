"""Reading survey exports into a raw table: CSV / text, XLSX and SPSS ``.sav``.

This module knows file formats and nothing about keys. :func:`read_table` turns a file into a
:class:`RawTable`: the header and the data rows with their cells untouched (text stays text,
numbers stay numbers, an empty cell is ``None``), plus what was detected on the way
(format, encoding, delimiter, decimal mark) and, for SPSS files, the value labels, variable
labels and declared missing values. :mod:`analysis.intake` checks the table against a key.

Detection rules (each can be overridden):

* **format** from the file's first bytes, not its name: ``PK`` (a zip) is XLSX, ``$FL2`` /
  ``$FL3`` is SPSS, anything else is text. An old binary ``.xls`` is refused with the fix.
* **encoding**: a byte-order mark decides (UTF-8 with BOM, UTF-16); otherwise UTF-8 if the
  bytes are valid UTF-8, else Windows-1252 (cp1252, what Dutch Excel writes), else an error.
* **delimiter**: of ``;``, ``,``, tab and ``|``, the one whose header has more than one field
  and that gives the most rows with the header's field count.
* **decimal mark**: ``,`` when more number-like cells look like ``3,5`` than like ``3.5``.

Every data row is kept, in order, numbered from 1 (the header is not counted; in a spreadsheet
data row *k* is line *k* + 1). Blank lines at the very end are dropped and counted in the
notes; a row with more non-empty fields than the header is reported in ``malformed`` (the
intake then excludes it with its reason); a shorter row is padded with empty cells and counted.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.errors import InputError

__all__ = ["DELIMITERS", "RawTable", "frame_to_table", "read_table", "table_from_rows"]

log = logging.getLogger(__name__)

DELIMITERS = (";", ",", "\t", "|")
_DELIM_NAMES = {";": "';'", ",": "','", "\t": "tab", "|": "'|'"}
_COMMA_NUMBER = re.compile(r"^[+-]?\d+,\d+$")
_DOT_NUMBER = re.compile(r"^[+-]?\d*\.\d+$")
_SNIFF_LINES = 200


@dataclass(frozen=True)
class RawTable:
    """A table as read from a file, before any check against a key.

    Attributes
    ----------
    columns : tuple of str
        Header names (stripped; empty names become ``column<j>``; repeated names get a
        suffix ``.2``, ``.3`` ... and are listed in ``duplicate_columns``).
    rows : tuple of tuple
        Data rows, each as long as ``columns``; cells are ``None`` (empty), ``str`` or a
        number (XLSX cells may also be ``bool`` or dates).
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
        Data row number -> why it cannot be read (e.g. more fields than the header).
    notes : tuple of str
        What the reader detected or changed.
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
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

    @property
    def n_rows(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> list[Any]:
        """The cells of one column, in row order."""
        j = self.columns.index(name)
        return [r[j] for r in self.rows]

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


def _is_blank(row: list[Any] | tuple[Any, ...]) -> bool:
    return all(_clean(c) is None for c in row)


def table_from_rows(header: list[Any], records: list[list[Any]], *, source: str, fmt: str,
                    notes: list[str] | None = None, drop_trailing_blank: bool = True,
                    **info: Any) -> RawTable:
    """Build a :class:`RawTable` from a header and records (the shared last step of readers).

    Normalises the header (names stripped, blanks named, repeats renamed), drops blank rows at
    the end (counted), pads short rows and reports rows with extra non-empty fields.

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
    if not header or _is_blank(header):
        raise InputError(
            f"{source}: the first row (the header) is empty. Put the column names in the "
            "first row."
        )
    names: list[str] = []
    seen: Counter[str] = Counter()
    dups: dict[str, str] = {}
    blank_names = 0
    for j, raw in enumerate(header, start=1):
        name = "" if raw is None else str(raw).strip()
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
    # blank rows at the end are not data
    end = len(records)
    while drop_trailing_blank and end > 0 and _is_blank(records[end - 1]):
        end -= 1
    if end < len(records):
        notes.append(f"{len(records) - end} blank line(s) after the last data row ignored")
    width = len(names)
    rows: list[tuple[Any, ...]] = []
    malformed: dict[int, str] = {}
    short = 0
    for k, rec in enumerate(records[:end], start=1):
        cells = [_clean(c) for c in rec]
        if len(cells) > width:
            extra = [c for c in cells[width:] if c is not None]
            if extra:
                malformed[k] = (
                    f"{len(cells)} fields but the header has {width}; the extra "
                    f"field(s) hold {', '.join(repr(str(c))[:30] for c in extra[:3])}"
                )
            cells = cells[:width]
        elif len(cells) < width:
            if not _is_blank(cells):
                short += 1
            cells = cells + [None] * (width - len(cells))
        rows.append(tuple(cells))
    if blank_names:
        notes.append(f"{blank_names} column(s) without a name were called column<number>")
    for name in sorted(set(dups.values())):
        notes.append(f"column name {name!r} appears {seen[name]} times; the repeats are called "
                     + ", ".join(k for k, v in dups.items() if v == name))
    if short:
        notes.append(f"{short} row(s) have fewer fields than the header; the missing cells "
                     "are empty")
    if malformed:
        notes.append(f"{len(malformed)} row(s) have more fields than the header")
    return RawTable(columns=tuple(names), rows=tuple(rows), source=source, format=fmt,
                    duplicate_columns=dups, malformed=malformed, notes=tuple(notes), **info)


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


def _parse(text: str, delimiter: str, limit: int | None = None) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                        doublequote=True, skipinitialspace=False, strict=False)
    out: list[list[str]] = []
    for rec in reader:
        out.append(rec)
        if limit is not None and len(out) >= limit:
            break
    return out


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
        width = len(recs[0])
        matches = sum(len(r) == width for r in recs[1:])
        score = (int(width > 1), matches, width)
        if best is None or score > best:
            best, choice = score, d
    return choice


def _sniff_decimal(cells: list[Any]) -> tuple[str, int, int]:
    n_comma = n_dot = 0
    for c in cells:
        if isinstance(c, str):
            s = c.strip()
            if _COMMA_NUMBER.match(s):
                n_comma += 1
            elif _DOT_NUMBER.match(s):
                n_dot += 1
    return ("," if n_comma > n_dot else "."), n_comma, n_dot


def _decimal_notes(decimal: str, n_comma: int, n_dot: int) -> list[str]:
    if n_comma and n_dot:
        return [f"mixed decimal marks: {n_comma} cell(s) like '3,5' and {n_dot} like '3.5'; "
                f"read with decimal {decimal!r} (the others are not numbers)"]
    if decimal == ",":
        return ["decimal comma detected"]
    return []


def _read_text(data: bytes, source: str, encoding: str | None, delimiter: str | None,
               decimal: str | None) -> RawTable:
    text, enc = _decode(data, source, encoding)
    notes: list[str] = []
    if enc == "cp1252":
        notes.append("read as Windows-1252 (cp1252): the file is not valid UTF-8")
    elif enc in ("utf-8-sig", "utf-16"):
        notes.append(f"byte-order mark found; read as {enc}")
    if text.startswith("\ufeff"):
        text = text[1:]
    controls = sum(ch < " " and ch not in "\t\r\n" for ch in text[:20000])
    if controls > max(2, len(text[:20000]) // 100):
        raise InputError(
            f"{source}: not a text table (it holds control characters). Give a CSV, XLSX "
            "or SPSS .sav file."
        )
    if not text.strip():
        raise InputError(f"{source}: the file is empty. Give a file with a header row and "
                         "one row per respondent.")
    if delimiter is None:
        delimiter = _sniff_delimiter(text)
        if delimiter != ",":
            notes.append(f"delimiter {_DELIM_NAMES[delimiter]} detected")
    try:
        records = _parse(text, delimiter)
    except csv.Error as exc:
        raise InputError(f"{source}: cannot be read as a delimited table ({exc}). Check that "
                         "it is a CSV file.") from None
    # leading blank lines before the header carry nothing; a header is needed
    while records and _is_blank(records[0]):
        records.pop(0)
    if not records:
        raise InputError(f"{source}: the file is empty. Give a file with a header row and "
                         "one row per respondent.")
    header, body = records[0], records[1:]
    if decimal is None:
        decimal, n_comma, n_dot = _sniff_decimal([c for r in body for c in r])
        notes.extend(_decimal_notes(decimal, n_comma, n_dot))
    table = table_from_rows(header, body, source=source, fmt="csv", notes=notes,
                            encoding=enc, delimiter=delimiter, decimal=decimal)
    return table


# -- XLSX ---------------------------------------------------------------------------------
def _read_xlsx(path: Path, source: str, sheet: str | None, decimal: str | None) -> RawTable:
    import openpyxl  # imported here: only XLSX users pay for it

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # any failure of the zip / XML parser: the file is unreadable
        raise InputError(
            f"{source}: cannot be read as an Excel .xlsx workbook ({type(exc).__name__}). "
            "Open it in Excel and save it again as .xlsx or as CSV."
        ) from None
    try:
        names = list(wb.sheetnames)
        if sheet is None:
            if not names:
                raise InputError(f"{source}: the workbook has no sheets.")
            ws = wb[names[0]]
            sheet_name = names[0]
        else:
            if sheet not in names:
                raise InputError(
                    f"{source}: no sheet {sheet!r}; the sheets are {', '.join(names)}. Name "
                    "one of them."
                )
            ws, sheet_name = wb[sheet], sheet
        try:
            records = [list(r) for r in ws.iter_rows(values_only=True)]
        except InputError:
            raise
        except Exception as exc:
            raise InputError(
                f"{source}: sheet {sheet_name!r} cannot be read ({type(exc).__name__}). Save "
                "the workbook again as .xlsx or as CSV."
            ) from None
    finally:
        wb.close()
    notes = []
    if len(names) > 1:
        notes.append(f"read sheet {sheet_name!r} of {len(names)}")
    while records and _is_blank(records[0]):
        records.pop(0)
    if not records:
        others = [n for n in names if n != sheet_name]
        fix = (f"Name the sheet that holds the data (--sheet); the others are "
               f"{', '.join(others)}." if others else
               "Put a header row and one row per respondent in it.")
        raise InputError(f"{source}: sheet {sheet_name!r} is empty. {fix}")
    header, body = records[0], records[1:]
    if decimal is None:
        decimal, n_comma, n_dot = _sniff_decimal([c for r in body for c in r])
        notes.extend(_decimal_notes(decimal, n_comma, n_dot))
    return table_from_rows(header, body, source=source, fmt="xlsx", notes=notes,
                           decimal=decimal, sheet=sheet_name)


# -- SPSS ---------------------------------------------------------------------------------
def _read_sav(path: Path, source: str) -> RawTable:
    import pyreadstat  # imported here: only SPSS users pay for it

    try:
        df, meta = pyreadstat.read_sav(str(path), user_missing=True)
    except Exception as exc:  # readstat failures: the file is unreadable
        raise InputError(
            f"{source}: cannot be read as an SPSS .sav file ({' '.join(str(exc).split())[:120]}). "
            "Save it again from SPSS, or export it as CSV."
        ) from None
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
               delimiter: str | None = None, decimal: str | None = None) -> RawTable:
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
        data = p.read_bytes()
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
        table = _read_xlsx(p, source, sheet, decimal)
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
        table = _read_text(data, source, encoding, delimiter, decimal)
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
