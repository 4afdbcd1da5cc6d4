"""Competing CFA models generated from a key, as lavaan model syntax.

The structure a key states (every scale one factor, the factors correlated) is tested
against theory-driven alternatives. Each generator is a pure function ``Key -> str`` whose
text is lavaan model syntax, so the same string runs in lospw's engine and in R::

    library(lavaan)
    fit <- cfa(model, data = data)

Every model is written out in full (fixed values, freed markers, zero covariances), so it
needs no lavaan option beyond the defaults of ``cfa()`` (marker-variable scaling: the first
loading of each factor fixed to 1; exogenous factors correlated).

The models
----------
``one_factor``
    One factor under all items.
``grouped``
    The key's ``higher_order`` groups as correlated first-order factors: the items of all
    scales of a group load on one factor (scales in no group stay factors of their own).
    Needs ``higher_order`` in the key.
``correlated``
    Every scale a factor, factors correlated: the key's own model (:func:`correlated_factors`).
``second_order``
    The scales as first-order factors under second-order factors: the key's
    ``higher_order`` groups when it has them, else one general factor over all scales.
``bifactor``
    A general factor under all items plus one specific factor per scale, all factors
    orthogonal, every factor's variance fixed to 1 (``std.lv``).

Identification (what lospw writes, so that R users see the same model)
----------------------------------------------------------------------
* A scale with one item is a factor equal to its item: ``S =~ x`` with ``x ~~ 0*x``.
* A second-order factor over exactly two first-order factors is not identified on its own
  (one free loading, a variance and two disturbances for three covariance elements), and
  empirically fragile even when other second-order factors carry it. lospw fixes both
  second-order loadings to 1 (``core =~ 1*LOS + 1*GOC``): equal loadings, the second-order
  variance free; this is the usual equality constraint written with marker scaling, and it
  costs one degree of freedom. A group with a single scale gets no second-order factor: the
  scale's factor stands for the group and correlates with the second-order factors.
  A single general factor over two scales is therefore equivalent to ``correlated``; over one
  scale the model is not generated.
* A bifactor model needs specific factors with at least three items, and at least three of
  them (with two, the general loadings are not identified without further constraints; psych's
  ``omega`` warns the same). Scales with fewer than three items get no specific factor (their
  items load on the general factor only); with fewer than three specific factors the model is
  not generated.

Nesting (for χ² difference tests) is recorded in :class:`ModelSpec`: ``one_factor`` is
nested in every other model; ``grouped`` and ``second_order`` in ``correlated``; a
``second_order`` model with one general factor in ``bifactor`` (Yung, Thissen & McLeod, 1999).
Several of these nestings fix parameters on the boundary (factor correlations of 1,
disturbance variances of 0), where the χ² difference is conservative (Stoel et al., 2006);
lavaan's ``anova()`` reports it all the same, and so does lospw.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lospw.analysis.core.artifacts import write_text
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import Key
from lospw.analysis.core.missing import MODEL_MISSING
from lospw.analysis.core.options import check_estimator

__all__ = [
    "MODEL_NAMES",
    "ModelSet",
    "ModelSpec",
    "bifactor",
    "check_model_names",
    "competing_models",
    "correlated_factors",
    "grouped_factors",
    "lavaan_call",
    "lavaan_script",
    "one_factor",
    "second_order",
    "write_lavaan",
]

MODEL_NAMES = ("one_factor", "grouped", "correlated", "second_order", "bifactor")

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*$")


@dataclass(frozen=True)
class ModelSpec:
    """One competing model.

    Attributes
    ----------
    name : str
        One of :data:`MODEL_NAMES`.
    description : str
        One line for tables and reports.
    syntax : str
        lavaan model syntax.
    nested_in : tuple of str
        Names of the models (of the same set) in which this model is nested.
    notes : tuple of str
        Identification decisions taken for this key.
    """

    name: str
    description: str
    syntax: str
    nested_in: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "syntax": self.syntax,
                "nested_in": list(self.nested_in), "notes": list(self.notes)}


@dataclass(frozen=True)
class ModelSet:
    """The competing models of a key and the ones that could not be generated.

    Attributes
    ----------
    models : tuple of ModelSpec
        In the order of :data:`MODEL_NAMES`.
    skipped : tuple of (str, str)
        ``(name, reason)`` for each model not generated for this key.
    """

    models: tuple[ModelSpec, ...]
    skipped: tuple[tuple[str, str], ...] = ()

    def __getitem__(self, name: str) -> ModelSpec:
        for m in self.models:
            if m.name == name:
                return m
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.models)

    def nested_pairs(self) -> tuple[tuple[str, str], ...]:
        """``(restricted, general)`` pairs of generated models, for difference tests."""
        present = set(self.names)
        return tuple((m.name, g) for m in self.models for g in m.nested_in if g in present)

    def to_dict(self) -> dict[str, Any]:
        return {"models": [m.to_dict() for m in self.models],
                "skipped": [{"name": n, "reason": r} for n, r in self.skipped]}


# -- small helpers ------------------------------------------------------------------------
def check_model_names(key: Key) -> None:
    """Refuse (one line, with the fix) key names that cannot be model variable names."""
    _check_names(key)


def _check_names(key: Key) -> None:
    for name in (*key.scale_names, *key.items, *(g for g, _ in key.higher_order)):
        if not _NAME.match(name):
            safe = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9_.]", "_", name)).strip("_")
            safe = safe if _NAME.match(safe) else f"x{safe}"
            raise InputError(
                f"The name {name!r} in the key cannot be a lavaan variable name (a model "
                "needs letters, digits, '_' and '.', starting with a letter). Rename it in "
                f"the key, e.g. to {safe!r}: the intake reads a LimeSurvey column Q[SQ] as "
                "the item QSQ or Q_SQ by itself, and --map maps any other column."
            )
    items = set(key.items)
    for name in (*key.scale_names, *(g for g, _ in key.higher_order)):
        if name in items:
            raise InputError(
                f"The name {name!r} in the key is both a scale (or group) and an item; in a "
                "CFA model it would be one variable, a factor measuring itself. Rename the "
                "scale or the item."
            )


def _free_name(base: str, key: Key) -> str:
    """``base`` unless the key already uses it; then ``base_1``, ``base_2``, ..."""
    taken = {*key.scale_names, *key.items, *(g for g, _ in key.higher_order)}
    name, k = base, 0
    while name in taken:
        k += 1
        name = f"{base}_{k}"
    return name


def _measure(factor: str, items: tuple[str, ...] | list[str]) -> list[str]:
    lines = [f"{factor} =~ {' + '.join(items)}"]
    if len(items) == 1:
        lines.append(f"{items[0]} ~~ 0*{items[0]}")
    return lines


def _r_num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _groups(key: Key) -> list[tuple[str, tuple[str, ...]]]:
    """The higher-order groups, then every scale in no group as a group of its own."""
    grouped = {s for _, members in key.higher_order for s in members}
    out = list(key.higher_order)
    out += [(s, (s,)) for s in key.scale_names if s not in grouped]
    return out


# -- the generators -------------------------------------------------------------------------
def one_factor(key: Key) -> str:
    """One factor (``general``) under all items of the key.

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 5},
    ...                      "scales": {"A": ["a1", "-a2", "a3"], "B": ["b1", "b2"]}})
    >>> print(one_factor(key))
    general =~ a1 + a2 + a3 + b1 + b2
    """
    _check_names(key)
    return "\n".join(_measure(_free_name("general", key), list(key.items)))


def correlated_factors(key: Key) -> str:
    """Every scale a factor, the factors correlated: the structure the key states.

    A minus sign in the key (reverse keying) does not enter the syntax: fit reverse-scored
    data (``key.reverse_score``) for positive loadings, raw data for negative ones.

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 5},
    ...                      "scales": {"A": ["a1", "-a2", "a3"], "B": ["b1", "b2"],
    ...                                 "C": ["c1"]}})
    >>> print(correlated_factors(key))
    A =~ a1 + a2 + a3
    B =~ b1 + b2
    C =~ c1
    c1 ~~ 0*c1
    """
    _check_names(key)
    return "\n".join(line for s in key.scales for line in _measure(s.name, s.items))


def grouped_factors(key: Key) -> str:
    """The key's ``higher_order`` groups as correlated first-order factors.

    Raises
    ------
    InputError
        When the key has no ``higher_order`` groups.

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 5},
    ...     "scales": {"A": ["a1", "a2"], "B": ["b1", "b2"], "C": ["c1", "c2", "c3"]},
    ...     "higher_order": {"AB": ["A", "B"]}})
    >>> print(grouped_factors(key))
    AB =~ a1 + a2 + b1 + b2
    C =~ c1 + c2 + c3
    """
    _check_names(key)
    if not key.higher_order:
        raise InputError(
            "The grouped model needs 'higher_order' groups in the key; the key has none. Add "
            "e.g. 'higher_order: {core: [LOS, GOC]}' or leave this model out."
        )
    lines: list[str] = []
    for group, members in _groups(key):
        items = [i for m in members for i in key.scale(m).items]
        lines += _measure(group, items)
    return "\n".join(lines)


def second_order(key: Key) -> str:
    """Scales as first-order factors under second-order factors.

    The second-order factors are the key's ``higher_order`` groups when it has them, else one
    ``general`` factor over all scales. Identification as in the module docstring: a
    second-order factor over two scales gets both loadings fixed to 1.

    Raises
    ------
    InputError
        When there is nothing to put a second-order factor over (no group with two or more
        scales; one scale without groups).

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 5},
    ...     "scales": {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"],
    ...                "C": ["c1", "c2", "c3"]}})
    >>> print(second_order(key))
    A =~ a1 + a2 + a3
    B =~ b1 + b2 + b3
    C =~ c1 + c2 + c3
    general =~ A + B + C
    >>> key2 = key_from_dict({"response_scale": {"min": 1, "max": 5},
    ...     "scales": {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"],
    ...                "C": ["c1", "c2", "c3"]}, "higher_order": {"AB": ["A", "B"]}})
    >>> print(second_order(key2).splitlines()[-1])
    AB =~ 1*A + 1*B
    """
    _check_names(key)
    if key.higher_order:
        upper = [(g, m) for g, m in _groups(key) if len(m) >= 2]
    else:
        upper = [(_free_name("general", key), key.scale_names)]
    if not upper or len(upper[0][1]) < 2:
        raise InputError(
            "A second-order model needs a second-order factor over at least two scales; "
            f"the key has {len(key.scales)} scale(s) and no group of two or more. Leave "
            "this model out."
        )
    lines = [line for s in key.scales for line in _measure(s.name, s.items)]
    for factor, members in upper:
        if len(members) == 2:
            lines.append(f"{factor} =~ 1*{members[0]} + 1*{members[1]}")
        else:
            lines.append(f"{factor} =~ {' + '.join(members)}")
    return "\n".join(lines)


def _specific_scales(key: Key) -> list[str]:
    return [s.name for s in key.scales if len(s) >= 3]


def bifactor(key: Key) -> str:
    """A general factor plus one specific factor per scale, orthogonal, variances 1.

    Raises
    ------
    InputError
        When fewer than three scales have three or more items.

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 5},
    ...     "scales": {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"],
    ...                "C": ["c1", "c2", "c3"]}})
    >>> print(bifactor(key))
    general =~ NA*a1 + a2 + a3 + b1 + b2 + b3 + c1 + c2 + c3
    A =~ NA*a1 + a2 + a3
    B =~ NA*b1 + b2 + b3
    C =~ NA*c1 + c2 + c3
    general ~~ 1*general
    A ~~ 1*A
    B ~~ 1*B
    C ~~ 1*C
    general ~~ 0*A + 0*B + 0*C
    A ~~ 0*B + 0*C
    B ~~ 0*C
    """
    _check_names(key)
    specific = _specific_scales(key)
    if len(specific) < 3:
        raise InputError(
            "A bifactor model needs at least three scales with three or more items each; "
            f"the key has {len(specific)}. Leave this model out."
        )
    general = _free_name("general", key)
    items = list(key.items)
    lines = [f"{general} =~ NA*{' + '.join(items)}"]
    lines += [f"{s} =~ NA*{' + '.join(key.scale(s).items)}" for s in specific]
    factors = [general, *specific]
    lines += [f"{f} ~~ 1*{f}" for f in factors]
    for k, f in enumerate(factors[:-1]):
        lines.append(f"{f} ~~ " + " + ".join(f"0*{g}" for g in factors[k + 1:]))
    return "\n".join(lines)


# -- the set ----------------------------------------------------------------------------
_DESCRIPTIONS = {
    "one_factor": "one factor under all items",
    "grouped": "the higher-order groups as correlated factors",
    "correlated": "every scale a factor, factors correlated (the key's model)",
    "second_order": "scales under second-order factor(s)",
    "bifactor": "general factor plus orthogonal specific factors (std.lv)",
}


def competing_models(key: Key) -> ModelSet:
    """All competing models a key allows, with their nesting and identification notes.

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 5},
    ...     "scales": {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"],
    ...                "C": ["c1", "c2", "c3"]}})
    >>> ms = competing_models(key)
    >>> ms.names
    ('one_factor', 'correlated', 'second_order', 'bifactor')
    >>> ms.skipped
    (('grouped', "the key has no 'higher_order' groups"),)
    >>> ms.nested_pairs()[:3]
    (('one_factor', 'correlated'), ('one_factor', 'second_order'), ('one_factor', 'bifactor'))
    """
    _check_names(key)
    models: list[ModelSpec] = []
    skipped: list[tuple[str, str]] = []
    general_second_order = not key.higher_order

    def note_second_order() -> tuple[str, ...]:
        notes = []
        for g, m in (_groups(key) if key.higher_order else [("general", key.scale_names)]):
            if len(m) == 2:
                notes.append(f"second-order factor {g} over two scales: both loadings fixed "
                             "to 1 (equality constraint) for identification")
            elif len(m) == 1 and key.higher_order:
                notes.append(f"group {g} has one scale ({m[0]}): no second-order factor; "
                             "the scale's factor correlates with the second-order factors")
        return tuple(notes)

    single = tuple(f"scale {s.name} has one item: its residual variance is fixed to 0"
                   for s in key.scales if len(s) == 1)
    candidates: dict[str, tuple[Any, tuple[str, ...], tuple[str, ...]]] = {
        "one_factor": (one_factor, ("grouped", "correlated", "second_order", "bifactor"), ()),
        "grouped": (grouped_factors, ("correlated",), single),
        "correlated": (correlated_factors, (), single),
        "second_order": (second_order,
                         ("correlated", "bifactor") if general_second_order else ("correlated",),
                         single + note_second_order()),
        "bifactor": (bifactor, (), tuple(
            f"scale {s.name} has fewer than three items: no specific factor, its items load "
            "on the general factor only" for s in key.scales if len(s) < 3)),
    }
    for name in MODEL_NAMES:
        if name == "grouped" and not key.higher_order:
            skipped.append((name, "the key has no 'higher_order' groups"))
            continue
        make, nested_in, notes = candidates[name]
        try:
            syntax = make(key)
        except InputError as exc:
            skipped.append((name, str(exc)))
            continue
        models.append(ModelSpec(name, _DESCRIPTIONS[name], syntax, nested_in, notes))
    names = {m.name for m in models}
    models = [ModelSpec(m.name, m.description, m.syntax,
                        tuple(n for n in m.nested_in if n in names), m.notes) for m in models]
    return ModelSet(tuple(models), tuple(skipped))


# -- export for R users -----------------------------------------------------------------------
def lavaan_call(*, estimator: str = "ML", missing: str = "listwise",
                ordered: tuple[str, ...] | list[str] = (), group: str | None = None,
                group_equal: tuple[str, ...] | list[str] = (),
                group_partial: tuple[str, ...] | list[str] = ()) -> str:
    """The ``cfa()`` call that fits ``model`` to ``data`` as lospw does.

    Examples
    --------
    >>> lavaan_call()
    'cfa(model, data = data, estimator = "ML", missing = "listwise")'
    >>> lavaan_call(estimator="WLSMV", ordered=["a1", "a2"], group="school",
    ...             group_equal=["loadings"])
    'cfa(model, data = data, estimator = "WLSMV", missing = "listwise", ordered = c("a1", "a2"), group = "school", group.equal = c("loadings"))'
    >>> lavaan_call(missing="drop")
    Traceback (most recent call last):
    ...
    lospw.analysis.core.errors.InputError: The 'missing' option must be one of 'listwise', 'fiml', 'pairwise'; got 'drop'.
    """
    check_estimator(estimator)
    if missing not in MODEL_MISSING:
        raise InputError(f"The 'missing' option must be one of "
                         f"{', '.join(map(repr, MODEL_MISSING))}; got {missing!r}.")

    def vec(xs: Any) -> str:
        return "c(" + ", ".join(f'"{x}"' for x in xs) + ")"

    parts = ["model", "data = data", f'estimator = "{estimator}"', f'missing = "{missing}"']
    if ordered:
        parts.append(f"ordered = {vec(ordered)}")
    if group is not None:
        parts.append(f'group = "{group}"')
    if group_equal:
        parts.append(f"group.equal = {vec(group_equal)}")
    if group_partial:
        parts.append(f"group.partial = {vec(group_partial)}")
    return "cfa(" + ", ".join(parts) + ")"


def lavaan_script(models: ModelSet | list[ModelSpec] | tuple[ModelSpec, ...], key: Key, *,
                  data_file: str = "data.csv", reverse_score: bool = True,
                  estimator: str = "ML", missing: str = "listwise",
                  ordered: bool = False) -> str:
    """An R script that fits every model with lavaan as lospw does, for replication.

    Parameters
    ----------
    models : ModelSet or sequence of ModelSpec
    key : Key
    data_file : str
        The CSV file the script reads (a relative path; no absolute paths in artifacts).
    reverse_score : bool
        Reverse-score the key's reverse-keyed items first (``min + max - x``), as lospw
        does before fitting.
    estimator, missing : str
        As in :func:`lavaan_call`.
    ordered : bool
        Declare all items ordered (WLSMV on Likert items).

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 5},
    ...     "scales": {"A": ["a1", "-a2", "a3"]}})
    >>> print(lavaan_script([ModelSpec("correlated", "the key's model",
    ...                                correlated_factors(key))], key), end="")
    # lavaan replication script written by lospw
    library(lavaan)
    data <- read.csv("data.csv")
    # reverse-keyed items: 1 + 5 - x
    data[c("a2")] <- 6 - data[c("a2")]
    <BLANKLINE>
    # correlated: the key's model
    model_correlated <- '
    A =~ a1 + a2 + a3
    '
    fit_correlated <- cfa(model_correlated, data = data, estimator = "ML", missing = "listwise")
    print(fitMeasures(fit_correlated))
    """
    specs = models.models if isinstance(models, ModelSet) else tuple(models)
    items = list(key.items)
    call = lavaan_call(estimator=estimator, missing=missing, ordered=items if ordered else ())
    lines = ["# lavaan replication script written by lospw", "library(lavaan)",
             f'data <- read.csv("{data_file}")']
    rev = key.reverse_items
    if reverse_score and rev:
        rs = key.response_scale
        lo, hi = (rs.min, rs.max)
        lines.append(f"# reverse-keyed items: {_r_num(lo)} + {_r_num(hi)} - x")
        vec = "c(" + ", ".join(f'"{i}"' for i in rev) + ")"
        lines.append(f"data[{vec}] <- {_r_num(lo + hi)} - data[{vec}]")
    for m in specs:
        lines += ["", f"# {m.name}: {m.description}"]
        lines += [f"# note: {n}" for n in m.notes]
        lines += [f"model_{m.name} <- '", m.syntax, "'"]
        lines.append(f"fit_{m.name} <- " + call.replace("cfa(model,", f"cfa(model_{m.name},"))
        lines.append(f"print(fitMeasures(fit_{m.name}))")
    return "\n".join(lines) + "\n"


def write_lavaan(models: ModelSet | list[ModelSpec] | tuple[ModelSpec, ...], key: Key,
                 directory: str | Path, *, data_file: str = "data.csv",
                 reverse_score: bool = True, estimator: str = "ML", missing: str = "listwise",
                 ordered: bool = False) -> list[Path]:
    """Write one ``<model>.lav`` file per model and ``fit_models.R`` (see :func:`lavaan_script`).

    The ``.lav`` files hold the bare model syntax (lavaan reads them with
    ``readLines(...)``; the R script embeds the same text). Returns the written paths.

    Examples
    --------
    >>> import tempfile
    >>> from lospw.analysis.core.key import key_from_dict
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 5},
    ...     "scales": {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"],
    ...                "C": ["c1", "c2", "c3"]}})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     [p.name for p in write_lavaan(competing_models(key), key, d)]
    ['one_factor.lav', 'correlated.lav', 'second_order.lav', 'bifactor.lav', 'fit_models.R']
    """

    specs = models.models if isinstance(models, ModelSet) else tuple(models)
    out = Path(directory)
    paths = [write_text(m.syntax + "\n", out / f"{m.name}.lav") for m in specs]
    script = lavaan_script(specs, key, data_file=data_file, reverse_score=reverse_score,
                           estimator=estimator, missing=missing, ordered=ordered)
    paths.append(write_text(script, out / "fit_models.R"))
    return paths
