"""The parameter table of a two-level model: one block per level, as lavaan builds it.

Each level's block is built with the ordinary :func:`~lospw.analysis.cfa.partable.
build_partable` (``cfa()`` defaults, mean structure on) and the two are stacked as blocks
``group`` 1 (within) and 2 (between) over one estimation vector. lavaan's two-level
defaults (``lav_partable_flat`` with ``nlevels = 2``): the within intercepts of items that
are also at the between level are fixed to 0 (their mean lives at the between level);
an item named only at the within level is a *within-only* variable, whose within
intercept is free and whose between (co)variances and mean are zero; latent means are
fixed to 0 at both levels. A label shared across the levels (``a*y2`` in both blocks) and
an ``==`` line make one parameter, so cross-level invariance is written as in lavaan.

An item named only at the between level would be a cluster-level variable (constant within
a cluster), which this engine does not model: it is refused.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from lospw.analysis.cfa.partable import ParTable, build_partable
from lospw.analysis.cfa.syntax import Statement
from lospw.analysis.core.errors import InputError

__all__ = ["baseline_syntax", "build_twolevel_partable", "level_variables",
           "saturated_syntax"]


def level_variables(statements: Sequence[Statement]) -> tuple[list[str], list[str]]:
    """``(observed, latent)`` variables named in one level's statements, in order."""
    lv = list(dict.fromkeys(s.lhs for s in statements if s.op == "=~"))
    names: list[str] = []
    for s in statements:
        if s.op == "=~":
            names.append(s.rhs)
        elif s.op == "~~":
            names += [s.lhs, s.rhs]
        elif s.op in ("~1", "~"):
            names.append(s.lhs)
            if s.op == "~":
                names.append(s.rhs)
    ov = [v for v in dict.fromkeys(names) if v not in lv]
    return ov, lv


def build_twolevel_partable(within: Sequence[Statement], between: Sequence[Statement], *,
                            std_lv: bool = False, orthogonal: bool = False
                            ) -> tuple[ParTable, tuple[str, ...]]:
    """Stack the two levels' parameter tables with lavaan's two-level defaults.

    Parameters
    ----------
    within, between : list of Statement
        The parsed ``level: 1`` and ``level: 2`` blocks (``==`` lines may sit in either
        and may name labels of both).
    std_lv, orthogonal : bool
        As in ``cfa()``, applied at both levels.

    Returns
    -------
    (ParTable, within_only)
        The table has ``group`` 1 = within, 2 = between, ``ov_names`` the within level's
        observed variables; ``within_only`` the variables absent from the between level.

    Raises
    ------
    InputError
        A variable only at the between level; an unknown label in ``==``; a block without
        observed variables.

    Examples
    --------
    >>> from lospw.analysis.cfa.syntax import parse_model
    >>> w = parse_model("f =~ y1 + a*y2 + y3")
    >>> b = parse_model("f =~ y1 + a*y2 + y3")
    >>> pt, wo = build_twolevel_partable(w, b)
    >>> t = pt.table
    >>> int(t.loc[(t.op == "=~") & (t.rhs == "y2"), "x"].nunique()), wo
    (1, ())
    >>> t.loc[(t.op == "~1") & (t.lhs == "y1"), ["group", "free"]].values.tolist()
    [[1, 0], [2, 13]]
    """
    eqs = [s for s in list(within) + list(between) if s.op == "=="]
    within = [s for s in within if s.op != "=="]
    between = [s for s in between if s.op != "=="]
    ov_w, lv_w = level_variables(within)
    ov_b, lv_b = level_variables(between)
    clash = [v for v in ov_w if v in lv_b] + [v for v in ov_b if v in lv_w]
    if clash:
        raise InputError(f"model syntax: {clash[0]!r} is an observed variable at one level and "
                         "a latent variable at the other. Name the factors differently from "
                         "the items.")
    only_b = [v for v in ov_b if v not in ov_w]
    if only_b:
        raise InputError(f"model syntax: {', '.join(only_b[:5])} appear(s) only at level 2 "
                         "(a cluster-level variable, constant within a cluster), which lospw's "
                         "two-level CFA does not model. Name every item at level 1 too.")
    if not ov_w:
        raise InputError("model syntax: the 'level: 1' block names no observed variable.")
    pt_w = build_partable(within, std_lv=std_lv, meanstructure=True, orthogonal=orthogonal,
                          observed=ov_w)
    pt_b = build_partable(between, std_lv=std_lv, meanstructure=True, orthogonal=orthogonal,
                          observed=ov_b)
    ov = list(pt_w.ov_names)
    within_only = tuple(v for v in ov if v not in pt_b.ov_names)
    tw, tb = pt_w.table.copy(), pt_b.table.copy()
    # within intercepts of items at both levels: fixed to 0 (default rows only)
    m = (tw.op == "~1") & tw.lhs.isin(pt_b.ov_names) & (tw.user == 0)
    tw.loc[m, "free"] = 0
    tw.loc[m, "ustart"] = 0.0
    tw.loc[m, "x"] = -1
    tb["group"] = 2
    t = pd.concat([tw, tb], ignore_index=True)
    t = _merge_equalities(t, eqs)
    lv = list(dict.fromkeys(list(pt_w.lv_names) + list(pt_b.lv_names)))
    pt = ParTable(t, tuple(ov), tuple(lv), (), 2, True)
    return pt, within_only


def _merge_equalities(t: pd.DataFrame, eqs: Sequence[Statement]) -> pd.DataFrame:
    """One estimation-vector entry per set of rows equal by label (across levels) or ``==``.

    Each level's own equalities are already in its ``x``; here the levels' entries are made
    distinct, then joined where a user label occurs at both levels or an ``==`` names two
    labels, and renumbered 0.. in table order (fixed rows: -1).
    """
    group = t["group"].to_numpy()
    x = t["x"].to_numpy().copy()
    free = x >= 0
    offset = int(x[group == 1].max()) + 1 if (free & (group == 1)).any() else 0
    key = np.where(free, np.where(group == 1, x, x + offset), -1)
    parent = {int(k): int(k) for k in np.unique(key[free])}

    def find(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    label = t["label"].to_numpy()
    ustart = t["ustart"].to_numpy().copy()
    users = label != ""
    by_label: dict[str, list[int]] = {}
    for r in np.flatnonzero(users):
        by_label.setdefault(str(label[r]), []).append(int(r))
    pairs = [(a, b) for rows in by_label.values() for a, b in itertools.pairwise(rows)]
    for s in eqs:
        for name in (s.lhs, s.rhs):
            if name not in by_label:
                raise InputError(f"model syntax line {s.line}: '{s.lhs} == {s.rhs}' uses the "
                                 f"unknown label {name!r}. Label parameters first, e.g. "
                                 f"'f =~ {name}*x2'.")
        pairs.append((by_label[s.lhs][0], by_label[s.rhs][0]))
    fixed_value: dict[int, float] = {}
    for a, b in pairs:
        if free[a] and free[b]:
            ra, rb = find(int(key[a])), find(int(key[b]))
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        elif free[a] != free[b]:     # one fixed: the set is fixed to that value
            fx, fr = (a, b) if not free[a] else (b, a)
            fixed_value[find(int(key[fr]))] = float(ustart[fx])
    root = np.array([find(int(k)) if k >= 0 else -1 for k in key])
    for r, v in fixed_value.items():
        rows = root == find(r)
        free[rows] = False
        ustart[rows] = v
    root[~free] = -1
    new_x = np.full(len(t), -1)
    numbering: dict[int, int] = {}
    for i in np.flatnonzero(free):
        new_x[i] = numbering.setdefault(int(root[i]), len(numbering))
    out = t.copy()
    out["x"] = new_x
    out["ustart"] = ustart
    out["free"] = 0
    out.loc[free, "free"] = np.arange(1, int(free.sum()) + 1)
    out["id"] = np.arange(1, len(out) + 1)
    out["plabel"] = [f".p{i}." for i in out["id"]]
    return out


def _pairs(items: Sequence[str], diagonal_only: bool) -> list[str]:
    if diagonal_only:
        return [f"{v} ~~ {v}" for v in items]
    return [f"{a} ~~ {' + '.join(items[i:])}" for i, a in enumerate(items)]


def saturated_syntax(within: Sequence[str], between: Sequence[str]) -> str:
    """The unrestricted two-level model (lavaan's h1): free covariances at both levels.

    >>> print(saturated_syntax(["a", "b"], ["a", "b"]))
    level: 1
    a ~~ a + b
    b ~~ b
    level: 2
    a ~~ a + b
    b ~~ b
    """
    return "\n".join(["level: 1", *_pairs(list(within), False), "level: 2",
                      *_pairs(list(between), False)])


def baseline_syntax(within: Sequence[str], between: Sequence[str]) -> str:
    """The independence model of both levels (lavaan's two-level baseline): variances and
    means free, no covariances.

    >>> print(baseline_syntax(["a", "b"], ["a", "b"]))
    level: 1
    a ~~ a
    b ~~ b
    level: 2
    a ~~ a
    b ~~ b
    """
    return "\n".join(["level: 1", *_pairs(list(within), True), "level: 2",
                      *_pairs(list(between), True)])
