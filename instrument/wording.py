"""Wording heuristics for questionnaire items, in Dutch and English.

Pure functions on one text (or a Dutch/English pair) that find what questionnaire-design
guidance warns against (Saris & Gallhofer 2014; Dillman, Smyth & Christian 2014; the
Dutch B1 plain-language guidance of Direct Duidelijk): absolute and vague quantifiers,
intensifiers, frequency words on an agreement scale, two questions in one
("double-barrelled"), cause and effect in one statement, jargon, long sentences and long
words for a plain-language (B1) audience, and the persons a text addresses (for the form of
address and the nl/en equivalence). They are heuristics: :mod:`lospw.instrument.bankcheck` turns
their findings into *warnings*, which a reviewer may accept per item (``reviewed`` in the
bank).

Every function takes the text as written and returns the words it found, in text order,
without duplicates (an empty tuple when there is nothing to report).

Examples
--------
>>> absolute_quantifiers("Iedereen mag altijd meedoen.", "nl")
('iedereen', 'altijd')
>>> double_barrel("We bespreken fouten en leren ervan.", "We discuss mistakes and learn.")
('en', 'and')
>>> persons("In this workplace, we ask you.", "en")
('first_plural', 'second')
"""

from __future__ import annotations

import re

from lospw.instrument._fields import check_lang

__all__ = [
    "ADDRESS_WORDS",
    "PLAIN_MAX_LETTERS",
    "PLAIN_MAX_WORDS",
    "absolute_quantifiers",
    "cause_effect",
    "double_barrel",
    "frequency_words",
    "intensifiers",
    "jargon",
    "persons",
    "plain_language",
    "tokens",
    "vague_quantifiers",
]

# Longest item a B1 reader takes in at once (Direct Duidelijk: sentences of at most about
# 15 words) and the longest word (Dutch compounds longer than this are hard at B1).
PLAIN_MAX_WORDS = 15
PLAIN_MAX_LETTERS = 15

_ABSOLUTE = {
    "nl": ("iedereen", "ieder", "iedere", "ieders", "alle", "allen", "allemaal", "alles",
           "altijd", "nooit", "niemand", "niets", "elke", "elk"),
    "en": ("everyone", "everybody", "everything", "all", "always", "never", "nobody",
           "nothing", "every", "each"),
}
_VAGUE = {
    "nl": ("vaak", "soms", "regelmatig", "meestal", "zelden", "weinig", "veel", "snel",
           "nogal", "behoorlijk"),
    "en": ("often", "sometimes", "regularly", "usually", "rarely", "seldom", "little", "much",
           "many", "quickly", "fairly", "quite"),
}
_INTENSIFIERS = {
    "nl": ("echt", "heel", "zeer", "erg", "ontzettend", "oprecht", "werkelijk"),
    "en": ("really", "very", "truly", "genuinely", "extremely"),
}
_FREQUENCY = {
    "nl": ("vaak", "soms", "regelmatig", "meestal", "zelden", "altijd", "nooit", "dagelijks",
           "wekelijks"),
    "en": ("often", "sometimes", "regularly", "usually", "rarely", "always", "never"),
}
_CONJUNCTIONS = {"nl": ("en", "of", "en/of", "zowel"), "en": ("and", "or", "and/or")}
_CAUSE = {
    "nl": (r"\b(doordat|waardoor|zodat|omdat|daardoor|daarom)\b",
           r"\bdoor\b(?:\s+\S+){0,4}?\s+te\b"),
    "en": (r"\b(because|so that|thereby|therefore)\b", r"\bby\s+\w+ing\b"),
}
# Fixed phrases that contain a listed word without its meaning.
_PHRASES = {"nl": ("niet erg",), "en": ("each other", "all right")}
# Word stems of academic or policy jargon (seed-article vocabulary a respondent need not know).
_JARGON = {
    "nl": ("intervisie", "reflexiv", "grensoverstijg", "grensobject", "eigenaarschap",
           "transparan", "explicie", "expliciteren", "implementa", "borging", "borgen",
           "facilit", "multidisciplin", "interdisciplin", "katalysator", "perspectie",
           "dienstverlening", "alignment", "synergie", "cyclisch", "stakeholder",
           "cocreatie", "co-creatie", "evidence"),
    "en": ("intervision", "reflexiv", "boundary-crossing", "boundary object", "ownership",
           "transparen", "explicit", "implementation", "embedding", "facilitat",
           "multidisciplin", "interdisciplin", "catalyst", "perspective", "alignment",
           "synergy", "cyclical", "stakeholder", "co-creation", "evidence"),
}
# Words above B1 that a plain-language module avoids (besides the jargon above).
_NOT_B1 = {
    "nl": ("visie", "evalu", "deskundig", "expertise", "inbreng", "beleid", "structu",
           "middelen", "belangen", "initiatief", "ontwikkeling"),
    "en": ("vision", "evaluat", "expertise", "contribution", "policy", "structur",
           "resources", "interests", "initiative", "development"),
}
_PERSONS = {
    "nl": {"first_singular": ("ik", "mij", "me", "mijn", "mezelf", "mijzelf"),
           "first_plural": ("we", "wij", "ons", "onze", "onszelf"),
           "second": ("u", "uw", "uzelf", "je", "jij", "jou", "jouw", "jezelf", "jullie")},
    "en": {"first_singular": ("i", "me", "my", "mine", "myself"),
           "first_plural": ("we", "us", "our", "ours", "ourselves"),
           "second": ("you", "your", "yours", "yourself", "yourselves")},
}
# The two Dutch forms of address and the words that give each away.
ADDRESS_WORDS: dict[str, tuple[str, ...]] = {
    "u": ("u", "uw", "uzelf"),
    "je": ("je", "jij", "jou", "jouw", "jezelf", "jullie"),
}


def tokens(text: str, lang: str) -> list[str]:
    """The lower-case words of ``text`` (fixed phrases such as "each other" removed).

    Examples
    --------
    >>> tokens("In this workplace, we help each other.", "en")
    ['in', 'this', 'workplace', 'we', 'help']
    """
    low = text.casefold()
    for phrase in _PHRASES[check_lang(lang)]:
        low = low.replace(phrase, " ")
    return re.findall(r"[\w'/-]+", low)


def _found(text: str, lang: str, vocab: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    words = set(vocab[check_lang(lang)])
    return tuple(dict.fromkeys(w for w in tokens(text, lang) if w in words))


def absolute_quantifiers(text: str, lang: str) -> tuple[str, ...]:
    """Absolute quantifiers ("iedereen", "altijd", "alle"): true for almost nobody."""
    return _found(text, lang, _ABSOLUTE)


def vague_quantifiers(text: str, lang: str) -> tuple[str, ...]:
    """Vague quantifiers ("vaak", "soms", "weinig"): each respondent reads them differently."""
    return _found(text, lang, _VAGUE)


def intensifiers(text: str, lang: str) -> tuple[str, ...]:
    """Intensifiers ("echt", "heel"): they ask for a degree on top of the statement."""
    return _found(text, lang, _INTENSIFIERS)


def frequency_words(text: str, lang: str) -> tuple[str, ...]:
    """Words about how often ("vaak", "regelmatig"): such an item belongs on a frequency
    scale, where the answer gives the frequency and the stem does not."""
    return _found(text, lang, _FREQUENCY)


def double_barrel(nl: str, en: str) -> tuple[str, ...]:
    """The conjunctions ("en", "of" / "and", "or") of an item pair, when both texts have one.

    Requiring both languages keeps the Dutch "of" meaning "whether" ("we gaan na of ...",
    English "whether") from counting; a noun pair naming one actor ("onderwijs en praktijk")
    still counts and is for the reviewer to accept.
    """
    a = _found(nl, "nl", _CONJUNCTIONS)
    b = _found(en, "en", _CONJUNCTIONS)
    return (*a, *b) if a and b else ()


def cause_effect(text: str, lang: str) -> tuple[str, ...]:
    """Cause-and-effect wording ("doordat", "zodat", "door ... te" / "because", "by ...ing"):
    an item that states a cause and its effect asks two things at once."""
    low = text.casefold()
    out = []
    for pattern in _CAUSE[check_lang(lang)]:
        out += [m.group(0) for m in re.finditer(pattern, low)]
    return tuple(dict.fromkeys(out))


def jargon(text: str, lang: str) -> tuple[str, ...]:
    """Words from the seed article's academic and policy vocabulary."""
    stems = _JARGON[check_lang(lang)]
    single = tuple(s for s in stems if " " not in s)
    words = [w for w in tokens(text, lang) if w.startswith(single)]
    phrases = [s for s in stems if " " in s and s in text.casefold()]
    return tuple(dict.fromkeys(words + phrases))


def plain_language(text: str, lang: str) -> tuple[str, ...]:
    """What keeps ``text`` from language level B1: more than :data:`PLAIN_MAX_WORDS` words,
    words longer than :data:`PLAIN_MAX_LETTERS` letters, or words above B1."""
    words = tokens(text, lang)
    out = [f"{len(text.split())} words"] if len(text.split()) > PLAIN_MAX_WORDS else []
    out += [w for w in words if len(w) > PLAIN_MAX_LETTERS]
    out += [w for w in words if w.startswith(_NOT_B1[check_lang(lang)])]
    return tuple(dict.fromkeys(out))


def persons(text: str, lang: str) -> tuple[str, ...]:
    """The grammatical persons ``text`` uses: ``first_singular`` (ik / I),
    ``first_plural`` (we), ``second`` (u, je / you), in that order."""
    words = set(tokens(text, lang))
    return tuple(p for p, vocab in _PERSONS[check_lang(lang)].items() if words & set(vocab))
