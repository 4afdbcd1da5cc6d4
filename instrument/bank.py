"""The item bank: candidate items for every aspect of the model, in Dutch and English.

The bank is a directory of YAML files (package data under ``instrument/bank/``):

* ``_bank.yaml`` - metadata (:mod:`lospw.instrument.bankmeta`): instrument name, bank version,
  title, form of address, reference period and instructions in both languages, the modules
  (parts of the questionnaire and the stakeholder groups that answer them), the named
  response scales (``agreement``, ``frequency``) and the missing codes ("weet niet" and
  "niet van toepassing", each with its own code and meaning);
* ``LOS.yaml``, ``GOC.yaml``, ``SRI.yaml``, ``VMM.yaml``, ``LeA.yaml``, ``VOR.yaml`` - one
  file per element of :mod:`lospw.instrument.model`, each ``{element: LOS, items: [...]}``.

Every item is a mapping with these fields, in this order::

    - id: LOSgoals1          # <ELEMENT><aspect><n>; aspect from lospw.instrument.model
      aspect: goals
      keyed: 1               # 1, or -1 for a reverse-keyed (negatively worded) item
      status: candidate      # candidate | revised | retained | dropped
      seed: §3.1             # the seed section the item rests on
      referent: workplace    # workplace | self: what the item is about
      groups: [students, professionals]   # who can answer it (lospw.instrument.model.GROUPS)
      response_scale: frequency           # optional: a scale of _bank.yaml (default: first)
      nl: In deze werkplaats vertellen we elkaar aan welke leerdoelen we werken.
      en: In this workplace, we tell each other which learning goals we are working on.
      reviewed: [double_barrel]           # optional: check warnings a reviewer accepted
      notes: ...             # optional free text
      history: [...]         # optional: earlier states {version, status[, nl, en, note]}

:func:`load_bank` reads and checks such a directory into a frozen :class:`Bank`;
:func:`write_bank` writes a bank back in exactly that format (deterministic bytes), so a
Delphi round can save a new bank version. Schema problems raise
:class:`~lospw.analysis.core.errors.InputError` with one line naming the file, the item and the fix;
content checks (coverage, groups, referents, wording) live in :mod:`lospw.instrument.bankcheck`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import Key, key_from_dict
from lospw.analysis.core.yamlio import Yaml11Bool, as_id, load_yaml
from lospw.instrument import model
from lospw.instrument._fields import LANG_NAMES, LANGUAGES, check_fields, check_lang, id_list, kind
from lospw.instrument._fields import text as _text
from lospw.instrument.bankmeta import (
    DEFAULT_MISSING,
    DEFAULT_MODULES,
    MissingCode,
    Module,
    ScaleInfo,
    parse_meta,
)

__all__ = [
    "DEFAULT_BANK_DIR",
    "LANGUAGES",
    "META_FILE",
    "STATUSES",
    "Bank",
    "BankItem",
    "MissingCode",
    "Module",
    "Revision",
    "ScaleInfo",
    "bank_from_data",
    "load_bank",
    "write_bank",
]

DEFAULT_BANK_DIR: Path = Path(__file__).resolve().parent / "bank"
META_FILE = "_bank.yaml"
STATUSES: tuple[str, ...] = ("candidate", "revised", "retained", "dropped")
# The routing question: its code in every export and the data column that routes items.
GROUP_QUESTION_CODE = "stakeholder"

_REQUIRED = ("id", "aspect", "keyed", "status", "seed", "referent", "groups", "nl", "en")
_ITEM_FIELDS = ("id", "aspect", "keyed", "status", "seed", "referent", "groups",
                "response_scale", "nl", "en", "reviewed", "notes", "history")
_HISTORY_FIELDS = ("version", "status", "nl", "en", "note")
_FILE_FIELDS = ("element", "items")
_GROUP_IDS = tuple(g.id for g in model.GROUPS)
# Warning codes of lospw.instrument.bankcheck that an item's `reviewed` list may name.
REVIEWABLE: tuple[str, ...] = (
    "double_barrel", "cause_effect", "absolute_quantifier", "vague_quantifier",
    "intensifier", "frequency_on_agreement", "jargon", "plain_language", "referent_wording",
    "address_mismatch",
)


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
        Ids from :mod:`lospw.instrument.model`.
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
    groups : tuple of str
        The stakeholder groups that can answer the item (:data:`lospw.instrument.model.GROUPS`).
    referent : str
        ``workplace`` (how things go in the workplace) or ``self`` (the respondent's own
        behaviour, feelings or situation).
    response_scale : str or None
        The name of the item's response scale; None for the bank's default (its first).
    reviewed : tuple of str
        Warning codes of :mod:`lospw.instrument.bankcheck` a reviewer looked at and accepted for
        this item (e.g. ``double_barrel`` for "onderwijs en praktijk", one actor pair).
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
    groups: tuple[str, ...] = _GROUP_IDS
    referent: str = "workplace"
    response_scale: str | None = None
    reviewed: tuple[str, ...] = ()

    def text(self, lang: str) -> str:
        """The item text in ``lang`` (``"nl"`` or ``"en"``)."""
        return getattr(self, check_lang(lang))

    @property
    def qualified_aspect(self) -> str:
        """``ELEMENT.aspect`` (aspect ids repeat across elements, e.g. ``goals``)."""
        return f"{self.element}.{self.aspect}"

    def to_dict(self) -> dict[str, Any]:
        """The item as written in its element file (without ``element``)."""
        out: dict[str, Any] = {
            "id": self.id, "aspect": self.aspect, "keyed": self.keyed, "status": self.status,
            "seed": self.seed, "referent": self.referent, "groups": list(self.groups),
        }
        if self.response_scale is not None:
            out["response_scale"] = self.response_scale
        out["nl"] = self.nl
        out["en"] = self.en
        if self.reviewed:
            out["reviewed"] = list(self.reviewed)
        if self.notes is not None:
            out["notes"] = self.notes
        if self.history:
            out["history"] = [r.to_dict() for r in self.history]
        return out


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
    scales : tuple of ScaleInfo
        The named response scales; the first is the default.
    missing : tuple of MissingCode
        The answers outside the scales ("weet niet", "niet van toepassing") and their codes.
    modules : tuple of Module
        The parts of the questionnaire and the groups that answer them.
    instrument : str
    title, instructions, reference_period : dict of str
        Per language (``{"nl": ..., "en": ...}``).
    address : str
        The form of address of the Dutch texts, ``u`` or ``je``.
    description : str or None
    """

    items: tuple[BankItem, ...]
    version: str
    source: str = field(default="<data>", compare=False)
    scales: tuple[ScaleInfo, ...] = (ScaleInfo(),)
    missing: tuple[MissingCode, ...] = DEFAULT_MISSING
    modules: tuple[Module, ...] = DEFAULT_MODULES
    instrument: str = "LOS-PW"
    title: Mapping[str, str] = field(default_factory=lambda: {
        "nl": "Lerend en onderzoekend samenwerken in deze werkplaats",
        "en": "Learning and inquiring together in this workplace"})
    instructions: Mapping[str, str] = field(default_factory=dict)
    reference_period: Mapping[str, str] = field(default_factory=dict)
    address: str = "u"
    description: str | None = None

    def __hash__(self) -> int:  # title/instructions are dicts; hash what identifies a bank
        return hash((self.items, self.version, self.scales, self.missing, self.modules,
                     self.instrument))

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
        >>> len(bank.by_status("candidate", "revised")) == len(bank.by_status()) - len(
        ...     bank.by_status("dropped"))
        True
        """
        wanted = _check_statuses(statuses) if statuses else STATUSES
        return tuple(it for it in self.items if it.status in wanted)

    def by_element(self, element_id: str) -> tuple[BankItem, ...]:
        model.element(element_id)
        return tuple(it for it in self.items if it.element == element_id)

    @property
    def scale(self) -> ScaleInfo:
        """The default response scale (the first of :attr:`scales`)."""
        return self.scales[0]

    def scale_of(self, item: BankItem) -> ScaleInfo:
        """The response scale ``item`` is answered on."""
        name = item.response_scale or self.scales[0].name
        for sc in self.scales:
            if sc.name == name:
                return sc
        raise InputError(
            f"Item {item.id}: unknown response scale {name!r}; the bank's scales are "
            f"{', '.join(s.name for s in self.scales)}."
        )

    @property
    def missing_codes(self) -> tuple[int, ...]:
        """The codes of the answers outside the scale, in bank order (e.g. ``(8, 9)``)."""
        return tuple(m.code for m in self.missing)

    def module(self, module_id: str) -> Module:
        """The module with id ``module_id``."""
        for m in self.modules:
            if m.id == module_id:
                return m
        raise InputError(f"The bank has no module {module_id!r}; its modules are "
                         f"{', '.join(m.id for m in self.modules)}.")

    def module_of(self, item: BankItem) -> Module | None:
        """The module whose groups are the item's groups (None when no module has them)."""
        for m in self.modules:
            if set(m.groups) == set(item.groups):
                return m
        return None

    def for_group(self, group_id: str, *statuses: str) -> tuple[BankItem, ...]:
        """The items (with the given statuses; default all) that ``group_id`` answers."""
        model.group(group_id)
        return tuple(it for it in self.by_status(*statuses) if group_id in it.groups)

# -- new versions ---------------------------------------------------------------------
    def with_statuses(self, statuses: Mapping[str, str], version: str) -> Bank:
        """A new bank (version ``version``) with the given item statuses; self is untouched.

        An item whose status changes gets a history entry with its previous status and the
        previous bank version.

        Examples
        --------
        >>> bank = load_bank()
        >>> new = bank.with_statuses({"LOSgoals1": "retained"}, version="0.3.0")
        >>> new.item("LOSgoals1").status, bank.item("LOSgoals1").status
        ('retained', 'revised')
        >>> new.item("LOSgoals1").history[-1].to_dict()
        {'version': '0.2.0', 'status': 'revised'}
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
                        f"Item {item_id}: the new {LANG_NAMES[lang]} text is empty. Give "
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
        """The key (:class:`lospw.analysis.core.key.Key`) for the items with the given statuses.

        Scales are the elements in model order (elements without such items are left out),
        reverse-keyed items get a ``-``, ``higher_order`` follows
        :func:`lospw.instrument.model.higher_order`, ``aspects`` maps every item to
        ``ELEMENT.aspect``, ``labels`` holds the item texts in ``lang``, the response scale
        is the range the bank's scales share (1-5) and ``missing_codes`` are the codes of
        every answer outside it with their meaning (``{8: dont_know, 9: not_applicable}``);
        ``design`` names the routing question (``stakeholder``) and the groups asked each
        item that not every group answers (planned missingness); the description
        says what each code means, which items use which response scale and the referent
        of every scale.

        Raises
        ------
        InputError
            When no item has the statuses, the scales of the chosen items differ in range,
            or a scale would mix items about the workplace with items about the respondent.

        Examples
        --------
        >>> key = load_bank().key(statuses=("candidate", "revised"))
        >>> key.scale_names
        ('LOS', 'GOC', 'SRI', 'VMM', 'LeA', 'VOR')
        >>> key.missing_codes, key.response_scale.categories
        ((8.0, 9.0), (1, 2, 3, 4, 5))
        """
        lang = check_lang(lang)
        wanted = _check_statuses(tuple(statuses))
        chosen = [it for it in self.items if it.status in wanted]
        if not chosen:
            present = sorted({it.status for it in self.items})
            raise InputError(
                f"No items with status {', '.join(wanted)} in bank {self.version}; the bank "
                f"has items with status {', '.join(present)}. Choose another status."
            )
        used = {it.id: self.scale_of(it) for it in chosen}
        ranges = {(sc.min, sc.max) for sc in used.values()}
        if len(ranges) > 1:
            raise InputError(
                f"The chosen items use response scales with different ranges ({sorted(ranges)});"
                " a key has one range. Give the bank's scales the same min and max."
            )
        lo, hi = ranges.pop()
        scales: dict[str, list[str]] = {}
        referents: dict[str, str] = {}
        for el in model.ELEMENTS:
            mine = [it for it in chosen if it.element == el.id]
            if not mine:
                continue
            refs = sorted({it.referent for it in mine})
            if len(refs) > 1:
                raise InputError(
                    f"Scale {el.id} would mix referents ({', '.join(refs)}); a scale is about "
                    "one thing. Run 'lospw bank validate' and rewrite or drop the odd items."
                )
            referents[el.id] = refs[0]
            scales[el.id] = [("-" if it.keyed < 0 else "") + it.id for it in mine]
        higher = {g: [e for e in els if e in scales]
                  for g, els in model.higher_order().items()}
        by_scale: dict[str, list[str]] = {}
        for item_id, sc in used.items():
            by_scale.setdefault(sc.name, []).append(item_id)
        default = self.scales[0].name
        described = "; ".join(
            f"{sc} for {len(ids)} items" if sc == default else f"{sc} for {', '.join(ids)}"
            for sc, ids in by_scale.items())
        missing = "; ".join(f"{m.code} = {m.nl} / {m.en} ({m.meaning})" for m in self.missing)
        data = {
            "instrument": instrument,
            "version": self.version,
            "description": (
                f"Generated from item bank {self.version} (status: {', '.join(wanted)}); "
                f"labels in {lang}. Missing codes: {missing} Response scales {lo}-{hi}: "
                f"{described}. Referent per scale: "
                + ", ".join(f"{e} {r}" for e, r in referents.items()) + "."),
            "response_scale": {"min": lo, "max": hi},
            "missing_codes": {m.code: m.id for m in self.missing},
            "scales": scales,
            "higher_order": {g: m for g, m in higher.items() if m},
            "aspects": {it.id: it.qualified_aspect for it in chosen},
            "labels": {it.id: it.text(lang) for it in chosen},
        }
        # planned missingness: the items not every group answers, by the routing question
        everyone = {g for m in self.modules for g in m.groups}
        routed = {it.id: list(it.groups) for it in chosen if set(it.groups) != everyone}
        data["design"] = {"column": GROUP_QUESTION_CODE, "asked": routed}
        return key_from_dict(data, f"bank {self.version}")

    # -- files ----------------------------------------------------------------------------
    def meta_dict(self) -> dict[str, Any]:
        """The content of ``_bank.yaml``, in file order."""
        out: dict[str, Any] = {"instrument": self.instrument, "version": self.version,
                               "title": dict(self.title)}
        if self.description is not None:
            out["description"] = self.description
        out["address"] = self.address
        if self.reference_period:
            out["reference_period"] = dict(self.reference_period)
        if self.instructions:
            out["instructions"] = dict(self.instructions)
        out["modules"] = [m.to_dict() for m in self.modules]
        out["response_scales"] = {sc.name: sc.to_dict() for sc in self.scales}
        out["missing"] = [m.to_dict() for m in self.missing]
        return out

    def element_dict(self, element_id: str) -> dict[str, Any]:
        """The content of ``<ELEMENT>.yaml``."""
        return {"element": element_id,
                "items": [it.to_dict() for it in self.by_element(element_id)]}


# -- helpers --------------------------------------------------------------------------------
def _check_statuses(statuses: tuple[str, ...]) -> tuple[str, ...]:
    for s in statuses:
        if s not in STATUSES:
            raise InputError(f"The status must be one of {', '.join(STATUSES)}; got {s!r}.")
    return statuses


def _version_text(version: Any) -> str:
    if not isinstance(version, str) or not version.strip():
        raise InputError(f"A bank version must be non-empty text, e.g. '0.2.0'; got {version!r}.")
    return version.strip()


# -- reading ----------------------------------------------------------------------------------
def _parse_history(raw: Any, where: str) -> tuple[Revision, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise InputError(f"{where}: history must be a list of earlier states; got {kind(raw)}.")
    out = []
    for k, entry in enumerate(raw):
        here = f"{where}: history[{k}]"
        if not isinstance(entry, Mapping):
            raise InputError(f"{here}: must be a mapping {{version, status}}; got {kind(entry)}.")
        check_fields(entry, _HISTORY_FIELDS, here)
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
        raise InputError(f"{where}: an item must be a mapping of fields; got {kind(raw)}.")
    if "id" in raw:
        item_id = as_id(raw["id"], f"{where}.id")
        where = f"{where.rsplit(':', 1)[0]}: item {item_id}"
    check_fields(raw, _ITEM_FIELDS, where)
    for name in _REQUIRED:
        if name not in raw:
            fix = {"nl": "Add the Dutch text as 'nl:'.", "en": "Add the English text as 'en:'.",
                   "keyed": "Add 'keyed: 1' (or -1 for a reverse-keyed item).",
                   "status": "Add 'status: candidate'.",
                   "seed": "Add the seed section, e.g. 'seed: §3.1'.",
                   "referent": "Add 'referent: workplace' (or self for an item about the "
                               "respondent).",
                   "groups": "Add the groups that can answer it, e.g. 'groups: [students, "
                             "professionals]'."}.get(
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
            f"{where}: keyed must be 1 or -1; got {kind(keyed)}. Write 1 for a positively "
            "worded item, -1 for a reverse-keyed one."
        )
    status = raw["status"]
    if isinstance(status, (Yaml11Bool, bool)) or status not in STATUSES:
        raise InputError(
            f"{where}: status must be one of {', '.join(STATUSES)}; got {kind(status)}."
        )
    seed = _text(raw["seed"], where, "seed", "Give the seed section, e.g. '§3.1'.")
    if "§" not in seed and "Figuur" not in seed:
        raise InputError(
            f"{where}: seed must name a section of the seed article (e.g. '§3.1' or "
            f"'Figuur 2'); got {seed!r}."
        )
    texts = {lang: _text(raw[lang], where, f"the {LANG_NAMES[lang]} text ({lang})",
                         f"Write the {LANG_NAMES[lang]} item text.") for lang in LANGUAGES}
    referent = as_id(raw["referent"], f"{where}.referent")
    if referent not in model.REFERENTS:
        raise InputError(
            f"{where}: referent must be one of {', '.join(model.REFERENTS)}; got {referent!r}."
        )
    groups = id_list(raw["groups"], where, _GROUP_IDS, "groups", "[students, managers]")
    scale = raw.get("response_scale")
    scale = None if scale is None else as_id(scale, f"{where}.response_scale")
    reviewed = () if raw.get("reviewed") is None else id_list(
        raw["reviewed"], where, REVIEWABLE, "reviewed", "[double_barrel]")
    notes = raw.get("notes")
    notes = None if notes is None else _text(notes, where, "notes", "Remove it or write a note.")
    history = _parse_history(raw.get("history"), where)
    return BankItem(item_id, element.id, aspect_id, texts["nl"], texts["en"], int(keyed),
                    str(status), seed, notes, history, groups, referent, scale, reviewed)


def _parse_element_file(data: Any, src: str, expected: str) -> list[BankItem]:
    if not isinstance(data, Mapping):
        raise InputError(
            f"{src}: must be a mapping with 'element' and 'items'; got {kind(data)}."
        )
    check_fields(data, _FILE_FIELDS, src)
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
                         f"{kind(raw_items)}.")
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
    m = parse_meta(meta, sources.get("_meta", f"{source}/{META_FILE}"))
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
            names = [sc.name for sc in m["scales"]]
            if it.response_scale is not None and it.response_scale not in names:
                raise InputError(
                    f"{src}: item {it.id}: unknown response_scale {it.response_scale!r}; the "
                    f"bank's scales are {', '.join(names)}. Use one of them or leave it out "
                    f"for the default ({names[0]})."
                )
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
    >>> bank.item("LOSgoals1").element, bank.missing_codes
    ('LOS', (8, 9))
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
                         "modules, scales, missing codes). Copy it from instrument/bank/.")
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


class _Dumper(yaml.SafeDumper):
    """Block style, except lists of plain scalars (``groups: [students, managers]``)."""


def _scalar_lists(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    flow = bool(data) and all(isinstance(v, (str, int)) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _scalar_lists)


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=4096,
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
    meta = _HEADER.format(what=": metadata (version, modules, scales, missing codes)")
    p = out / META_FILE
    p.write_text(meta + _dump(bank.meta_dict()), encoding="utf-8", newline="\n")
    written.append(p)
    for el in model.ELEMENTS:
        head = _HEADER.format(what=f": element {el.id} ({el.nl} / {el.en})")
        p = out / f"{el.id}.yaml"
        p.write_text(head + _dump(bank.element_dict(el.id)), encoding="utf-8", newline="\n")
        written.append(p)
    return written
