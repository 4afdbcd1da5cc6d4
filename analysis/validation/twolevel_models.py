"""Two-level CFA models generated from a key, as lavaan syntax with ``level:`` blocks.

A key states which items measure which scale; with a cluster column (e.g. the workplace)
the same items also vary between clusters, and the between-level structure is a modelling
choice. Each generator returns lavaan syntax that runs unchanged in lospw's two-level engine
(:func:`lospw.analysis.cfa.twolevel.fit_twolevel`) and in R::

    fit <- cfa(model, data = data, cluster = "workplace")

The structures (``LEVEL_STRUCTURES``)
-------------------------------------
``same``
    The key's factors at both levels with each loading equal across the levels (a label
    shared by the two blocks): cross-level invariance, the "same structure" in the strict
    sense of Jak, Oort & Dolan (2013). The between factors are then the cluster means of
    the within factors (Stapleton, Yang & Hancock, 2016), the model of semTools'
    ``compRelSEM`` example for configural constructs (Lai, 2021).
``configural``
    The key's factors at both levels, loadings free at each level: same pattern, no
    cross-level equality.
``one_between``
    The key's factors within, one factor for all items between (clusters differ on one
    general dimension only).
``shared``
    Within level saturated (all covariances free), the key's factors between: Lai's (2021)
    shared-construct model, whose between factors are properties of the clusters.

Single-item scales are written as in :func:`lospw.analysis.validation.models.
correlated_factors` (``S =~ x`` with ``x ~~ 0*x``) at each level where they are factors.
"""

from __future__ import annotations

import re

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import Key

__all__ = ["LEVEL_STRUCTURES", "twolevel_model"]

LEVEL_STRUCTURES = ("same", "configural", "one_between", "shared")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*$")


def _check_names(key: Key) -> None:
    """Key names must be lavaan variable names, and no scale may share an item's name."""
    for name in (*key.scale_names, *key.items):
        if not _NAME.match(name):
            raise InputError(f"The name {name!r} in the key cannot be a lavaan variable name; "
                             "use letters, digits, '_' and '.', starting with a letter.")
    clash = set(key.scale_names) & set(key.items)
    if clash:
        raise InputError(f"The name {sorted(clash)[0]!r} in the key is both a scale and an "
                         "item; rename the scale or the item.")


def _measure(factor: str, items: list[str]) -> list[str]:
    """``factor =~ items``; a single-item factor equals its item (residual variance 0)."""
    lines = [f"{factor} =~ {' + '.join(items)}"]
    if len(items) == 1:
        lines.append(f"{items[0].split('*')[-1]} ~~ 0*{items[0].split('*')[-1]}")
    return lines


def _factors(key: Key, labels: bool) -> list[str]:
    lines: list[str] = []
    for s in key.scales:
        items = list(s.items)
        if labels and len(items) > 1:
            items = [items[0]] + [f"L_{v}*{v}" for v in items[1:]]
        lines += _measure(s.name, items)
    return lines


def _between_name(key: Key) -> str:
    taken = set(key.scale_names) | set(key.items)
    name = "B"
    while name in taken:
        name += "_between"
    return name


def twolevel_model(key: Key, structure: str = "same") -> str:
    """lavaan syntax of a two-level CFA of the key's scales.

    Parameters
    ----------
    key : Key
    structure : {"same", "configural", "one_between", "shared"}
        See the module docstring.

    Returns
    -------
    str
        ``level: 1`` block, then ``level: 2`` block.

    Raises
    ------
    InputError
        An unknown structure, or key names that cannot be lavaan variables.

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 5},
    ...                      "scales": {"A": ["a1", "a2", "a3"], "C": ["c1", "c2", "c3"]}})
    >>> print(twolevel_model(key, "same"))
    level: 1
    A =~ a1 + L_a2*a2 + L_a3*a3
    C =~ c1 + L_c2*c2 + L_c3*c3
    level: 2
    A =~ a1 + L_a2*a2 + L_a3*a3
    C =~ c1 + L_c2*c2 + L_c3*c3
    >>> print(twolevel_model(key, "one_between").splitlines()[-1])
    B =~ a1 + a2 + a3 + c1 + c2 + c3
    """
    if structure not in LEVEL_STRUCTURES:
        raise InputError(f"The two-level structure must be one of {', '.join(LEVEL_STRUCTURES)}; "
                         f"got {structure!r}.")
    _check_names(key)
    items = list(key.items)
    if structure == "same":
        within = between = _factors(key, labels=True)
    elif structure == "configural":
        within = between = _factors(key, labels=False)
    elif structure == "one_between":
        within = _factors(key, labels=False)
        between = [f"{_between_name(key)} =~ {' + '.join(items)}"]
    else:
        within = [f"{v} ~~ {' + '.join(items[i:])}" for i, v in enumerate(items)]
        between = _factors(key, labels=False)
    return "\n".join(["level: 1", *within, "level: 2", *between])
