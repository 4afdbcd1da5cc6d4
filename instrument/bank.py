"""The item bank: candidate items for every aspect of the model, in Dutch and English.

The bank is a directory of YAML files (package data under ``instrument/bank/``):

* ``_bank.yaml`` - metadata: instrument name, bank version, title and instructions in both
  languages, the 5-point agreement scale with its labels and the code of the
  "weet niet / niet van toepassing" answer (a missing code outside 1-5);
* ``LOS.yaml``, ``GOC.yaml``, ``SRI.yaml``, ``VMM.yaml``, ``LeA.yaml``, ``VOR.yaml`` - one
  file per element of :mod:`instrument.model`, each ``{element: LOS, items: [...]}``.

Every item is a mapping with exactly these fields::

    - id: LOSgoals1          # <ELEMENT><aspect><n>; aspect from instrument.model
      aspect: goals
      keyed: 1               # 1, or -1 for a reverse-keyed (negatively worded) item
      status: candidate      # candidate | revised | retained | dropped
      seed: §3.1             # the seed section the item rests on
      nl: In onze werkplaats vertellen we elkaar aan welke leerdoelen we werken.
      en: In our workplace, we tell each other which learning goals we are working on.
      notes: ...             # optional free text
      history: [...]         # optional: earlier states {version, status[, nl, en, note]}

:func:`load_bank` reads and checks such a directory into a frozen :class:`Bank`;
:func:`write_bank` writes a bank back in exactly that format (deterministic bytes), so a
Delphi round can save a new bank version. Schema problems raise
:class:`~analysis.errors.InputError` with one line naming the file, the item and the fix;
content checks (coverage, duplicates, length) live in :mod:`instrument.bankcheck`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from analysis.errors import InputError
from analysis.key import Key, key_from_dict
from analysis.yamlio import Yaml11Bool, as_id, load_yaml
from instrument import model

__all__ = [
    "DEFAULT_BANK_DIR",
    "LANGUAGES",
    "META_FILE",
    "STATUSES",
    "Bank",
    "BankItem",
    "Revision",
    "ScaleInfo",
    "bank_from_data",
    "load_bank",
    "write_bank",
]

DEFAULT_BANK_DIR: Path = Path(__file__).resolve().parent / "bank"
META_FILE = "_bank.yaml"
LANGUAGES: tuple[str, ...] = ("nl", "en")
STATUSES: tuple[str, ...] = ("candidate", "revised", "retained", "dropped")

_REQUIRED = ("id", "aspect", "keyed", "status", "seed", "nl", "en")
_OPTIONAL = ("notes", "history")
_ITEM_FIELDS = _REQUIRED + _OPTIONAL
_HISTORY_FIELDS = ("version", "status", "nl", "en", "note")
_FILE_FIELDS = ("element", "items")
_META_FIELDS = ("instrument", "version", "title", "description", "instructions",
                "response_scale", "missing")
_LANG_NAMES = {"nl": "Dutch", "en": "English"}


@dataclass(frozen=True)
class Revision:
    """An earlier state of an item: its status (and texts, if they changed) in ``version``."""

    version: str
    status: str
    nl: str | None = None
    en: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"version": self.version, "status": self.status}
        for name in ("nl", "en", "note"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out


@dataclass(frozen=True)
class BankItem:
    """One item of the bank.

    Attributes
    ----------
    id : str
        ``<ELEMENT><aspect><n>``, e.g. ``LOSgoals1``; also the variable name in every export.
    element, aspect : str
        Ids from :mod:`instrument.model`.
    nl, en : str
        The item text in Dutch and in English.
    keyed : int
        +1, or -1 for a reverse-keyed (negatively worded) item.
    status : str
        ``candidate``, ``revised``, ``retained`` or ``dropped``.
    seed : str
        The seed section the item rests on, e.g. ``"§3.1"``.
    notes : str or None
    history : tuple of Revision
        Earlier states, oldest first.
    """

    id: str
    element: str
    aspect: str
    nl: str
    en: str
    keyed: int
    status: str
    seed: str
    notes: str | None = None
    history: tuple[Revision, ...] = ()

    def text(self, lang: str) -> str:
        """The item text in ``lang`` (``"nl"`` or ``"en"``)."""
        return getattr(self, _check_lang(lang))

    @property
    def qualified_aspect(self) -> str:
        """``ELEMENT.aspect`` (aspect ids repeat across elements, e.g. ``goals``)."""
        return f"{self.element}.{self.aspect}"

    def to_dict(self) -> dict[str, Any]:
        """The item as written in its element file (without ``element``)."""
        out: dict[str, Any] = {
            "id": self.id, "aspect": self.aspect, "keyed": self.keyed, "status": self.status,
            "seed": self.seed, "nl": self.nl, "en": self.en,
        }
        if self.notes is not None:
            out["notes"] = self.notes
        if self.history:
            out["history"] = [r.to_dict() for r in self.history]
        return out


@dataclass(frozen=True)
class ScaleInfo:
    """The response scale of the questionnaire and its labels in both languages.

    Attributes
    ----------
    min, max : int
        The agreement scale (1-5).
    labels : tuple of (int, str, str)
        ``(value, nl, en)`` for every point of the scale.
    missing_code : int
        Code recorded for "weet niet / niet van toepassing" (outside min-max).
    missing_nl, missing_en : str
        Label of that answer.
    """

    min: int = 1
    max: int = 5
    labels: tuple[tuple[int, str, str], ...] = (
        (1, "Helemaal mee oneens", "Strongly disagree"),
        (2, "Mee oneens", "Disagree"),
        (3, "Niet mee eens, niet mee oneens", "Neither agree nor disagree"),
        (4, "Mee eens", "Agree"),
        (5, "Helemaal mee eens", "Strongly agree"),
    )
    missing_code: int = 9
    missing_nl: str = "Weet niet / niet van toepassing"
    missing_en: str = "Don't know / not applicable"

    def value_labels(self, lang: str) -> dict[int, str]:
        """Value -> label on the scale, in ``lang``."""
        k = 1 if _check_lang(lang) == "nl" else 2
        return {row[0]: row[k] for row in self.labels}

    def missing_label(self, lang: str) -> str:
        return self.missing_nl if _check_lang(lang) == "nl" else self.missing_en

    def to_dict(self) -> dict[str, Any]:
        return {
            "response_scale": {
                "min": self.min, "max": self.max,
                "labels": [{"value": v, "nl": nl, "en": en} for v, nl, en in self.labels],
            },
            "missing": {"code": self.missing_code, "nl": self.missing_nl, "en": self.missing_en},
        }


@dataclass(frozen=True)
class Bank:
    """A validated, immutable item bank. Build it with :func:`load_bank`.

    Attributes
    ----------
    items : tuple of BankItem
        Element by element in model order, file order within an element.
    version : str
        The bank version (a new Delphi round writes a new version).
    source : str
        Where the bank was read from; not part of equality.
    scale : ScaleInfo
        Agreement scale labels and the "weet niet" missing code.
    instrument : str
    title, instructions : dict of str
        Per language (``{"nl": ..., "en": ...}``).
    description : str or None
    """

    items: tuple[BankItem, ...]
    version: str
    source: str = field(default="<data>", compare=False)
    scale: ScaleInfo = field(default_factory=ScaleInfo)
    instrument: str = "LOS-PW"
    title: Mapping[str, str] = field(default_factory=lambda: {
        "nl": "Lerend en onderzoekend samenwerken in onze werkplaats",
        "en": "Learning and inquiring together in our workplace"})
    instructions: Mapping[str, str] = field(default_factory=dict)
    description: str | None = None

    def __hash__(self) -> int:  # title/instructions are dicts; hash what identifies a bank
        return hash((self.items, self.version, self.scale, self.instrument))

    # -- look-ups -------------------------------------------------------------------------
    def item(self, item_id: str) -> BankItem:
        """The item with id ``item_id``."""
        for it in self.items:
            if it.id == item_id:
                return it
        raise InputError(
            f"The bank has no item {item_id!r}. Check the id (e.g. LOSgoals1) against "
            "'lospw bank validate'."
        )

    def ids(self) -> tuple[str, ...]:
        """All item ids in bank order."""
        return tuple(it.id for it in self.items)

    def by_status(self, *statuses: str) -> tuple[BankItem, ...]:
        """The items whose status is one of ``statuses`` (all items if none given).

        Examples
        --------
        >>> bank = load_bank()
        >>> len(bank.by_status("candidate")) == len(bank.items)
        True
        """
        wanted = _check_statuses(statuses) if statuses else STATUSES
        return tuple(it for it in self.items if it.status in wanted)

    def by_element(self, element_id: str) -> tuple[BankItem, ...]:
        model.element(element_id)
        return tuple(it for it in self.items if it.element == element_id)

    @property
    def missing_code(self) -> int:
        """The code of "weet niet / niet van toepassing"."""
        return self.scale.missing_code

    # -- new versions ---------------------------------------------------------------------
    def with_statuses(self, statuses: Mapping[str, str], version: str) -> Bank:
        """A new bank (version ``version``) with the given item statuses; self is untouched.

        An item whose status changes gets a history entry with its previous status and the
        previous bank version.

        Examples
        --------
        >>> bank = load_bank()
        >>> new = bank.with_statuses({"LOSgoals1": "retained"}, version="0.2.0")
        >>> new.item("LOSgoals1").status, bank.item("LOSgoals1").status
        ('retained', 'candidate')
        >>> new.item("LOSgoals1").history[-1].to_dict()
        {'version': '0.1.0', 'status': 'candidate'}
        """
        version = _version_text(version)
        known = set(self.ids())
        for item_id, status in statuses.items():
            if item_id not in known:
                raise InputError(
                    f"Cannot set the status of {item_id!r}: the bank has no such item. "
                    "Check the id."
                )
            if status not in STATUSES:
                raise InputError(
                    f"Item {item_id}: status must be one of {', '.join(STATUSES)}; got "
                    f"{status!r}."
                )
        items = []
        for it in self.items:
            new = statuses.get(it.id, it.status)
            if new != it.status:
                it = replace(it, status=new,
                             history=(*it.history, Revision(self.version, it.status)))
            items.append(it)
        return replace(self, items=tuple(items), version=version)

    def with_texts(self, texts: Mapping[str, Mapping[str, str]], version: str,
                   note: str | None = None) -> Bank:
        """A new bank with revised item texts (``{id: {"nl": ..., "en": ...}}``).

        Revised items get status ``revised`` and a history entry holding their previous
        status and texts. Self is untouched.
        """
        version = _version_text(version)
        known = set(self.ids())
        for item_id, new in texts.items():
            if item_id not in known:
                raise InputError(
                    f"Cannot revise {item_id!r}: the bank has no such item. Check the id."
                )
            bad = sorted(set(new) - set(LANGUAGES))
            if bad:
                raise InputError(
                    f"Item {item_id}: unknown language {bad[0]!r}; the languages are nl and en."
                )
            for lang, text in new.items():
                if not isinstance(text, str) or not text.strip():
                    raise InputError(
                        f"Item {item_id}: the new {_LANG_NAMES[lang]} text is empty. Give "
                        "the text or leave the language out."
                    )
        items = []
        for it in self.items:
            if it.id in texts:
                new = texts[it.id]
                prev = Revision(self.version, it.status, it.nl, it.en, note)
                it = replace(it, nl=" ".join(new.get("nl", it.nl).split()),
                             en=" ".join(new.get("en", it.en).split()), status="revised",
                             history=(*it.history, prev))
            items.append(it)
        return replace(self, items=tuple(items), version=version)

    # -- the key --------------------------------------------------------------------------
    def key(self, statuses: Iterable[str] = ("retained",), instrument: str = "LOS-PW",
            lang: str = "nl") -> Key:
        """The key (:class:`analysis.key.Key`) for the items with the given statuses.

        Scales are the elements in model order (elements without such items are left out),
        reverse-keyed items get a ``-``, ``higher_order`` follows
        :func:`instrument.model.higher_order`, ``aspects`` maps every item to
        ``ELEMENT.aspect``, ``labels`` holds the item texts in ``lang``, the response scale
        is 1-5 and the "weet niet" code is the missing code.

        Examples
        --------
        >>> key = load_bank().key(statuses=("candidate",))
        >>> key.scale_names
        ('LOS', 'GOC', 'SRI', 'VMM', 'LeA', 'VOR')
        >>> key.missing_codes, key.response_scale.categories
        ((9.0,), (1, 2, 3, 4, 5))
        """
        lang = _check_lang(lang)
        wanted = _check_statuses(tuple(statuses))
        chosen = [it for it in self.items if it.status in wanted]
        if not chosen:
            present = sorted({it.status for it in self.items})
            raise InputError(
                f"No items with status {', '.join(wanted)} in bank {self.version}; the bank "
                f"has items with status {', '.join(present)}. Choose another status."
            )
        scales: dict[str, list[str]] = {}
        for el in model.ELEMENTS:
            members = [("-" if it.keyed < 0 else "") + it.id for it in chosen
                       if it.element == el.id]
            if members:
                scales[el.id] = members
        higher = {g: [e for e in els if e in scales]
                  for g, els in model.higher_order().items()}
        data = {
            "instrument": instrument,
            "version": self.version,
            "description": (f"Generated from item bank {self.version} "
                            f"(status: {', '.join(wanted)}); labels in {lang}."),
            "response_scale": {"min": self.scale.min, "max": self.scale.max},
            "missing_codes": [self.scale.missing_code],
            "scales": scales,
            "higher_order": {g: m for g, m in higher.items() if m},
            "aspects": {it.id: it.qualified_aspect for it in chosen},
            "labels": {it.id: it.text(lang) for it in chosen},
        }
        return key_from_dict(data, f"bank {self.version}")

    # -- files ----------------------------------------------------------------------------
    def meta_dict(self) -> dict[str, Any]:
        """The content of ``_bank.yaml``."""
        out: dict[str, Any] = {"instrument": self.instrument, "version": self.version,
                               "title": dict(self.title)}
        if self.description is not None:
            out["description"] = self.description
        if self.instructions:
            out["instructions"] = dict(self.instructions)
        out.update(self.scale.to_dict())
        return out

    def element_dict(self, element_id: str) -> dict[str, Any]:
        """The content of ``<ELEMENT>.yaml``."""
        return {"element": element_id,
                "items": [it.to_dict() for it in self.by_element(element_id)]}


# -- helpers --------------------------------------------------------------------------------
def _check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise InputError(f"The language must be one of nl, en; got {lang!r}.")
    return lang


def _check_statuses(statuses: tuple[str, ...]) -> tuple[str, ...]:
    for s in statuses:
        if s not in STATUSES:
            raise InputError(f"The status must be one of {', '.join(STATUSES)}; got {s!r}.")
    return statuses


def _version_text(version: Any) -> str:
    if not isinstance(version, str) or not version.strip():
        raise InputError(f"A bank version must be non-empty text, e.g. '0.2.0'; got {version!r}.")
    return version.strip()


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return f"{value!r}"


def _text(value: Any, where: str, what: str, fix: str) -> str:
    """A non-empty one-line text; YAML booleans and numbers are refused with the fix."""
    if isinstance(value, Yaml11Bool):
        raise InputError(
            f"{where}: line {value.line}: {what} is the unquoted word {str(value)!r}, which "
            f"YAML reads as a boolean; quote it: '{value}'."
        )
    if isinstance(value, bool):
        raise InputError(f"{where}: {what} is a YAML boolean ({value}); quote it.")
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InputError(f"{where}: {what} is empty. {fix}")
    if not isinstance(value, str):
        raise InputError(f"{where}: {what} must be text; got {_kind(value)}. Quote it.")
    return " ".join(value.split())


def _int(value: Any, where: str, fix: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{where}: must be a whole number; got {_kind(value)}. {fix}")
    return value


def _check_fields(raw: Mapping[Any, Any], allowed: tuple[str, ...], where: str) -> None:
    for k in raw:
        if not isinstance(k, str) or k not in allowed:
            raise InputError(
                f"{where}: unknown field {str(k)!r}; the fields are {', '.join(allowed)}. "
                "Check the spelling or remove it."
            )


# -- reading ----------------------------------------------------------------------------------
def _parse_meta(data: Any, src: str) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise InputError(
            f"{src}: must be a mapping with instrument, version, title, response_scale and "
            f"missing; got {_kind(data)}."
        )
    _check_fields(data, _META_FIELDS, src)
    for name in ("version", "response_scale", "missing"):
        if name not in data:
            raise InputError(f"{src}: the field '{name}' is missing. Add it (see README).")
    out: dict[str, Any] = {
        "instrument": as_id(data.get("instrument", "LOS-PW"), f"{src}: instrument"),
        "version": _text(str(data["version"]) if isinstance(data["version"], (int, float))
                         and not isinstance(data["version"], bool) else data["version"],
                         src, "version", "Write e.g. version: '0.1.0'."),
    }
    for name in ("title", "instructions"):
        raw = data.get(name)
        if raw is None:
            continue
        if not isinstance(raw, Mapping):
            raise InputError(f"{src}: {name} must map nl and en to text; got {_kind(raw)}.")
        _check_fields(raw, LANGUAGES, f"{src}: {name}")
        out[name] = {lang: _text(raw.get(lang), f"{src}: {name}", f"the {_LANG_NAMES[lang]} "
                                 f"text ({lang})", f"Add '{lang}:' with the text.")
                     for lang in LANGUAGES}
    if data.get("description") is not None:
        out["description"] = _text(data["description"], src, "description", "")

    rs = data["response_scale"]
    where = f"{src}: response_scale"
    if not isinstance(rs, Mapping):
        raise InputError(f"{where}: must be a mapping with min, max and labels; got {_kind(rs)}.")
    _check_fields(rs, ("min", "max", "labels"), where)
    lo = _int(rs.get("min"), f"{where}.min", "Write min: 1.")
    hi = _int(rs.get("max"), f"{where}.max", "Write max: 5.")
    if lo >= hi:
        raise InputError(f"{where}: min must be below max; got {lo} and {hi}.")
    raw_labels = rs.get("labels")
    if not isinstance(raw_labels, list):
        raise InputError(
            f"{where}.labels: must be a list of {{value, nl, en}}; got {_kind(raw_labels)}."
        )
    labels = []
    for k, row in enumerate(raw_labels):
        here = f"{where}.labels[{k}]"
        if not isinstance(row, Mapping):
            raise InputError(f"{here}: must be a mapping {{value, nl, en}}; got {_kind(row)}.")
        _check_fields(row, ("value", "nl", "en"), here)
        value = _int(row.get("value"), f"{here}.value", "Write the scale point, e.g. value: 1.")
        labels.append((value, *(_text(row.get(lang), here, f"the {_LANG_NAMES[lang]} label",
                                      f"Add '{lang}:' with the label.") for lang in LANGUAGES)))
    if [v for v, _, _ in labels] != list(range(lo, hi + 1)):
        raise InputError(
            f"{where}.labels: give one label per scale point {lo}..{hi}, in order; got values "
            f"{[v for v, _, _ in labels]}."
        )
    miss = data["missing"]
    where = f"{src}: missing"
    if not isinstance(miss, Mapping):
        raise InputError(f"{where}: must be a mapping with code, nl and en; got {_kind(miss)}.")
    _check_fields(miss, ("code", "nl", "en"), where)
    code = _int(miss.get("code"), f"{where}.code", "Write e.g. code: 9.")
    if lo <= code <= hi:
        raise InputError(
            f"{where}.code: {code} lies inside the response scale {lo}-{hi} and would turn real "
            "answers into missing values. Use a code outside it, e.g. 9."
        )
    texts = [_text(miss.get(lang), where, f"the {_LANG_NAMES[lang]} label",
                   f"Add '{lang}:' with the label.") for lang in LANGUAGES]
    out["scale"] = ScaleInfo(lo, hi, tuple(labels), code, texts[0], texts[1])
    return out


def _parse_history(raw: Any, where: str) -> tuple[Revision, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise InputError(f"{where}: history must be a list of earlier states; got {_kind(raw)}.")
    out = []
    for k, entry in enumerate(raw):
        here = f"{where}: history[{k}]"
        if not isinstance(entry, Mapping):
            raise InputError(f"{here}: must be a mapping {{version, status}}; got {_kind(entry)}.")
        _check_fields(entry, _HISTORY_FIELDS, here)
        version = entry.get("version")
        if isinstance(version, (int, float)) and not isinstance(version, bool):
            version = str(version)
        version = _text(version, here, "version", "Write the bank version, e.g. '0.1.0'.")
        status = as_id(entry.get("status"), f"{here}.status")
        if status not in STATUSES:
            raise InputError(
                f"{here}.status: must be one of {', '.join(STATUSES)}; got {status!r}."
            )
        opt = {name: (_text(entry[name], here, name, "Remove it or give the text.")
                      if entry.get(name) is not None else None)
               for name in ("nl", "en", "note")}
        out.append(Revision(version, status, **opt))
    return tuple(out)


def _parse_item(raw: Any, element: model.Element, where: str) -> BankItem:
    if not isinstance(raw, Mapping):
        raise InputError(f"{where}: an item must be a mapping of fields; got {_kind(raw)}.")
    if "id" in raw:
        item_id = as_id(raw["id"], f"{where}.id")
        where = f"{where.rsplit(':', 1)[0]}: item {item_id}"
    _check_fields(raw, _ITEM_FIELDS, where)
    for name in _REQUIRED:
        if name not in raw:
            fix = {"nl": "Add the Dutch text as 'nl:'.", "en": "Add the English text as 'en:'.",
                   "keyed": "Add 'keyed: 1' (or -1 for a reverse-keyed item).",
                   "status": "Add 'status: candidate'.",
                   "seed": "Add the seed section, e.g. 'seed: §3.1'."}.get(
                       name, f"Add '{name}:'.")
            raise InputError(f"{where}: the field '{name}' is missing. {fix}")
    item_id = as_id(raw["id"], f"{where}.id")
    aspect_id = as_id(raw["aspect"], f"{where}.aspect")
    if aspect_id not in element.aspect_ids:
        raise InputError(
            f"{where}: unknown aspect {aspect_id!r} of element {element.id}; its aspects are "
            f"{', '.join(element.aspect_ids)}."
        )
    m = re.fullmatch(re.escape(element.id + aspect_id) + r"([1-9][0-9]*)", item_id)
    if m is None:
        raise InputError(
            f"{where}: the id does not match its element and aspect; write it as "
            f"{element.id}{aspect_id}<n>, e.g. {element.id}{aspect_id}1."
        )
    keyed = raw["keyed"]
    if isinstance(keyed, bool) or keyed not in (1, -1) or not isinstance(keyed, int):
        raise InputError(
            f"{where}: keyed must be 1 or -1; got {_kind(keyed)}. Write 1 for a positively "
            "worded item, -1 for a reverse-keyed one."
        )
    status = raw["status"]
    if isinstance(status, (Yaml11Bool, bool)) or status not in STATUSES:
        raise InputError(
            f"{where}: status must be one of {', '.join(STATUSES)}; got {_kind(status)}."
        )
    seed = _text(raw["seed"], where, "seed", "Give the seed section, e.g. '§3.1'.")
    if "§" not in seed and "Figuur" not in seed:
        raise InputError(
            f"{where}: seed must name a section of the seed article (e.g. '§3.1' or "
            f"'Figuur 2'); got {seed!r}."
        )
    texts = {lang: _text(raw[lang], where, f"the {_LANG_NAMES[lang]} text ({lang})",
                         f"Write the {_LANG_NAMES[lang]} item text.") for lang in LANGUAGES}
    notes = raw.get("notes")
    notes = None if notes is None else _text(notes, where, "notes", "Remove it or write a note.")
    history = _parse_history(raw.get("history"), where)
    return BankItem(item_id, element.id, aspect_id, texts["nl"], texts["en"], int(keyed),
                    str(status), seed, notes, history)


def _parse_element_file(data: Any, src: str, expected: str) -> list[BankItem]:
    if not isinstance(data, Mapping):
        raise InputError(
            f"{src}: must be a mapping with 'element' and 'items'; got {_kind(data)}."
        )
    _check_fields(data, _FILE_FIELDS, src)
    if "element" not in data:
        raise InputError(f"{src}: the field 'element' is missing. Add 'element: {expected}'.")
    element_id = as_id(data["element"], f"{src}: element")
    if element_id not in {e.id for e in model.ELEMENTS}:
        raise InputError(
            f"{src}: unknown element {element_id!r}; the elements are "
            f"{', '.join(e.id for e in model.ELEMENTS)}."
        )
    if element_id != expected:
        raise InputError(
            f"{src}: the file holds element {element_id!r} but is named for {expected}; "
            f"rename the file to {element_id}.yaml or fix 'element:'."
        )
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise InputError(f"{src}: 'items' must be a non-empty list of items; got "
                         f"{_kind(raw_items)}.")
    el = model.element(element_id)
    return [_parse_item(raw, el, f"{src}: items[{k}]") for k, raw in enumerate(raw_items)]


def bank_from_data(meta: Any, elements: Mapping[str, Any], source: str = "<data>",
                   sources: Mapping[str, str] | None = None) -> Bank:
    """Check bank content given as plain data (as read from the YAML files) into a Bank.

    Parameters
    ----------
    meta : mapping
        The content of ``_bank.yaml``.
    elements : mapping
        Element id -> content of that element's file, for all six elements.
    source : str
        Name of the bank in messages.
    sources : mapping, optional
        Element id (and ``"_meta"``) -> file name used in error messages.

    Raises
    ------
    InputError
        One line naming the file, the item and the fix.
    """
    sources = dict(sources or {})
    m = _parse_meta(meta, sources.get("_meta", f"{source}/{META_FILE}"))
    items: list[BankItem] = []
    seen: dict[str, str] = {}
    for el in model.ELEMENTS:
        src = sources.get(el.id, f"{source}/{el.id}.yaml")
        if el.id not in elements:
            raise InputError(
                f"{source}: no file for element {el.id}; the bank needs "
                f"{', '.join(e.id + '.yaml' for e in model.ELEMENTS)}. Add {el.id}.yaml."
            )
        for it in _parse_element_file(elements[el.id], src, el.id):
            if it.id in seen:
                other = seen[it.id]
                where = "earlier in this file" if other == src else f"in {other}"
                raise InputError(
                    f"{src}: item {it.id}: duplicate id; it is already used {where}. Give "
                    "the item the next free number of its aspect."
                )
            seen[it.id] = src
            items.append(it)
    extra = sorted(set(elements) - {e.id for e in model.ELEMENTS})
    if extra:
        raise InputError(
            f"{source}: unknown element {extra[0]!r}; the elements are "
            f"{', '.join(e.id for e in model.ELEMENTS)}."
        )
    return Bank(items=tuple(items), source=source, **m)


def load_bank(path: str | Path = DEFAULT_BANK_DIR) -> Bank:
    """Read and check an item bank directory (``_bank.yaml`` plus six element files).

    Parameters
    ----------
    path : str or Path
        The bank directory; by default the bank shipped with lospw (``instrument/bank/``).

    Returns
    -------
    Bank

    Raises
    ------
    InputError
        When a file is missing, unknown, not valid YAML, or breaks the bank schema; the
        one-line message names the file, the item and the fix.

    Examples
    --------
    >>> bank = load_bank()
    >>> bank.item("LOSgoals1").element, bank.scale.missing_code
    ('LOS', 9)
    """
    p = Path(path)
    if not p.is_dir():
        raise InputError(f"{p}: no such bank directory. Give the folder that holds "
                         f"{META_FILE} and the six element files.")
    expected = {META_FILE, *(e.id + ".yaml" for e in model.ELEMENTS)}
    for f in sorted(p.iterdir()):
        if f.suffix in (".yaml", ".yml") and f.name not in expected:
            raise InputError(
                f"{f}: unknown file in the bank; the bank has {', '.join(sorted(expected))}. "
                "Remove or rename it."
            )
    meta_path = p / META_FILE
    if not meta_path.is_file():
        raise InputError(f"{meta_path}: no such file; every bank needs {META_FILE} (version, "
                         "scale labels, missing code). Copy it from instrument/bank/.")
    elements: dict[str, Any] = {}
    sources: dict[str, str] = {"_meta": str(meta_path)}
    for el in model.ELEMENTS:
        f = p / f"{el.id}.yaml"
        if not f.is_file():
            raise InputError(
                f"{f}: no such file; the bank needs one file per element "
                f"({', '.join(e.id + '.yaml' for e in model.ELEMENTS)}). Add {el.id}.yaml."
            )
        elements[el.id] = load_yaml(f)
        sources[el.id] = str(f)
    return bank_from_data(load_yaml(meta_path), elements, str(p), sources)


# -- writing ----------------------------------------------------------------------------------
_HEADER = (
    "# LOS-PW item bank{what}. Checked by instrument/bank.py (lospw bank validate).\n"
    "# Written by write_bank(): edit freely, but keep the field names and order.\n"
)


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=4096,
                          default_flow_style=False)


def write_bank(bank: Bank, directory: str | Path) -> list[Path]:
    """Write ``bank`` as ``_bank.yaml`` plus six element files in ``directory``.

    The files are in the format :func:`load_bank` reads, with fixed field order and no
    timestamps, so the same bank always gives the same bytes. Returns the written paths.

    Examples
    --------
    >>> import tempfile
    >>> bank = load_bank()
    >>> with tempfile.TemporaryDirectory() as d:
    ...     paths = write_bank(bank, d)
    ...     load_bank(d) == bank
    True
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    meta = _HEADER.format(what=": metadata (version, scale labels, missing code)")
    p = out / META_FILE
    p.write_text(meta + _dump(bank.meta_dict()), encoding="utf-8", newline="\n")
    written.append(p)
    for el in model.ELEMENTS:
        head = _HEADER.format(what=f": element {el.id} ({el.nl} / {el.en})")
        p = out / f"{el.id}.yaml"
        p.write_text(head + _dump(bank.element_dict(el.id)), encoding="utf-8", newline="\n")
        written.append(p)
    return written
