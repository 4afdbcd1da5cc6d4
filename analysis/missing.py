"""The missing-data option shared by the item-level analyses (reliability, polychoric, EFA).

``listwise``
    use the rows that answered every item in the analysis (for reliability: every item of
    the scale);
``pairwise``
    use, for each pair of items, the rows that answered both.
"""

from __future__ import annotations

from analysis.errors import InputError

__all__ = ["MISSING_POLICIES", "check_missing"]

MISSING_POLICIES = ("listwise", "pairwise")


def check_missing(missing: object) -> str:
    """Return ``missing`` if it is a known policy; else raise a one-line InputError.

    Examples
    --------
    >>> check_missing("pairwise")
    'pairwise'
    """
    if missing not in MISSING_POLICIES:
        raise InputError(
            f"The 'missing' option must be one of {', '.join(map(repr, MISSING_POLICIES))}; "
            f"got {missing!r}."
        )
    return str(missing)
