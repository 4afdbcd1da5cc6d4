"""Invariance models for ordered items, identified as Wu & Estabrook (2016) propose.

For ordered items (WLSMV, delta parameterization) the continuous-item sequence
loadings → intercepts does not apply: thresholds come first. Wu & Estabrook (2016) show which
parameters must be fixed for each step to be identified and not merely a re-parameterization
of the one before. This module writes the lavaan syntax of each step for a key's
correlated-factors model, statement for statement as ``semTools::measEq.syntax`` writes it
(``ID.fac = "std.lv"``, ``ID.cat = "Wu.Estabrook.2016"``, ``parameterization = "delta"``),
with the same labels, so a lavaan user can compare the two directly.

Steps (cumulative), for items with three or more categories:

``configural``
    Loadings and thresholds free in every group; item intercepts 0 and scaling factors 1;
    factor means 0 and variances 1 in every group.
``thresholds``
    Thresholds equal across groups; intercepts and scaling factors free in groups 2+.
``metric``
    Loadings equal; factor variances free in groups 2+.
``scalar``
    Intercepts equal (so 0 in every group); factor means free in groups 2+.

Strict invariance (residual variances) needs the theta parameterization and is not written.
Binary items (one threshold) need other constraints (Wu & Estabrook, 2016, section 4.1) and
are refused.
"""

from __future__ import annotations

from collections.abc import Mapping

from analysis.errors import InputError
from analysis.key import Key

__all__ = ["ORDINAL_STEPS", "wu_estabrook_syntax"]

#: The steps and the lavaan ``group.equal`` each adds up to (for reports).
ORDINAL_STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("configural", ()),
    ("thresholds", ("thresholds",)),
    ("metric", ("thresholds", "loadings")),
    ("scalar", ("thresholds", "loadings", "intercepts")),
)


def _vec(values: list[str]) -> str:
    return "c(" + ", ".join(values) + ")"


def wu_estabrook_syntax(key: Key, n_groups: int, n_thresholds: Mapping[str, int],
                        step: str) -> str:
    """The lavaan syntax of one invariance step for ordered items.

    Parameters
    ----------
    key : Key
    n_groups : int
        Number of groups (2 or more).
    n_thresholds : mapping
        Item -> number of thresholds (categories observed minus 1), equal across groups.
    step : {"configural", "thresholds", "metric", "scalar"}

    Returns
    -------
    str
        Statements grouped under ``## LOADINGS:`` etc., as ``measEq.syntax`` writes them.

    Raises
    ------
    InputError
        Unknown step, fewer than two groups, an item with fewer than two thresholds.

    Examples
    --------
    >>> from analysis.key import key_from_dict
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 3},
    ...                      "scales": {"F": ["a", "b", "c"]}})
    >>> text = wu_estabrook_syntax(key, 2, {"a": 2, "b": 2, "c": 2}, "thresholds")
    >>> print("\\n".join(text.splitlines()[2:3] + text.splitlines()[8:9]))
    F =~ c(NA, NA)*a + c(lambda.1_1.g1, lambda.1_1.g2)*a
    a | c(NA, NA)*t1 + c(a.thr1, a.thr1)*t1
    """
    names = [s for s, _ in ORDINAL_STEPS]
    if step not in names:
        raise InputError(f"The 'step' must be one of {', '.join(map(repr, names))}; "
                         f"got {step!r}.")
    if n_groups < 2:
        raise InputError(f"Invariance needs at least two groups; got {n_groups}.")
    for item in key.items:
        k = n_thresholds.get(item)
        if k is None or k < 2:
            raise InputError(
                f"Item {item!r} has {k or 0} threshold(s) ({(k or 0) + 1} categories observed); "
                "the Wu & Estabrook (2016) steps written here need at least three categories "
                "per item in every group. Merge sparse categories or treat the item as "
                "continuous (ML/MLR)."
            )
    level = names.index(step)
    eq_thr, eq_load, eq_int = level >= 1, level >= 2, level >= 3
    G = n_groups

    def labels(stem: str, equal: bool) -> str:
        return _vec([stem] * G if equal else [f"{stem}.g{g}" for g in range(1, G + 1)])

    def first_fixed(value: str, free_rest: bool) -> str:
        return _vec([value] + (["NA"] if free_rest else [value]) * (G - 1))

    free = _vec(["NA"] * G)
    factors = list(key.scale_names)
    index = {item: i + 1 for i, item in enumerate(key.items)}
    out = ["## LOADINGS:", ""]
    for f, scale in enumerate(key.scales, start=1):
        for item in scale.items:
            lab = labels(f"lambda.{index[item]}_{f}", eq_load)
            out.append(f"{scale.name} =~ {free}*{item} + {lab}*{item}")
    out += ["", "## THRESHOLDS:", ""]
    for item in key.items:
        for t in range(1, n_thresholds[item] + 1):
            lab = labels(f"{item}.thr{t}", eq_thr)
            out.append(f"{item} | {free}*t{t} + {lab}*t{t}")
    out += ["", "## INTERCEPTS:", ""]
    for item in key.items:
        fixed = _vec(["0"] * G) if eq_int else first_fixed("0", eq_thr)
        out.append(f"{item} ~ {fixed}*1 + {labels(f'nu.{index[item]}', eq_int)}*1")
    out += ["", "## SCALING FACTORS:", ""]
    for item in key.items:
        out.append(f"{item} ~*~ {first_fixed('1', eq_thr)}*{item}")
    out += ["", "", "## LATENT MEANS/INTERCEPTS:", ""]
    for f, name in enumerate(factors, start=1):
        out.append(f"{name} ~ {first_fixed('0', eq_int)}*1 + {labels(f'alpha.{f}', False)}*1")
    out += ["", "## COMMON-FACTOR VARIANCES:", ""]
    for f, name in enumerate(factors, start=1):
        out.append(f"{name} ~~ {first_fixed('1', eq_load)}*{name} + "
                   f"{labels(f'psi.{f}_{f}', False)}*{name}")
    if len(factors) > 1:
        out += ["", "## COMMON-FACTOR COVARIANCES:", ""]
        for a in range(1, len(factors) + 1):
            for b in range(a + 1, len(factors) + 1):
                fa, fb = factors[a - 1], factors[b - 1]
                out.append(f"{fa} ~~ {free}*{fb} + {labels(f'psi.{b}_{a}', False)}*{fb}")
    return "\n".join(out) + "\n"
