"""Text tables column by column: a regular text split by pandas' C parser, each column as
codes into its distinct cells.

A large survey export is usually *regular*: no quotes, every line with the same number of
fields. The csv module reads it into a Python list per row and a ``str`` per cell, and the
intake then walks those cells one by one; here pandas' C parser splits the fields into one
array per column and each column becomes a :class:`TextColumn` (codes into its distinct
texts), so every later step (empty cells, the decimal mark, the verdict of each answer
code, the ids) is decided once per distinct text and spread over the rows with array
indexing.

:func:`split_regular` returns None for any text that is not regular (a quote, a line with
another number of fields, a blank line, a lone carriage return, a NUL, a byte-order mark
left in the text): :mod:`lospw.analysis.intake.readers` then reads it with the csv module.
For a regular text both give the same fields; the tests read every fixture both ways.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["RegularText", "TextColumn", "split_regular"]


@dataclass(frozen=True, eq=False)
class TextColumn:
    """A column of text cells stored once per distinct text.

    Attributes
    ----------
    codes : ndarray of intp
        Per row, the position of its cell in ``texts``; -1 for an empty cell (``None``).
    texts : ndarray of object
        The distinct non-blank texts, as read (not stripped).

    Examples
    --------
    >>> col = TextColumn(np.array([0, -1, 1, 0]), np.array(["1", " 2"], dtype=object))
    >>> col.cells(), len(col), col.cell(1)
    (['1', None, ' 2', '1'], 4, None)
    """

    codes: np.ndarray
    texts: np.ndarray

    def __len__(self) -> int:
        return len(self.codes)

    def cells(self) -> list[Any]:
        """The cells in row order (``None`` for an empty one)."""
        return np.append(self.texts, None)[self.codes].tolist()

    def cell(self, k: int) -> str | None:
        """The cell of row ``k`` (0-based)."""
        u = int(self.codes[k])
        return None if u < 0 else self.texts[u]

    def counts(self) -> np.ndarray:
        """How many rows hold each text."""
        return np.bincount(self.codes[self.codes >= 0], minlength=len(self.texts))


@dataclass(frozen=True, eq=False)
class RegularText:
    """The fields of a regular text: per column, codes into its distinct raw fields.

    Attributes
    ----------
    codes : tuple of ndarray
        Per column, per physical line, the position of the field in ``uniques``.
    uniques : tuple of ndarray
        Per column, the distinct fields as read (blank ones included).
    empty : tuple of ndarray of bool
        Per column, per distinct field: it is blank (empty or white space).
    blank : ndarray of bool
        Per line: every field is blank, as a blank line is.
    """

    codes: tuple[np.ndarray, ...]
    uniques: tuple[np.ndarray, ...]
    empty: tuple[np.ndarray, ...]
    blank: np.ndarray

    @property
    def n_lines(self) -> int:
        return len(self.blank)

    def record(self, k: int) -> list[str]:
        """The fields of line ``k`` (0-based), as the csv module reads them."""
        return [u[c[k]] for c, u in zip(self.codes, self.uniques, strict=True)]

    def columns(self, start: int, stop: int) -> tuple[TextColumn, ...]:
        """Lines ``start`` to ``stop - 1`` as :class:`TextColumn` s: blank cells empty, and
        only the texts these lines hold."""
        out = []
        for c, u, empty in zip(self.codes, self.uniques, self.empty, strict=True):
            part = c[start:stop]
            keep = (np.bincount(part, minlength=len(u)) > 0) & ~empty
            new = np.full(len(u), -1, dtype=np.intp)
            new[keep] = np.arange(int(keep.sum()))
            out.append(TextColumn(new[part], u[keep]))
        return tuple(out)

    def counts(self, start: int, stop: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Per column, the distinct fields of lines ``start`` to ``stop - 1`` and how often
        each occurs there."""
        for c, u in zip(self.codes, self.uniques, strict=True):
            n = np.bincount(c[start:stop], minlength=len(u))
            held = np.flatnonzero(n)
            yield u[held], n[held]


def _regular_width(data: bytes, delimiter: str, max_field: int) -> int:
    """The number of fields of every line of ``data``, or 0 when lines differ, a line has
    one field only or a field has more than ``max_field`` bytes."""
    buf = np.frombuffer(data, dtype=np.uint8)
    where = np.flatnonzero((buf == ord(delimiter)) | (buf == 10))
    if len(data) > max_field and np.diff(where, prepend=-1, append=len(data)).max() > max_field + 1:
        return 0
    seps = np.append(buf[where], np.uint8(10))
    del where
    n_lines = int(np.count_nonzero(seps == 10))
    if len(seps) % n_lines:
        return 0
    grid = seps.reshape(n_lines, len(seps) // n_lines)
    if grid.shape[1] < 2 or not (grid[:, -1] == 10).all() or (grid[:, :-1] == 10).any():
        return 0
    return grid.shape[1]


def split_regular(text: str, delimiter: str, max_lines: int, max_cells: int,
                  max_field: int) -> RegularText | None:
    """Split a regular text into columns, or None when it is not regular.

    Parameters
    ----------
    text : str
        The whole table, without line ends after its last line.
    delimiter : str
        One character, ASCII.
    max_lines, max_cells, max_field : int
        Larger texts (or a field of more than ``max_field`` bytes) give None: the csv module
        then refuses them with the line number.

    Returns
    -------
    RegularText or None
        None when the text holds a quote, a NUL, a carriage return that does not end a line
        (``\\r\\n``), a leading byte-order mark, a line with another number of fields than
        the first, or when every line has one field.

    Examples
    --------
    >>> reg = split_regular("id;a\\n1; 3\\n;", ";", 10, 100, 1000)
    >>> reg.record(1), reg.blank.tolist()
    (['1', ' 3'], [False, False, True])
    >>> split_regular('id,a\\n1,"3"', ",", 10, 100, 1000) is None
    True
    """
    if (not text or '"' in text or "\x00" in text or text.startswith("\ufeff")
            or text.count("\r") != text.count("\r\n")):
        return None
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: the csv module keeps it, UTF-8 cannot
        return None
    width = _regular_width(data, delimiter, max_field)
    n_lines = text.count("\n") + 1
    if not width or n_lines > max_lines or n_lines * width > max_cells:
        return None
    frame = pd.read_csv(io.BytesIO(data), sep=delimiter, header=None, dtype=object,
                        na_filter=False, quoting=csv.QUOTE_NONE, skip_blank_lines=False,
                        index_col=False, engine="c", encoding="utf-8")
    del data
    if frame.shape != (n_lines, width):  # pragma: no cover - a parser we do not know
        return None
    fields: list[np.ndarray | None] = [frame[j].to_numpy(dtype=object) for j in range(width)]
    del frame
    codes, uniques, empties = [], [], []
    blank = np.ones(n_lines, dtype=bool)
    for j in range(width):
        c, u = pd.factorize(fields[j])
        fields[j] = None  # freed column by column
        if (c < 0).any():  # pragma: no cover - na_filter=False gives no missing field
            return None
        c = c.astype(np.intp, copy=False)
        empty = np.fromiter((not t.strip() for t in u), dtype=bool, count=len(u))
        blank &= empty[c]
        codes.append(c)
        uniques.append(np.asarray(u, dtype=object))
        empties.append(empty)
    return RegularText(codes=tuple(codes), uniques=tuple(uniques), empty=tuple(empties),
                       blank=blank)
