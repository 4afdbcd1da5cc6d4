"""Decision rules of the Delphi stage: read and check a rules file.

The rules say which ratings count as relevant, when an item is kept, revised or dropped,
and when the panel stops. The documented defaults are in ``rules_default.yaml`` beside this
module (content validity on Lynn's 1-4 scale); ``rules_rand_ucla.yaml`` switches to the
RAND/UCLA appropriateness method on the 9-point scale. A user's rules file names only what
it changes; every other value keeps its default. Every value is checked, and a problem
raises :class:`~lospw.analysis.core.errors.InputError` with one line naming the file, the place and
the fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.yamlio import Yaml11Bool, as_bool, load_yaml

__all__ = [
    "DEFAULT_RULES",
    "RAND_UCLA_RULES",
    "RandUclaRule",
    "RatingScale",
    "Rules",
    "StopRule",
    "load_rules",
    "rules_from_dict",
]

DEFAULT_RULES = Path(__file__).with_name("rules_default.yaml")
RAND_UCLA_RULES = Path(__file__).with_name("rules_rand_ucla.yaml")
METHODS = ("cvi", "rand_ucla")

_SECTIONS: dict[str, tuple[str, ...] | None] = {
    "method": None,
    "scale": ("min", "max", "relevant_min", "regions"),
    "clarity": ("min", "max", "clear_min", "revise_below"),
    "keep": ("i_cvi_min", "kappa_above", "cvr_critical", "cvr_alpha"),
    "revise": ("i_cvi_min", "kappa_min"),
    "min_raters": None,
    "target_raters": None,
    "compare_decimals": None,
    "stop": ("max_rounds", "consensus", "stability", "alpha", "max_agreement_change",
             "stable_share"),
    "rand_ucla": ("appropriate_min", "inappropriate_max", "ipr_lower", "ipr_upper",
                  "ipr_symmetric", "asymmetry_factor"),
}


@dataclass(frozen=True)
class RatingScale:
    """A whole-number rating scale with the ratings that count as relevant (or clear)."""

    min: int
    max: int
    relevant_min: int
    regions: tuple[tuple[int, int], ...]

    @property
    def categories(self) -> tuple[int, ...]:
        return tuple(range(self.min, self.max + 1))

    @property
    def center(self) -> float:
        return (self.min + self.max) / 2

    @property
    def is_nine_point(self) -> bool:
        return self.max - self.min == 8

    def to_dict(self) -> dict[str, Any]:
        return {"min": self.min, "max": self.max, "relevant_min": self.relevant_min,
                "regions": [list(r) for r in self.regions]}


@dataclass(frozen=True)
class StopRule:
    """When the panel stops (see ``rules_default.yaml``, section ``stop``)."""

    max_rounds: int
    consensus: bool
    stability: bool
    alpha: float
    max_agreement_change: float
    stable_share: float


@dataclass(frozen=True)
class RandUclaRule:
    """Classification by the RAND/UCLA appropriateness method (Fitch et al. 2001)."""

    appropriate_min: float
    inappropriate_max: float
    ipr_lower: float
    ipr_upper: float
    ipr_symmetric: float
    asymmetry_factor: float


@dataclass(frozen=True)
class Rules:
    """The checked decision rules; build with :func:`load_rules` or :func:`rules_from_dict`.

    Attributes mirror the file's sections; ``clarity`` is a :class:`RatingScale` whose
    ``relevant_min`` is the lowest rating that counts as clear.
    """

    method: str
    scale: RatingScale
    clarity: RatingScale
    clarity_revise_below: float
    keep_i_cvi_min: float
    keep_kappa_above: float
    keep_cvr_critical: bool
    cvr_alpha: float
    revise_i_cvi_min: float
    revise_kappa_min: float
    min_raters: int
    compare_decimals: int | None
    stop: StopRule
    rand_ucla: RandUclaRule
    source: str = "defaults"
    target_raters: int = 6

    def to_dict(self) -> dict[str, Any]:
        """The rules in the file format (every value spelled out)."""
        return {
            "method": self.method,
            "scale": self.scale.to_dict(),
            "clarity": {"min": self.clarity.min, "max": self.clarity.max,
                        "clear_min": self.clarity.relevant_min,
                        "revise_below": self.clarity_revise_below},
            "keep": {"i_cvi_min": self.keep_i_cvi_min, "kappa_above": self.keep_kappa_above,
                     "cvr_critical": self.keep_cvr_critical, "cvr_alpha": self.cvr_alpha},
            "revise": {"i_cvi_min": self.revise_i_cvi_min, "kappa_min": self.revise_kappa_min},
            "min_raters": self.min_raters,
            "target_raters": self.target_raters,
            "compare_decimals": self.compare_decimals,
            "stop": asdict(self.stop),
            "rand_ucla": asdict(self.rand_ucla),
        }


def _kind(v: Any) -> str:
    if v is None:
        return "nothing"
    if isinstance(v, bool):
        return f"the boolean {v}"
    if isinstance(v, (int, float)):
        return f"the number {v!r}"
    if isinstance(v, str):
        return f"the text {v!r}"
    return f"a {type(v).__name__}"


class _Reader:
    """Typed access to one merged section, with messages naming file and place."""

    def __init__(self, src: str) -> None:
        self.src = src

    def where(self, section: str, name: str | None = None) -> str:
        return f"{self.src}: {section}" + (f".{name}" if name else "")

    def number(self, value: Any, where: str, *, lo: float | None = None,
               hi: float | None = None, whole: bool = False, lo_open: bool = False) -> Any:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok and whole and not float(value).is_integer():
            ok = False
        if ok and value != value:  # NaN
            ok = False
        rng = ""
        if lo is not None and hi is not None:
            rng = f" from {lo} to {hi}" if not lo_open else f" above {lo} and at most {hi}"
        elif lo is not None:
            rng = f" of at least {lo}" if not lo_open else f" above {lo}"
        kind = "a whole number" if whole else "a number"
        if not ok:
            raise InputError(f"{where}: must be {kind}{rng}; got {_kind(value)}. "
                             f"Write e.g. {lo if lo is not None else 1}.")
        if (lo is not None and (value < lo or (lo_open and value == lo))) or (
                hi is not None and value > hi):
            raise InputError(f"{where}: must be {kind}{rng}; got {value!r}. Correct it.")
        return int(value) if whole else float(value)

    def flag(self, value: Any, where: str) -> bool:
        return as_bool(value, where)


def _merge(defaults: Mapping[str, Any], user: Mapping[str, Any], src: str) -> dict[str, Any]:
    merged: dict[str, Any] = {k: (dict(v) if isinstance(v, Mapping) else v)
                              for k, v in defaults.items()}
    for key, value in user.items():
        if not isinstance(key, str) or key not in _SECTIONS:
            raise InputError(
                f"{src}: unknown setting {str(key)!r}; a rules file has the sections "
                f"{', '.join(_SECTIONS)}. Check the spelling (see rules_default.yaml)."
            )
        fields = _SECTIONS[key]
        if fields is None:
            merged[key] = value
            continue
        if not isinstance(value, Mapping):
            raise InputError(
                f"{src}: {key}: must be a section of settings (name: value); got "
                f"{_kind(value)}. See rules_default.yaml."
            )
        for name in value:
            if not isinstance(name, str) or name not in fields:
                raise InputError(
                    f"{src}: {key}.{name}: unknown setting; {key} has {', '.join(fields)}. "
                    "Check the spelling."
                )
        section = dict(merged.get(key) or {})
        if key == "scale" and ({"min", "max"} & set(value)) and "relevant_min" not in value:
            raise InputError(
                f"{src}: scale: min or max changed without relevant_min; say which ratings "
                "count as relevant, e.g. 'relevant_min: 7' on a 1-9 scale."
            )
        if key == "scale" and ({"min", "max", "relevant_min"} & set(value)) and (
                "regions" not in value):
            section.pop("regions", None)
        section.update(value)
        merged[key] = section
    return merged


def _scale(raw: Mapping[str, Any], r: _Reader, section: str, top: str) -> RatingScale:
    lo = r.number(raw.get("min"), r.where(section, "min"), whole=True)
    hi = r.number(raw.get("max"), r.where(section, "max"), whole=True)
    if lo >= hi:
        raise InputError(f"{r.where(section)}: min must be below max; got min {lo} and max "
                         f"{hi}. Swap or correct them.")
    top_v = r.number(raw.get(top), r.where(section, top), whole=True, lo=lo + 1, hi=hi)
    regions_raw = raw.get("regions")
    if regions_raw is None:
        regions = ((lo, top_v - 1), (top_v, hi))
    else:
        where = r.where(section, "regions")
        if not isinstance(regions_raw, list) or not regions_raw:
            raise InputError(f"{where}: must be a list of [low, high] ranges; got "
                             f"{_kind(regions_raw)}. Write e.g. [[1, 2], [3, 4]].")
        regions_l: list[tuple[int, int]] = []
        for k, reg in enumerate(regions_raw):
            if not (isinstance(reg, list) and len(reg) == 2):
                raise InputError(f"{where}[{k}]: must be [low, high]; got {_kind(reg)}. "
                                 "Write e.g. [1, 3].")
            a = r.number(reg[0], f"{where}[{k}][0]", whole=True, lo=lo, hi=hi)
            b = r.number(reg[1], f"{where}[{k}][1]", whole=True, lo=lo, hi=hi)
            if a > b:
                raise InputError(f"{where}[{k}]: low {a} is above high {b}. Swap them.")
            regions_l.append((a, b))
        regions_l.sort()
        expect = lo
        for a, b in regions_l:
            if a != expect:
                raise InputError(
                    f"{where}: the regions must cover {lo}-{hi} without gaps or overlaps; "
                    f"got {[list(x) for x in regions_l]}. Make each region start right "
                    "after the previous one."
                )
            expect = b + 1
        if expect != hi + 1:
            raise InputError(
                f"{where}: the regions must cover {lo}-{hi}; they end at {expect - 1}. "
                f"Extend the last region to {hi}."
            )
        regions = tuple(regions_l)
    return RatingScale(lo, hi, top_v, regions)


def rules_from_dict(data: Any, source: str = "<dict>",
                    defaults: Mapping[str, Any] | None = None) -> Rules:
    """Check rules given as a mapping (as read from YAML), over the defaults.

    Parameters
    ----------
    data : mapping or None
        The user's settings; None or an empty mapping gives the defaults.
    source : str
        Name for messages (the file path).
    defaults : mapping, optional
        The defaults to merge over (the content of ``rules_default.yaml``).

    Returns
    -------
    Rules

    Raises
    ------
    InputError
        One line naming the place and the fix.

    Examples
    --------
    >>> rules_from_dict({"keep": {"i_cvi_min": 0.8}}).keep_i_cvi_min
    0.8
    >>> rules_from_dict({"keep": {"icvi": 0.8}})
    Traceback (most recent call last):
    ...
    lospw.analysis.core.errors.InputError: <dict>: keep.icvi: unknown setting; keep has i_cvi_min, kappa_above, cvr_critical, cvr_alpha. Check the spelling.
    """
    if defaults is None:
        defaults = load_yaml(DEFAULT_RULES)
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise InputError(f"{source}: a rules file must be a mapping of sections; got "
                         f"{_kind(data)}. See rules_default.yaml.")
    m = _merge(defaults, data, source)
    r = _Reader(source)

    method = m.get("method")
    if isinstance(method, Yaml11Bool) or method not in METHODS:
        raise InputError(f"{source}: method: must be one of {', '.join(METHODS)}; got "
                         f"{_kind(method)}. Use 'cvi' or 'rand_ucla'.")
    scale = _scale(m["scale"], r, "scale", "relevant_min")
    if method == "rand_ucla" and not scale.is_nine_point:
        raise InputError(
            f"{source}: method rand_ucla needs the 9-point scale (its IPRAS constants are "
            f"calibrated for 1-9); got scale {scale.min}-{scale.max}. Set scale min 1, max 9 "
            "(see rules_rand_ucla.yaml) or use method cvi."
        )
    c_raw = dict(m.get("clarity") or {})
    c_raw.setdefault("min", scale.min)
    c_raw.setdefault("max", scale.max)
    c_raw.setdefault("clear_min", scale.relevant_min)
    clarity = _scale(c_raw, r, "clarity", "clear_min")
    unit = {"lo": 0.0, "hi": 1.0}
    clarity_below = r.number(c_raw.get("revise_below"), r.where("clarity", "revise_below"),
                             **unit)
    keep, rev, stop, ru = m["keep"], m["revise"], m["stop"], m["rand_ucla"]
    keep_i = r.number(keep.get("i_cvi_min"), r.where("keep", "i_cvi_min"), **unit)
    keep_k = r.number(keep.get("kappa_above"), r.where("keep", "kappa_above"), lo=-1.0, hi=1.0)
    keep_cvr = r.flag(keep.get("cvr_critical"), r.where("keep", "cvr_critical"))
    cvr_alpha = r.number(keep.get("cvr_alpha"), r.where("keep", "cvr_alpha"), lo=0.0, hi=0.5,
                         lo_open=True)
    rev_i = r.number(rev.get("i_cvi_min"), r.where("revise", "i_cvi_min"), **unit)
    rev_k = r.number(rev.get("kappa_min"), r.where("revise", "kappa_min"), lo=-1.0, hi=1.0)
    if rev_i > keep_i:
        raise InputError(f"{source}: revise.i_cvi_min ({rev_i}) is above keep.i_cvi_min "
                         f"({keep_i}); the revise band must lie below the keep threshold.")
    if rev_k > keep_k:
        raise InputError(f"{source}: revise.kappa_min ({rev_k}) is above keep.kappa_above "
                         f"({keep_k}); the revise band must lie below the keep threshold.")
    min_raters = r.number(m.get("min_raters"), f"{source}: min_raters", whole=True, lo=1)
    target = r.number(m.get("target_raters"), f"{source}: target_raters", whole=True, lo=1)
    if target < min_raters:
        raise InputError(f"{source}: target_raters ({target}) is below min_raters "
                         f"({min_raters}); every item should get at least the raters it needs "
                         "to be decided.")
    dec = m.get("compare_decimals")
    decimals = None if dec is None else r.number(dec, f"{source}: compare_decimals",
                                                 whole=True, lo=0, hi=12)
    stop_rule = StopRule(
        max_rounds=r.number(stop.get("max_rounds"), r.where("stop", "max_rounds"), whole=True,
                            lo=1),
        consensus=r.flag(stop.get("consensus"), r.where("stop", "consensus")),
        stability=r.flag(stop.get("stability"), r.where("stop", "stability")),
        alpha=r.number(stop.get("alpha"), r.where("stop", "alpha"), lo=0.0, hi=0.5,
                       lo_open=True),
        max_agreement_change=r.number(stop.get("max_agreement_change"),
                                      r.where("stop", "max_agreement_change"), **unit),
        stable_share=r.number(stop.get("stable_share"), r.where("stop", "stable_share"),
                              lo=0.0, hi=1.0, lo_open=True),
    )
    rw = lambda name, **kw: r.number(ru.get(name), r.where("rand_ucla", name), **kw)  # noqa: E731
    # the cut-offs lie on the scale only when they are used
    on_scale = {"lo": scale.min, "hi": scale.max} if method == "rand_ucla" else {}
    rand = RandUclaRule(
        appropriate_min=rw("appropriate_min", **on_scale),
        inappropriate_max=rw("inappropriate_max", **on_scale),
        ipr_lower=rw("ipr_lower", lo=0.0, hi=1.0),
        ipr_upper=rw("ipr_upper", lo=0.0, hi=1.0),
        ipr_symmetric=rw("ipr_symmetric", lo=0.0),
        asymmetry_factor=rw("asymmetry_factor", lo=0.0),
    )
    if rand.ipr_lower >= rand.ipr_upper:
        raise InputError(f"{source}: rand_ucla: ipr_lower ({rand.ipr_lower}) must be below "
                         f"ipr_upper ({rand.ipr_upper}); the defaults are 0.30 and 0.70.")
    if rand.inappropriate_max >= rand.appropriate_min:
        raise InputError(f"{source}: rand_ucla: inappropriate_max ({rand.inappropriate_max}) "
                         f"must be below appropriate_min ({rand.appropriate_min}).")
    return Rules(
        method=method, scale=scale, clarity=clarity, clarity_revise_below=clarity_below,
        keep_i_cvi_min=keep_i, keep_kappa_above=keep_k, keep_cvr_critical=keep_cvr,
        cvr_alpha=cvr_alpha, revise_i_cvi_min=rev_i, revise_kappa_min=rev_k,
        min_raters=min_raters, compare_decimals=decimals, stop=stop_rule, rand_ucla=rand,
        source=source, target_raters=target,
    )


def load_rules(path: str | Path | None = None) -> Rules:
    """Read a rules file over the defaults (``None``: the defaults alone).

    Parameters
    ----------
    path : str or Path, optional

    Returns
    -------
    Rules

    Raises
    ------
    InputError
        When the file is missing, not valid YAML, or breaks a rule.

    Examples
    --------
    >>> r = load_rules()
    >>> r.method, r.scale.min, r.scale.max, r.scale.relevant_min, r.scale.regions
    ('cvi', 1, 4, 3, ((1, 2), (3, 4)))
    >>> load_rules(RAND_UCLA_RULES).scale.regions
    ((1, 3), (4, 6), (7, 9))
    """
    defaults = load_yaml(DEFAULT_RULES)
    if path is None:
        return rules_from_dict({}, "rules_default.yaml", defaults)
    data = load_yaml(path)
    return rules_from_dict(data, str(path), defaults)
