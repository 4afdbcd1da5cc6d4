"""Planned missingness: which respondent was asked which item (the key's ``design``).

A questionnaire routed by group (modules, skip logic by a group question) leaves cells empty
by design: a client is never asked about the agreements between organisations. Those cells
are missing, but they are not non-response: a respondent cannot skip what was not asked.
The key's ``design`` (:mod:`lospw.analysis.core.key`) names the data column holding each
respondent's group and, for every item not asked of everyone, the groups asked it.

:func:`asked_mask` turns that into a respondents x items table of booleans. The rule, for a
respondent of group *g* and item *j*: asked when *j* is not routed, or *g* is among the
groups asked *j*. A respondent whose group is missing is taken to have been asked every item
(the design cannot place them, so nothing of theirs is excused as planned).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.core.key import Key, key_from_dict

__all__ = ["asked_mask", "design_groups", "key_without", "never_asked"]


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and value != value


def asked_mask(key: Key, groups: Sequence[Any] | pd.Series) -> np.ndarray:
    """Respondents x key items: True where the respondent's group was asked the item.

    Parameters
    ----------
    key : Key
    groups : sequence or Series
        Each respondent's group (the values of the key's ``design.column``), compared as
        text; a missing value means "asked every item".

    Returns
    -------
    ndarray of bool, shape (n respondents, key.n_items)
        All True when the key has no design.

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 5},
    ...     "scales": {"S": ["a", "b", "c"]},
    ...     "design": {"column": "role", "asked": {"c": ["staff"]}}})
    >>> asked_mask(key, ["staff", "client", None]).astype(int).tolist()
    [[1, 1, 1], [1, 1, 0], [1, 1, 1]]
    """
    values = list(groups)
    mask = np.ones((len(values), key.n_items), dtype=bool)
    routed = key.design_map
    if not routed:
        return mask
    text = [None if _is_missing(v) else str(v) for v in values]
    for j, item in enumerate(key.items):
        allowed = routed.get(item)
        if allowed is None:
            continue
        mask[:, j] = [t is None or t in allowed for t in text]
    return mask


def design_groups(key: Key) -> tuple[str, ...]:
    """Every group the key's design names, in order of first mention."""
    seen: dict[str, None] = {}
    for _, groups in key.design:
        for g in groups:
            seen.setdefault(g, None)
    return tuple(seen)


def never_asked(asked: pd.DataFrame | None, key: Key) -> list[str]:
    """The key's items no row of ``asked`` (``IntakeResult.asked``) was asked, in key order:
    routed only to groups with no respondent in the data; empty without a design."""
    if asked is None:
        return []
    any_asked = asked.reindex(columns=list(key.items)).fillna(True).any(axis=0)
    return [i for i in key.items if not bool(any_asked[i])]


def key_without(key: Key, dropped: Sequence[str], why: str, *,
                source: str | None = None) -> Key:
    """The key without ``dropped`` items (aspects, labels and the design follow); ``why``
    starts the note added to its description.

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 5},
    ...     "scales": {"S": ["a", "-b", "c", "d"]}})
    >>> key_without(key, ["c"], "reduced").scale("S").keyed
    ('a', '-b', 'd')

    A scale with a label or a direction keeps them:

    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 5}, "scales": {"S": {
    ...     "items": ["a", "-b", "c"], "label": "Support", "direction": "higher_is_better"}}})
    >>> s = key_without(key, ["a"], "reduced").scale("S")
    >>> s.keyed, s.label, s.direction
    (('-b', 'c'), 'Support', 'higher_is_better')
    """
    gone = set(dropped)
    d = key.to_dict()

    def kept(items: list[str]) -> list[str]:
        return [i for i in items if i.lstrip("+-") not in gone]

    # a scale is its item list, or the long form {items, label, direction} (Key.to_dict)
    d["scales"] = {s: {**spec, "items": kept(spec["items"])} if isinstance(spec, dict)
                   else kept(spec) for s, spec in d["scales"].items()}
    for part in ("aspects", "labels"):
        if part in d:
            d[part] = {i: v for i, v in d[part].items() if i not in gone}
            if not d[part]:
                del d[part]
    if "design" in d:
        d["design"]["asked"] = {i: g for i, g in d["design"]["asked"].items() if i not in gone}
    note = f"{why}: dropped {', '.join(dropped)}" if dropped else None
    if note:
        d["description"] = (d.get("description", "") + " " if d.get("description") else "") + note
    return key_from_dict(d, source or f"{key.source} ({why})")
