"""Field readers shared by the item-bank modules: one-line errors naming place and fix.

Private to :mod:`instrument` (used by :mod:`lospw.instrument.bank` and
:mod:`lospw.instrument.bankmeta`): each function takes a raw YAML value, the place it came from
(``file: item``) and returns the checked value or raises
:class:`~lospw.analysis.core.errors.InputError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.yamlio import Yaml11Bool, as_id

__all__ = ["LANGUAGES", "LANG_NAMES", "check_fields", "check_lang", "id_list", "kind",
           "number", "text", "texts"]

LANGUAGES: tuple[str, ...] = ("nl", "en")
LANG_NAMES = {"nl": "Dutch", "en": "English"}


def check_lang(lang: str) -> str:
    """``lang`` if it is one of :data:`LANGUAGES`."""
    if lang not in LANGUAGES:
        raise InputError(f"The language must be one of nl, en; got {lang!r}.")
    return lang


def kind(value: Any) -> str:
    """A short description of ``value`` for messages."""
    if value is None:
        return "nothing"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return f"{value!r}"


def text(value: Any, where: str, what: str, fix: str) -> str:
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
        raise InputError(f"{where}: {what} must be text; got {kind(value)}. Quote it.")
    return " ".join(value.split())


def number(value: Any, where: str, fix: str) -> int:
    """A whole number (YAML booleans refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{where}: must be a whole number; got {kind(value)}. {fix}")
    return value


def check_fields(raw: Mapping[Any, Any], allowed: tuple[str, ...], where: str) -> None:
    """Refuse a key of ``raw`` that is not in ``allowed``."""
    for k in raw:
        if not isinstance(k, str) or k not in allowed:
            raise InputError(
                f"{where}: unknown field {str(k)!r}; the fields are {', '.join(allowed)}. "
                "Check the spelling or remove it."
            )


def texts(raw: Any, where: str, what: str) -> dict[str, str]:
    """``{nl: ..., en: ...}``: both languages, each a non-empty text."""
    if not isinstance(raw, Mapping):
        raise InputError(f"{where}: {what} must map nl and en to text; got {kind(raw)}.")
    check_fields(raw, LANGUAGES, f"{where}: {what}")
    return {lang: text(raw.get(lang), f"{where}: {what}", f"the {LANG_NAMES[lang]} text "
                       f"({lang})", f"Add '{lang}:' with the text.") for lang in LANGUAGES}


def id_list(raw: Any, where: str, allowed: tuple[str, ...], what: str,
            example: str) -> tuple[str, ...]:
    """A list of distinct ids, each one of ``allowed`` (an empty list is accepted)."""
    if not isinstance(raw, list):
        raise InputError(f"{where}: {what} must be a list, e.g. {example}; got {kind(raw)}.")
    out: list[str] = []
    for k, v in enumerate(raw):
        name = as_id(v, f"{where}: {what}[{k}]")
        if name not in allowed:
            raise InputError(
                f"{where}: {what}[{k}]: unknown {what.rstrip('s')} {name!r}; use one of "
                f"{', '.join(allowed)}."
            )
        if name in out:
            raise InputError(f"{where}: {what}[{k}]: {name!r} is listed twice. Keep one.")
        out.append(name)
    return tuple(out)
