"""Longitudinal invariance models: the key's factors at every wave, as lavaan syntax the way
``semTools::measEq.syntax(configural.model, longFacNames =, long.equal =, ID.fac = "std.lv",
auto = "all")`` 0.5-6 writes them (one wide-data model; the waves are blocks of columns).

Every scale is one factor per wave (``<scale><suffix>``, e.g. ``TEN_1``), measured by the
same items at each wave (``<item><suffix>``); all factors correlate, and each item's
residuals covary across every pair of waves (``auto = "all"``). Identification
(``ID.fac = "std.lv"``): the first wave's factors have mean 0 and variance 1; at a later
wave a factor's variance is free once one of its loadings is held equal across waves, its
mean once one of its items' intercepts is.

Continuous items (ML, MLR), cumulative steps: ``configural`` (loadings, intercepts and
residual variances free at each wave; factor means 0), ``metric`` (+ loadings equal),
``scalar`` (+ intercepts equal), ``strict`` (+ residual variances equal).

Ordered items (WLSMV, theta parameterization; ``ID.cat = "Wu.Estabrook.2016"``):
``configural`` (thresholds and loadings free; intercepts 0 and residual variances 1 at every
wave), ``thresholds`` (+ thresholds equal), ``metric`` (+ loadings), ``scalar`` (+
intercepts: then 0 at every wave), ``strict`` (+ residual variances: 1 at every wave). At a
later wave, with ``k`` of an item's thresholds held equal: its intercept is free when ``k >=
1`` and the intercept is not held equal; its residual variance is free when (``k >= 2``, or
``k >= 1`` and the intercept is held equal) and the residual is not held equal (Wu &
Estabrook, 2016; :func:`lospw.analysis.validation.wu_estabrook.free_intercept_and_scale`,
the rule of the cross-group builder, applied to waves; :data:`ORDINAL_STEPS` is that module's).

``partial`` exempts parameters from their step's equality (the partial-invariance search):
``"item=~"`` a loading, ``"item~1"`` an intercept, ``"item~~"`` a residual variance,
``"item|t2"`` one threshold — the item at every wave keeps its own parameter.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import Key
from lospw.analysis.validation.wu_estabrook import (
    ORDINAL_STEPS,
    free_intercept_and_scale,
    thresholds_held_equal,
)

__all__ = ["CONTINUOUS_STEPS", "ORDINAL_STEPS", "longitudinal_syntax"]

CONTINUOUS_STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("configural", ()),
    ("metric", ("loadings",)),
    ("scalar", ("loadings", "intercepts")),
    ("strict", ("loadings", "intercepts", "residuals")),
)


def _label(name: str) -> str:
    """A lavaan label from a variable name ('.' is allowed, other characters are not)."""
    return name.replace(".", "_")


def _wave_label(stem: str, item: str, wave: str, same: bool, tail: str = "") -> str:
    """``<stem>_<item><tail>`` when held equal across waves, else with the wave's suffix."""
    return f"{stem}_{_label(item)}{tail}" if same else f"{stem}_{_label(item)}{_label(wave)}{tail}"


def _per_wave(item: str, waves: Sequence[str], op: str, rhs: str | None, stem: str, same: bool,
              later_free: bool | None, fixed: str) -> list[str]:
    """An item's intercept (``op="~"``, ``rhs="1"``) or residual variance (``op="~~"``,
    ``rhs=None``: the item) at every wave: continuous items free with a label (shared when
    held equal); ordered items (``later_free`` not None) ``fixed`` at the first wave and at
    later waves unless Wu & Estabrook's rule frees them."""
    out = []
    for i, w in enumerate(waves):
        v = f"{item}{w}"
        r = rhs or v
        if later_free is None:
            out.append(f"{v} {op} NA*{r} + {_wave_label(stem, item, w, same)}*{r}")
        else:
            out.append(f"{v} {op} {'NA' if i > 0 and later_free else fixed}*{r}")
    return out


def longitudinal_syntax(key: Key, suffixes: Sequence[str], step: str, *,
                        n_thresholds: Mapping[str, int] | None = None,
                        partial: Collection[str] = ()) -> str:
    """lavaan syntax of one longitudinal invariance step (see the module docstring).

    Parameters
    ----------
    key : Key
        Scales and items (items named without the wave suffix).
    suffixes : sequence of str
        The wave suffix of the columns, in wave order (e.g. ``["_1", "_2"]``).
    step : str
        A step of :data:`CONTINUOUS_STEPS` or, with ``n_thresholds``, :data:`ORDINAL_STEPS`.
    n_thresholds : mapping, optional
        Thresholds per item (ordered items, WLSMV theta parameterization).
    partial : collection of str
        Parameters exempt from the step's equalities.

    Returns
    -------
    str

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 4},
    ...                      "scales": {"A": ["a1", "a2", "a3"]}})
    >>> s = longitudinal_syntax(key, ["_1", "_2"], "scalar")
    >>> [ln for ln in s.splitlines() if "a2" in ln and "=~" in ln]
    ['A_1 =~ NA*a2_1 + L_a2*a2_1', 'A_2 =~ NA*a2_2 + L_a2*a2_2']
    >>> [ln for ln in s.splitlines() if ln.startswith("A_2 ~")]
    ['A_2 ~ NA*1', 'A_2 ~~ NA*A_2']
    """
    ordinal = n_thresholds is not None
    steps = dict(ORDINAL_STEPS if ordinal else CONTINUOUS_STEPS)
    if step not in steps:
        raise InputError(f"Unknown longitudinal invariance step {step!r}; the steps are "
                         f"{', '.join(steps)}.")
    if len(suffixes) < 2 or len(set(suffixes)) != len(suffixes):
        raise InputError("Longitudinal invariance needs at least two waves with distinct "
                         "column suffixes.")
    eq = set(steps[step])
    partial = set(partial)
    waves = list(suffixes)
    first = waves[0]

    def fac(scale: str, w: str) -> str:
        return f"{scale}{w}"

    lines: list[str] = ["## LOADINGS"]
    free_var: dict[tuple[str, str], bool] = {}
    free_mean: dict[tuple[str, str], bool] = {}
    for s in key.scales:
        for w in waves:
            equal_any = False
            for it in s.items:
                same = "loadings" in eq and f"{it}=~" not in partial
                equal_any |= same
                lines.append(f"{fac(s.name, w)} =~ NA*{it}{w} + "
                             f"{_wave_label('L', it, w, same)}*{it}{w}")
            free_var[(s.name, w)] = w != first and equal_any
    int_equal = {it: "intercepts" in eq and f"{it}~1" not in partial for it in key.items}
    res_equal = {it: "residuals" in eq and f"{it}~~" not in partial for it in key.items}
    free_later: dict[str, tuple[bool, bool] | tuple[None, None]] = dict.fromkeys(
        key.items, (None, None))
    if ordinal:
        lines.append("## THRESHOLDS")
        thr_equal = {it: thresholds_held_equal(it, int(n_thresholds[it]), "thresholds" in eq,
                                               partial) for it in key.items}
        for it in key.items:
            for w in waves:
                for t, same in enumerate(thr_equal[it], start=1):
                    lines.append(f"{it}{w} | NA*t{t} + "
                                 f"{_wave_label('T', it, w, same, f'_t{t}')}*t{t}")
            free_later[it] = free_intercept_and_scale(sum(thr_equal[it]), int_equal[it],
                                                      res_equal[it])
    lines.append("## INTERCEPTS")
    for s in key.scales:
        for it in s.items:
            lines += _per_wave(it, waves, "~", "1", "N", int_equal[it], free_later[it][0], "0")
        for w in waves:
            free_mean[(s.name, w)] = w != first and any(int_equal[it] for it in s.items)
    lines.append("## RESIDUAL VARIANCES AND COVARIANCES")
    for it in key.items:
        lines += _per_wave(it, waves, "~~", None, "E", res_equal[it], free_later[it][1], "1")
        for i, w1 in enumerate(waves):
            for w2 in waves[i + 1:]:
                lines.append(f"{it}{w1} ~~ NA*{it}{w2}")
    lines.append("## FACTOR MEANS, VARIANCES AND COVARIANCES")
    factors = [(s.name, w) for w in waves for s in key.scales]
    for f in factors:
        lines.append(f"{fac(*f)} ~ {'NA' if free_mean[f] else '0'}*1")
        lines.append(f"{fac(*f)} ~~ {'NA' if free_var[f] else '1'}*{fac(*f)}")
    for i, f in enumerate(factors):
        for g in factors[i + 1:]:
            lines.append(f"{fac(*f)} ~~ NA*{fac(*g)}")
    return "\n".join(lines)

