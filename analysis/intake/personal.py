"""Which columns of a survey export hold personal data: by their name, label and content.

The intake writes only the columns lospw needs (:mod:`lospw.analysis.intake.artifacts`:
items, the pseudonym, declared group / cluster columns and columns the user keeps by
name); this module says *why* a left-out column may be personal, and refuses to keep a
column on request when it looks personal. A column is personal when

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
  ``datestamp``, ``attribute_<n>`` token attributes), SurveyMonkey (``Collector ID``,
  ``Custom Data <n>``) and the like, or a French / German name field (``nom``,
  ``prenom``, ``vorname``, ``nachname``); or
* its SPSS **variable label** says so by the same rules (``V7`` labelled "Voornaam en
  achternaam"); or
* its **content** looks personal: a cell holding an e-mail address (also written
  ``x [at] y``), or cells that are IP addresses, phone numbers, Dutch postcodes or IBANs.

Columns the caller keeps on purpose (the key's items, the ``--group`` / ``--cluster``
columns) are never dropped; the respondent id is replaced by a pseudonym elsewhere.
"""

from __future__ import annotations

import numbers
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

__all__ = ["PERSONAL_FRAGMENTS", "PERSONAL_NAMES", "cell_for_log", "normalise_name",
           "personal_columns", "quotable"]

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
    # abbreviations and other languages
    "tel", "telnr", "telefoonnr", "mob", "fax", "nom", "prenom", "vorname", "nachname",
    "nombre", "apellido", "apellidos", "cognome", "studentnr", "stnr", "persnr",
    "personeelsnr", "medewerkersnummer", "burgerservicenummer", "sofinummer", "ssnumber",
    "remoteaddress", "remoteaddr", "remotehost", "hostname", "macaddress",
    # SurveyMonkey / Google Forms / LimeSurvey
    "collectorid", "respondentid", "emailaddress", "timestamp", "tijdstempel",
})

#: Fragments that make a normalised column name personal wherever they occur.
PERSONAL_FRAGMENTS = ("email", "mailadres", "mailaddress", "ipadres", "ipaddress", "ipaddr",
                      "telefoon", "phone", "mobielnummer", "geboorte", "birth", "voornaam",
                      "achternaam", "firstname", "lastname", "surname", "fullname", "naam",
                      "postcode", "zipcode", "postalcode", "studentnummer", "studentnumber",
                      "personeelsnummer", "employeenumber", "recipient", "latitude",
                      "longitude", "externalreference", "externaldatareference",
                      "huisadres", "homeaddress", "streetaddress", "woonadres", "bsn",
                      "straat", "huisnummer", "burgerservice", "telnr", "telefoonnr",
                      "studentnr", "personeelsnr", "remoteaddr", "ipaddr", "customdata",
                      "customvariable", "collector", "geburts", "nachname", "vorname",
                      "prenom", "adresse", "wohnort", "iban", "rekeningnummer",
                      "bankaccount", "signature", "handtekening")
#: Normalised names made of these followed by digits only (``attribute_1``, ``Custom Data 2``).
_NUMBERED = re.compile(r"^(attribute|attr|customdata|customvar|customvariable|embeddeddata|"
                       r"token)\d*$")

_STRIP = re.compile(r"[\s\-_.()\[\]{}:/#]+")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(\.[\w-]+)+")
_IPV4 = re.compile(r"^(\d{1,3}\.){3}\d{1,3}$")
_IPV6 = re.compile(r"^[0-9a-fA-F]{0,4}(:[0-9a-fA-F]{0,4}){2,7}$")
_PHONE = re.compile(r"^(\+|00|0)[\d\s\-()/.]{7,20}$")
_DATE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")
_EMAIL_OBFUSCATED = re.compile(r"(?<![\w.+-])[\w.+-]+\s*[\[(<{]\s*(at|@)\s*[\])>}]\s*[\w-]+", re.I)
_POSTCODE_NL = re.compile(r"^[1-9]\d{3}\s?[A-Za-z]{2}$")
_IBAN = re.compile(r"^[A-Za-z]{2}\d{2}\s?[A-Za-z0-9]{4}(\s?[A-Za-z0-9]{2,4}){2,7}$")


_CAPITALISED_PAIR = re.compile(r"[A-ZÀ-Ý][a-zà-ÿ]+\s+(?:\w+\s+)?[A-ZÀ-Ý][a-zà-ÿ]+")
_LINK = re.compile(r"(?i)https?://|www\.")
#: Longest text, and most digits, a log or message may quote from a cell.
MAX_QUOTED_CHARS = 24
MAX_QUOTED_DIGITS = 6


def quotable(cell: Any) -> bool:
    """May a cell be quoted in a log or a message? Only when it cannot identify anyone.

    A cell of an item column should hold an answer code; what else a respondent typed
    there may be an e-mail address, a phone number or a name. A cell is quoted only when
    it is a short code: a number of at most 6 digits, or a text of at most 24 characters
    with at most 6 digits and no ``@``, ``[at]``, link, postcode, IBAN or pair of
    capitalised words (``Jan Jansen``). Dates are never quoted.

    Examples
    --------
    >>> [quotable(c) for c in ("weet niet", "A3", "=1+1", 3.5, True)]
    [True, True, True, True, True]
    >>> [quotable(c) for c in ("jan@x.nl", "0612345678", "Jan Jansen", "1234 AB", 123456789)]
    [False, False, False, False, False]
    """
    if isinstance(cell, bool):
        return True
    if isinstance(cell, numbers.Real):
        return sum(ch.isdigit() for ch in repr(cell).split("e")[0]) <= MAX_QUOTED_DIGITS
    if not isinstance(cell, str):
        return False
    text = cell.strip()
    return (len(text) <= MAX_QUOTED_CHARS
            and sum(ch.isdigit() for ch in text) <= MAX_QUOTED_DIGITS
            and "@" not in text and not _EMAIL_OBFUSCATED.search(text)
            and not _LINK.search(text) and not _POSTCODE_NL.match(text)
            and not _IBAN.match(text) and not _CAPITALISED_PAIR.search(text))


def cell_for_log(cell: Any) -> str:
    """The cell as a log may show it: its text when :func:`quotable`, else what it is.

    Examples
    --------
    >>> cell_for_log("weet niet"), cell_for_log("jan@x.nl"), cell_for_log(612345678)
    ('weet niet', '(text of 8 characters, not shown)', '(number of 9 digits, not shown)')
    """
    if quotable(cell):
        text = str(cell)
        return text if len(text) <= 40 else text[:37] + "..."
    if isinstance(cell, numbers.Real):
        n = sum(ch.isdigit() for ch in repr(cell).split("e")[0])
        return f"(number of {n} digits, not shown)"
    if isinstance(cell, str):
        return f"(text of {len(cell.strip())} characters, not shown)"
    return f"({type(cell).__name__}, not shown)"


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
    return (n in PERSONAL_NAMES or any(f in n for f in PERSONAL_FRAGMENTS)
            or _NUMBERED.match(n) is not None)


def _by_content(values: Iterable[Any]) -> str | None:
    """What a column's cells reveal ("e-mail addresses", ...) or None."""
    n = n_phone = n_postcode = n_iban = 0
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
        if _EMAIL.search(text) or _EMAIL_OBFUSCATED.search(text):
            return "e-mail addresses"
        if _IPV4.match(text) or (_IPV6.match(text) and (text.count(":") >= 3 or "::" in text)):
            return "IP addresses"
        # phone numbers are text (a leading 0 or +); numbers and dates are not phones
        if isinstance(v, str) and _PHONE.match(text) and not _DATE.match(text) and (
                8 <= sum(ch.isdigit() for ch in text) <= 15):
            n_phone += count
        if isinstance(v, str) and _POSTCODE_NL.match(text):
            n_postcode += count
        if isinstance(v, str) and _IBAN.match(text):
            n_iban += count
    for what, k in (("phone numbers", n_phone), ("postcodes", n_postcode), ("IBANs", n_iban)):
        if k and k >= max(1, n // 2):
            return what
    return None


def personal_columns(frame: pd.DataFrame, keep: Iterable[str] = (),
                     also: Iterable[str] = (),
                     labels: Mapping[str, str] | None = None) -> dict[str, str]:
    """The personal columns of ``frame`` (the non-item columns), each with the reason.

    Parameters
    ----------
    frame : DataFrame
        The columns to judge (not the key's items).
    keep : iterable of str
        Columns kept on purpose (``--group``, ``--cluster``); never dropped.
    also : iterable of str
        More columns to drop (``--drop``), matched by normalised name.
    labels : mapping, optional
        Column -> variable label (SPSS); a label that names personal data makes its
        column personal (reason ``"label"``).

    Returns
    -------
    dict
        Column -> ``"name"``, ``"label"``, ``"asked"`` or what its content looks like. The
        reason never quotes a cell.

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
        elif labels and str(col) in labels and _by_name(labels[str(col)]):
            out[col] = "label"
        elif (why := _by_content(frame[col].tolist())) is not None:
            out[col] = why
    return out


def describe(dropped: Mapping[str, str]) -> list[dict[str, str]]:
    """The dropped columns as records ``{column, reason}`` for a summary."""
    return [{"column": str(c), "reason": r} for c, r in dropped.items()]
