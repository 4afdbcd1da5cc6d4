"""Checks for degenerate data that make a factor model impossible (see :mod:`lospw.analysis.core.warnings`).

A factor model cannot use an item whose answers are all the same: its variance is zero, the
covariance matrix is singular and lavaan refuses ("some variables have no values (only
missings) or no variance"). :func:`check_item_variance` refuses such data the same way, in one
line that names the item (and the group), before any fit is tried.

Such refusals raise :class:`DegenerateDataError`: an :class:`InputError` (a single command
exits 2 with its line) whose ``code`` names the condition in
:data:`lospw.analysis.core.warnings.WARNING_CODES`. ``lospw analyze`` skips the stage that
raised it, with the line as the stated reason, and goes on: the data, not lospw, do not
allow that analysis (a stage fails only on an error that is not about the data).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from lospw.analysis.core.errors import InputError

__all__ = ["DegenerateDataError", "check_item_variance", "zero_variance_items"]


class DegenerateDataError(InputError):
    """Data that do not allow an analysis: items without variance, too few rows, one group.

    Parameters
    ----------
    code : str
        The condition's name in :data:`~lospw.analysis.core.warnings.WARNING_CODES`.
    message : str
        One line: what the data lack and how to fix it.

    Examples
    --------
    >>> str(DegenerateDataError("too_few_rows", "HTMT needs 3 complete rows; got 0."))
    '[too_few_rows] HTMT needs 3 complete rows; got 0.'
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"[{code}] {message}")
        self.code = code


def zero_variance_items(frame: pd.DataFrame, items: Sequence[str] | None = None) -> list[str]:
    """The columns (of ``items``) with fewer than two distinct observed values.

    Examples
    --------
    >>> zero_variance_items(pd.DataFrame({"a": [1, 1, np.nan], "b": [1, 2, 3]}))
    ['a']
    """
    cols = list(frame.columns if items is None else items)
    out = []
    for c in cols:
        values = pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        if values.size == 0 or np.ptp(values) == 0:
            out.append(str(c))
    return out


def check_item_variance(frame: pd.DataFrame, items: Sequence[str], *, stage: str,
                        groups: pd.Series | None = None) -> None:
    """Refuse items without variance (overall, or within a group) before a factor model.

    Parameters
    ----------
    frame : DataFrame
        The responses (rows already selected as the stage will use them).
    items : sequence of str
        The model's items.
    stage : str
        Named in the message, e.g. ``"CFA"``.
    groups : Series, optional
        Each row's group (multi-group models need variance within every group).

    Raises
    ------
    DegenerateDataError
        ``[zero_variance_item]`` naming the items (and group) and the fix.
    """
    parts = [(None, frame)] if groups is None else [
        (g, frame.loc[groups.loc[frame.index] == g]) for g in pd.unique(groups.dropna())]
    for label, part in parts:
        bad = zero_variance_items(part, items)
        if bad:
            where = "" if label is None else f" in group {label!r}"
            shown = ", ".join(bad[:10]) + (" ..." if len(bad) > 10 else "")
            raise DegenerateDataError(
                "zero_variance_item", f"{stage}: item(s) {shown} have no variance{where} "
                "(every answer the same, or none), so a factor model cannot use them (lavaan "
                "refuses too). Leave them out of the key or model, or check the data."
            )
