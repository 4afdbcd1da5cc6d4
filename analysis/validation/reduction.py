"""Item reduction: which items to drop, and why, under content-coverage constraints.

Four rules flag an item (thresholds from the criteria file, :mod:`lospw.analysis.core.criteria`, stated
before the data are seen; defaults in brackets):

``weak_loading``
    Its standardized loading on its own factor in the key's CFA model is below
    ``weak_loading_below`` [.40] (absolute value, ``std_all``).
``cross_loading``
    In the oblique EFA, its largest loading on another factor is at least
    ``cross_loading_secondary_at_least`` [.30] and its loading on its own scale's factor
    exceeds that by less than ``cross_loading_gap_below`` [.20] (Howard, 2016). The own
    factor is the EFA factor matched to the scale by Tucker's congruence.
``modification_index``
    In the key's CFA model, freeing a cross-loading of the item, or a residual covariance
    with another item, has a modification index of at least ``mi_at_least`` [10] and an
    absolute standardized expected parameter change (``sepc_all``) of at least
    ``sepc_at_least`` [.20] (Saris, Satorra & van der Veld, 2009). For a residual covariance
    the item of the pair with the weaker standardized loading is flagged.
``non_invariant``
    The partial-invariance search freed one of its parameters (loading, intercept or
    residual) across groups, or the backward item search of :mod:`lospw.analysis.validation.dif` freed its
    loading (metric step) or intercept (scalar step): score tests below
    ``noninvariance_alpha`` [.05] over the number of constraints tested (Bonferroni; Jung &
    Yoon, 2016), even when the step as a whole passed the fit-index rule.

Flagged items are then considered one at a time, most reasons first, then weakest loading
first, and dropped unless that would leave its scale with fewer than
``min_items_per_scale`` [3] items, or leave an aspect of the key (``aspects``) without an
item in that scale. Those items are kept, and the proposal says which constraint kept them.
:func:`propose_reduction` is pure (tables in, proposal out); the pipeline refits the reduced
model and compares it with the full one.

References
----------
Jung, E., & Yoon, M. (2016). Comparisons of three empirical methods for partial factorial
invariance: forward, backward, and factor-ratio tests. *Structural Equation Modeling, 23*,
567-584.
Howard, M. C. (2016). A review of exploratory factor analysis decisions and overview of
current practices. *International Journal of Human-Computer Interaction, 32*, 51-62.
Saris, W. E., Satorra, A., & van der Veld, W. M. (2009). Testing structural equation models
or detection of misspecifications? *Structural Equation Modeling, 16*, 561-582.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.core.criteria import Criteria
from lospw.analysis.core.design import key_without
from lospw.analysis.core.key import Key

__all__ = [
    "ItemDecision",
    "ItemFlag",
    "ReductionProposal",
    "cross_loading_flags",
    "item_search_flags",
    "modification_flags",
    "noninvariant_flags",
    "propose_reduction",
    "reduced_key",
    "weak_loading_flags",
]


@dataclass(frozen=True)
class ItemFlag:
    """One reason to consider dropping an item."""

    item: str
    rule: str
    value: float
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "value": self.value, "detail": self.detail}


@dataclass(frozen=True)
class ItemDecision:
    """A flagged item: its reasons and what the proposal does with it."""

    item: str
    scale: str
    aspect: str | None
    loading: float | None
    flags: tuple[ItemFlag, ...]
    decision: str  # "drop" or "keep"
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "scale": self.scale, "aspect": self.aspect,
                "loading": self.loading, "decision": self.decision, "why": self.why,
                "rules": sorted({f.rule for f in self.flags}),
                "flags": [f.to_dict() for f in self.flags]}


@dataclass(frozen=True)
class ReductionProposal:
    """Items to drop per scale, with reasons, and the items kept despite a flag."""

    decisions: tuple[ItemDecision, ...]
    rules: dict[str, Any]
    notes: tuple[str, ...] = field(default=())

    @property
    def dropped(self) -> tuple[str, ...]:
        return tuple(d.item for d in self.decisions if d.decision == "drop")

    def by_scale(self, key: Key) -> dict[str, dict[str, list[str]]]:
        out = {}
        for s in key.scales:
            drop = [d.item for d in self.decisions if d.scale == s.name and d.decision == "drop"]
            out[s.name] = {"drop": drop, "keep": [i for i in s.items if i not in drop]}
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"rules": dict(self.rules), "dropped": list(self.dropped),
                "decisions": [d.to_dict() for d in self.decisions],
                "notes": list(self.notes)}

    def to_frame(self) -> pd.DataFrame:
        rows = [{"item": d.item, "scale": d.scale, "aspect": d.aspect, "loading": d.loading,
                 "decision": d.decision, "rules": ";".join(sorted({f.rule for f in d.flags})),
                 "why": d.why} for d in self.decisions]
        return pd.DataFrame(rows, columns=["item", "scale", "aspect", "loading", "decision",
                                           "rules", "why"])


# -- the rules (pure) -------------------------------------------------------------------------
def weak_loading_flags(loadings: Mapping[str, float], threshold: float) -> list[ItemFlag]:
    """Items whose absolute standardized loading is below ``threshold``.

    Examples
    --------
    >>> [f.item for f in weak_loading_flags({"a": 0.7, "b": -0.35, "c": 0.2}, 0.40)]
    ['b', 'c']
    """
    return [ItemFlag(i, "weak_loading", abs(v), f"standardized loading {abs(v):.3f} < "
                     f"{threshold:g}") for i, v in loadings.items() if abs(v) < threshold]


def cross_loading_flags(efa_loadings: pd.DataFrame, factor_of: Mapping[str, str | None],
                        key: Key, secondary_min: float, gap_max: float) -> list[ItemFlag]:
    """Items whose secondary EFA loading is >= ``secondary_min`` and within ``gap_max`` of
    the loading on their own scale's factor (absolute values).

    Parameters
    ----------
    efa_loadings : DataFrame
        Items x factors (pattern loadings of the oblique EFA).
    factor_of : mapping
        Scale -> the EFA factor matched to it (None when unmatched: its items are skipped).

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 5},
    ...     "scales": {"S": ["a", "b"], "T": ["c", "d"]}})
    >>> lam = pd.DataFrame({"F1": [.7, .45, .1, .0], "F2": [.1, .35, .8, .6]},
    ...                    index=list("abcd"))
    >>> [(f.item, round(f.value, 2)) for f in
    ...  cross_loading_flags(lam, {"S": "F1", "T": "F2"}, key, .30, .20)]
    [('b', 0.35)]
    """
    flags = []
    for s in key.scales:
        own = factor_of.get(s.name)
        if own is None or own not in efa_loadings.columns:
            continue
        others = [c for c in efa_loadings.columns if c != own]
        if not others:
            continue
        for item in s.items:
            if item not in efa_loadings.index:
                continue
            row = efa_loadings.loc[item].abs()
            primary = float(row[own])
            other = row[others].astype(float)
            second_f = str(other.idxmax())
            secondary = float(other.max())
            if secondary >= secondary_min and primary - secondary < gap_max:
                flags.append(ItemFlag(
                    item, "cross_loading", secondary,
                    f"EFA loading {secondary:.3f} on {second_f} (own factor {own}: "
                    f"{primary:.3f}; secondary >= {secondary_min:g} and gap "
                    f"{primary - secondary:.3f} < {gap_max:g})"))
    return flags


def modification_flags(mi: pd.DataFrame, key: Key, loadings: Mapping[str, float],
                       mi_min: float, sepc_min: float) -> list[ItemFlag]:
    """Items implicated by a large modification index with a large standardized EPC.

    ``mi`` has lavaan's ``modindices()`` columns (``lhs op rhs mi sepc_all``). A
    cross-loading (``F =~ item``, F another scale) flags the item; a residual covariance
    (``item1 ~~ item2``) flags the item with the weaker standardized loading.

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 5},
    ...     "scales": {"S": ["a", "b", "c"], "T": ["d", "e", "f"]}})
    >>> mi = pd.DataFrame({"lhs": ["T", "a", "S"], "op": ["=~", "~~", "=~"],
    ...                    "rhs": ["b", "c", "e"], "mi": [40.0, 25.0, 5.0],
    ...                    "sepc_all": [0.35, 0.25, 0.5]})
    >>> [(f.item, f.detail[:22]) for f in modification_flags(
    ...     mi, key, {"a": .7, "b": .6, "c": .5}, 10, .2)]
    [('b', 'cross-loading on T: MI'), ('c', 'residual covariance wi')]
    """
    items = set(key.items)
    scales = set(key.scale_names)
    flags = []
    if mi is None or not len(mi):
        return flags
    for _, r in mi.iterrows():
        m, sepc = float(r["mi"]), abs(float(r["sepc_all"]))
        if not (m >= mi_min and sepc >= sepc_min):
            continue
        lhs, op, rhs = str(r["lhs"]), str(r["op"]), str(r["rhs"])
        if op == "=~" and lhs in scales and rhs in items and key.scale_of(rhs) != lhs:
            flags.append(ItemFlag(rhs, "modification_index", m,
                                  f"cross-loading on {lhs}: MI {m:.1f}, sEPC {sepc:.3f}"))
        elif op == "~~" and lhs in items and rhs in items and lhs != rhs:
            weaker = min((lhs, rhs), key=lambda i: (abs(loadings.get(i, np.inf)), i))
            other = rhs if weaker == lhs else lhs
            flags.append(ItemFlag(weaker, "modification_index", m,
                                  f"residual covariance with {other}: MI {m:.1f}, "
                                  f"sEPC {sepc:.3f}"))
    return flags


def _item_of(parameter: str, items: set[str]) -> str | None:
    for sep in ("=~", "~~"):
        if sep in parameter:
            cand = parameter.split(sep)[-1].strip()
            return cand if cand in items else None
    if parameter.endswith("~1"):
        cand = parameter[:-2].strip()
        return cand if cand in items else None
    return None


def noninvariant_flags(partial: Sequence[Mapping[str, Any]], key: Key) -> list[ItemFlag]:
    """Items with a parameter freed by the partial-invariance search.

    ``partial`` is :attr:`lospw.analysis.validation.invariance.InvarianceResult.partial`.

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 5},
    ...     "scales": {"S": ["a", "b", "c"]}})
    >>> [f.detail for f in noninvariant_flags([{"step": "scalar", "freed": [
    ...     {"parameter": "b~1", "X2": 30.5}]}], key)]
    ['scalar step: b~1 freed (score test X2 30.5)']
    """
    items = set(key.items)
    flags = []
    for search in partial:
        for f in search.get("freed", ()):
            item = _item_of(str(f["parameter"]), items)
            if item is not None:
                flags.append(ItemFlag(item, "non_invariant", float(f.get("X2", np.nan)),
                                      f"{search.get('step')} step: {f['parameter']} freed "
                                      f"(score test X2 {float(f.get('X2', np.nan)):.1f})"))
    return flags


def item_search_flags(searches: Sequence[Any], key: Key) -> list[ItemFlag]:
    """Items freed by the backward item search of :mod:`lospw.analysis.validation.dif` (its ``freed``).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from lospw.analysis.core.key import key_from_dict
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 5},
    ...     "scales": {"S": ["a", "b", "c"]}})
    >>> srch = SimpleNamespace(step="scalar", alpha=0.05 / 3, freed=(
    ...     {"parameter": "b~1", "item": "b", "X2": 31.0, "pvalue": 1e-8},))
    >>> item_search_flags([srch], key)[0].detail
    'scalar step: score test of b~1 X2 31.0, p 1e-08 < 0.0167 (Bonferroni, backward search)'
    """
    items = set(key.items)
    return [ItemFlag(f["item"], "non_invariant", float(f["X2"]),
                     f"{s.step} step: score test of {f['parameter']} X2 {f['X2']:.1f}, "
                     f"p {f['pvalue']:.2g} < {s.alpha:.3g} (Bonferroni, backward search)")
            for s in searches for f in s.freed if f["item"] in items]


# -- the proposal ---------------------------------------------------------------------------------
def propose_reduction(key: Key, flags: Sequence[ItemFlag], loadings: Mapping[str, float],
                      criteria: Criteria, notes: Sequence[str] = ()) -> ReductionProposal:
    """Decide which flagged items to drop under the coverage constraints (module docstring).

    Examples
    --------
    >>> from lospw.analysis.core.criteria import load_criteria
    >>> from lospw.analysis.core.key import key_from_dict
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 5},
    ...     "scales": {"S": ["a", "b", "c", "d"], "T": ["e", "f", "g"]},
    ...     "aspects": {"a": "x", "b": "x", "c": "y", "d": "z", "e": "u", "f": "u", "g": "u"}})
    >>> lam = {"a": .7, "b": .3, "c": .6, "d": .35, "e": .7, "f": .3, "g": .6}
    >>> p = propose_reduction(key, weak_loading_flags(lam, .4), lam, load_criteria(None))
    >>> [(d.item, d.decision) for d in p.decisions]
    [('b', 'drop'), ('f', 'keep'), ('d', 'keep')]
    >>> p.decisions[2].why
    'kept: scale S would keep fewer than 3 items'
    """
    use = set(criteria.reduction_rules)
    by_item: dict[str, list[ItemFlag]] = {}
    for f in flags:
        if f.rule in use:
            by_item.setdefault(f.item, []).append(f)
    aspect = key.aspect_map
    order = sorted(by_item, key=lambda i: (-len({f.rule for f in by_item[i]}),
                                           abs(loadings.get(i, np.inf)), key.items.index(i)))
    kept = {s.name: list(s.items) for s in key.scales}
    decisions = []
    for item in order:
        scale = key.scale_of(item)
        rest = [i for i in kept[scale] if i != item]
        a = aspect.get(item)
        if len(rest) < criteria.min_items_per_scale:
            decision, why = "keep", (f"kept: scale {scale} would keep fewer than "
                                     f"{criteria.min_items_per_scale} items")
        elif a is not None and not any(aspect.get(i) == a for i in rest):
            decision, why = "keep", f"kept: aspect {a} would have no item left in {scale}"
        else:
            decision, why = "drop", "; ".join(f.detail for f in by_item[item])
            kept[scale] = rest
        lam = loadings.get(item)
        decisions.append(ItemDecision(item, scale, a, None if lam is None else abs(float(lam)),
                                      tuple(by_item[item]), decision, why))
    rules = {"weak_loading_below": criteria.weak_loading_below,
             "cross_loading_secondary_at_least": criteria.cross_secondary_at_least,
             "cross_loading_gap_below": criteria.cross_gap_below,
             "mi_at_least": criteria.mi_at_least, "sepc_at_least": criteria.sepc_at_least,
             "noninvariance_alpha": criteria.noninvariance_alpha,
             "min_items_per_scale": criteria.min_items_per_scale,
             "aspect_coverage": bool(aspect), "use": sorted(use)}
    return ReductionProposal(tuple(decisions), rules, tuple(notes))


def reduced_key(key: Key, dropped: Sequence[str],
                why: str = "reduced by lospw analyze") -> Key:
    """The key without ``dropped`` items (aspects, labels and the design follow); ``why``
    starts the note added to its description.

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 5},
    ...     "scales": {"S": ["a", "-b", "c", "d"]}})
    >>> reduced_key(key, ["c"]).scale("S").keyed
    ('a', '-b', 'd')
    """
    return key_without(key, dropped, why, source=f"{key.source} (reduced)")
