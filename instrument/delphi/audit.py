"""The audit trail of a Delphi panel: per item, every round's ratings, decision and reason,
with the panel's comments anonymised.

:func:`anonymise_comment` strips what identifies a person from a free-text comment: links
(``https://intranet/people/jan.devries``), e-mail addresses (also written ``jan [at] uni
[dot] nl``), IBANs, IP addresses, phone and other long numbers (``BSN 111222333``), Dutch
postcodes (``1234 AB``), street addresses (``Dorpsstraat 12``), names after a title,
salutation or greeting (``dhr. Jansen``, ``Dr Smit``, ``groet, Jan``), runs of capitalised
words that read as a full name (``Jan de Vries``), and every panelist id (and the name parts
of ids such as ``anna.devries``) that occurs in the text. It recognises patterns; it cannot
know every name (a lone ``Jan`` in mid-sentence stays), so panels are asked to keep
comments impersonal. Comments are listed without their author and sorted, so their order
reveals no one; panelist ids never appear in the audit trail.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from lospw.instrument.delphi.decide import DelphiResult

__all__ = ["anonymise_comment", "audit_table", "audit_trail", "name_patterns"]

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LINK = re.compile(r"(?i)\b(?:https?://|ftp://|www\.)\S+")
# "jan [at] uni [dot] nl", "jan (at) uni.nl", "jan at uni dot nl"
_AT = r"(?:\s*[\[(<{]\s*(?:at|@)\s*[\])>}]\s*|\s+at\s+(?=[\w-]+\s*(?:[\[(<{]\s*)?(?:dot|punt)\b))"
_DOT = r"(?:\s*[\[(<{]\s*(?:dot|punt)\s*[\])>}]\s*|\s+(?:dot|punt)\s+|\.)"
_EMAIL_OBFUSCATED = re.compile(rf"(?i)(?<![\w.+-])[\w.+-]+{_AT}[\w-]+(?:{_DOT}[\w-]+)*")
_IBAN = re.compile(r"(?i)\b[A-Z]{2}\d{2}\s?(?:[A-Z0-9]{4}\s?){2,7}[A-Z0-9]{1,4}\b")
_IP = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b|\b[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{0,4}){3,7}\b"
                 r"|\b[0-9a-fA-F]{1,4}::(?:[0-9a-fA-F]{1,4}\b)?")
_STREET = re.compile(r"(?i)\b[\w'’\-]*(?:straat|laan|weg|plein|gracht|kade|singel|dijk|steeg|"
                     r"dreef|street|road|avenue|lane|strasse|straße)\s+\d+\s?[a-z]?\b")
_POSTCODE = re.compile(r"\b[1-9]\d{3}\s?[A-Z]{2}\b")
# a run of digits with spaces, dots, dashes, slashes or brackets; phone when >= 8 digits
_PHONE = re.compile(r"(?<![\w])(?:\+|00)?\d[\d\s().\-/]{6,}\d(?![\w])")
_TITLES = (r"dhr|mevr|mw|mr|mrs|ms|miss|dr|drs|ir|ing|prof|meneer|mevrouw|juffrouw|juf|"
           r"meester|collega|beste|hoi|hallo|dear|hi|groet|groeten|gr|mvg|vriendelijke groet|"
           r"met vriendelijke groet|regards|kind regards|best|cheers|thanks|bedankt|"
           r"sincerely|namens|signed|getekend")
_PARTICLES = r"(?i:van't|van|der|den|de|het|ter|ten|te|'t|la|le|da|di|von)\b"
_NAME = (rf"(?:{_PARTICLES}\s+)*[A-Z][\w'’\-]+(?:\s+{_PARTICLES})*"
         rf"(?:\s+[A-Z][\w'’\-]+)?")
_TITLED = re.compile(rf"\b(?i:{_TITLES})[.,:;!]?\s+{_NAME}")
# two or more capitalised words, particles allowed between: "Jan de Vries", "Anna Smit"
_CAP = r"[A-ZÀ-Ý][a-zà-ÿ'’]+(?:-[A-ZÀ-Ý][a-zà-ÿ'’]+)?"
_FULL_NAME = re.compile(rf"\b{_CAP}(?:\s+(?:{_PARTICLES}\s+)*{_CAP})+\b")


def name_patterns(panelists: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern matching any panelist id, or a name part of one, as a whole word.

    Name parts are the pieces of an id split at spaces, dots, dashes and underscores that
    have at least three letters (``"anna.devries"`` gives ``anna``, ``devries`` and the id
    itself).

    Examples
    --------
    >>> bool(name_patterns(["anna.devries"]).search("vraag het Anna"))
    True
    """
    words: set[str] = set()
    for p in panelists:
        p = str(p).strip()
        if not p:
            continue
        words.add(p)
        for part in re.split(r"[\s._\-@]+", p):
            if len(re.sub(r"[^A-Za-zÀ-ÿ]", "", part)) >= 3:
                words.add(part)
    if not words:
        return None
    alt = "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))
    return re.compile(rf"(?<![\w])(?:{alt})(?![\w])", re.IGNORECASE)


def anonymise_comment(text: str, names: re.Pattern[str] | None = None) -> str:
    """A comment with e-mail addresses, phone numbers and names replaced by placeholders.

    Parameters
    ----------
    text : str
    names : compiled pattern, optional
        Panelist ids and their name parts (:func:`name_patterns`).

    Returns
    -------
    str
        ``[link]``, ``[e-mail]``, ``[IBAN]``, ``[IP address]``, ``[phone]`` (any number of
        8 or more digits), ``[postcode]``, ``[address]`` and ``[name]`` in place of what was found;
        whitespace collapsed.

    Examples
    --------
    >>> anonymise_comment("Bel me (06-12345678) of mail a.b@example.org, groet dhr. De Vries")
    'Bel me ([phone]) of mail [e-mail], groet [name]'
    >>> anonymise_comment("Item 3 is vaag; zie ronde 2 van 2024.")
    'Item 3 is vaag; zie ronde 2 van 2024.'
    >>> anonymise_comment("Zoals p07 al zei", name_patterns(["p07"]))
    'Zoals [name] al zei'
    >>> anonymise_comment("jan [at] uni [dot] nl; NL91ABNA0417164300; 1234 AB Urk")
    '[e-mail]; [IBAN]; [postcode] Urk'
    >>> anonymise_comment("zie https://intranet/people/x, Dorpsstraat 12; groet, Jan de Vries")
    'zie [link] [address]; [name]'
    """
    out = _LINK.sub("[link]", text)
    out = _EMAIL.sub("[e-mail]", out)
    out = _EMAIL_OBFUSCATED.sub("[e-mail]", out)
    out = _IBAN.sub("[IBAN]", out)
    out = _IP.sub("[IP address]", out)

    def phone(m: re.Match[str]) -> str:
        digits = sum(ch.isdigit() for ch in m.group(0))
        return "[phone]" if digits >= 8 else m.group(0)

    out = _PHONE.sub(phone, out)
    out = _POSTCODE.sub("[postcode]", out)
    out = _STREET.sub("[address]", out)
    out = _TITLED.sub("[name]", out)
    out = _FULL_NAME.sub("[name]", out)
    if names is not None:
        out = names.sub("[name]", out)
    return " ".join(out.split())


def _comments(frame: pd.DataFrame, names: re.Pattern[str] | None) -> dict[tuple[int, str],
                                                                            list[str]]:
    withc = frame[frame["comment"] != ""]
    out: dict[tuple[int, str], list[str]] = {}
    for (rnd, item), part in withc.groupby(["round", "item"], sort=False):
        texts = sorted(anonymise_comment(c, names) for c in part["comment"])
        out[(int(rnd), str(item))] = texts
    return out


def _distribution(values: np.ndarray, categories: Iterable[int]) -> dict[str, int]:
    x = values[~np.isnan(values)]
    return {str(c): int(np.count_nonzero(x == c)) for c in categories}


def audit_trail(result: DelphiResult,
                item_info: Mapping[str, Mapping[str, Any]] | None = None) -> list[dict]:
    """Per item, every round: the ratings, their summary, decision, reason and comments.

    Parameters
    ----------
    result : DelphiResult
    item_info : mapping, optional
        Item id -> extra fields (element, aspect, text) shown with the item.

    Returns
    -------
    list of dict
        One entry per item (in the ratings' item order) with ``rounds`` (one per round that
        rated it: ``n``, ``n_missing``, ``distribution``, ``median``, ``iqr``, ``i_cvi``,
        ``kappa``, ``agreement``, ``clarity_index``, ``decision``, ``reason``,
        ``comments``), ``stability`` between rounds and ``final``.
    """
    ratings = result.ratings
    f = ratings.frame
    names = name_patterns(ratings.panelists)
    comments = _comments(f, names)
    cats = result.rules.scale.categories
    by_item = {item: part for item, part in f.groupby("item", sort=False)}
    stats_by_item = {item: part for item, part in result.items.groupby("item", sort=False)}
    stab_by_item = {item: part for item, part in result.stability.groupby("item", sort=False)}
    no_stab = result.stability.iloc[:0]
    final = result.final.set_index("item")
    out = []
    for item in ratings.items:
        part = by_item[item]
        rounds = []
        rows = stats_by_item[item]
        per_round = {int(r): g["relevance"].to_numpy(dtype=float)
                     for r, g in part.groupby("round", sort=False)}
        for row in rows.to_dict(orient="records"):
            rnd = int(row["round"])
            vals = per_round[rnd]
            rounds.append({
                "round": rnd, "n": row["n"], "n_missing": row["n_missing"],
                "distribution": _distribution(vals, cats),
                "median": row["median"], "iqr": row["iqr"], "i_cvi": row["i_cvi"],
                "kappa": row["kappa"], "agreement": row["agreement"],
                "clarity_index": row["clarity_index"] if row["clarity_n"] else None,
                "decision": row["decision"], "reason": row["reason"],
                "comments": comments.get((rnd, item), []),
            })
        st = stab_by_item.get(item, no_stab)
        entry: dict[str, Any] = {"item": item}
        if item_info and item in item_info:
            entry.update(item_info[item])
        entry["rounds"] = rounds
        entry["stability"] = st.drop(columns="item").to_dict(orient="records")
        fin = final.loc[item]
        entry["final"] = {"last_round": int(fin["last_round"]), "decision": fin["decision"],
                          "status": fin["status"], "reason": fin["reason"]}
        out.append(entry)
    return out


def audit_table(trail: list[dict]) -> pd.DataFrame:
    """The audit trail flat: one row per item and round (comments joined by `` | ``)."""
    rows = []
    for entry in trail:
        for r in entry["rounds"]:
            dist = " ".join(f"{k}:{v}" for k, v in r["distribution"].items())
            rows.append({
                "item": entry["item"], "round": r["round"], "n": r["n"],
                "n_missing": r["n_missing"], "distribution": dist, "median": r["median"],
                "iqr": r["iqr"], "i_cvi": r["i_cvi"], "kappa": r["kappa"],
                "agreement": r["agreement"], "clarity_index": r["clarity_index"],
                "decision": r["decision"], "reason": r["reason"],
                "final_status": entry["final"]["status"],
                "comments": " | ".join(r["comments"]),
            })
    return pd.DataFrame(rows)
