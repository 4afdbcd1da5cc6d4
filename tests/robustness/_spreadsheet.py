"""A spreadsheet-like reader for tests: which cells of a written table would run as formulas.

Two readings of every CSV / TSV / TXT table, and a cell is *live* in either when it starts
with ``=``, ``+``, ``-`` or ``@`` (also after leading white space) or with a tab or CR, and is
not a plain number:

1. as a quote-aware CSV reader reads it (Python's ``csv``, which keeps line breaks inside
   quoted cells), each cell also cut at its line breaks;
2. as a careless reader does, splitting the text into rows at every CR or LF - even inside
   quotes - and then reading each row with quotes.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

__all__ = ["is_live", "live_formulas"]

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?%?$")
_BREAK = re.compile(r"\r\n|\r|\n")


def is_live(cell: str) -> bool:
    """Would a spreadsheet evaluate ``cell``?"""
    if cell.startswith(("\t", "\r")):
        return True
    s = cell.strip()
    return s.startswith(("=", "+", "-", "@")) and not _NUMBER.match(s)


def _cells(text: str, sep: str) -> list[str]:
    out = []
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=sep):
        for cell in row:
            out += _BREAK.split(cell)
    for line in _BREAK.split(text):
        for row in csv.reader(io.StringIO(line, newline=""), delimiter=sep):
            out += row
    return out


def live_formulas(where: Path) -> list[str]:
    """``file: cell`` for every live cell of the tables in ``where`` (a file or a folder)."""
    paths = [where] if where.is_file() else sorted(where.rglob("*"))
    bad = []
    for path in paths:
        if path.suffix not in (".csv", ".tsv", ".txt") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8-sig")
        sep = "\t" if path.suffix in (".tsv", ".txt") else ","
        bad += [f"{path.name}: {c!r}" for c in _cells(text, sep) if is_live(c)]
    return bad
