"""The item bank's metadata (``_bank.yaml``): scales, missing codes, modules, address.

Besides the instrument name, version, title, description and instructions, ``_bank.yaml``
says how the questionnaire is put together:

* ``address`` - the one form of address of the Dutch texts, ``u`` or ``je``;
* ``reference_period`` - the period respondents think of (``{nl, en}``; the instructions
  must mention it, so waves of the questionnaire compare like with like);
* ``modules`` - parts of the questionnaire, each answered by a set of stakeholder groups
  (:data:`lospw.instrument.model.GROUPS`); an item belongs to the module whose groups equal its
  own, and a questionnaire for one group holds the modules that group answers. A module
  may be marked ``plain_language`` (written at language level B1) and carry an ``intro``;
* ``response_scales`` - named answer scales, e.g. ``agreement`` (the default, listed first)
  and ``frequency``; an item names its scale when it is not the default;
* ``missing`` - the codes of the answers outside the scale, each with an ``id``, its labels
  and what it ``meaning`` is for the analysis. The LOS-PW bank has two: ``dont_know`` (8,
  "weet niet") and ``not_applicable`` (9, "niet van toepassing").

:func:`parse_meta` checks such a mapping into the keyword arguments of
:class:`lospw.instrument.bank.Bank`; the dataclasses' ``to_dict`` give it back in file order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.yamlio import as_bool, as_id
from lospw.instrument import model
from lospw.instrument._fields import (
    LANG_NAMES,
    LANGUAGES,
    check_fields,
    check_lang,
    id_list,
    kind,
    number,
    text,
    texts,
)

__all__ = ["ADDRESS_FORMS", "AGREEMENT_LABELS", "DEFAULT_MISSING", "DEFAULT_MODULES",
           "META_FIELDS", "MissingCode", "Module", "ScaleInfo", "parse_meta"]

ADDRESS_FORMS: tuple[str, ...] = ("u", "je")
META_FIELDS = ("instrument", "version", "title", "description", "address",
               "reference_period", "instructions", "modules", "response_scales", "missing")

AGREEMENT_LABELS: tuple[tuple[int, str, str], ...] = (
    (1, "Helemaal mee oneens", "Strongly disagree"),
    (2, "Mee oneens", "Disagree"),
    (3, "Niet mee eens, niet mee oneens", "Neither agree nor disagree"),
    (4, "Mee eens", "Agree"),
    (5, "Helemaal mee eens", "Strongly agree"),
)


@dataclass(frozen=True)
class ScaleInfo:
    """One named response scale and its labels in both languages.

    Attributes
    ----------
    name : str
        ``agreement``, ``frequency`` ...; items refer to it by this name.
    min, max : int
        The lowest and highest answer (1-5).
    labels : tuple of (int, str, str)
        ``(value, nl, en)`` for every point of the scale.
    """

    name: str = "agreement"
    min: int = 1
    max: int = 5
    labels: tuple[tuple[int, str, str], ...] = AGREEMENT_LABELS

    def value_labels(self, lang: str) -> dict[int, str]:
        """Value -> label on the scale, in ``lang``."""
        k = 1 if check_lang(lang) == "nl" else 2
        return {row[0]: row[k] for row in self.labels}

    def to_dict(self) -> dict[str, Any]:
        return {"min": self.min, "max": self.max,
                "labels": [{"value": v, "nl": nl, "en": en} for v, nl, en in self.labels]}


@dataclass(frozen=True)
class MissingCode:
    """An answer outside the scale ("weet niet", "niet van toepassing") and its code.

    ``meaning`` says what the answer tells the analysis (it is read as a missing value,
    but the two answers mean different things, see ``docs/bank.md``).
    """

    id: str
    code: int
    nl: str
    en: str
    meaning: str

    def label(self, lang: str) -> str:
        return self.nl if check_lang(lang) == "nl" else self.en

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "code": self.code, "nl": self.nl, "en": self.en,
                "meaning": self.meaning}


@dataclass(frozen=True)
class Module:
    """A part of the questionnaire and the stakeholder groups that answer it."""

    id: str
    nl: str
    en: str
    groups: tuple[str, ...]
    plain_language: bool = False
    intro_nl: str | None = None
    intro_en: str | None = None

    def label(self, lang: str) -> str:
        return self.nl if check_lang(lang) == "nl" else self.en

    def intro(self, lang: str) -> str | None:
        return self.intro_nl if check_lang(lang) == "nl" else self.intro_en

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "nl": self.nl, "en": self.en,
                               "groups": list(self.groups)}
        if self.plain_language:
            out["plain_language"] = True
        if self.intro_nl is not None:
            out["intro"] = {"nl": self.intro_nl, "en": self.intro_en}
        return out


DEFAULT_MISSING: tuple[MissingCode, ...] = (
    MissingCode("dont_know", 8, "Weet niet", "Don't know",
                "The statement applies, but the respondent cannot judge it."),
    MissingCode("not_applicable", 9, "Niet van toepassing", "Not applicable",
                "The statement does not fit the respondent's situation."),
)
DEFAULT_MODULES: tuple[Module, ...] = (
    Module("all", "Alle groepen", "All groups", tuple(g.id for g in model.GROUPS)),
)


# -- reading ----------------------------------------------------------------------------------
_LEGACY = {
    "response_scale": "it is now 'response_scales', a mapping of named scales, e.g. "
                      "'response_scales: {agreement: {min: 1, max: 5, labels: [...]}}'",
}


def _scale(name: str, rs: Any, src: str) -> ScaleInfo:
    where = f"{src}: response_scales.{name}"
    if not isinstance(rs, Mapping):
        raise InputError(f"{where}: must be a mapping with min, max and labels; got {kind(rs)}.")
    check_fields(rs, ("min", "max", "labels"), where)
    lo = number(rs.get("min"), f"{where}.min", "Write min: 1.")
    hi = number(rs.get("max"), f"{where}.max", "Write max: 5.")
    if lo >= hi:
        raise InputError(f"{where}: min must be below max; got {lo} and {hi}.")
    raw_labels = rs.get("labels")
    if not isinstance(raw_labels, list):
        raise InputError(
            f"{where}.labels: must be a list of {{value, nl, en}}; got {kind(raw_labels)}."
        )
    labels = []
    for k, row in enumerate(raw_labels):
        here = f"{where}.labels[{k}]"
        if not isinstance(row, Mapping):
            raise InputError(f"{here}: must be a mapping {{value, nl, en}}; got {kind(row)}.")
        check_fields(row, ("value", "nl", "en"), here)
        value = number(row.get("value"), f"{here}.value", "Write the scale point, e.g. value: 1.")
        labels.append((value, *(text(row.get(lang), here, f"the {LANG_NAMES[lang]} label",
                                     f"Add '{lang}:' with the label.") for lang in LANGUAGES)))
    if [v for v, _, _ in labels] != list(range(lo, hi + 1)):
        raise InputError(
            f"{where}.labels: give one label per scale point {lo}..{hi}, in order; got values "
            f"{[v for v, _, _ in labels]}."
        )
    return ScaleInfo(name, lo, hi, tuple(labels))


def _scales(raw: Any, src: str) -> tuple[ScaleInfo, ...]:
    if not isinstance(raw, Mapping) or not raw:
        raise InputError(
            f"{src}: response_scales must map scale names (agreement, frequency ...) to "
            f"{{min, max, labels}}; got {kind(raw)}."
        )
    return tuple(_scale(as_id(name, f"{src}: response_scales (a scale name)"), rs, src)
                 for name, rs in raw.items())


def _missing(raw: Any, src: str, scales: tuple[ScaleInfo, ...]) -> tuple[MissingCode, ...]:
    if isinstance(raw, Mapping):
        raise InputError(
            f"{src}: missing must be a list of codes, one per answer outside the scale (e.g. "
            "'- {id: dont_know, code: 8, ...}' and '- {id: not_applicable, code: 9, ...}'); "
            "got one mapping (the 0.1 format with one code for both)."
        )
    if not isinstance(raw, list) or not raw:
        raise InputError(f"{src}: missing must be a non-empty list of codes; got {kind(raw)}.")
    out: list[MissingCode] = []
    for k, entry in enumerate(raw):
        where = f"{src}: missing[{k}]"
        if not isinstance(entry, Mapping):
            raise InputError(f"{where}: must be a mapping {{id, code, nl, en, meaning}}; got "
                             f"{kind(entry)}.")
        check_fields(entry, ("id", "code", "nl", "en", "meaning"), where)
        mid = as_id(entry.get("id"), f"{where}.id")
        code = number(entry.get("code"), f"{where}.code", "Write e.g. code: 9.")
        for sc in scales:
            if sc.min <= code <= sc.max:
                raise InputError(
                    f"{where}.code: {code} lies inside the response scale {sc.name} "
                    f"{sc.min}-{sc.max} and would turn real answers into missing values. "
                    "Use a code outside it, e.g. 8 or 9."
                )
        for other in out:
            if code == other.code or mid == other.id:
                raise InputError(
                    f"{where}: code {code} / id {mid!r} is already used by missing "
                    f"{other.id!r}. Give every answer its own id and code."
                )
        labels = [text(entry.get(lang), where, f"the {LANG_NAMES[lang]} label",
                       f"Add '{lang}:' with the label.") for lang in LANGUAGES]
        meaning = text(entry.get("meaning"), where, "meaning",
                       "Say what the answer means for the analysis.")
        out.append(MissingCode(mid, code, labels[0], labels[1], meaning))
    return tuple(out)


def _modules(raw: Any, src: str) -> tuple[Module, ...]:
    if not isinstance(raw, list) or not raw:
        raise InputError(
            f"{src}: modules must be a non-empty list of {{id, nl, en, groups}}; got "
            f"{kind(raw)}."
        )
    group_ids = tuple(g.id for g in model.GROUPS)
    out: list[Module] = []
    for k, entry in enumerate(raw):
        where = f"{src}: modules[{k}]"
        if not isinstance(entry, Mapping):
            raise InputError(f"{where}: must be a mapping {{id, nl, en, groups}}; got "
                             f"{kind(entry)}.")
        check_fields(entry, ("id", "nl", "en", "groups", "plain_language", "intro"), where)
        mid = as_id(entry.get("id"), f"{where}.id")
        labels = [text(entry.get(lang), where, f"the {LANG_NAMES[lang]} name",
                       f"Add '{lang}:' with the module's name.") for lang in LANGUAGES]
        groups = id_list(entry.get("groups"), f"{where}", group_ids, "groups",
                         "[students, professionals]")
        if not groups:
            raise InputError(f"{where}: groups is empty; name the groups that answer the "
                             "module.")
        plain = as_bool(entry.get("plain_language", False), f"{where}.plain_language")
        intro = texts(entry["intro"], where, "intro") if entry.get("intro") is not None \
            else None
        for other in out:
            if other.id == mid:
                raise InputError(f"{where}: the module id {mid!r} is used twice. Rename one.")
            if set(other.groups) == set(groups):
                raise InputError(
                    f"{where}: module {mid!r} has the same groups as module {other.id!r}; "
                    "items are routed by their groups, so merge the two modules."
                )
        out.append(Module(mid, labels[0], labels[1], groups, plain,
                          intro["nl"] if intro else None, intro["en"] if intro else None))
    return tuple(out)


def parse_meta(data: Any, src: str) -> dict[str, Any]:
    """Check the content of ``_bank.yaml``; return the keyword arguments of a Bank.

    Raises
    ------
    InputError
        One line naming the file, the field and the fix.
    """
    if not isinstance(data, Mapping):
        raise InputError(
            f"{src}: must be a mapping with instrument, version, title, response_scales and "
            f"missing; got {kind(data)}."
        )
    for k in data:
        if isinstance(k, str) and k in _LEGACY:
            raise InputError(f"{src}: the field '{k}' is from the 0.1 bank format: "
                             f"{_LEGACY[k]}.")
    check_fields(data, META_FIELDS, src)
    for name in ("version", "response_scales", "missing", "modules"):
        if name not in data:
            raise InputError(f"{src}: the field '{name}' is missing. Add it (see docs/bank.md).")
    version = data["version"]
    if isinstance(version, (int, float)) and not isinstance(version, bool):
        version = str(version)
    out: dict[str, Any] = {
        "instrument": as_id(data.get("instrument", "LOS-PW"), f"{src}: instrument"),
        "version": text(version, src, "version", "Write e.g. version: '0.2.0'."),
    }
    for name in ("title", "instructions", "reference_period"):
        if data.get(name) is not None:
            out[name] = texts(data[name], src, name)
    if data.get("description") is not None:
        out["description"] = text(data["description"], src, "description", "")
    if data.get("address") is not None:
        address = as_id(data["address"], f"{src}: address")
        if address not in ADDRESS_FORMS:
            raise InputError(f"{src}: address must be 'u' or 'je' (the form of address of "
                             f"the Dutch texts); got {address!r}.")
        out["address"] = address
    out["scales"] = _scales(data["response_scales"], src)
    out["missing"] = _missing(data["missing"], src, out["scales"])
    out["modules"] = _modules(data["modules"], src)
    return out
