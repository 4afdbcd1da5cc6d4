"""The model "Lerend en Onderzoekend Samenwerken in Professionele Werkplaatsen" as data.

Six elements (seed article §3, Figure 3), each split into aspects. Figure 2 of the article
gives five aspects of LOS; two more, ``inquiry`` and ``improvement``, carry the *inquiring*
side of "lerend en onderzoekend samenwerken" that Figure 2 leaves implicit (§3.1, §4.1,
Figuur 1). The aspects of the other five elements are derived here from the narratives in
§3.2-3.6 and the discussion in §4.1-4.2, each citing the passage it rests on; the sentences
themselves are quoted in ``docs/aspects.md``, the document a Delphi panel gets. The
elements' roles (§3 and §4.2) give the theory-driven higher-order structure:

* core: LOS and GOC, "onlosmakelijk met elkaar verbonden" (§3, §4.1);
* instrumental: SRI and VMM, "de instrumentele kant van de ondersteuning" (§4.2);
* interpersonal: LeA and VOR, "de interpersoonlijke verbindingen" (§4.2).

Aspect ids are short lowercase English words; item ids in the bank are
``<ELEMENT><aspect><n>`` (e.g. ``LOSgoals1``), which are valid variable names in
LimeSurvey, SPSS, R and Python alike.

The stakeholder groups (:data:`GROUPS`) are those who work, learn or receive care in a PW
(Figuur 1, kenmerk 4; §2.2, Tabel 1): students, professionals from practice, bridge
builders, lecturer-researchers (the "ondersteuners": docenten, opleiders, proces- en
onderzoeksbegeleiders), managers and clients. Every item of the bank says which of them can
answer it; :data:`REFERENTS` are the two things an item can be about.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lospw.analysis.core.errors import InputError

__all__ = ["ELEMENTS", "GROUPS", "REFERENTS", "ROLES", "Aspect", "Element", "Group", "aspect",
           "element", "group", "higher_order", "to_dict"]


@dataclass(frozen=True)
class Aspect:
    """One aspect of an element: a facet the items must cover."""

    id: str
    element: str
    nl: str
    en: str
    seed: str  # the section(s) of the seed article the aspect rests on

    @property
    def qualified(self) -> str:
        """``ELEMENT.aspect``, unique across the model."""
        return f"{self.element}.{self.id}"


@dataclass(frozen=True)
class Element:
    """One of the six elements of the model; one scale (one factor) in the instrument."""

    id: str
    nl: str
    en: str
    role: str  # core | instrumental | interpersonal
    seed: str
    description_nl: str
    description_en: str
    aspects: tuple[Aspect, ...]

    @property
    def aspect_ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.aspects)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "nl": self.nl, "en": self.en, "role": self.role, "seed": self.seed,
            "description_nl": self.description_nl, "description_en": self.description_en,
            "aspects": [
                {"id": a.id, "nl": a.nl, "en": a.en, "seed": a.seed} for a in self.aspects
            ],
        }


def _element(id_: str, nl: str, en: str, role: str, seed: str, d_nl: str, d_en: str,
             aspects: list[tuple[str, str, str, str]]) -> Element:
    return Element(
        id_, nl, en, role, seed, d_nl, d_en,
        tuple(Aspect(a, id_, a_nl, a_en, a_seed) for a, a_nl, a_en, a_seed in aspects),
    )


ROLES: dict[str, dict[str, str]] = {
    "core": {"nl": "kern", "en": "core", "seed": "§3, §4.1"},
    "instrumental": {"nl": "instrumentele ondersteuning", "en": "instrumental support",
                     "seed": "§4.2"},
    "interpersonal": {"nl": "interpersoonlijke ondersteuning", "en": "interpersonal support",
                      "seed": "§4.2"},
}

ELEMENTS: tuple[Element, ...] = (
    _element(
        "LOS", "Lerend en onderzoekend samenwerken", "Collaborative learning and inquiry",
        "core", "§3.1, Figuur 2, §4.1",
        "Het primaire proces in een PW: iedereen is lerende; betrokkenen leren van en met "
        "elkaar, door en tijdens het werk.",
        "The primary process of a PW: everyone is a learner; those involved learn from and "
        "with each other, through and during their work.",
        [
            ("goals", "continu en wederkerig delen van (leer)doelen",
             "continuous and reciprocal sharing of (learning) goals", "Figuur 2; §3.1"),
            ("knowledge", "continu en wederkerig delen van kennis",
             "continuous and reciprocal sharing of knowledge", "Figuur 2; §3.1"),
            ("questioning", "elkaar constructief kritisch bevragen",
             "questioning each other constructively and critically", "Figuur 2; §3.1, §4.1"),
            ("feedback", "geven en ontvangen van feedback",
             "giving and receiving feedback", "Figuur 2; §3.1"),
            ("reflection", "reflectie en reflexiviteit",
             "reflection and reflexivity", "Figuur 2; §3.1 (laatste alinea), §4.1"),
            ("inquiry", "samen vraagstukken uit de praktijk onderzoeken",
             "jointly investigating questions from practice",
             "§3.1 alinea 3; §3.6 (citaat manager); §4.1; Figuur 1"),
            ("improvement", "bevindingen benutten om de dienstverlening te verbeteren",
             "using findings to improve the service to clients",
             "§3.1 alinea 2 en 5; §4.1; Figuur 1 (kenmerk 7)"),
        ],
    ),
    _element(
        "GOC", "Grensoverstijgende en ontwikkelingsgerichte cultuur",
        "Boundary-crossing, development-oriented culture",
        "core", "§3.2, §4.1",
        "Een cultuur waarin ontwikkeling van mensen en organisaties vanzelfsprekend is en "
        "betrokkenen grenzen durven te verkennen en te overstijgen.",
        "A culture in which the development of people and organisations is self-evident and "
        "those involved dare to explore and cross boundaries.",
        [
            ("development", "vanzelfsprekende aandacht voor en steun bij ontwikkeling",
             "self-evident attention to and support for development", "§3.2 alinea 1; §4.1"),
            ("boundaries", "ontmoeten over grenzen van personen, disciplines en organisaties",
             "meeting across boundaries of persons, disciplines and organisations",
             "§3.2 alinea 1; §4.1 (Akkerman & Bruining; Engeström)"),
            ("safety", "psychologische veiligheid: fouten maken mag, experimenteren",
             "psychological safety: mistakes are allowed, experimenting", "§3.2 alinea 1; "
             "§4.1 (Edmondson)"),
            ("diversity", "waardering van ieders inbreng en perspectief",
             "valuing everyone's contribution and perspective", "§3.2 alinea 1; §4.1"),
            ("values", "gedeelde waarden en opvattingen delen, afstemmen en uitdragen",
             "sharing, aligning and carrying out shared values and beliefs",
             "§3.2 alinea 3-4; §4.1"),
            ("dialogue", "dialoog, gezamenlijke besluitvorming en elkaar aanspreken",
             "dialogue, joint decision-making and holding each other to account",
             "§3.2 alinea 4"),
        ],
    ),
    _element(
        "SRI", "Samen richten en (her)inrichten", "Jointly directing and (re)designing",
        "instrumental", "§3.3, §4.2",
        "Vanuit een gezamenlijke ambitie een gedeelde visie en doelen ontwikkelen en de "
        "samenwerking inrichten met passende structuren, rollen en evaluatie.",
        "Developing a shared vision and goals from a joint ambition and organising the "
        "collaboration with fitting structures, roles and evaluation.",
        [
            ("vision", "gezamenlijke ambitie en gedeelde visie",
             "joint ambition and shared vision", "§3.3 alinea 1; §4.2"),
            ("goals", "gezamenlijke doelen voor de samenwerking",
             "joint goals for the collaboration", "§3.3 alinea 1"),
            ("expectations", "transparant delen van verwachtingen en belangen",
             "transparently sharing expectations and interests", "§3.3 alinea 1; §4.2"),
            ("structures", "vaste overleg-, reflectie- en evaluatiemomenten",
             "fixed moments for consultation, reflection and evaluation", "§3.3 alinea 2"),
            ("roles", "expliciete rollen en verantwoordelijkheden, waaronder de bruggenbouwer",
             "explicit roles and responsibilities, including the bridge builder",
             "§3.3 alinea 2; §4.2"),
            ("evaluation", "structureel evalueren en de samenwerking bijstellen",
             "evaluating structurally and adjusting the collaboration", "§3.3 alinea 3"),
        ],
    ),
    _element(
        "VMM", "Vrijmaken van mensen en middelen", "Freeing up people and resources",
        "instrumental", "§3.4, §4.2",
        "De organisaties stellen een passende mix van mensen en middelen beschikbaar, maken "
        "afspraken over ieders bijdrage en borgen die in hun beleid.",
        "The organisations make a fitting mix of people and resources available, agree on "
        "each one's contribution and secure it in their policies.",
        [
            ("people", "passende mix van mensen, kwaliteiten en expertise",
             "a fitting mix of people, qualities and expertise", "§3.4 alinea 1; §4.2"),
            ("facilities", "beschikbare systemen en middelen (kwaliteit, ICT, communicatie)",
             "available systems and resources (quality, ICT, communication)",
             "§3.4 alinea 2"),
            ("space", "fysieke ruimte om elkaar gepland en ongepland te ontmoeten",
             "physical space to meet, planned and unplanned", "§3.4 alinea 2"),
            ("agreements", "expliciete afspraken over wie wat inbrengt, gelijkwaardig",
             "explicit, balanced agreements on who contributes what",
             "§3.4 alinea 1-2; §4.2 (wederkerigheid)"),
            ("time", "voldoende tijd voor samen werken en leren",
             "enough time for working and learning together", "§3.4 alinea 2"),
            ("policy", "bevoegdheden, prioriteit en borging in beleid",
             "authority, priority and embedding in policy", "§3.4 alinea 4; §4.2"),
        ],
    ),
    _element(
        "LeA", "Leiderschap en autonomie", "Leadership and autonomy",
        "interpersonal", "§3.5, §4.2",
        "Betrokkenen geven gezamenlijk invulling aan leiderschap en ervaren professionele "
        "ruimte om vanuit hun eigen achtergrond bij te dragen en te experimenteren.",
        "Those involved give shape to leadership together and experience professional "
        "room to contribute from their own background and to experiment.",
        [
            ("shared", "gedeeld en collaboratief leiderschap",
             "shared and collaborative leadership", "§3.5 alinea 1; §4.2"),
            ("tasks", "taken verdelen op basis van expertise en voorkeuren",
             "dividing tasks by expertise and preferences", "§3.5 alinea 1"),
            ("ownership", "eigenaarschap en persoonlijk leiderschap",
             "ownership and personal leadership", "§3.5 alinea 1 en 3"),
            ("rolemodel", "faciliterende voorbeeldrol van bruggenbouwer en manager",
             "facilitating example role of bridge builder and manager", "§3.5 alinea 2; §4.2"),
            ("initiative", "ondernemende houding: kansen signaleren en benutten",
             "entrepreneurial attitude: spotting and seizing opportunities", "§3.5 alinea 3"),
            ("autonomy", "professionele ruimte en vrijheid om te experimenteren",
             "professional room and freedom to experiment", "§3.5 alinea 3; §4.2"),
        ],
    ),
    _element(
        "VOR", "Vormgeven en onderhouden van relaties", "Shaping and maintaining relationships",
        "interpersonal", "§3.6, §4.2",
        "Betrokkenen vormen, onderhouden en versterken relaties en een netwerk binnen en "
        "tussen organisaties, met vertrouwen en ruimte voor ieders belangen.",
        "Those involved form, maintain and strengthen relationships and a network within and "
        "between organisations, with trust and room for everyone's interests.",
        [
            ("meeting", "elkaar ontmoeten, leren kennen en weten te vinden",
             "meeting, getting to know and finding each other", "§3.6 alinea 1"),
            ("network", "een netwerk binnen en tussen organisaties",
             "a network within and between organisations", "§3.6 alinea 1 en 3"),
            ("openness", "interesse in elkaar, openheid en transparantie",
             "interest in each other, openness and transparency", "§3.6 alinea 1; §4.2"),
            ("trust", "vertrouwen in elkaar en bij elkaar terecht kunnen",
             "trusting each other and being able to turn to each other", "§3.6 alinea 1-2"),
            ("interests", "ruimte voor belangen, behoeften en ongenoegen",
             "room for interests, needs and discontent", "§3.6 alinea 1 en 3"),
            ("belonging", "erbij horen, wederkerige betrokkenheid en gelijkwaardigheid",
             "belonging, reciprocal involvement and equality", "§3.6 alinea 3; §4.2"),
        ],
    ),
)

_BY_ID = {e.id: e for e in ELEMENTS}


@dataclass(frozen=True)
class Group:
    """A stakeholder group: who answers an item.

    ``code`` is the short answer code of the group question in the questionnaire exports
    (LimeSurvey answer codes have at most five characters).
    """

    id: str
    nl: str
    en: str
    code: str
    seed: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "nl": self.nl, "en": self.en, "code": self.code,
                "seed": self.seed}


GROUPS: tuple[Group, ...] = (
    Group("students", "studenten (professionals in opleiding)",
          "students (professionals in training)", "stu", "Figuur 1 kenmerk 4-5; Tabel 1"),
    Group("professionals", "professionals uit de beroepspraktijk",
          "professionals from practice", "pro", "Figuur 1 kenmerk 4; Tabel 1"),
    Group("bridge_builders", "bruggenbouwers", "bridge builders", "bru",
          "Figuur 1 kenmerk 4 en 8; §2.1; §3.3"),
    Group("lecturer_researchers", "docenten en onderzoekers (ondersteuners)",
          "lecturers and researchers (supporters)", "doc", "§2.2 (ondersteuners); Tabel 1"),
    Group("managers", "managers en leidinggevenden", "managers", "man",
          "Figuur 1 kenmerk 4; §2.2; Tabel 1"),
    Group("clients", "cliënten", "clients", "cli", "Figuur 1 kenmerk 3-4; §3 (LOS tussen "
          "alle betrokkenen); Tabel 1"),
)

# What an item is about: the workplace as a whole (the respondent judges how things go
# among the people of the PW; a referent-shift item whose mean can describe the workplace)
# or the respondent's own behaviour, feelings or situation.
REFERENTS: tuple[str, ...] = ("workplace", "self")

_GROUP_BY_ID = {g.id: g for g in GROUPS}


def element(element_id: str) -> Element:
    """The element with id ``element_id`` (LOS, GOC, SRI, VMM, LeA or VOR).

    Examples
    --------
    >>> element("LOS").aspect_ids  # doctest: +NORMALIZE_WHITESPACE
    ('goals', 'knowledge', 'questioning', 'feedback', 'reflection', 'inquiry',
     'improvement')
    """
    try:
        return _BY_ID[element_id]
    except KeyError:
        raise InputError(
            f"Unknown element {element_id!r}; the elements are {', '.join(_BY_ID)}."
        ) from None


def aspect(element_id: str, aspect_id: str) -> Aspect:
    """The aspect ``aspect_id`` of element ``element_id``."""
    el = element(element_id)
    for a in el.aspects:
        if a.id == aspect_id:
            return a
    raise InputError(
        f"Unknown aspect {aspect_id!r} of element {element_id}; its aspects are "
        f"{', '.join(el.aspect_ids)}."
    )


def group(group_id: str) -> Group:
    """The stakeholder group with id ``group_id``.

    Examples
    --------
    >>> group("clients").code
    'cli'
    """
    try:
        return _GROUP_BY_ID[group_id]
    except KeyError:
        raise InputError(
            f"Unknown stakeholder group {group_id!r}; the groups are {', '.join(_GROUP_BY_ID)}."
        ) from None


def higher_order() -> dict[str, list[str]]:
    """Role -> element ids, the key's ``higher_order`` groups (seed §4.2).

    Examples
    --------
    >>> higher_order()
    {'core': ['LOS', 'GOC'], 'instrumental': ['SRI', 'VMM'], 'interpersonal': ['LeA', 'VOR']}
    """
    out: dict[str, list[str]] = {r: [] for r in ROLES}
    for e in ELEMENTS:
        out[e.role].append(e.id)
    return out


def to_dict() -> dict[str, Any]:
    """The whole model as plain data (what ``python -m lospw.instrument.model`` prints)."""
    return {
        "model": "Lerend en Onderzoekend Samenwerken in Professionele Werkplaatsen (LOS in PW)",
        "source": "seed article, Pedagogische Studiën (§3, §4; Figuur 2 and 3)",
        "roles": ROLES,
        "higher_order": higher_order(),
        "groups": [g.to_dict() for g in GROUPS],
        "referents": list(REFERENTS),
        "elements": [e.to_dict() for e in ELEMENTS],
    }


if __name__ == "__main__":  # pragma: no cover - exercised by `make data`
    import json

    print(json.dumps(to_dict(), indent=2, ensure_ascii=False))
