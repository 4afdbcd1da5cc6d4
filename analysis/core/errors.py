"""Errors and warnings that lospw raises on purpose.

Every anticipated problem with user input raises a subclass of :class:`LospwError`. Its
message is one line in the house shape: what was wrong, what was given, how to fix it. The
command line prints that line and exits with status 2; anything else is a bug (exit 1).

Degenerate data that can still be analysed produce a :class:`LospwWarning`, whose
``code`` names the condition so results and the report can list it.
"""

from __future__ import annotations

__all__ = [
    "InputError",
    "LospwError",
    "LospwWarning",
    "place",
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
    """A named condition in the data or a fit that the results must report.

    Parameters
    ----------
    code : str
        Stable snake_case name of the condition, e.g. ``"zero_variance_item"``,
        ``"heywood_case"``, ``"not_converged"``.
    message : str
        One human-readable line.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"[{code}] {message}")
        self.code = code
        self.message = message


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
