"""lospw: develop, validate and score the LOS-in-PW questionnaire (and any instrument).

This package holds the command line; the work is done in :mod:`analysis` (any instrument)
and :mod:`instrument` (the LOS-in-PW model, item bank and Delphi stage).
"""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """``lospw.__version__``, read from the installed package's metadata on first use:
    ``importlib.metadata`` costs about 30 ms of start-up, which no command but ``--version``
    needs (PEP 562 module attribute)."""
    if name != "__version__":
        raise AttributeError(f"module 'lospw' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("lospw")
    except PackageNotFoundError:  # running from a source tree that is not installed
        found = "0.0.0+source"
    globals()["__version__"] = found
    return found
