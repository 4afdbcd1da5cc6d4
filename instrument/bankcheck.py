"""Content checks of an item bank: coverage, languages, duplicates, length, reverse keying.

The loader (:mod:`instrument.bank`) guarantees the schema; these checks judge the content,
as ``lospw bank validate`` reports them:

* every aspect of the model has at least ``min_items`` items that are not ``dropped``;
* every item has a Dutch and an English text;
* no two items share a text in the same language (compared case- and space-insensitively);
* every text has at most ``max_words`` words (and at least ``min_words``);
* the share of reverse-keyed items is reported, with a warning outside 5-20 %.

Failures make the bank unfit for use; warnings are listed but do not fail it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from instrument import model
from instrument.bank import LANGUAGES, STATUSES, Bank

__all__ = ["BankCheck", "Problem", "check_bank"]

MIN_ITEMS = 3
MAX_WORDS = 25
MIN_WORDS = 3
REVERSE_SHARE_RANGE = (0.05, 0.20)


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


def check_bank(bank: Bank, *, min_items: int = MIN_ITEMS, max_words: int = MAX_WORDS,
               min_words: int = MIN_WORDS, source: str | None = None) -> BankCheck:
    """Run the content checks on ``bank``.

    Parameters
    ----------
    bank : Bank
    min_items : int
        Least number of non-dropped items per aspect.
    max_words, min_words : int
        Length limits of an item text, in words (whitespace-separated).
    source : str, optional
        How to name the bank in the result (default ``bank.source``).

    Returns
    -------
    BankCheck

    Examples
    --------
    >>> from instrument.bank import load_bank
    >>> result = check_bank(load_bank())
    >>> result.ok, result.summary["totals"]["n_elements"], result.summary["totals"]["n_aspects"]
    (True, 6, 35)
    """
    failures: list[Problem] = []
    warnings: list[Problem] = []
    active = [it for it in bank.items if it.status != "dropped"]

    elements: dict[str, Any] = {}
    for el in model.ELEMENTS:
        mine = [it for it in active if it.element == el.id]
        per_aspect = {a: sum(1 for it in mine if it.aspect == a) for a in el.aspect_ids}
        for a, n in per_aspect.items():
            if n < min_items:
                failures.append(Problem(
                    "too_few_items", f"{el.id}.{a}",
                    f"Aspect {el.id}.{a} has {n} item(s) that are not dropped; it needs at "
                    f"least {min_items}. Write more items for it.",
                ))
        langs = [lang for lang in LANGUAGES if mine and all(it.text(lang).strip() for it in mine)]
        elements[el.id] = {
            "n_aspects": len(el.aspect_ids),
            "n_items": len(mine),
            "n_reverse_keyed": sum(1 for it in mine if it.keyed < 0),
            "n_dropped": sum(1 for it in bank.items if it.element == el.id
                             and it.status == "dropped"),
            "languages": langs,
            "items_per_aspect": per_aspect,
        }

    for it in bank.items:
        for lang in LANGUAGES:
            text = it.text(lang)
            if not text.strip():
                failures.append(Problem("missing_language", it.id,
                                        f"Item {it.id} has no {lang} text. Write it."))
                continue
            n = len(text.split())
            if n > max_words:
                failures.append(Problem(
                    "too_long", it.id,
                    f"Item {it.id} ({lang}) has {n} words; the limit is {max_words}. Shorten it.",
                ))
            elif n < min_words:
                failures.append(Problem(
                    "too_short", it.id,
                    f"Item {it.id} ({lang}) has {n} word(s); write a full statement.",
                ))

    for lang in LANGUAGES:
        first: dict[str, str] = {}
        for it in active:
            key = _norm(it.text(lang))
            if key in first:
                failures.append(Problem(
                    "duplicate_text", it.id,
                    f"Item {it.id} has the same {lang} text as {first[key]}. Reword or drop one.",
                ))
            else:
                first[key] = it.id

    n_items = len(active)
    n_rev = sum(1 for it in active if it.keyed < 0)
    share = n_rev / n_items if n_items else 0.0
    lo, hi = REVERSE_SHARE_RANGE
    if n_items and not lo <= share <= hi:
        warnings.append(Problem(
            "reverse_share", "bank",
            f"{n_rev} of {n_items} items ({share:.0%}) are reverse-keyed; aim for about one in "
            f"ten ({lo:.0%}-{hi:.0%}).",
        ))
    summary = {
        "instrument": bank.instrument,
        "languages": list(LANGUAGES),
        "limits": {"min_items_per_aspect": min_items, "max_words": max_words,
                   "min_words": min_words},
        "elements": elements,
        "totals": {
            "n_elements": len(model.ELEMENTS),
            "n_aspects": sum(len(e.aspect_ids) for e in model.ELEMENTS),
            "n_items": n_items,
            "n_dropped": len(bank.items) - n_items,
            "n_reverse_keyed": n_rev,
            "reverse_keyed_share": share,
            "by_status": {s: sum(1 for it in bank.items if it.status == s) for s in STATUSES},
            "min_items_per_aspect_found": min(
                (n for e in elements.values() for n in e["items_per_aspect"].values()),
                default=0),
            "max_words_found": {lang: max((len(it.text(lang).split()) for it in active),
                                          default=0) for lang in LANGUAGES},
        },
    }
    return BankCheck(bank.version, source or bank.source, tuple(failures), tuple(warnings),
                     summary)
