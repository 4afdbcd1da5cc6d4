"""Which columns of a survey export hold personal data: by their name and by their content.

The intake writes the analysed data without them (:mod:`lospw.analysis.intake.artifacts`). A
column is personal when

* its **name**, normalised (Unicode NFKD without accents, case-folded, without spaces,
  ``-``, ``_``, ``.``, brackets), is a known name or contains a known fragment: e-mail,
  phone, address, postcode, birth date, first / last name, student or staff number, IP
  address, location, in Dutch and English (``e-mailadres``, ``Email Address``,
  ``telefoonnummer``, ``geboortedatum``, ``Naam respondent``, ``studentnummer`` ...), or a
  metadata column of Qualtrics (``StartDate``, ``EndDate``, ``Status``, ``IPAddress``,
  ``Progress``, ``Duration (in seconds)``, ``RecordedDate``, ``ResponseId``,
  ``Recipient*``, ``ExternalReference``, ``LocationLatitude/Longitude``,
  ``DistributionChannel``, ``UserLanguage``) or LimeSurvey (``submitdate``, ``lastpage``,
  ``startlanguage``, ``seed``, ``token``, ``refurl``, ``ipaddr``, ``startdate``,
  ``datestamp``); or
* its **content** looks personal: a cell holding an e-mail address, or cells that are IP
  addresses or phone numbers.

Columns the caller keeps on purpose (the key's items, the ``--group`` / ``--cluster``
columns) are never dropped; the respondent id is replaced by a pseudonym elsewhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

__all__ = ["PERSONAL_FRAGMENTS", "PERSONAL_NAMES", "normalise_name", "personal_columns"]

#: Normalised column names that are personal or survey-tool metadata (exact matches).
PERSONAL_NAMES = frozenset({
    # Qualtrics
    "startdate", "enddate", "status", "ipaddress", "progress", "duration",
    "durationinseconds", "finished", "recordeddate", "responseid", "externalreference",
    "externaldatareference", "locationlatitude", "locationlongitude", "distributionchannel",
    "userlanguage", "q_recaptchascore", "qrecaptchascore", "q_relevantidduplicate",
    # LimeSurvey
    "submitdate", "lastpage", "startlanguage", "seed", "token", "refurl", "ipaddr",
    "datestamp", "firstname", "lastname", "email",
    # common personal fields, Dutch and English
    "ip", "naam", "name", "voornaam", "achternaam", "tussenvoegsel", "voorletters",
    "initialen", "initials", "surname", "fullname", "volledigenaam", "geslachtsnaam",
    "postcode", "zip", "zipcode", "postalcode", "adres", "address", "straat", "street",
    "huisnummer", "woonplaats", "city", "telefoon", "phone", "mobiel", "mobile", "gsm",
    "bsn", "ssn", "iban", "dob", "birthdate", "birthday", "geboortedatum", "geboortedag",
    "geboortejaar", "yearofbirth", "studentnummer", "studentnumber", "studentid",
    "personeelsnummer", "employeeid", "employeenumber", "latitude", "longitude",
    "useragent", "browser", "handtekening", "signature",
})

#: Fragments that make a normalised column name personal wherever they occur.
PERSONAL_FRAGMENTS = ("email", "mailadres", "mailaddress", "ipadres", "ipaddress", "ipaddr",
                      "telefoon", "phone", "mobielnummer", "geboorte", "birth", "voornaam",
                      "achternaam", "firstname", "lastname", "surname", "fullname", "naam",
                      "postcode", "zipcode", "postalcode", "studentnummer", "studentnumber",
                      "personeelsnummer", "employeenumber", "recipient", "latitude",
                      "longitude", "externalreference", "externaldatareference",
                      "huisadres", "homeaddress", "streetaddress", "woonadres", "bsn")

_STRIP = re.compile(r"[\s\-_.()\[\]{}:/#]+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_IPV4 = re.compile(r"^(\d{1,3}\.){3}\d{1,3}$")
_IPV6 = re.compile(r"^[0-9a-fA-F]{0,4}(:[0-9a-fA-F]{0,4}){2,7}$")
_PHONE = re.compile(r"^(\+|00|0)[\d\s\-()/.]{7,20}$")
_DATE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")


def normalise_name(name: Any) -> str:
    """A column name reduced for matching.

    Examples
    --------
    >>> normalise_name("E-mail address"), normalise_name(" IP-adres "), normalise_name("Café")
    ('emailaddress', 'ipadres', 'cafe')
    """
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return _STRIP.sub("", text)


def _by_name(name: Any) -> bool:
    n = normalise_name(name)
    return n in PERSONAL_NAMES or any(f in n for f in PERSONAL_FRAGMENTS)


def _by_content(values: Iterable[Any]) -> str | None:
    """What a column's cells reveal ("e-mail addresses", ...) or None."""
    n = n_phone = 0
    try:
        distinct = Counter(values)  # each distinct cell judged once
    except TypeError:
        distinct = Counter(str(v) for v in values)
    for v, count in distinct.items():
        if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
            continue
        text = str(v).strip()
        if not text:
            continue
        n += count
        if _EMAIL.search(text):
            return "e-mail addresses"
        if _IPV4.match(text) or (_IPV6.match(text) and (text.count(":") >= 3 or "::" in text)):
            return "IP addresses"
        # phone numbers are text (a leading 0 or +); numbers and dates are not phones
        if isinstance(v, str) and _PHONE.match(text) and not _DATE.match(text) and (
                8 <= sum(ch.isdigit() for ch in text) <= 15):
            n_phone += count
    if n_phone and n_phone >= max(1, n // 2):
        return "phone numbers"
    return None


def personal_columns(frame: pd.DataFrame, keep: Iterable[str] = (),
                     also: Iterable[str] = ()) -> dict[str, str]:
    """The personal columns of ``frame`` (the non-item columns), each with the reason.

    Parameters
    ----------
    frame : DataFrame
        The columns to judge (not the key's items).
    keep : iterable of str
        Columns kept on purpose (``--group``, ``--cluster``); never dropped.
    also : iterable of str
        More columns to drop (``--drop``), matched by normalised name.

    Returns
    -------
    dict
        Column -> ``"name"``, ``"asked"`` or what its content looks like. The reason never
        quotes a cell.

    Examples
    --------
    >>> df = pd.DataFrame({"E-mailadres": ["a@b.nl"], "opmerking": ["bel 06-12345678"],
    ...                    "contact": ["+31 6 1234 5678"], "dept": ["HR"]})
    >>> personal_columns(df)
    {'E-mailadres': 'name', 'contact': 'phone numbers'}
    """
    kept = {str(c) for c in keep if c is not None}
    asked = {normalise_name(c) for c in also}
    out: dict[str, str] = {}
    for col in frame.columns:
        if str(col) in kept:
            continue
        if normalise_name(col) in asked:
            out[col] = "asked"
        elif _by_name(col):
            out[col] = "name"
        elif (why := _by_content(frame[col].tolist())) is not None:
            out[col] = why
    return out


def describe(dropped: Mapping[str, str]) -> list[dict[str, str]]:
    """The dropped columns as records ``{column, reason}`` for a summary."""
    return [{"column": str(c), "reason": r} for c, r in dropped.items()]
