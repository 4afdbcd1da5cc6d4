"""Tests for the content checks of the item bank and the wording heuristics behind them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from lospw.instrument import model, wording
from lospw.instrument.bank import load_bank
from lospw.instrument.bankcheck import FAILURE_CODES, WARNING_CODES, check_bank


@pytest.fixture(scope="module")
def bank():
    return load_bank()


def _with_items(bank, items):
    return replace(bank, items=tuple(items))


def _edit(bank, item_id, **changes):
    return _with_items(bank, [replace(it, **changes) if it.id == item_id else it
                              for it in bank.items])


def codes(problems, where=None):
    return [p.code for p in problems if where is None or p.where == where]


def test_shipped_bank_passes(bank):
    res = check_bank(bank)
    assert res.ok and not res.failures and not res.warnings
    t = res.summary["totals"]
    assert t["n_elements"] == 6 and t["n_aspects"] == 37 and t["n_items"] >= 150
    assert t["min_items_per_aspect_found"] >= 3 and t["min_items_per_group_scale_found"] >= 3
    for info in res.summary["elements"].values():
        assert info["languages"] == ["nl", "en"]
        assert min(info["items_per_aspect"].values()) >= 3
        assert info["referents"] == {"workplace": info["n_items"]}  # one referent per scale
        assert min(info["items_per_group"].values()) >= 3
    assert sum(e["n_aspects"] for e in res.summary["elements"].values()) == 37
    assert 0.05 <= t["reverse_keyed_share"] <= 0.20
    assert t["by_referent"] == {"workplace": t["n_items"], "self": 0}
    assert sum(t["by_module"].values()) == t["n_items"]
    assert t["by_response_scale"]["frequency"] >= 10
    d = res.to_dict()
    assert d["ok"] is True and d["failures"] == [] and d["elements"]["LOS"]["n_aspects"] == 7
    assert d["address"] == "u" and [m["code"] for m in d["missing"]] == [8, 9]
    los = d["elements"]["LOS"]["items_per_aspect_group"]
    assert los["inquiry"]["clients"] >= 1 and los["inquiry"]["students"] >= 3


def test_too_few_items_counts_non_dropped_only(bank):
    goals = [it.id for it in bank.items if it.element == "LOS" and it.aspect == "goals"]
    dropped = bank.with_statuses({i: "dropped" for i in goals[:-2]}, "x")
    res = check_bank(dropped)
    assert not res.ok
    [p] = [p for p in res.failures if p.code == "too_few_items"]
    assert p.where == "LOS.goals" and "has 2 item(s)" in p.message
    assert res.summary["elements"]["LOS"]["n_dropped"] == len(goals) - 2


def test_duplicate_text_case_and_space_insensitive(bank):
    a, b = bank.items[0], bank.items[1]
    items = list(bank.items)
    items[1] = replace(b, en="  " + a.en.upper().replace(" ", "   ") + " ")
    res = check_bank(_with_items(bank, items))
    dup = [p for p in res.failures if p.code == "duplicate_text"]
    assert len(dup) == 1 and dup[0].where == b.id and a.id in dup[0].message
    # a dropped duplicate does not count
    items[1] = replace(items[1], status="dropped")
    assert not [p for p in check_bank(_with_items(bank, items)).failures
                if p.code == "duplicate_text"]


def test_length_limits_and_missing_language(bank):
    items = list(bank.items)
    items[0] = replace(items[0], nl=" ".join(["woord"] * 26))
    items[1] = replace(items[1], en="Too short")
    items[2] = replace(items[2], en="")
    res = check_bank(_with_items(bank, items))
    found = {(p.code, p.where) for p in res.failures}
    assert ("too_long", items[0].id) in found
    assert ("too_short", items[1].id) in found
    assert ("missing_language", items[2].id) in found
    assert res.summary["elements"]["LOS"]["languages"] == ["nl"]
    assert check_bank(bank, max_words=5).summary["limits"]["max_words"] == 5
    assert not check_bank(bank, max_words=5).ok


def test_reverse_share_warning(bank):
    items = [replace(it, keyed=1) for it in bank.items]
    res = check_bank(_with_items(bank, items))
    assert res.ok  # a warning, not a failure
    assert codes(res.warnings) == ["reverse_share"]


# -- referents, groups, modules -----------------------------------------------------------------
def test_mixed_referent_fails_naming_the_odd_items(bank):
    res = check_bank(_edit(bank, "LOSgoals1", referent="self"))
    [p] = [p for p in res.failures if p.code == "mixed_referent"]
    assert p.where == "LOS" and "1 self" in p.message and "LOSgoals1" in p.message
    assert "one referent per scale" in p.message


def test_item_no_group_can_answer(bank):
    res = check_bank(_edit(bank, "LOSgoals1", groups=()))
    assert codes(res.failures, "LOSgoals1") == ["no_group"]


def test_item_in_no_module(bank):
    res = check_bank(_edit(bank, "LOSgoals1", groups=("students", "clients")))
    [p] = [p for p in res.failures if p.code == "no_module"]
    assert p.where == "LOSgoals1" and "core: students" in p.message


def test_every_group_needs_items_per_scale(bank):
    # the clients answer a few SRI items (the core and their own module); drop all but two
    sri = [it.id for it in bank.items if it.element == "SRI" and it.status != "dropped"
           and "clients" in it.groups]
    assert len(sri) >= 3
    res = check_bank(bank.with_statuses({i: "dropped" for i in sri[2:]}, "x"))
    [p] = [p for p in res.failures if p.code == "too_few_group_items"]
    assert p.where == "SRI.clients" and "answers 2 item(s) of scale SRI" in p.message
    strict = check_bank(bank, min_group_items=6)
    assert strict.summary["limits"]["min_group_items_per_scale"] == 6
    assert "too_few_group_items" in codes(strict.failures)


# -- form of address, reference period, missing codes -------------------------------------------
def test_form_of_address(bank):
    res = check_bank(_edit(bank, "GOCsafety1", nl="In deze werkplaats mag je fouten maken."))
    [p] = [p for p in res.failures if p.code == "form_of_address"]
    assert p.where == "GOCsafety1" and "'je'" in p.message and "'u'" in p.message
    # the bank's own form is fine; the other one fails in the instructions too
    res = check_bank(replace(bank, address="je"))
    assert "instructions" in {p.where for p in res.failures if p.code == "form_of_address"}


def test_reference_period_and_missing_answers_in_instructions(bank):
    res = check_bank(replace(bank, reference_period={}))
    assert codes(res.failures) == ["no_reference_period"]
    res = check_bank(replace(bank, reference_period={"nl": "het afgelopen jaar",
                                                     "en": "the past three months"}))
    assert [(p.code, p.where) for p in res.failures] == [("reference_period",
                                                          "instructions.nl")]
    instr = dict(bank.instructions)
    instr["en"] = instr["en"].replace("Not applicable", "N/A")
    res = check_bank(replace(bank, instructions=instr))
    [p] = res.failures
    assert p.code == "missing_not_explained" and "'Not applicable' (code 9)" in p.message


# -- wording warnings ---------------------------------------------------------------------------
WORDING = [
    ("In deze werkplaats helpt iedereen elkaar.", "In this workplace, everyone helps.",
     "absolute_quantifier"),
    ("In deze werkplaats helpen we elkaar weinig.", "In this workplace, we help little.",
     "vague_quantifier"),
    ("In deze werkplaats helpen we elkaar echt.", "In this workplace, we really help.",
     "intensifier"),
    ("In deze werkplaats helpen we elkaar regelmatig.",
     "In this workplace, we help each other regularly.", "frequency_on_agreement"),
    ("In deze werkplaats delen we kennis en leren we van fouten.",
     "In this workplace, we share knowledge and learn from mistakes.", "double_barrel"),
    ("We bespreken fouten, zodat we ervan leren.", "We discuss mistakes so that we learn.",
     "cause_effect"),
    ("In deze werkplaats is er intervisie.", "In this workplace, there is intervision.",
     "jargon"),
    ("Ik help in deze werkplaats anderen.", "I help others in this workplace.",
     "referent_wording"),
    ("In deze werkplaats helpen we elkaar.", "In this workplace, people help each other.",
     "address_mismatch"),
]


@pytest.mark.parametrize("nl,en,code", WORDING, ids=[w[2] for w in WORDING])
def test_wording_warnings_and_reviewed(bank, nl, en, code):
    res = check_bank(_edit(bank, "VORtrust1", nl=nl, en=en))
    assert res.ok  # warnings never fail the bank
    assert code in codes(res.warnings, "VORtrust1"), res.warnings
    msg = next(p.message for p in res.warnings if p.code == code)
    assert msg.startswith("Item VORtrust1: ") and "\n" not in msg
    # a reviewer who accepted it silences exactly that code for that item
    res = check_bank(_edit(bank, "VORtrust1", nl=nl, en=en, reviewed=(code,)))
    assert code not in codes(res.warnings, "VORtrust1")
    assert res.summary["totals"]["warnings_by_code"].get(code, 0) == 0


def test_frequency_items_may_say_how_often_on_their_scale(bank):
    b = _edit(bank, "VORtrust1", nl="In deze werkplaats helpen we elkaar.",
              response_scale="frequency")
    assert not check_bank(b).warnings


def test_plain_language_only_in_plain_modules(bank):
    long_nl = ("In deze werkplaats worden de afspraken over de samenwerking in de "
               "beleidsdocumenten van de organisaties vastgelegd.")
    long_en = ("In this workplace, the agreements on the collaboration are written down in "
               "the organisations' policy papers.")
    core = next(it.id for it in bank.items if "clients" in it.groups and it.element == "VOR")
    res = check_bank(_edit(bank, core, nl=long_nl, en=long_en))
    [p] = [p for p in res.warnings if p.code == "plain_language"]
    assert "module core is plain language (B1)" in p.message and "beleidsdocumenten" in p.message
    assert not [p for p in check_bank(_edit(bank, "VORtrust1", nl=long_nl, en=long_en)).warnings
                if p.code == "plain_language"]


def test_self_items_need_first_person(bank):
    items = [replace(it, referent="self") for it in bank.items if it.element == "VOR"]
    others = [it for it in bank.items if it.element != "VOR"]
    res = check_bank(_with_items(bank, others + items))
    assert "mixed_referent" not in codes(res.failures)  # all VOR items are self now
    assert "referent_wording" in codes(res.warnings)


def test_codes_are_listed():
    assert len(set(FAILURE_CODES)) == len(FAILURE_CODES) == 13
    assert set(WARNING_CODES) >= {"double_barrel", "absolute_quantifier", "vague_quantifier"}


# -- the heuristics themselves ------------------------------------------------------------------
def test_wording_functions():
    assert wording.absolute_quantifiers("Niemand komt ooit; alle mensen.", "nl") == (
        "niemand", "alle")
    assert wording.absolute_quantifiers("We help each other, all right.", "en") == ()
    assert wording.vague_quantifiers("Soms gebeurt dat vaak.", "nl") == ("soms", "vaak")
    assert wording.intensifiers("Het is niet erg om te vallen.", "nl") == ()
    assert wording.double_barrel("We gaan na of het werkt.", "We check whether it works.") == ()
    assert wording.cause_effect("Door samen terug te kijken, leren we.", "nl")
    assert wording.cause_effect("By looking back, we learn.", "en") == ("by looking",)
    assert wording.jargon("Dat geeft eigenaarschap en borging.", "nl") == (
        "eigenaarschap", "borging")
    assert wording.plain_language("Dit is kort.", "nl") == ()
    assert wording.plain_language(" ".join(["woord"] * 16), "nl") == ("16 words",)
    assert wording.persons("Ik vraag u en ons.", "nl") == ("first_singular", "first_plural",
                                                          "second")
    assert wording.persons("Wie doet wat?", "nl") == ()
    assert set(wording.ADDRESS_WORDS) == {"u", "je"}
    assert {g.id for g in model.GROUPS} >= {"clients", "managers"}
