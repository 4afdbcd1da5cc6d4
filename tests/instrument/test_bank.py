"""Tests for the item bank: the shipped bank, the contract API, and every loader error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lospw.analysis.core.errors import InputError
from lospw.instrument import model
from lospw.instrument.bank import (
    DEFAULT_BANK_DIR,
    META_FILE,
    STATUSES,
    Bank,
    BankItem,
    load_bank,
    write_bank,
)


@pytest.fixture(scope="module")
def bank() -> Bank:
    return load_bank()


@pytest.fixture
def bank_copy(tmp_path) -> Path:
    """A writable copy of the shipped bank."""
    dest = tmp_path / "bank"
    shutil.copytree(DEFAULT_BANK_DIR, dest)
    return dest


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


# -- the shipped bank ---------------------------------------------------------------------------
def active(bank):
    return [it for it in bank.items if it.status != "dropped"]


def test_shipped_bank_covers_every_aspect(bank):
    assert len(active(bank)) >= 150
    for el in model.ELEMENTS:
        for a in el.aspect_ids:
            n = sum(1 for it in active(bank) if it.element == el.id and it.aspect == a)
            assert n >= 3, f"{el.id}.{a} has {n} items"


def test_shipped_bank_items_are_well_formed(bank):
    for it in bank.items:
        assert it.id == f"{it.element}{it.aspect}{it.id[len(it.element + it.aspect):]}"
        assert it.nl.strip() and it.en.strip()
        assert it.keyed in (1, -1)
        assert it.status in ("candidate", "revised", "dropped")
        assert "§" in it.seed or "Figuur" in it.seed
        assert len(it.nl.split()) <= 25 and len(it.en.split()) <= 25
        # valid variable names: LimeSurvey question codes (alphanumeric, <= 20 chars, letter first)
        assert it.id.isalnum() and it.id[0].isalpha() and len(it.id) <= 20
        assert it.groups and it.referent == "workplace"


def test_revision_history_of_bank_0_2(bank):
    # every item that survives from 0.1.0 keeps its id; a revision or a drop records the
    # previous state, texts and why; new items (new ids) have no history
    for it in bank.items:
        if it.status == "candidate":
            assert it.history == () or it.history[-1].version != "0.1.0"
            continue
        last = it.history[-1]
        assert last.version == "0.1.0" and last.status == "candidate" and last.note, it.id
        if it.status == "dropped":
            assert last.nl is None and last.en is None
    new = [it for it in bank.items if not it.history]
    assert {it.aspect for it in new if it.element == "LOS"} >= {"inquiry", "improvement"}


def test_the_three_contradictions_are_fixed(bank):
    assert "evenveel" not in bank.item("VMMagreements2").nl
    assert "gelijkwaardig" in bank.item("VMMagreements2").nl
    assert "verder dan" not in bank.item("VORnetwork2").nl
    for item_id in ("LeArolemodel1", "LeAshared4"):
        assert "leidinggevende" not in bank.item(item_id).nl


def test_one_form_of_address_and_no_ik_items(bank):
    assert bank.address == "u"
    for it in active(bank):
        words = set(it.nl.casefold().replace(",", " ").replace(".", " ").split())
        assert not words & {"je", "jij", "jouw", "jou", "ik", "mij", "mijn"}, it.id
        assert "work floor" not in it.en and "taken for granted" not in it.en


def test_reverse_keyed_share_and_spread(bank):
    rev = [it for it in active(bank) if it.keyed < 0]
    assert 0.05 <= len(rev) / len(active(bank)) <= 0.13
    assert {it.element for it in rev} == {e.id for e in model.ELEMENTS}


def test_workplace_phrase_consistent(bank):
    # The PW is "deze werkplaats" / "this workplace", never another phrasing of the PW.
    for it in active(bank):
        assert "professionele werkplaats" not in it.nl.lower()
        assert "onze werkplaats" not in it.nl.lower()
        assert ("deze werkplaats" in it.nl.lower()) == ("this workplace" in it.en.lower()), it.id


def test_scales_missing_codes_and_instructions_in_metadata(bank):
    assert [s.name for s in bank.scales] == ["agreement", "frequency"]
    assert bank.scale.min == 1 and bank.scale.max == 5
    assert bank.scale.value_labels("nl")[1] == "Helemaal mee oneens"
    assert bank.scale.value_labels("en")[5] == "Strongly agree"
    assert bank.scales[1].value_labels("nl")[1] == "Nooit"
    assert [(m.id, m.code) for m in bank.missing] == [("dont_know", 8), ("not_applicable", 9)]
    assert bank.missing_codes == (8, 9)
    for m in bank.missing:
        assert m.label("nl") in bank.instructions["nl"] and m.meaning
    assert bank.reference_period["nl"] in bank.instructions["nl"]
    assert bank.reference_period["en"] in bank.instructions["en"]
    assert [m.id for m in bank.modules] == ["core", "work", "coordination", "clients"]
    assert set(bank.module("core").groups) == {g.id for g in model.GROUPS}
    assert bank.module("clients").plain_language and bank.module("core").plain_language


def test_modules_groups_and_scales_of_items(bank):
    for it in active(bank):
        assert bank.module_of(it) is not None, it.id
    freq = [it for it in active(bank) if bank.scale_of(it).name == "frequency"]
    assert len(freq) >= 10 and all(it.response_scale == "frequency" for it in freq)
    clients = bank.for_group("clients", "candidate", "revised")
    assert 20 <= len(clients) <= 40
    assert {it.element for it in clients} == {e.id for e in model.ELEMENTS}
    with pytest.raises(InputError, match="Unknown stakeholder group 'kids'"):
        bank.for_group("kids")
    with pytest.raises(InputError, match="no module 'nope'"):
        bank.module("nope")
    odd = BankItem("LOSgoals9", "LOS", "goals", "x y z", "x y z", 1, "candidate", "§3.1",
                   groups=("students",))
    assert bank.module_of(odd) is None
    with pytest.raises(InputError, match="unknown response scale 'often'"):
        bank.scale_of(BankItem("LOSgoals9", "LOS", "goals", "x y z", "x y z", 1, "candidate",
                               "§3.1", response_scale="often"))


# -- the contract API ---------------------------------------------------------------------------
def test_item_ids_by_status(bank):
    assert bank.item("LOSgoals1").aspect == "goals"
    assert bank.ids()[0] == "LOSgoals1" and len(bank.ids()) == len(bank.items)
    assert bank.by_status() == bank.items
    assert set(bank.by_status("candidate", "revised", "dropped")) == set(bank.items)
    assert bank.by_status("retained") == ()
    with pytest.raises(InputError, match="no item 'LOSgoals99'"):
        bank.item("LOSgoals99")
    with pytest.raises(InputError, match="status must be one of"):
        bank.by_status("kept")


def test_with_statuses_new_bank_input_untouched(bank):
    before = bank.item("LOSgoals1").status
    new = bank.with_statuses({"LOSgoals1": "retained", "LOSgoals2": "dropped"}, "0.3.0")
    assert new.version == "0.3.0" and bank.version == "0.2.0"
    assert new.item("LOSgoals1").status == "retained"
    assert bank.item("LOSgoals1").status == before
    assert new.item("LOSgoals1").history[-1].to_dict() == {"version": "0.2.0",
                                                           "status": before}
    assert [it.id for it in new.by_status("retained")] == ["LOSgoals1"]
    with pytest.raises(InputError, match="no such item"):
        bank.with_statuses({"XXX1": "retained"}, "0.3.0")
    with pytest.raises(InputError, match="status must be one of"):
        bank.with_statuses({"LOSgoals1": "kept"}, "0.3.0")
    with pytest.raises(InputError, match="version"):
        bank.with_statuses({"LOSgoals1": "retained"}, "")


def test_with_texts_records_history(bank):
    new = bank.with_texts({"LOSgoals1": {"nl": "Nieuwe  tekst voor dit item."}}, "0.3.0",
                          note="panel round 1")
    it = new.item("LOSgoals1")
    assert it.nl == "Nieuwe tekst voor dit item." and it.status == "revised"
    assert it.en == bank.item("LOSgoals1").en
    assert it.history[-1].nl == bank.item("LOSgoals1").nl
    assert it.history[-1].note == "panel round 1"
    assert it.groups == bank.item("LOSgoals1").groups  # the rest of the item is kept
    with pytest.raises(InputError, match="unknown language"):
        bank.with_texts({"LOSgoals1": {"de": "x"}}, "0.3.0")
    with pytest.raises(InputError, match="empty"):
        bank.with_texts({"LOSgoals1": {"nl": " "}}, "0.3.0")
    with pytest.raises(InputError, match="no such item"):
        bank.with_texts({"nope1": {"nl": "x y z"}}, "0.3.0")


def test_write_then_load_round_trip_with_history(bank, tmp_path):
    new = bank.with_statuses({"LOSgoals1": "retained"}, "0.3.0").with_texts(
        {"GOCsafety1": {"en": "Mistakes are allowed in this workplace."}}, "0.4.0", note="r2")
    paths = write_bank(new, tmp_path / "b")
    assert sorted(p.name for p in paths) == sorted(
        [META_FILE] + [f"{e.id}.yaml" for e in model.ELEMENTS])
    back = load_bank(tmp_path / "b")
    assert back == new and back.version == "0.4.0"
    assert back.modules == bank.modules and back.missing == bank.missing
    assert back.reference_period == bank.reference_period and back.address == "u"
    first = [p.read_bytes() for p in paths]
    write_bank(back, tmp_path / "b")
    assert [p.read_bytes() for p in paths] == first  # deterministic bytes


def test_shipped_files_are_in_writer_format(bank, tmp_path):
    write_bank(bank, tmp_path)
    for f in DEFAULT_BANK_DIR.glob("*.yaml"):
        assert (tmp_path / f.name).read_bytes() == f.read_bytes(), f.name


def test_optional_fields_round_trip_as_written(bank_copy):
    # an explicit default scale and a reviewed list are kept, not normalised away
    edit(bank_copy / "LOS.yaml", "  groups: [students, professionals, bridge_builders, "
         "lecturer_researchers, managers]\n  nl: In deze werkplaats werken ook",
         "  groups: [students, professionals, bridge_builders, lecturer_researchers, "
         "managers]\n  response_scale: agreement\n  nl: In deze werkplaats werken ook")
    b = load_bank(bank_copy)
    assert b.item("LOSgoals2").response_scale == "agreement"
    before = (bank_copy / "LOS.yaml").read_bytes()
    write_bank(b, bank_copy)
    assert (bank_copy / "LOS.yaml").read_bytes() == before


def test_key_from_bank(bank):
    with pytest.raises(InputError, match="No items with status retained"):
        bank.key()
    chosen = {"LOSgoals1": "retained", "LOSknowledge7": "retained", "GOCsafety1": "retained",
              "VORtrust1": "retained"}
    key = bank.with_statuses(chosen, "0.3.0").key(lang="en")
    assert key.scale_names == ("LOS", "GOC", "VOR")
    assert key.scale("LOS").keyed == ("LOSgoals1", "-LOSknowledge7")
    assert key.higher_order_map == {"core": ("LOS", "GOC"), "interpersonal": ("VOR",)}
    assert key.aspect_map["GOCsafety1"] == "GOC.safety"
    assert key.label_map["LOSknowledge7"] == bank.item("LOSknowledge7").en
    assert key.missing_codes == (8.0, 9.0) and key.response_scale.categories == (1, 2, 3, 4, 5)
    assert key.version == "0.3.0" and key.instrument == "LOS-PW"
    # the description says what each missing code means, which items ask how often, and
    # the referent of every scale
    assert "8 = Weet niet / Don't know" in key.description
    assert "9 = Niet van toepassing / Not applicable" in key.description
    assert "frequency for LOSgoals1" in key.description
    assert "LOS workplace, GOC workplace, VOR workplace" in key.description
    full = bank.key(statuses=("candidate", "revised"))
    assert full.n_items == len(active(bank))
    assert len(full.reverse_items) == sum(1 for it in active(bank) if it.keyed < 0)
    with pytest.raises(InputError, match="language"):
        bank.key(statuses=("candidate",), lang="de")


def test_key_refuses_mixed_referents_and_ranges(bank):
    from dataclasses import replace

    items = [replace(it, referent="self") if it.id == "LOSgoals1" else it
             for it in bank.items]
    with pytest.raises(InputError, match="Scale LOS would mix referents"):
        replace(bank, items=tuple(items)).key(statuses=("candidate", "revised"))
    wide = replace(bank.scales[1], max=7,
                   labels=(*bank.scales[1].labels, (6, "a", "a"), (7, "b", "b")))
    with pytest.raises(InputError, match="different ranges"):
        replace(bank, scales=(bank.scales[0], wide)).key(statuses=("candidate", "revised"))


def test_bank_item_defaults_and_text():
    it = BankItem("LOSgoals9", "LOS", "goals", "Tekst hier nu.", "Text here now.", 1,
                  "candidate", "§3.1")
    assert it.text("en") == "Text here now." and it.history == () and it.notes is None
    assert it.referent == "workplace" and len(it.groups) == 6 and it.response_scale is None
    assert Bank(items=(it,), version="x").missing_codes == (8, 9)
    assert hash(load_bank()) == hash(load_bank()) and load_bank() == load_bank()


# -- loader errors: one line naming file, item and fix --------------------------------------------
G5 = "  groups: [students, professionals, bridge_builders, lecturer_researchers, managers]\n"
CASES = [
    # (file, old, new, expected fragment)
    ("LOS.yaml", "- id: LOSgoals2", "- id: LOSgoals1", "LOS.yaml: item LOSgoals1: duplicate id"),
    ("LOS.yaml", "  aspect: goals\n", "  aspect: goal\n",
     "unknown aspect 'goal' of element LOS; its aspects are goals, knowledge"),
    ("LOS.yaml", "element: LOS", "element: XYZ",
     "unknown element 'XYZ'; the elements are LOS, GOC, SRI, VMM, LeA, VOR"),
    ("LOS.yaml", "element: LOS", "element: GOC", "rename the file to GOC.yaml"),
    ("LOS.yaml", "- id: LOSgoals1", "- id: LOSgoal1",
     "item LOSgoal1: the id does not match its element and aspect; write it as LOSgoals<n>"),
    ("LOS.yaml", "- id: LOSgoals1", "- id: GOCgoals1", "the id does not match"),
    ("LOS.yaml", "  nl: In deze werkplaats vertellen", "  nx: In deze werkplaats vertellen",
     "item LOSgoals1: unknown field 'nx'; the fields are id, aspect"),
    ("LOS.yaml", "  en: In this workplace, we tell each other which learning goals we are "
     "working on.\n", "", "item LOSgoals1: the field 'en' is missing. Add the English text"),
    ("LOS.yaml", "  en: In this workplace, we tell each other which learning goals we are "
     "working on.\n", "  en: ''\n", "item LOSgoals1: the English text (en) is empty"),
    ("LOS.yaml", "  keyed: 1\n", "  keyed: 2\n", "item LOSgoals1: keyed must be 1 or -1; got 2"),
    ("LOS.yaml", "  keyed: 1\n", "  keyed: yes\n", "keyed must be 1 or -1"),
    ("LOS.yaml", "  status: revised\n", "  status: kept\n",
     "item LOSgoals1: status must be one of candidate, revised, retained, dropped; got 'kept'"),
    ("LOS.yaml", "  status: revised\n", "", "item LOSgoals1: the field 'status' is missing"),
    ("LOS.yaml", "  seed: §3.1\n", "  seed: somewhere\n", "seed must name a section"),
    ("LOS.yaml", "  nl: In deze werkplaats vertellen we elkaar aan welke leerdoelen we werken.",
     "  nl: no", "the unquoted word 'no', which YAML reads as a boolean; quote it"),
    ("LOS.yaml", "- id: LOSgoals1", "- id: on",
     "the unquoted word 'on' is read as a YAML boolean, not an id; quote it"),
    ("GOC.yaml", "- id: GOCdevelopment1", "- id: LOSgoals1", "GOC.yaml: item LOSgoals1"),
    ("LOS.yaml", "element: LOS\n", "element: LOS\nversion: 2\n", "unknown field 'version'"),
    ("LOS.yaml", "  keyed: 1\n", "  keyed: 1\n  keyed: -1\n", "appears twice"),
    # the 0.2 item fields
    ("LOS.yaml", "  referent: workplace\n", "  referent: team\n",
     "item LOSgoals1: referent must be one of workplace, self; got 'team'"),
    ("LOS.yaml", "  referent: workplace\n", "", "item LOSgoals1: the field 'referent' is "
     "missing. Add 'referent: workplace'"),
    ("LOS.yaml", G5, "", "item LOSgoals1: the field 'groups' is missing. Add the groups"),
    ("LOS.yaml", G5, "  groups: [students, pupils]\n",
     "item LOSgoals1: groups[1]: unknown group 'pupils'; use one of students, professionals"),
    ("LOS.yaml", G5, "  groups: students\n", "item LOSgoals1: groups must be a list"),
    ("LOS.yaml", G5, "  groups: [students, students]\n", "'students' is listed twice"),
    ("LOS.yaml", "  response_scale: frequency\n", "  response_scale: often\n",
     "item LOSgoals1: unknown response_scale 'often'; the bank's scales are agreement, "
     "frequency"),
    ("LOS.yaml", "  reviewed: [double_barrel]\n", "  reviewed: [spelling]\n",
     "item LOSgoals2: reviewed[0]: unknown reviewed 'spelling'"),
    # _bank.yaml
    (META_FILE, "  code: 9\n", "  code: 3\n",
     "missing[1].code: 3 lies inside the response scale agreement 1-5"),
    (META_FILE, "  code: 9\n", "  code: nine\n", "missing[1].code: must be a whole number"),
    (META_FILE, "  code: 9\n", "  code: 8\n", "code 8 / id 'not_applicable' is already used"),
    (META_FILE, "  - value: 2\n", "  - value: 7\n", "one label per scale point 1..5"),
    (META_FILE, "missing:\n", "missed:\n", "unknown field 'missed'"),
    (META_FILE, "      en: Strongly agree\n", "", "the English label is empty"),
    (META_FILE, "response_scales:\n", "response_scale:\n",
     "the field 'response_scale' is from the 0.1 bank format"),
    (META_FILE, "address: u\n", "address: jij\n", "address must be 'u' or 'je'"),
    (META_FILE, "  meaning: The statement applies", "  mening: The statement applies",
     "missing[0]: unknown field 'mening'"),
    (META_FILE, "  groups: [bridge_builders, managers]\n", "  groups: []\n",
     "modules[2]: groups is empty"),
    (META_FILE, "  groups: [bridge_builders, managers]\n", "  groups: [clients]\n",
     "module 'clients' has the same groups as module 'coordination'"),
    (META_FILE, "- id: work\n", "- id: core\n", "the module id 'core' is used twice"),
    (META_FILE, "  plain_language: true\n", "  plain_language: sure\n",
     "plain_language: must be true or false"),
]


@pytest.mark.parametrize("fname,old,new,fragment", CASES,
                         ids=[f"{c[0]}:{c[3][:40]}" for c in CASES])
def test_loader_errors(bank_copy, fname, old, new, fragment):
    edit(bank_copy / fname, old, new)
    with pytest.raises(InputError) as err:
        load_bank(bank_copy)
    msg = str(err.value)
    assert fragment in msg, msg
    assert "\n" not in msg
    assert fname in msg  # names the file


def test_duplicate_id_across_files_names_both(bank_copy):
    edit(bank_copy / "GOC.yaml", "- id: GOCdevelopment1\n  aspect: development",
         "- id: GOCvalues9\n  aspect: values")
    edit(bank_copy / "VOR.yaml", "- id: VORmeeting1\n  aspect: meeting",
         "- id: GOCvalues9\n  aspect: values")
    # VOR file cannot hold a GOC id: the id check fires first, naming the file and item.
    with pytest.raises(InputError, match=r"VOR.yaml: item GOCvalues9: unknown aspect"):
        load_bank(bank_copy)


def test_duplicate_id_in_other_file(tmp_path, bank):
    # Same id in two element files is caught (build via data, as the id check is per element).
    from lospw.instrument.bank import bank_from_data
    meta = bank.meta_dict()
    elements = {e.id: bank.element_dict(e.id) for e in model.ELEMENTS}
    elements["GOC"]["items"].append(dict(elements["GOC"]["items"][0]))
    with pytest.raises(InputError, match=r"GOC.yaml: item GOCdevelopment1: duplicate id; it is "
                                         "already used earlier in this file"):
        bank_from_data(meta, elements, "b")


def test_missing_and_unknown_files(bank_copy):
    (bank_copy / "notes.yaml").write_text("x: 1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"notes.yaml: unknown file in the bank"):
        load_bank(bank_copy)
    (bank_copy / "notes.yaml").unlink()
    (bank_copy / "VMM.yaml").unlink()
    with pytest.raises(InputError, match=r"VMM.yaml: no such file.*Add VMM.yaml"):
        load_bank(bank_copy)
    (bank_copy / META_FILE).unlink()
    with pytest.raises(InputError, match=r"_bank.yaml: no such file"):
        load_bank(bank_copy)
    with pytest.raises(InputError, match="no such bank directory"):
        load_bank(bank_copy / "nope")


def test_empty_and_malformed_files(bank_copy):
    (bank_copy / "LeA.yaml").write_text("element: LeA\nitems: []\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"LeA.yaml: 'items' must be a non-empty list"):
        load_bank(bank_copy)
    (bank_copy / "LeA.yaml").write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"LeA.yaml: must be a mapping"):
        load_bank(bank_copy)
    (bank_copy / "LeA.yaml").write_text("element: LeA\nitems:\n- 3\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"LeA.yaml: items\[0\]: an item must be a mapping"):
        load_bank(bank_copy)
    (bank_copy / "LeA.yaml").write_text("element: [LeA\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML"):
        load_bank(bank_copy)


def test_history_errors(bank_copy):
    edit(bank_copy / "LOS.yaml", "  history:\n  - version: 0.1.0\n    status: candidate\n",
         "  history:\n  - version: 0.1.0\n    status: maybe\n")
    with pytest.raises(InputError, match=r"history\[0\].status: must be one of"):
        load_bank(bank_copy)


def test_legacy_missing_mapping_is_explained(bank_copy):
    text = (bank_copy / META_FILE).read_text(encoding="utf-8")
    head = text[: text.index("missing:\n")]
    (bank_copy / META_FILE).write_text(
        head + "missing:\n  code: 9\n  nl: Weet niet / niet van toepassing\n  en: x\n",
        encoding="utf-8")
    with pytest.raises(InputError, match=r"got one mapping \(the 0\.1 format"):
        load_bank(bank_copy)


def test_statuses_constant():
    assert STATUSES == ("candidate", "revised", "retained", "dropped")
