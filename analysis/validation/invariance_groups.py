"""The groups an invariance test compares: chosen, merged, and too small ones left out.

Shared by ``lospw invariance`` and the invariance stage of ``lospw analyze``, so both treat
groups identically:

* ``--invariance-groups G1,G2+G3``: only the named levels are compared, ``+`` joins levels
  into one group; other levels are left out (warning ``groups_left_out``);
* a group with fewer respondents than the floor (the larger of ``min_group_size`` and the
  number of items + 1) is left out with a named warning ``group_too_small_dropped``, as
  long as two or more groups remain; only when fewer than two groups are large enough is
  the test not estimable.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from lospw.analysis.core.warnings import Note

__all__ = ["choose_groups"]


def choose_groups(groups: pd.Series, *, invariance_groups: Sequence[str] = (),
                  min_group_size: int = 50, n_items: int = 0
                  ) -> tuple[pd.Series, list[tuple[str, str]]]:
    """The group of every row for the invariance test (missing = left out).

    Parameters
    ----------
    groups : Series
        The group column of the analysed rows.
    invariance_groups : sequence of str
        Levels to compare; ``"a+b"`` compares levels a and b as one group.
    min_group_size : int
    n_items : int
        Number of items (the floor is at least ``n_items + 1``).

    Returns
    -------
    (Series, list of Note)
        The groups (as text; left-out rows missing) and the warnings to record.

    Examples
    --------
    >>> g = pd.Series(["a"] * 60 + ["b"] * 70 + ["c"] * 6)
    >>> out, warn = choose_groups(g, min_group_size=50, n_items=15)
    >>> out.value_counts().to_dict(), warn[0].code
    ({'b': 70, 'a': 60}, 'group_too_small_dropped')
    """
    text = groups.map(lambda v: None if pd.isna(v) else (
        str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)))
    warnings: list[Note] = []
    if invariance_groups:
        label = {g: tok for tok in invariance_groups for g in tok.split("+")}
        left = text[~text.isin(list(label))].dropna().value_counts().sort_index()
        if len(left):
            warnings.append(Note("groups_left_out", "--invariance-groups: " + ", ".join(
                f"{g} (n = {n})" for g, n in left.items()) + " not compared (their rows "
                "count under missing_group)"))
        text = text.map(lambda v: label.get(v) if v is not None else None)
    floor = max(min_group_size, n_items + 1)
    sizes = text.dropna().value_counts()
    small = sizes[sizes < floor].sort_index()
    if len(small) and (sizes >= floor).sum() >= 2:
        warnings.append(Note("group_too_small_dropped", "group(s) " + ", ".join(
            f"{g} (n = {n})" for g, n in small.items()) + f" have fewer than {floor} "
            f"respondents (the larger of --min-group-size {min_group_size} and the {n_items} "
            "items + 1) and are left out of the invariance test; the other groups are "
            "compared (merge a small group into another with --invariance-groups, or lower "
            "--min-group-size)"))
        text = text.where(~text.isin(list(small.index)))
    return text, warnings
