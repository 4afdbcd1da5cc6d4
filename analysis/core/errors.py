"""Errors and warnings that lospw raises on purpose.

Every anticipated problem with user input raises a subclass of :class:`LospwError`. Its
message is one line in the house shape: what was wrong, what was given, how to fix it. The
command line prints that line and exits with status 2; anything else is a bug (exit 1).

Degenerate data that can still be analysed produce a :class:`~lospw.analysis.core.warnings.Note`
(the one warning type: code, message, context), kept in the result; :func:`warn` also
issues it as a Python :class:`LospwWarning` that carries the note itself.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

from lospw.analysis.core.warnings import Note

__all__ = [
    "InputError",
    "LospwError",
    "LospwWarning",
    "caught_notes",
    "place",
    "require_column",
    "warn",
]


class LospwError(Exception):
    """Base class of every error lospw raises on purpose (exit status 2 on the CLI)."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        # One line, always: the CLI prints it verbatim.
        super().__init__(" ".join(str(message).split()))


class InputError(LospwError, ValueError):
    """A file, table, option or value given by the user is not acceptable."""


class LospwWarning(UserWarning):
    """The Python warning that carries one :class:`~lospw.analysis.core.warnings.Note`.

    Readers take ``.note`` (or ``.code`` / ``.message``), never the warning's text.

    Parameters
    ----------
    note : Note or str
        The note, or its code (then ``message`` and ``context`` make the note).
    message : str
        One human-readable line (with a code).
    context : mapping or tuple of (str, str) pairs, optional

    Examples
    --------
    >>> w = LospwWarning("heywood_case", "x1 ~~ x1 = -0.2")
    >>> w.note.code, w.message
    ('heywood_case', 'x1 ~~ x1 = -0.2')
    """

    def __init__(self, note: Note | str, message: str = "",
                 context: object = ()) -> None:
        if not isinstance(note, Note):
            note = Note(note, message, context)  # type: ignore[arg-type]
        super().__init__(f"[{note.code}] {note.message}")
        self.note = note

    @property
    def code(self) -> str:
        return self.note.code

    @property
    def message(self) -> str:
        return self.note.message


def warn(note: Note, stacklevel: int = 2) -> Note:
    """Issue ``note`` as a Python :class:`LospwWarning` and return it (to keep in the result
    as well). ``stacklevel`` counts from the caller of :func:`warn`, as in
    :func:`warnings.warn`."""
    warnings.warn(LospwWarning(note), stacklevel=stacklevel + 1)
    return note


def caught_notes(caught: Iterable[warnings.WarningMessage]) -> list[Note]:
    """The notes of warnings recorded with ``warnings.catch_warnings(record=True)``: a
    :class:`LospwWarning` gives its note, any other warning (e.g. numpy's overflow) a
    ``numerical_problem`` note with its text as the message."""
    return [w.message.note if isinstance(w.message, LospwWarning)
            else Note("numerical_problem", str(w.message)) for w in caught]


def require_column(name: str, columns: Iterable[object], what: str,
                   where: str = "the data") -> None:
    """Raise a one-line :class:`InputError` when ``name`` is not among ``columns``, naming
    the columns there are.

    Examples
    --------
    >>> require_column("team", ["id", "a"], "group column")
    Traceback (most recent call last):
    ...
    lospw.analysis.core.errors.InputError: No group column 'team' in the data; the other columns are id, a.
    """
    columns = list(columns)
    if name not in columns:
        raise InputError(f"No {what} {name!r} in {where}; the other columns are "
                         f"{', '.join(map(str, columns)) or 'none'}.")


def place(source: str | None, *parts: object) -> str:
    """Format where something is, e.g. ``"key.yaml: scales.A[2]"``.

    Examples
    --------
    >>> place("key.yaml", "scales", "A")
    'key.yaml: scales.A'
    >>> place(None, "line 3")
    'line 3'
    """
    where = ".".join(str(p) for p in parts if p is not None and p != "")
    if source and where:
        return f"{source}: {where}"
    return source or where
