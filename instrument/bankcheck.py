"""Content checks of an item bank, as ``lospw bank validate`` reports them.

The loader (:mod:`lospw.instrument.bank`) guarantees the schema; these checks judge the content.
Only items that are not ``dropped`` count. **Failures** make the bank unfit for use:

* ``too_few_items`` - an aspect of the model has fewer than ``min_items`` items;
* ``missing_language``, ``too_long``, ``too_short``, ``duplicate_text`` - every item has a
  Dutch and an English text of ``min_words``-``max_words`` words, no two alike;
* ``mixed_referent`` - a scale (element) mixes items about the workplace with items about
  the respondent (one referent per scale, so that scale means can describe a workplace);
* ``no_group`` - an item no stakeholder group can answer;
* ``no_module`` - an item whose groups are those of no module (it would never be asked);
* ``too_few_group_items`` - a group answers fewer than ``min_group_items`` items of a scale
  (three indicators identify a factor on their own);
* ``form_of_address`` - a Dutch text uses the other form of address than ``address``;
* ``no_reference_period``, ``reference_period`` - the bank names no reference period, or
  the instructions do not mention it;
* ``missing_not_explained`` - the instructions do not name an answer outside the scale
  ("weet niet", "niet van toepassing").

**Warnings** (named codes; :mod:`lospw.instrument.wording` finds them) are listed but do not
fail the bank; a reviewer may accept one per item by naming its code in the item's
``reviewed`` list:

* ``reverse_share`` - the share of reverse-keyed items is outside 5-20 %;
* ``absolute_quantifier``, ``vague_quantifier``, ``intensifier`` - "iedereen", "vaak",
  "echt" ...;
* ``frequency_on_agreement`` - an agreement item that asks how often;
* ``double_barrel`` - two things joined by "en" / "of" in both languages;
* ``cause_effect`` - a cause and its effect in one statement;
* ``jargon`` - vocabulary of the article rather than of the respondents;
* ``plain_language`` - an item of a plain-language (B1) module that is too long or uses
  words above B1;
* ``referent_wording`` - a workplace item worded in the first person singular, or a self
  item without it;
* ``address_mismatch`` - the Dutch and English texts address different persons (ik / I,
  we / we, u / you).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lospw.instrument import model, wording
from lospw.instrument.bank import LANGUAGES, STATUSES, Bank, BankItem

__all__ = ["FAILURE_CODES", "WARNING_CODES", "BankCheck", "Problem", "check_bank"]

MIN_ITEMS = 3
MIN_GROUP_ITEMS = 3
MAX_WORDS = 25
MIN_WORDS = 3
REVERSE_SHARE_RANGE = (0.05, 0.20)

FAILURE_CODES = ("too_few_items", "missing_language", "too_long", "too_short",
                 "duplicate_text", "mixed_referent", "no_group", "no_module",
                 "too_few_group_items", "form_of_address", "no_reference_period",
                 "reference_period", "missing_not_explained")
WARNING_CODES = ("reverse_share", "absolute_quantifier", "vague_quantifier", "intensifier",
                 "frequency_on_agreement", "double_barrel", "cause_effect", "jargon",
                 "plain_language", "referent_wording", "address_mismatch")


@dataclass(frozen=True)
class Problem:
    """One finding: a stable ``code``, what it concerns and a one-line message."""

    code: str
    where: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "where": self.where, "message": self.message}


@dataclass(frozen=True)
class BankCheck:
    """The result of :func:`check_bank`."""

    bank_version: str
    source: str
    failures: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    summary: dict[str, Any]

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "bank_version": self.bank_version,
            "source": self.source,
            **self.summary,
            "failures": [p.to_dict() for p in self.failures],
            "warnings": [p.to_dict() for p in self.warnings],
        }


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _words(found: tuple[str, ...]) -> str:
    return ", ".join(f"'{w}'" for w in found)


# -- the checks, each appending to failures (F) or warnings (W) ------------------------------
def _coverage(active: list[BankItem], min_items: int, fail: list[Problem]) -> None:
    for el in model.ELEMENTS:
        for a in el.aspect_ids:
            n = sum(1 for it in active if it.element == el.id and it.aspect == a)
            if n < min_items:
                fail.append(Problem(
                    "too_few_items", f"{el.id}.{a}",
                    f"Aspect {el.id}.{a} has {n} item(s) that are not dropped; it needs at "
                    f"least {min_items}. Write more items for it."))


def _texts(bank: Bank, active: list[BankItem], max_words: int, min_words: int,
           fail: list[Problem]) -> None:
    for it in bank.items:
        for lang in LANGUAGES:
            text = it.text(lang)
            if not text.strip():
                fail.append(Problem("missing_language", it.id,
                                    f"Item {it.id} has no {lang} text. Write it."))
                continue
            n = len(text.split())
            if n > max_words:
                fail.append(Problem(
                    "too_long", it.id,
                    f"Item {it.id} ({lang}) has {n} words; the limit is {max_words}. Shorten it."))
            elif n < min_words:
                fail.append(Problem(
                    "too_short", it.id,
                    f"Item {it.id} ({lang}) has {n} word(s); write a full statement."))
    for lang in LANGUAGES:
        first: dict[str, str] = {}
        for it in active:
            key = _norm(it.text(lang))
            if key in first:
                fail.append(Problem(
                    "duplicate_text", it.id,
                    f"Item {it.id} has the same {lang} text as {first[key]}. Reword or drop one."))
            else:
                first[key] = it.id


def _referents(active: list[BankItem], fail: list[Problem]) -> None:
    for el in model.ELEMENTS:
        mine = [it for it in active if it.element == el.id]
        counts = {r: sum(1 for it in mine if it.referent == r) for r in model.REFERENTS}
        used = {r: n for r, n in counts.items() if n}
        if len(used) > 1:
            major = max(used, key=lambda r: used[r])
            odd = [it.id for it in mine if it.referent != major]
            fail.append(Problem(
                "mixed_referent", el.id,
                f"Scale {el.id} mixes referents ({', '.join(f'{n} {r}' for r, n in used.items())}"
                f"); one referent per scale. Rewrite for the {major} or drop: "
                f"{', '.join(odd[:6])}{' ...' if len(odd) > 6 else ''}."))


def _groups(bank: Bank, active: list[BankItem], min_group_items: int,
            fail: list[Problem]) -> None:
    for it in active:
        if not it.groups:
            fail.append(Problem("no_group", it.id,
                                f"Item {it.id}: no stakeholder group can answer it (groups is "
                                "empty). Name the groups, e.g. groups: [students, managers]."))
        elif bank.module_of(it) is None:
            fail.append(Problem(
                "no_module", it.id,
                f"Item {it.id}: its groups ({', '.join(it.groups)}) are those of no module, so "
                f"it would never be asked. Use the groups of a module ("
                + "; ".join(f"{m.id}: {', '.join(m.groups)}" for m in bank.modules) + ")."))
    present = [g.id for g in model.GROUPS if any(g.id in it.groups for it in active)]
    for el in model.ELEMENTS:
        for g in present:
            n = sum(1 for it in active if it.element == el.id and g in it.groups)
            if n < min_group_items:
                fail.append(Problem(
                    "too_few_group_items", f"{el.id}.{g}",
                    f"Group {g} answers {n} item(s) of scale {el.id}; it needs at least "
                    f"{min_group_items} to measure the scale. Write items of {el.id} that "
                    f"{g} can answer."))


def _address(bank: Bank, active: list[BankItem], fail: list[Problem]) -> None:
    other = [f for f in wording.ADDRESS_WORDS if f != bank.address]
    texts = [(it.id, it.nl) for it in active]
    texts += [("instructions", bank.instructions.get("nl", ""))]
    texts += [(f"module {m.id}", m.intro_nl or "") for m in bank.modules]
    texts += [(f"scale {sc.name}", v) for sc in bank.scales for v in sc.value_labels("nl").values()]
    texts += [(f"missing {m.id}", m.nl) for m in bank.missing]
    for where, text in texts:
        words = set(wording.tokens(text, "nl"))
        wrong = [w for f in other for w in wording.ADDRESS_WORDS[f] if w in words]
        if wrong:
            fail.append(Problem(
                "form_of_address", where,
                f"{where}: the Dutch text says {_words(tuple(wrong))}, but the bank addresses "
                f"respondents with '{bank.address}'. Use one form of address throughout."))


def _instructions(bank: Bank, fail: list[Problem]) -> None:
    if not bank.reference_period:
        fail.append(Problem(
            "no_reference_period", "bank",
            "The bank names no reference period; add reference_period (e.g. 'de afgelopen "
            "drie maanden') to _bank.yaml and mention it in the instructions."))
    for lang in LANGUAGES:
        instr = bank.instructions.get(lang, "").casefold()
        period = bank.reference_period.get(lang)
        if period and period.casefold() not in instr:
            fail.append(Problem(
                "reference_period", f"instructions.{lang}",
                f"The {lang} instructions do not mention the reference period '{period}'. "
                "Tell respondents which period to think of."))
        for m in bank.missing:
            if m.label(lang).casefold() not in instr:
                fail.append(Problem(
                    "missing_not_explained", f"instructions.{lang}",
                    f"The {lang} instructions do not explain the answer '{m.label(lang)}' "
                    f"(code {m.code}). Say when to choose it."))


def _item_warnings(bank: Bank, it: BankItem) -> list[Problem]:
    out: list[Problem] = []

    def warn(code: str, message: str) -> None:
        if code not in it.reviewed:
            out.append(Problem(code, it.id, f"Item {it.id}: {message}"))

    def each_lang(code: str, find: Callable[[str, str], tuple[str, ...]], what: str) -> None:
        found = [f"{lang} {_words(w)}" for lang in LANGUAGES
                 if (w := find(it.text(lang), lang))]
        if found:
            warn(code, f"{what} ({'; '.join(found)}).")

    each_lang("absolute_quantifier", wording.absolute_quantifiers,
              "absolute quantifier, true for almost no one; say what is meant")
    each_lang("vague_quantifier", wording.vague_quantifiers,
              "vague quantifier, read differently by every respondent")
    each_lang("intensifier", wording.intensifiers, "intensifier; state the thing itself")
    if bank.scale_of(it).name != "frequency":
        each_lang("frequency_on_agreement", wording.frequency_words,
                  f"asks how often on the {bank.scale_of(it).name} scale; use a frequency "
                  "scale")
    if conj := wording.double_barrel(it.nl, it.en):
        warn("double_barrel", f"may ask two things at once ({_words(conj)}); split it or "
             "accept it in 'reviewed'.")
    each_lang("cause_effect", wording.cause_effect,
              "states a cause and its effect; ask about one of them")
    each_lang("jargon", wording.jargon, "jargon; use the respondents' words")
    module = bank.module_of(it)
    if module is not None and module.plain_language:
        each_lang("plain_language", wording.plain_language,
                  f"module {module.id} is plain language (B1)")
    first = "first_singular" in wording.persons(it.nl, "nl")
    if it.referent == "workplace" and first:
        warn("referent_wording", "is about the workplace but speaks of 'ik'; write it about "
             "the workplace ('we', 'in deze werkplaats') or make it a self item.")
    if it.referent == "self" and not first and "second" not in wording.persons(it.nl, "nl"):
        warn("referent_wording", "is about the respondent (self) but does not say 'ik' or "
             "'u'.")
    nl, en = wording.persons(it.nl, "nl"), wording.persons(it.en, "en")
    if nl != en:
        warn("address_mismatch", f"the Dutch addresses {', '.join(nl) or 'no person'}, the "
             f"English {', '.join(en) or 'no person'}; make the translation equivalent.")
    return out


def _reverse_share(active: list[BankItem], warn: list[Problem]) -> float:
    n_rev = sum(1 for it in active if it.keyed < 0)
    share = n_rev / len(active) if active else 0.0
    lo, hi = REVERSE_SHARE_RANGE
    if active and not lo <= share <= hi:
        warn.append(Problem(
            "reverse_share", "bank",
            f"{n_rev} of {len(active)} items ({share:.0%}) are reverse-keyed; aim for about one "
            f"in ten ({lo:.0%}-{hi:.0%})."))
    return share


# -- the summary ------------------------------------------------------------------------------
def _count(items: list[BankItem], key: Callable[[BankItem], Any],
           values: tuple[Any, ...]) -> dict[Any, int]:
    return {v: sum(1 for it in items if key(it) == v) for v in values}


def _element_summary(bank: Bank, el: model.Element, active: list[BankItem]) -> dict[str, Any]:
    mine = [it for it in active if it.element == el.id]
    groups = tuple(g.id for g in model.GROUPS)
    return {
        "n_aspects": len(el.aspect_ids),
        "n_items": len(mine),
        "n_reverse_keyed": sum(1 for it in mine if it.keyed < 0),
        "n_dropped": sum(1 for it in bank.items if it.element == el.id
                         and it.status == "dropped"),
        "languages": [lang for lang in LANGUAGES
                      if mine and all(it.text(lang).strip() for it in mine)],
        "items_per_aspect": _count(mine, lambda it: it.aspect, el.aspect_ids),
        "referents": {r: n for r, n in _count(mine, lambda it: it.referent,
                                              model.REFERENTS).items() if n},
        "items_per_group": {g: sum(1 for it in mine if g in it.groups) for g in groups},
        "items_per_aspect_group": {
            a: {g: sum(1 for it in mine if it.aspect == a and g in it.groups) for g in groups}
            for a in el.aspect_ids},
        "items_per_module": _count(mine, lambda it: getattr(bank.module_of(it), "id", None),
                                   tuple(m.id for m in bank.modules)),
        "items_per_scale": _count(mine, lambda it: bank.scale_of(it).name,
                                  tuple(s.name for s in bank.scales)),
    }


def check_bank(bank: Bank, *, min_items: int = MIN_ITEMS, max_words: int = MAX_WORDS,
               min_words: int = MIN_WORDS, min_group_items: int = MIN_GROUP_ITEMS,
               source: str | None = None) -> BankCheck:
    """Run the content checks on ``bank``.

    Parameters
    ----------
    bank : Bank
    min_items : int
        Least number of non-dropped items per aspect.
    max_words, min_words : int
        Length limits of an item text, in words (whitespace-separated).
    min_group_items : int
        Least number of items of a scale that every stakeholder group answering the bank
        must answer.
    source : str, optional
        How to name the bank in the result (default ``bank.source``).

    Returns
    -------
    BankCheck

    Examples
    --------
    >>> from lospw.instrument.bank import load_bank
    >>> result = check_bank(load_bank())
    >>> result.ok, result.summary["totals"]["n_elements"], result.summary["totals"]["n_aspects"]
    (True, 6, 37)
    >>> result.summary["elements"]["VMM"]["referents"]
    {'workplace': 28}
    """
    failures: list[Problem] = []
    warnings: list[Problem] = []
    active = [it for it in bank.items if it.status != "dropped"]
    _coverage(active, min_items, failures)
    _texts(bank, active, max_words, min_words, failures)
    _referents(active, failures)
    _groups(bank, active, min_group_items, failures)
    _address(bank, active, failures)
    _instructions(bank, failures)
    share = _reverse_share(active, warnings)
    for it in active:
        warnings += _item_warnings(bank, it)

    elements = {el.id: _element_summary(bank, el, active) for el in model.ELEMENTS}
    groups = tuple(g.id for g in model.GROUPS)
    summary = {
        "instrument": bank.instrument,
        "languages": list(LANGUAGES),
        "address": bank.address,
        "reference_period": dict(bank.reference_period),
        "missing": [m.to_dict() for m in bank.missing],
        "modules": [m.to_dict() for m in bank.modules],
        "limits": {"min_items_per_aspect": min_items, "max_words": max_words,
                   "min_words": min_words, "min_group_items_per_scale": min_group_items,
                   "plain_max_words": wording.PLAIN_MAX_WORDS},
        "elements": elements,
        "totals": {
            "n_elements": len(model.ELEMENTS),
            "n_aspects": sum(len(e.aspect_ids) for e in model.ELEMENTS),
            "n_items": len(active),
            "n_dropped": len(bank.items) - len(active),
            "n_reverse_keyed": sum(1 for it in active if it.keyed < 0),
            "reverse_keyed_share": share,
            "by_status": {s: sum(1 for it in bank.items if it.status == s) for s in STATUSES},
            "by_group": {g: sum(1 for it in active if g in it.groups) for g in groups},
            "by_module": _count(active, lambda it: getattr(bank.module_of(it), "id", None),
                                tuple(m.id for m in bank.modules)),
            "by_referent": _count(active, lambda it: it.referent, model.REFERENTS),
            "by_response_scale": _count(active, lambda it: bank.scale_of(it).name,
                                        tuple(s.name for s in bank.scales)),
            "warnings_by_code": {c: sum(1 for w in warnings if w.code == c)
                                 for c in WARNING_CODES if any(w.code == c for w in warnings)},
            "min_items_per_aspect_found": min(
                (n for e in elements.values() for n in e["items_per_aspect"].values()),
                default=0),
            "min_items_per_group_scale_found": min(
                (n for e in elements.values() for g, n in e["items_per_group"].items()
                 if any(g in it.groups for it in active)), default=0),
            "max_words_found": {lang: max((len(it.text(lang).split()) for it in active),
                                          default=0) for lang in LANGUAGES},
        },
    }
    return BankCheck(bank.version, source or bank.source, tuple(failures), tuple(warnings),
                     summary)
