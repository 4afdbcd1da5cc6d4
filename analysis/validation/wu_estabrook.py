"""Invariance models for ordered items, identified as Wu & Estabrook (2016) propose.

For ordered items (WLSMV) the continuous-item sequence loadings → intercepts does not apply:
thresholds come first. Wu & Estabrook (2016) show which parameters must be fixed for each
step to be identified and not merely a re-parameterization of the one before. This module
writes the lavaan syntax of each step for a key's correlated-factors model, statement for
statement as ``semTools::measEq.syntax`` 0.5-6 writes it (``ID.fac = "std.lv"``,
``ID.cat = "Wu.Estabrook.2016"``), with the same labels, so a lavaan user can compare the
two directly.

Steps (cumulative):

``configural``
    Loadings and thresholds free in every group; item intercepts 0 and scales 1 (scaling
    factors in the delta parameterization, residual variances in the theta one); factor
    means 0 and variances 1 in every group.
``thresholds``
    Thresholds equal across groups.
``metric``
    + loadings equal.
``scalar``
    + intercepts equal (so 0 in every group).
``strict``
    + residual variances equal (so 1 in every group); theta parameterization only (in the
    delta parameterization residual variances are not parameters; semTools refuses it).

The identification rules, for item *i* in group *g* > 1 with *k* thresholds held equal
(``measEq.syntax``'s ``nEqThr``): the intercept is free when *k* ≥ 1 and the intercept is
not held equal; the scale (scaling factor or residual variance) is free when (*k* ≥ 2, or
*k* ≥ 1 and the intercept is held equal) and the residual is not held equal. A factor's
variance is free in groups 2+ when one of its loadings is held equal, its mean when one of
its items' intercepts is held equal. Parameters named in ``partial`` (``"A1|t2"``,
``"A=~A1"``, ``"A1~1"``, ``"A1~~A1"``) are exempt from their step's equality, as
``measEq.syntax``'s ``group.partial``. So binary items (one threshold) keep their scale
fixed until their intercept is equal, and a freed threshold can fix a scale again.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import Key

__all__ = ["ORDINAL_STEPS", "free_intercept_and_scale", "step_parameterization",
           "thresholds_held_equal", "wu_estabrook_syntax"]

#: The steps and the lavaan ``group.equal`` each adds up to (for reports).
ORDINAL_STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("configural", ()),
    ("thresholds", ("thresholds",)),
    ("metric", ("thresholds", "loadings")),
    ("scalar", ("thresholds", "loadings", "intercepts")),
    ("strict", ("thresholds", "loadings", "intercepts", "residuals")),
)


def step_parameterization(step: str) -> str:
    """The parameterization lospw fits a step in: ``theta`` for strict, else ``delta``.

    >>> step_parameterization("scalar"), step_parameterization("strict")
    ('delta', 'theta')
    """
    return "theta" if step == "strict" else "delta"


def thresholds_held_equal(item: str, n_thresholds: int, equal: bool,
                          partial: Collection[str]) -> list[bool]:
    """Whether each of an item's thresholds is held equal: all when thresholds are equal,
    except those named in ``partial`` (``"<item>|t<k>"``, without spaces).

    >>> thresholds_held_equal("a", 3, True, {"a|t2"})
    [True, False, True]
    """
    return [equal and f"{item}|t{t}" not in partial for t in range(1, n_thresholds + 1)]


def free_intercept_and_scale(k: int, intercept_equal: bool,
                             residual_equal: bool) -> tuple[bool, bool]:
    """Wu & Estabrook's (2016) identification of an ordered item in a later group (or wave):
    whether its intercept and its scale (scaling factor or residual variance) are free.

    Notes
    -----
    With ``k`` of the item's thresholds held equal, the intercept is free when ``k >= 1``
    and the intercept is not held equal; the scale is free when (``k >= 2``, or ``k >= 1``
    and the intercept is held equal) and the residual is not held equal
    (``measEq.syntax``'s ``ID.cat = "Wu.Estabrook.2016"``).

    >>> free_intercept_and_scale(1, False, False), free_intercept_and_scale(2, True, False)
    ((True, False), (False, True))
    """
    return (k >= 1 and not intercept_equal,
            (k >= 2 or (k >= 1 and intercept_equal)) and not residual_equal)


def _vec(values: list[str]) -> str:
    return "c(" + ", ".join(values) + ")"


def _check(key: Key, n_groups: int, n_thresholds: Mapping[str, int], step: str,
           parameterization: str) -> None:
    names = [s for s, _ in ORDINAL_STEPS]
    if step not in names:
        raise InputError(f"The 'step' must be one of {', '.join(map(repr, names))}; "
                         f"got {step!r}.")
    if parameterization not in ("delta", "theta"):
        raise InputError(f"The 'parameterization' must be 'delta' or 'theta'; got "
                         f"{parameterization!r}.")
    if step == "strict" and parameterization == "delta":
        raise InputError("Residual variances are not parameters in the delta "
                         "parameterization; the strict step needs parameterization 'theta'.")
    if n_groups < 2:
        raise InputError(f"Invariance needs at least two groups; got {n_groups}.")
    for item in key.items:
        k = n_thresholds.get(item)
        if k is None or k < 1:
            raise InputError(
                f"Item {item!r} has {k or 0} threshold(s) ({(k or 0) + 1} categories observed); "
                "an ordered item needs at least two categories in every group. Drop the item "
                "or check its responses."
            )


def wu_estabrook_syntax(key: Key, n_groups: int, n_thresholds: Mapping[str, int],
                        step: str, *, partial: Collection[str] = (),
                        parameterization: str | None = None) -> str:
    """The lavaan syntax of one invariance step for ordered items.

    Parameters
    ----------
    key : Key
    n_groups : int
        Number of groups (2 or more).
    n_thresholds : mapping
        Item -> number of thresholds (categories observed minus 1), equal across groups.
    step : {"configural", "thresholds", "metric", "scalar", "strict"}
    partial : collection of str
        Parameters exempt from the step's equalities (``group.partial``), written without
        spaces: ``"A1|t2"``, ``"A=~A1"``, ``"A1~1"``, ``"A1~~A1"``.
    parameterization : {"delta", "theta"}, optional
        Default :func:`step_parameterization` (``theta`` for strict, else ``delta``).

    Returns
    -------
    str
        Statements grouped under ``## LOADINGS:`` etc., as ``measEq.syntax`` writes them.

    Raises
    ------
    InputError
        Unknown step, the strict step in the delta parameterization, fewer than two groups,
        an item with fewer than two categories.

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 3},
    ...                      "scales": {"F": ["a", "b", "c"]}})
    >>> text = wu_estabrook_syntax(key, 2, {"a": 2, "b": 2, "c": 2}, "thresholds")
    >>> print("\\n".join(text.splitlines()[2:3] + text.splitlines()[8:9]))
    F =~ c(NA, NA)*a + c(lambda.1_1.g1, lambda.1_1.g2)*a
    a | c(NA, NA)*t1 + c(a.thr1, a.thr1)*t1
    >>> "a ~ c(0, NA)*1 + c(nu.1.g1, nu.1.g2)*1" in text, "a ~*~ c(1, NA)*a" in text
    (True, True)
    """
    parameterization = parameterization or step_parameterization(step)
    _check(key, n_groups, n_thresholds, step, parameterization)
    level = [s for s, _ in ORDINAL_STEPS].index(step)
    eq_thr, eq_load, eq_int, eq_res = (level >= k for k in (1, 2, 3, 4))
    free_of = {"".join(str(p).split()) for p in partial}
    G = n_groups
    items = list(key.items)
    index = {item: i + 1 for i, item in enumerate(items)}
    factors = list(key.scale_names)

    def labels(stem: str, equal: bool) -> str:
        return _vec([stem] * G if equal else [f"{stem}.g{g}" for g in range(1, G + 1)])

    def first(value: str, free_rest: bool) -> str:
        return _vec([value] + (["NA"] if free_rest else [value]) * (G - 1))

    free = _vec(["NA"] * G)
    thr_equal = {i: thresholds_held_equal(i, n_thresholds[i], eq_thr, free_of) for i in items}
    int_equal = {i: eq_int and f"{i}~1" not in free_of for i in items}
    res_equal = {i: eq_res and f"{i}~~{i}" not in free_of for i in items}
    load_equal = {(s.name, i): eq_load and f"{s.name}=~{i}" not in free_of
                  for s in key.scales for i in s.items}

    out = ["## LOADINGS:", ""]
    for f, scale in enumerate(key.scales, start=1):
        for item in scale.items:
            lab = labels(f"lambda.{index[item]}_{f}", load_equal[(scale.name, item)])
            out.append(f"{scale.name} =~ {free}*{item} + {lab}*{item}")
    out += ["", "## THRESHOLDS:", ""]
    for item in items:
        for t, equal in enumerate(thr_equal[item], start=1):
            out.append(f"{item} | {free}*t{t} + {labels(f'{item}.thr{t}', equal)}*t{t}")
    out += ["", "## INTERCEPTS:", ""]
    scale_free = {}
    for item in items:
        nu_free, scale_free[item] = free_intercept_and_scale(sum(thr_equal[item]),
                                                             int_equal[item], res_equal[item])
        out.append(f"{item} ~ {first('0', nu_free)}*1 + "
                   f"{labels(f'nu.{index[item]}', int_equal[item])}*1")
    if parameterization == "delta":
        out += ["", "## SCALING FACTORS:", ""]
        for item in items:
            out.append(f"{item} ~*~ {first('1', scale_free[item])}*{item}")
        out += [""]
    else:
        out += ["", "## UNIQUE-FACTOR VARIANCES:", ""]
        for item in items:
            i = index[item]
            out.append(f"{item} ~~ {first('1', scale_free[item])}*{item} + "
                       f"{labels(f'theta.{i}_{i}', res_equal[item])}*{item}")
    out += ["", "## LATENT MEANS/INTERCEPTS:", ""]
    for f, scale in enumerate(key.scales, start=1):
        mean_free = any(int_equal[i] for i in scale.items)
        out.append(f"{scale.name} ~ {first('0', mean_free)}*1 + "
                   f"{labels(f'alpha.{f}', False)}*1")
    out += ["", "## COMMON-FACTOR VARIANCES:", ""]
    for f, scale in enumerate(key.scales, start=1):
        var_free = any(load_equal[(scale.name, i)] for i in scale.items)
        out.append(f"{scale.name} ~~ {first('1', var_free)}*{scale.name} + "
                   f"{labels(f'psi.{f}_{f}', False)}*{scale.name}")
    if len(factors) > 1:
        out += ["", "## COMMON-FACTOR COVARIANCES:", ""]
        for a in range(1, len(factors) + 1):
            for b in range(a + 1, len(factors) + 1):
                fa, fb = factors[a - 1], factors[b - 1]
                out.append(f"{fa} ~~ {free}*{fb} + {labels(f'psi.{b}_{a}', False)}*{fb}")
    return "\n".join(out) + "\n"
