"""Reading one sheet of an Excel ``.xlsx`` workbook as rows of cells, bounded by its data.

:func:`read_sheet` streams the sheet's XML (openpyxl's parser, read-only) and keeps only the
cells that are there: no row or column is made up to reach the sheet's declared size, so a
stray blank cell at ``XFD1048576`` costs nothing, and the work is bounded by the data:

* before anything is parsed, the workbook's parts are checked against their declared
  uncompressed sizes (a zip that unpacks to gigabytes, or to more than 100 times its packed
  size, is refused; see :data:`MAX_XML_BYTES` and :data:`MAX_STRINGS_BYTES`);
* while the sheet is read, the cells kept are counted against ``max_cells``, and the
  characters of their text against :data:`MAX_TEXT_CHARS` (one long text in Excel's
  shared-string table can fill thousands of cells: 40 KB of workbook, gigabytes of text).

It also says what Excel shows but the file does not hold as data, so nothing is dropped
silently: formula cells without a cached value (never calculated, e.g. written by a script),
the hidden parts of merged cells (only the top-left cell of a merged range holds a value),
and hidden sheets (the first sheet is read by default only if it is visible). Those cells are
returned as :class:`LostCells` ranges; :mod:`lospw.analysis.intake.responses` logs the ones in item columns.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lospw.analysis.core.errors import InputError

__all__ = ["MAX_STRINGS_BYTES", "MAX_TEXT_CHARS", "MAX_XML_BYTES", "LostCells", "Sheet",
           "read_sheet"]

#: Largest total uncompressed size of a workbook's parts that is parsed (bytes).
MAX_XML_BYTES = 512 * 2**20
#: Most characters of text the cells of a sheet may hold together (as a CSV file is read up
#: to 256 MB): shared strings are stored once but counted in every cell that shows them.
MAX_TEXT_CHARS = 256 * 2**20
#: Largest uncompressed shared-string table (bytes); openpyxl keeps it in memory.
MAX_STRINGS_BYTES = 64 * 2**20
# A workbook that unpacks to more than this many times its packed size, and to more than
# _BOMB_BYTES, is a zip bomb (deflate packs real sheets 5-20 times).
_BOMB_RATIO = 100
_BOMB_BYTES = 32 * 2**20


@dataclass(frozen=True)
class LostCells:
    """A range of cells whose value Excel shows but the file does not hold.

    Rows and columns are 1-based sheet coordinates, bounds included.
    """

    problem: str          # "formula_without_value" or "merged_cell"
    min_row: int
    min_col: int
    max_row: int
    max_col: int


@dataclass(frozen=True)
class Sheet:
    """The cells of one sheet, from its first row that holds anything.

    Attributes
    ----------
    name : str
    first_row : int
        The sheet row of ``records[0]`` (the header).
    records : list of list
        Rows in sheet order, each as long as its last non-blank cell; blank rows inside the
        data are empty lists; blank rows after the data are left out.
    lost : list of LostCells
    notes : list of str
    sheet_names : tuple of str
        Every sheet of the workbook, in order.
    """

    name: str
    first_row: int
    records: list[list[Any]]
    lost: list[LostCells] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sheet_names: tuple[str, ...] = ()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


def _check_sizes(path: Path, source: str) -> None:
    """Refuse a workbook whose parts would unpack to more than the limits."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(
            f"{source}: cannot be read as an Excel .xlsx workbook ({type(exc).__name__}). "
            "Open it in Excel and save it again as .xlsx or as CSV."
        ) from None
    total = sum(i.file_size for i in infos)
    packed = max(sum(i.compress_size for i in infos), 1)
    strings = sum(i.file_size for i in infos if i.filename.lower().endswith(
        "sharedstrings.xml"))
    if total > _BOMB_BYTES and total > _BOMB_RATIO * packed:
        raise InputError(
            f"{source}: the workbook's {packed:,} packed bytes unpack to {_mb(total)} (more "
            f"than {_BOMB_RATIO} times as much; real workbooks pack about 10 times): not read. "
            "Save the data sheet as CSV.")
    if total > MAX_XML_BYTES or strings > MAX_STRINGS_BYTES:
        what, size, limit = (("its text table", strings, MAX_STRINGS_BYTES)
                             if strings > MAX_STRINGS_BYTES else ("it", total, MAX_XML_BYTES))
        raise InputError(
            f"{source}: the workbook is {path.stat().st_size:,} bytes but {what} unpacks to "
            f"{_mb(size)} (lospw reads up to {_mb(limit)}). Save the data sheet alone as CSV."
        )


def _parser_class() -> type:
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class _Parser(WorkSheetParser):
        """openpyxl's sheet parser, marking formula cells (their cached value is read)."""

        def parse_cell(self, element: Any) -> dict[str, Any]:
            cell = super().parse_cell(element)
            cell["formula"] = element.find(FORMULA_TAG) is not None
            return cell

    return _Parser


def _pick_sheet(wb: Any, source: str, sheet: str | None, default: str | None) -> Any:
    names = list(wb.sheetnames)
    if not names:
        raise InputError(f"{source}: the workbook has no sheets.")
    if sheet is None and default in names:
        sheet = default
    if sheet is not None:
        if sheet not in names:
            raise InputError(f"{source}: no sheet {sheet!r}; the sheets are "
                             f"{', '.join(names)}. Name one of them.")
        ws = wb[sheet]
    else:
        ws = wb[names[0]]
        if ws.sheet_state != "visible":
            visible = [n for n in names if wb[n].sheet_state == "visible"]
            raise InputError(
                f"{source}: the first sheet {names[0]!r} is hidden. Name the sheet to read "
                f"(--sheet); the visible sheet(s): {', '.join(visible) or 'none'}.")
    if not hasattr(ws, "_worksheet_path"):
        raise InputError(f"{source}: sheet {ws.title!r} is a chart sheet, not a table. Name "
                         "the sheet that holds the data (--sheet).")
    return ws


def _stream(ws: Any, source: str, max_cells: int, max_rows: int,
            max_blank_run: int) -> tuple[list[list[Any]], int, dict]:
    """Rows from the first non-blank row on; blank trailing rows dropped; bounded."""
    parser_cls = _parser_class()
    wb = ws.parent
    records: list[list[Any]] = []
    first_row = 0
    pending_blank = 0
    kept = chars = 0
    info: dict[str, Any] = {"formula_cached": 0, "far": (0, 0), "lost": [], "merged": None}
    with wb._archive.open(ws._worksheet_path) as src:
        parser = parser_cls(src, ws._shared_strings, data_only=True, epoch=wb.epoch,
                            date_formats=wb._date_formats,
                            timedelta_formats=wb._timedelta_formats)
        for r, cells in parser.parse():
            last = 0
            values: dict[int, Any] = {}
            for c in cells:
                col = c["column"]
                info["far"] = (max(info["far"][0], r), max(info["far"][1], col))
                if c["formula"] and c["value"] is None:
                    # never calculated: Excel would show a value, the file holds none
                    info["lost"].append(LostCells("formula_without_value", r, col, r, col))
                    last = max(last, col)
                    continue
                info["formula_cached"] += bool(c["formula"])
                if not _blank(c["value"]):
                    values[col] = c["value"]
                    last = max(last, col)
                    if isinstance(c["value"], str):
                        chars += len(c["value"])
            if chars > MAX_TEXT_CHARS:
                raise InputError(
                    f"{source}: the cells of sheet {ws.title!r} up to row {r:,} hold more "
                    f"than {MAX_TEXT_CHARS // 2**20:,} million characters of text (a long "
                    "text repeated in many cells?); lospw reads at most that. Keep only the "
                    "columns needed (the items and an id), or shorten the texts.")
            if not last:
                if first_row:
                    pending_blank += 1
                continue
            if not first_row:
                first_row = r
            gap = r - first_row - len(records) - pending_blank
            pending_blank += max(gap, 0)
            if pending_blank > max_blank_run:
                from openpyxl.utils import get_column_letter

                raise InputError(
                    f"{source}: rows {r - pending_blank:,}-{r - 1:,} of sheet {ws.title!r} "
                    f"are blank and row {r:,} holds data again (a stray cell far below the "
                    f"data, e.g. at {get_column_letter(last)}{r}?). Delete it, or the blank "
                    "rows.")
            kept += pending_blank + last
            if len(records) + pending_blank > max_rows:
                raise InputError(
                    f"{source}: sheet {ws.title!r} has more than {max_rows:,} rows; lospw "
                    "reads at most that. Keep only the rows needed, or split the file.")
            if kept > max_cells:
                raise InputError(
                    f"{source}: sheet {ws.title!r} holds more than {max_cells:,} cells (its "
                    f"data reach row {r:,}, column {last:,}); lospw reads at most "
                    f"{max_cells:,}. Delete stray cells far from the data, or keep only the "
                    "columns needed.")
            records.extend([] for _ in range(pending_blank))
            pending_blank = 0
            row = [None] * last
            for col, v in values.items():
                row[col - 1] = v
            records.append(row)
        info["merged"] = parser.merged_cells
    return records, first_row, info


def _merged(merged: Any, first_row: int, n_rows: int) -> list[LostCells]:
    from openpyxl.utils import range_boundaries

    out = []
    for mc in getattr(merged, "mergeCell", None) or ():
        try:
            min_col, min_row, max_col, max_row = range_boundaries(mc.ref)
        except (TypeError, ValueError):
            continue
        last_row = first_row + n_rows - 1
        if max_row < first_row or min_row > last_row or (min_row == max_row
                                                         and min_col == max_col):
            continue
        # the top-left cell keeps the value; the rest of the range is empty in the file
        out.append(LostCells("merged_cell", max(min_row, first_row), min_col,
                             min(max_row, last_row), max_col))
    return out


def read_sheet(path: Path, source: str, sheet: str | None, *, max_cells: int,
               max_rows: int, max_blank_run: int, default: str | None = None) -> Sheet:
    """Read one sheet of an ``.xlsx`` workbook (see the module docstring).

    Parameters
    ----------
    path : Path
    source : str
        The file as named in messages.
    sheet : str, optional
        The sheet to read; by default ``default`` when the workbook has it, else the first
        sheet (which must be visible).
    max_cells, max_rows : int
        The most cells and rows kept (the sheet is refused beyond; the header counts as a
        row).
    max_blank_run : int
        The longest run of blank rows inside the data (a longer one is refused).
    default : str, optional

    Raises
    ------
    InputError
        The workbook cannot be read or unpacks to too much, the sheet is missing, hidden
        (when not named), a chart sheet, or holds more than ``max_cells`` cells.
    """
    import openpyxl  # imported here: only XLSX users pay for it

    _check_sizes(path, source)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # any failure of the zip / XML parser: the file is unreadable
        raise InputError(
            f"{source}: cannot be read as an Excel .xlsx workbook ({type(exc).__name__}). "
            "Open it in Excel and save it again as .xlsx or as CSV."
        ) from None
    try:
        ws = _pick_sheet(wb, source, sheet, default)
        try:
            records, first_row, info = _stream(ws, source, max_cells, max_rows,
                                               max_blank_run)
        except InputError:
            raise
        except Exception as exc:
            raise InputError(
                f"{source}: sheet {ws.title!r} cannot be read ({type(exc).__name__}). Save "
                "the workbook again as .xlsx or as CSV."
            ) from None
        sheet_names = tuple(wb.sheetnames)
    finally:
        wb.close()
    notes = []
    if ws.sheet_state != "visible":
        notes.append(f"sheet {ws.title!r} is hidden in the workbook; read as named")
    if info["formula_cached"]:
        notes.append(f"{info['formula_cached']} formula cell(s) read by their last "
                     "calculated value")
    if records:
        last_row = first_row + len(records) - 1
        width = max(len(r) for r in records)
        far_r, far_c = info["far"]
        if far_r > last_row or far_c > width:
            from openpyxl.utils import get_column_letter

            notes.append(f"blank cells beyond the data (as far as "
                         f"{get_column_letter(far_c)}{far_r}) ignored")
    lost = [c for c in info["lost"] if first_row and c.min_row >= first_row]
    lost += _merged(info["merged"], first_row, len(records)) if records else []
    return Sheet(name=ws.title, first_row=first_row, records=records, lost=lost, notes=notes,
                 sheet_names=sheet_names)
