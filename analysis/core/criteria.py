"""Criteria for the verdict table and the item-reduction proposal, read from a YAML file.

The criteria are stated before the data are seen: the default file
(``analysis/data/criteria.yaml``, COSMIN / Prinsen et al. 2018 with its sources) is copied,
edited and passed to ``lospw analyze --criteria FILE``. :func:`load_criteria` checks every
field like any other input (one-line :class:`~lospw.analysis.core.errors.InputError` naming the file,
the place and the fix) and returns a frozen :class:`Criteria`.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.yamlio import Yaml11Bool, load_yaml

__all__ = [
    "CUTOFF_KINDS",
    "FORMAT",
    "INVARIANCE_RULES",
    "INVARIANCE_STEPS",
    "REDUCTION_RULES",
    "Criteria",
    "SampleRule",
    "criteria_from_dict",
    "default_criteria_path",
    "load_criteria",
]

FORMAT = "lospw-criteria/1"
INVARIANCE_RULES = ("chen2007", "cheung_rensvold2002", "chisq")
INVARIANCE_STEPS = ("metric", "scalar", "strict")
REDUCTION_RULES = ("weak_loading", "cross_loading", "modification_index", "non_invariant")
_INDEX_VERSIONS = ("robust", "scaled", "standard")
_MODELS = ("one_factor", "grouped", "correlated", "second_order", "bifactor")
#: How structural validity is judged: the fixed thresholds of the section, or McNeish &
#: Wolf's dynamic cutoffs of the judged model (the ``dynamic`` stage of ``lospw analyze``).
CUTOFF_KINDS = ("fixed", "dynamic")
#: Fields a criteria file may leave out (their defaults keep older files valid).
_OPTIONAL = {"structural_validity": {"cutoffs": "fixed", "dynamic_level": 1}}
_SECTIONS = {
    "format": None, "name": None, "description": None,
    "sample_size": ("ratings", "sufficient"),
    "structural_validity": ("model", "indices", "cfi_above", "tli_above", "rmsea_below",
                            "srmr_below", "require", "cutoffs", "dynamic_level"),
    "internal_consistency": ("alpha_at_least", "requires_structural_validity"),
    "invariance": ("rule", "steps", "partial_is_sufficient"),
    "discriminant_validity": ("htmt_below",),
    "aggregation": ("icc1_at_least", "icc2_at_least"),
    "reduction": ("weak_loading_below", "cross_loading_secondary_at_least",
                  "cross_loading_gap_below", "mi_at_least", "sepc_at_least",
                  "noninvariance_alpha", "min_items_per_scale", "use"),
}


@dataclass(frozen=True)
class SampleRule:
    """One sample-size rule: ``rating`` when n >= ``min_n`` and n / items >= ``min_ratio``."""

    rating: str
    min_ratio: float = 0.0
    min_n: int = 0

    def holds(self, n: int, n_items: int) -> bool:
        """Does the rule hold for ``n`` respondents and ``n_items`` items?

        Examples
        --------
        >>> SampleRule("very_good", 7, 100).holds(700, 100), SampleRule("x", 7).holds(69, 10)
        (True, False)
        """
        return n >= self.min_n and n >= self.min_ratio * n_items

    def describe(self) -> str:
        parts = []
        if self.min_ratio:
            parts.append(f">= {_fmt(self.min_ratio)} x items")
        if self.min_n:
            parts.append(f">= {self.min_n}")
        return f"{self.rating}: " + (" and ".join(parts) if parts else "otherwise")


@dataclass(frozen=True)
class Criteria:
    """Checked criteria (field names as in the YAML file, sections flattened)."""

    name: str
    sample_ratings: tuple[SampleRule, ...]
    sample_sufficient: tuple[str, ...]
    sv_model: str
    sv_indices: str
    cfi_above: float
    tli_above: float
    rmsea_below: float
    srmr_below: float
    sv_require: str
    alpha_at_least: float
    ic_requires_sv: bool
    invariance_rule: str
    invariance_steps: tuple[str, ...]
    partial_is_sufficient: bool
    htmt_below: float
    icc1_at_least: float
    icc2_at_least: float
    weak_loading_below: float
    cross_secondary_at_least: float
    cross_gap_below: float
    mi_at_least: float
    sepc_at_least: float
    noninvariance_alpha: float
    min_items_per_scale: int
    reduction_rules: tuple[str, ...]
    source: str = "<dict>"
    sv_cutoffs: str = "fixed"
    sv_dynamic_level: int = 1

    def to_dict(self) -> dict[str, Any]:
        """The criteria in the file format (what ``verdict/criteria.yaml`` holds)."""
        return {
            "format": FORMAT,
            "name": self.name,
            "sample_size": {"ratings": [
                {k: v for k, v in asdict(r).items() if k == "rating" or v}
                for r in self.sample_ratings], "sufficient": list(self.sample_sufficient)},
            "structural_validity": {
                "model": self.sv_model, "indices": self.sv_indices,
                "cfi_above": self.cfi_above, "tli_above": self.tli_above,
                "rmsea_below": self.rmsea_below, "srmr_below": self.srmr_below,
                "require": self.sv_require, "cutoffs": self.sv_cutoffs,
                "dynamic_level": self.sv_dynamic_level},
            "internal_consistency": {"alpha_at_least": self.alpha_at_least,
                                     "requires_structural_validity": self.ic_requires_sv},
            "invariance": {"rule": self.invariance_rule, "steps": list(self.invariance_steps),
                           "partial_is_sufficient": self.partial_is_sufficient},
            "discriminant_validity": {"htmt_below": self.htmt_below},
            "aggregation": {"icc1_at_least": self.icc1_at_least,
                            "icc2_at_least": self.icc2_at_least},
            "reduction": {
                "weak_loading_below": self.weak_loading_below,
                "cross_loading_secondary_at_least": self.cross_secondary_at_least,
                "cross_loading_gap_below": self.cross_gap_below,
                "mi_at_least": self.mi_at_least, "sepc_at_least": self.sepc_at_least,
                "noninvariance_alpha": self.noninvariance_alpha,
                "min_items_per_scale": self.min_items_per_scale,
                "use": list(self.reduction_rules)},
        }

    def sha256(self) -> str:
        """Hash of the criteria's content (not of the file's layout or comments)."""
        text = json.dumps(self.to_dict(), sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def sample_rating(self, n: int, n_items: int) -> str | None:
        """The rating of the first rule that holds (None when none does).

        Examples
        --------
        >>> c = load_criteria(None)
        >>> [c.sample_rating(n, 15) for n in (105, 100, 95, 80, 70)]
        ['very_good', 'adequate', 'adequate', 'doubtful', 'inadequate']
        """
        for rule in self.sample_ratings:
            if rule.holds(n, n_items):
                return rule.rating
        return None


def _fmt(x: float) -> str:
    return f"{x:g}"


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, what: str) -> InputError:
        return InputError(f"{self.source}: {where}: {what}")

    def section(self, data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
        raw = data.get(name)
        if not isinstance(raw, Mapping):
            raise self.fail(name, f"missing or not a mapping; got {_show(raw)}. Copy the section "
                            "from the default criteria (analysis/data/criteria.yaml).")
        allowed = _SECTIONS[name]
        for k in raw:
            if k not in allowed:
                raise self.fail(f"{name}.{k}", f"unknown field; the fields are "
                                f"{', '.join(allowed)}. Check the spelling.")
        optional = _OPTIONAL.get(name, {})
        for k in allowed:
            if k not in raw and k not in optional:
                raise self.fail(f"{name}.{k}", "missing. Add it (see the default criteria).")
        return {**optional, **raw}

    def number(self, raw: Mapping[str, Any], sec: str, name: str, lo: float, hi: float,
               *, integer: bool = False) -> float:
        v = raw[name]
        where = f"{sec}.{name}"
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise self.fail(where, f"must be a number; got {_show(v)}.")
        if not math.isfinite(v) or not lo <= v <= hi:
            raise self.fail(where, f"must be from {_fmt(lo)} to {_fmt(hi)}; got {_show(v)}.")
        if integer and not float(v).is_integer():
            raise self.fail(where, f"must be a whole number; got {_show(v)}.")
        return int(v) if integer else float(v)

    def choice(self, raw: Mapping[str, Any], sec: str, name: str, allowed: tuple[str, ...]
               ) -> str:
        v = raw[name]
        if not isinstance(v, str) or isinstance(v, Yaml11Bool) or v not in allowed:
            raise self.fail(f"{sec}.{name}", f"must be one of {', '.join(allowed)}; got "
                            f"{_show(v)}.")
        return v

    def flag(self, raw: Mapping[str, Any], sec: str, name: str) -> bool:
        v = raw[name]
        if isinstance(v, Yaml11Bool):
            return v.value
        if not isinstance(v, bool):
            raise self.fail(f"{sec}.{name}", f"must be true or false; got {_show(v)}.")
        return v

    def choices(self, raw: Mapping[str, Any], sec: str, name: str, allowed: tuple[str, ...],
                *, empty_ok: bool = False) -> tuple[str, ...]:
        v = raw[name]
        where = f"{sec}.{name}"
        if not isinstance(v, list) or (not v and not empty_ok):
            raise self.fail(where, f"must be a list of {', '.join(allowed)}; got {_show(v)}.")
        out: list[str] = []
        for k, x in enumerate(v):
            if not isinstance(x, str) or isinstance(x, Yaml11Bool) or x not in allowed:
                raise self.fail(f"{where}[{k}]", f"must be one of {', '.join(allowed)}; got "
                                f"{_show(x)}.")
            if x in out:
                raise self.fail(f"{where}[{k}]", f"{x!r} is listed twice.")
            out.append(x)
        return tuple(out)


def _show(v: Any) -> str:
    if v is None:
        return "nothing"
    if isinstance(v, Yaml11Bool):
        return f"the unquoted word {str(v)!r} (YAML reads it as a boolean)"
    return repr(v)


def _sample_rules(r: _Reader, raw: Mapping[str, Any]) -> tuple[tuple[SampleRule, ...],
                                                               tuple[str, ...]]:
    rules_raw = raw["ratings"]
    if not isinstance(rules_raw, list) or not rules_raw:
        raise r.fail("sample_size.ratings", f"must be a non-empty list of rules such as "
                     f"{{rating: adequate, min_ratio: 5, min_n: 100}}; got {_show(rules_raw)}.")
    rules: list[SampleRule] = []
    for k, item in enumerate(rules_raw):
        where = f"sample_size.ratings[{k}]"
        if not isinstance(item, Mapping):
            raise r.fail(where, f"must be a mapping like {{rating: adequate, min_ratio: 5}}; "
                         f"got {_show(item)}.")
        unknown = sorted(set(map(str, item)) - {"rating", "min_ratio", "min_n"})
        if unknown:
            raise r.fail(f"{where}.{unknown[0]}", "unknown field; the fields are rating, "
                         "min_ratio and min_n.")
        rating = item.get("rating")
        if not isinstance(rating, str) or isinstance(rating, Yaml11Bool) or not rating.strip():
            raise r.fail(f"{where}.rating", f"must be a name such as adequate; got "
                         f"{_show(rating)}.")
        vals = {"min_ratio": 0.0, "min_n": 0}
        for f, hi in (("min_ratio", 1000.0), ("min_n", 1e9)):
            if f in item:
                vals[f] = r.number(item, f"sample_size.ratings[{k}]", f, 0, hi,
                                   integer=f == "min_n")
        rules.append(SampleRule(rating.strip(), float(vals["min_ratio"]), int(vals["min_n"])))
    if rules[-1].min_ratio or rules[-1].min_n:
        raise r.fail("sample_size.ratings", "the last rule must have no minimum (the rating "
                     "when no other rule holds), e.g. {rating: inadequate}.")
    names = tuple(dict.fromkeys(x.rating for x in rules))
    suff = r.choices(raw, "sample_size", "sufficient", names)
    return tuple(rules), suff


def criteria_from_dict(data: Any, source: str = "<dict>") -> Criteria:
    """Check criteria given as a mapping (as read from YAML); see :func:`load_criteria`.

    Examples
    --------
    >>> from lospw.analysis.core.yamlio import load_yaml
    >>> raw = load_yaml(default_criteria_path())
    >>> raw["discriminant_validity"]["htmt_below"] = 1.5
    >>> criteria_from_dict(raw, "c.yaml")
    Traceback (most recent call last):
    ...
    lospw.analysis.core.errors.InputError: c.yaml: discriminant_validity.htmt_below: must be from 0 to 1; got 1.5.
    """
    r = _Reader(source)
    if not isinstance(data, Mapping):
        raise InputError(f"{source}: a criteria file must be a mapping with the sections "
                         f"{', '.join(k for k, v in _SECTIONS.items() if v)}; got "
                         f"{_show(data)}. Start from analysis/data/criteria.yaml.")
    for k in data:
        if k not in _SECTIONS:
            raise r.fail(str(k), f"unknown section; the sections are {', '.join(_SECTIONS)}. "
                         "Check the spelling.")
    fmt = data.get("format")
    if fmt != FORMAT:
        raise r.fail("format", f"must be {FORMAT!r}; got {_show(fmt)}. Start from "
                     "analysis/data/criteria.yaml.")
    name = data.get("name", "")
    if not isinstance(name, str):
        raise r.fail("name", f"must be text; got {_show(name)}.")
    ss = r.section(data, "sample_size")
    ratings, sufficient = _sample_rules(r, ss)
    sv = r.section(data, "structural_validity") if data.get("structural_validity") \
        != "dynamic" else _dynamic_shorthand()
    ic = r.section(data, "internal_consistency")
    inv = r.section(data, "invariance")
    dv = r.section(data, "discriminant_validity")
    ag = r.section(data, "aggregation")
    red = r.section(data, "reduction")
    return Criteria(
        name=name,
        sample_ratings=ratings,
        sample_sufficient=sufficient,
        sv_model=r.choice(sv, "structural_validity", "model", _MODELS),
        sv_indices=r.choice(sv, "structural_validity", "indices", _INDEX_VERSIONS),
        cfi_above=r.number(sv, "structural_validity", "cfi_above", 0, 1),
        tli_above=r.number(sv, "structural_validity", "tli_above", 0, 1),
        rmsea_below=r.number(sv, "structural_validity", "rmsea_below", 0, 1),
        srmr_below=r.number(sv, "structural_validity", "srmr_below", 0, 1),
        sv_require=r.choice(sv, "structural_validity", "require", ("any", "all")),
        alpha_at_least=r.number(ic, "internal_consistency", "alpha_at_least", 0, 1),
        ic_requires_sv=r.flag(ic, "internal_consistency", "requires_structural_validity"),
        invariance_rule=r.choice(inv, "invariance", "rule", INVARIANCE_RULES),
        invariance_steps=r.choices(inv, "invariance", "steps", INVARIANCE_STEPS),
        partial_is_sufficient=r.flag(inv, "invariance", "partial_is_sufficient"),
        htmt_below=r.number(dv, "discriminant_validity", "htmt_below", 0, 1),
        icc1_at_least=r.number(ag, "aggregation", "icc1_at_least", 0, 1),
        icc2_at_least=r.number(ag, "aggregation", "icc2_at_least", 0, 1),
        weak_loading_below=r.number(red, "reduction", "weak_loading_below", 0, 1),
        cross_secondary_at_least=r.number(red, "reduction", "cross_loading_secondary_at_least",
                                          0, 1),
        cross_gap_below=r.number(red, "reduction", "cross_loading_gap_below", 0, 1),
        mi_at_least=r.number(red, "reduction", "mi_at_least", 0, 1e9),
        sepc_at_least=r.number(red, "reduction", "sepc_at_least", 0, 10),
        noninvariance_alpha=r.number(red, "reduction", "noninvariance_alpha", 0, 1),
        min_items_per_scale=r.number(red, "reduction", "min_items_per_scale", 1, 1000,
                                     integer=True),
        reduction_rules=r.choices(red, "reduction", "use", REDUCTION_RULES, empty_ok=True),
        source=source,
        sv_cutoffs=r.choice(sv, "structural_validity", "cutoffs", CUTOFF_KINDS),
        sv_dynamic_level=r.number(sv, "structural_validity", "dynamic_level", 1, 100,
                                  integer=True),
    )


def _dynamic_shorthand() -> dict[str, Any]:
    """``structural_validity: dynamic``: the default section with ``cutoffs: dynamic``."""
    sv = dict(load_yaml(default_criteria_path())["structural_validity"])
    sv["cutoffs"] = "dynamic"
    return sv


def default_criteria_path() -> Path:
    """The criteria shipped with lospw (COSMIN defaults, with sources)."""
    return Path(__file__).resolve().parents[1] / "data" / "criteria.yaml"


def load_criteria(path: str | Path | None) -> Criteria:
    """Read and check a criteria file; ``None`` reads the shipped defaults.

    Raises
    ------
    InputError
        A missing file, bad YAML, or a field that breaks a rule (one line: file, field, fix).
    """
    p = default_criteria_path() if path is None else Path(path)
    source = "default criteria" if path is None else str(path)
    return criteria_from_dict(load_yaml(p), source)
