"""lospw: develop, validate and score the LOS-in-PW questionnaire (and any instrument).

This package holds the command line; the work is done in :mod:`analysis` (any instrument)
and :mod:`instrument` (the LOS-in-PW model, item bank and Delphi stage).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lospw")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
