"""How often each missing code was given, per item and group (labelled missing answers).

A key can give its missing codes a meaning (``missing_codes: {8: dont_know, 9:
not_applicable}``). For the statistics every code is simply missing, but the codes say
different things about an item: many "don't know" answers in a group mean the item asks
for knowledge that group does not have; many "not applicable" answers are content evidence
that the item does not fit that group's situation. :func:`missing_code_table` counts them.

The rate of a code on an item in a group is ``n_code / n_asked``: the respondents of the
group who gave that code, over those who were asked the item (the key's ``design``;
everyone when there is none), so planned missingness never lowers or raises a rate.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.core.key import Key
from lospw.analysis.intake.responses import IntakeResult

__all__ = ["MISSING_CODE_COLUMNS", "group_column", "missing_code_summary",
           "missing_code_table"]

MISSING_CODE_COLUMNS = ("item", "scope", "group", "code", "meaning", "n_asked", "n_code",
                        "rate")
#: The group value written for respondents whose group is missing.
NO_GROUP = "(no group)"


def group_column(result: IntakeResult, key: Key, group: str | None = None) -> str | None:
    """The column the table splits by: the key's design column when the data have it,
    else ``group`` (``--group``) when given and present, else None (no split)."""
    for col in (key.design_column, group):
        if col is not None and col in result.meta.columns:
            return col
    return None


def missing_code_table(result: IntakeResult, key: Key,
                       group: str | None = None) -> pd.DataFrame:
    """Counts and rates of every missing code per item, overall and per group.

    Parameters
    ----------
    result : IntakeResult
        With ``missing_given`` (the intake keeps it).
    key : Key
        Its ``missing_codes`` (with their meanings, when named) are counted.
    group : str, optional
        A group column used when the key has no design column (``--group``).

    Returns
    -------
    DataFrame
        Columns :data:`MISSING_CODE_COLUMNS`, one row per item x code for ``scope`` "all"
        (``group`` empty), then per item x group x code for ``scope`` "group", items in key
        order, groups sorted as text. ``rate`` is NaN when nobody was asked.

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> from lospw.analysis.intake.responses import responses_from_frame
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 5},
    ...     "missing_codes": {8: "dont_know", 9: "not_applicable"},
    ...     "scales": {"S": ["a", "b"]}})
    >>> res = responses_from_frame(pd.DataFrame({"a": [1, 8, 9, 9], "b": [2, 3, 4, 5]}), key)
    >>> t = missing_code_table(res, key)
    >>> t[t["item"] == "a"][["meaning", "n_asked", "n_code", "rate"]].to_dict("records")
    [{'meaning': 'dont_know', 'n_asked': 4, 'n_code': 1, 'rate': 0.25}, {'meaning': 'not_applicable', 'n_asked': 4, 'n_code': 2, 'rate': 0.5}]
    """
    items = list(key.items)
    n = len(result.items)
    given = (result.missing_given.reindex(columns=items).to_numpy(dtype=float)
             if result.missing_given is not None else np.full((n, len(items)), np.nan))
    asked = (result.asked.reindex(columns=items).to_numpy(dtype=bool)
             if result.asked is not None else np.ones((n, len(items)), dtype=bool))
    col = group_column(result, key, group)
    labels = key.missing_label_map
    rows: list[dict[str, Any]] = []

    def add(scope: str, name: str, sel: np.ndarray) -> None:
        n_asked = asked[sel].sum(axis=0)
        for code, meaning in labels.items():
            hits = ((given[sel] == code) & asked[sel]).sum(axis=0)
            for j, item in enumerate(items):
                rows.append({"item": item, "scope": scope, "group": name, "code": code,
                             "meaning": meaning, "n_asked": int(n_asked[j]),
                             "n_code": int(hits[j]),
                             "rate": hits[j] / n_asked[j] if n_asked[j] else np.nan})

    add("all", "", np.ones(n, dtype=bool))
    if col is not None:
        values = result.meta[col]
        text = np.array([NO_GROUP if pd.isna(v) else str(v) for v in values], dtype=object)
        for name in sorted(set(text)):
            add("group", name, text == name)
    out = pd.DataFrame(rows, columns=list(MISSING_CODE_COLUMNS))
    if not out.empty:  # item-major order: an item's codes and groups together
        out["_i"] = out["item"].map({i: k for k, i in enumerate(items)})
        out = (out.sort_values(["_i"], kind="stable").drop(columns="_i")
               .reset_index(drop=True))
    return out


def missing_code_summary(table: pd.DataFrame, result: IntakeResult, key: Key,
                         group: str | None = None) -> dict[str, Any]:
    """What ``intake.json`` says about the missing codes and the design.

    ``codes``: per code its meaning, the cells holding it among the cells asked, and that
    share; ``design``: the group column, the planned-missing cells (items not asked) and the
    cells asked.
    """
    overall = table[table["scope"] == "all"]
    items = list(key.items)  # the key's items only (an analysis may leave some out)
    n_cells = len(result.items) * len(items)
    n_cells_asked = (int(result.asked.reindex(columns=items).fillna(True).to_numpy(
        dtype=bool).sum()) if result.asked is not None else n_cells)
    codes = []
    for code, meaning in key.missing_label_map.items():
        k = int(overall.loc[overall["code"] == code, "n_code"].sum())
        codes.append({"code": int(code) if float(code).is_integer() else code,
                      "meaning": meaning, "n_cells": k,
                      "rate": k / n_cells_asked if n_cells_asked else None})
    design = None
    if key.design_column is not None:
        design = {"column": key.design_column,
                  "n_items_routed": len(key.design),
                  "n_cells_planned_missing": n_cells - n_cells_asked,
                  "n_cells_asked": n_cells_asked,
                  "meaning": "cells of items a respondent's group was not asked: planned "
                             "missingness, not non-response; left out of screening and of "
                             "the item non-response rates"}
    return {"group_column": group_column(result, key, group), "codes": codes,
            "design": design}
