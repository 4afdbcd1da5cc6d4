"""The Delphi panel's design: which panelist rates which items, and enough raters per item.

A panel of 20-30 stakeholders cannot each rate 170 items well. The panel file names every
panelist's stakeholder group and, optionally, their expertise::

    panelist,group,expertise
    p01,students,
    p14,lecturer_researchers,all
    p21,managers,VMM SRI

A panelist may rate an item when their group answers it (``groups`` in the bank: they know
it from experience) or their expertise covers its element (``all`` or element ids: content
experts). :func:`assign_items` gives every item ``raters_per_item`` eligible panelists
(all eligible ones when None): first one of every group that answers the item and is on the
panel, then those with the fewest items so far (ties in panel order), so the load is even
and deterministic. An item that fewer than ``min_raters`` panelists may rate stops the
assignment with one line naming the item and the fix. The minimum is the rules'
``target_raters`` (6: with six or more raters the I-CVI criterion .78 tolerates one
dissenting rater; Lynn 1986, Polit & Beck 2006).

The assignment is written as a rating form (one row per panelist and item, empty
``relevance``, ``clarity`` and ``comment``) that ``lospw delphi`` reads back once filled in.
:func:`rater_coverage` checks the ratings of a round against the same minimum.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from lospw.analysis.core.errors import InputError
from lospw.instrument import model
from lospw.instrument.delphi.ratings import Ratings

__all__ = ["FORM_COLUMNS", "Assignment", "Panelist", "assign_items", "eligible",
           "panel_design", "panel_from_rows", "rater_coverage", "read_panel"]

FORM_COLUMNS = ("round", "panelist", "group", "item", "relevance", "clarity", "comment")


class _Rateable(Protocol):
    id: str
    element: str
    groups: tuple[str, ...]


@dataclass(frozen=True)
class Panelist:
    """A panel member: id, stakeholder group and expertise (``("all",)`` or element ids)."""

    id: str
    group: str
    expertise: tuple[str, ...] = ()


def eligible(p: Panelist, item: _Rateable) -> bool:
    """Whether ``p`` may rate ``item``: their group answers it, or their expertise covers
    its element."""
    return p.group in item.groups or "all" in p.expertise or item.element in p.expertise


def panel_from_rows(rows: Sequence[dict[str, str]], source: str = "<panel>",
                    first_row: int = 2) -> tuple[Panelist, ...]:
    """Check panel rows (``panelist``, ``group``, optional ``expertise``) into Panelists.

    Rows are numbered from ``first_row`` (2 = the first row after a header) in messages.
    """
    groups = {g.id for g in model.GROUPS}
    elements = {e.id for e in model.ELEMENTS}
    out: list[Panelist] = []
    seen: set[str] = set()
    for k, row in enumerate(rows, start=first_row):
        where = f"{source}: row {k}"
        pid = (row.get("panelist") or "").strip()
        group = (row.get("group") or "").strip()
        expertise = tuple((row.get("expertise") or "").replace(";", " ").replace(",", " ")
                          .split())
        if not pid:
            raise InputError(f"{where}: the panelist id is empty. Give every panelist an id.")
        if pid in seen:
            raise InputError(f"{where}: panelist {pid!r} is listed twice. List each once.")
        bad = [x for x in expertise if x != "all" and x not in elements]
        if bad:
            raise InputError(
                f"{where}: unknown expertise {bad[0]!r}; write 'all' or element ids "
                f"({', '.join(e.id for e in model.ELEMENTS)}), separated by spaces."
            )
        if group not in groups and not expertise:
            raise InputError(
                f"{where}: panelist {pid!r} can rate no item: group {group!r} is not a "
                f"stakeholder group ({', '.join(g.id for g in model.GROUPS)}) and no "
                "expertise is given. Fix the group or add an expertise."
            )
        seen.add(pid)
        out.append(Panelist(pid, group, expertise))
    if not out:
        raise InputError(f"{source}: no panelists. Write one row per panelist under the "
                         "header panelist,group,expertise.")
    return tuple(out)


def read_panel(path: str | Path) -> tuple[Panelist, ...]:
    """Read a panel file (CSV, UTF-8; columns ``panelist``, ``group``, ``expertise``)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file. Give a CSV with the columns panelist, group "
                         "and (optionally) expertise.")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{p}: not UTF-8 text. Save the panel as 'CSV UTF-8'.") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    for need in ("panelist", "group"):
        if need not in header:
            raise InputError(f"{p}: row 1: missing column {need}; the columns are panelist, "
                             "group and (optionally) expertise.")
    reader.fieldnames = header
    return panel_from_rows(list(reader), str(p))


@dataclass(frozen=True)
class Assignment:
    """Who rates what in one round.

    Attributes
    ----------
    frame : DataFrame
        ``round, panelist, group, item``: one row per rating to give, panel order within
        item order.
    min_raters : int
        The minimum every item reaches.
    raters_per_item : int or None
        The number aimed at (None: every eligible panelist).
    items : tuple of str
        The items, in the order given.
    """

    frame: pd.DataFrame
    min_raters: int
    raters_per_item: int | None
    items: tuple[str, ...]

    def raters(self) -> pd.Series:
        """Item -> number of panelists who rate it."""
        return self.frame.groupby("item", sort=False).size().reindex(list(self.items))

    def load(self) -> pd.Series:
        """Panelist -> number of items they rate."""
        return self.frame.groupby("panelist", sort=False).size()

    def form(self) -> pd.DataFrame:
        """The rating form: the assignment with empty relevance, clarity and comment."""
        return self.frame.assign(relevance="", clarity="", comment="")[list(FORM_COLUMNS)]

    def to_dict(self) -> dict[str, Any]:
        r, w = self.raters(), self.load()
        return {"min_raters": self.min_raters, "raters_per_item": self.raters_per_item,
                "n_items": len(self.items), "n_panelists": int(w.size),
                "n_ratings": len(self.frame),
                "raters_per_item_found": {"min": int(r.min()), "max": int(r.max())},
                "items_per_panelist": {"min": int(w.min()), "max": int(w.max())}}


def assign_items(items: Sequence[_Rateable], panel: Sequence[Panelist], *, min_raters: int,
                 raters_per_item: int | None = None, round_no: int = 1) -> Assignment:
    """Give every item its raters (see the module docstring).

    Parameters
    ----------
    items : sequence
        Objects with ``id``, ``element`` and ``groups`` (bank items).
    panel : sequence of Panelist
    min_raters : int
        Every item needs at least this many eligible panelists.
    raters_per_item : int, optional
        How many rate each item (at least ``min_raters``); None: every eligible panelist.
    round_no : int

    Raises
    ------
    InputError
        When an item has fewer than ``min_raters`` eligible panelists (the first such item,
        with how many there are and who could be added), or the numbers do not fit.

    Examples
    --------
    >>> from types import SimpleNamespace as Item
    >>> panel = [Panelist(f"s{k}", "students") for k in range(3)] + [
    ...     Panelist("m1", "managers"), Panelist("r1", "lecturer_researchers", ("all",))]
    >>> items = [Item(id="A1", element="LOS", groups=("students", "managers")),
    ...          Item(id="B1", element="VMM", groups=("managers",))]
    >>> a = assign_items(items, panel, min_raters=2, raters_per_item=3)
    >>> a.raters().to_dict(), a.load().to_dict()
    ({'A1': 3, 'B1': 2}, {'s0': 1, 's1': 1, 'm1': 2, 'r1': 1})
    """
    if min_raters < 1:
        raise InputError(f"The minimum number of raters must be at least 1; got {min_raters}.")
    if raters_per_item is not None and raters_per_item < min_raters:
        raise InputError(f"--raters-per-item ({raters_per_item}) is below the minimum "
                         f"({min_raters}); every item needs at least the minimum.")
    if not items:
        raise InputError("No items to assign. Choose another --status.")
    rank = {p.id: k for k, p in enumerate(panel)}
    load = dict.fromkeys(rank, 0)
    chosen: dict[str, list[Panelist]] = {}
    pool = {it.id: [p for p in panel if eligible(p, it)] for it in items}
    for it in items:
        if len(pool[it.id]) < min_raters:
            raise InputError(
                f"Item {it.id}: only {len(pool[it.id])} panelist(s) can rate it (groups "
                f"{', '.join(it.groups) or 'none'}; expertise {it.element} or all); the "
                f"minimum is {min_raters}. Add panelists of those groups or with that "
                "expertise."
            )
    # scarce items first, so the panelists they need are not used up by the others
    for it in sorted(items, key=lambda x: len(pool[x.id])):
        want = len(pool[it.id]) if raters_per_item is None else min(raters_per_item,
                                                                     len(pool[it.id]))
        pick: list[Panelist] = []
        for g in it.groups:  # one of every answering group on the panel
            cands = [p for p in pool[it.id] if p.group == g and p not in pick]
            if cands and len(pick) < want:
                pick.append(min(cands, key=lambda p: (load[p.id], rank[p.id])))
        rest = sorted((p for p in pool[it.id] if p not in pick),
                      key=lambda p: (load[p.id], rank[p.id]))
        pick += rest[: want - len(pick)]
        for p in pick:
            load[p.id] += 1
        chosen[it.id] = sorted(pick, key=lambda p: rank[p.id])
    rows = [{"round": round_no, "panelist": p.id, "group": p.group, "item": it.id}
            for it in items for p in chosen[it.id]]
    return Assignment(pd.DataFrame(rows, columns=["round", "panelist", "group", "item"]),
                      min_raters, raters_per_item, tuple(it.id for it in items))


def rater_coverage(ratings: Ratings, minimum: int) -> pd.DataFrame:
    """The items that a round left with fewer than ``minimum`` ratings.

    Returns
    -------
    DataFrame
        ``round, item, n_ratings, minimum``, one row per such item and round (empty when
        every item has enough); ``n_ratings`` counts the given (non-empty) ratings.
    """
    f = ratings.frame
    n = (f.assign(given=f["relevance"].notna())
         .groupby(["round", "item"], sort=False)["given"].sum().astype(int).reset_index(
             name="n_ratings"))
    low = n[n["n_ratings"] < minimum].assign(minimum=minimum)
    return low.sort_values(["round"], kind="stable").reset_index(drop=True)


def panel_design(ratings: Ratings) -> pd.DataFrame:
    """Per round: how many panelists rated each item and how many items each panelist rated.

    Returns
    -------
    DataFrame
        ``round, n_items, n_panelists, raters_min, raters_median, raters_max,
        items_per_panelist_min, items_per_panelist_max`` (ratings given, empty ones not
        counted).
    """
    f = ratings.frame[ratings.frame["relevance"].notna()]
    rows = []
    for r, g in f.groupby("round", sort=True):
        per_item = g.groupby("item").size()
        per_panelist = g.groupby("panelist").size()
        rows.append({"round": int(r), "n_items": int(per_item.size),
                     "n_panelists": int(per_panelist.size),
                     "raters_min": int(per_item.min()),
                     "raters_median": float(per_item.median()),
                     "raters_max": int(per_item.max()),
                     "items_per_panelist_min": int(per_panelist.min()),
                     "items_per_panelist_max": int(per_panelist.max())})
    return pd.DataFrame(rows)
