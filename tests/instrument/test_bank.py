"""Tests for the item bank: the shipped bank, the contract API, and every loader error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analysis.errors import InputError
from instrument import model
from instrument.bank import (
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
def test_shipped_bank_covers_every_aspect(bank):
    assert len(bank.items) >= 105
    for el in model.ELEMENTS:
        for a in el.aspect_ids:
            n = sum(1 for it in bank.items if it.element == el.id and it.aspect == a)
            assert n >= 3, f"{el.id}.{a} has {n} items"


def test_shipped_bank_items_are_well_formed(bank):
    for it in bank.items:
        assert it.id == f"{it.element}{it.aspect}{it.id[len(it.element + it.aspect):]}"
        assert it.nl.strip() and it.en.strip()
        assert it.keyed in (1, -1)
        assert it.status == "candidate"
        assert "§" in it.seed or "Figuur" in it.seed
        assert len(it.nl.split()) <= 25 and len(it.en.split()) <= 25
        # valid variable names: LimeSurvey question codes (alphanumeric, <= 20 chars, letter first)
        assert it.id.isalnum() and it.id[0].isalpha() and len(it.id) <= 20


def test_reverse_keyed_share_and_spread(bank):
    rev = [it for it in bank.items if it.keyed < 0]
    assert 0.08 <= len(rev) / len(bank.items) <= 0.13
    assert {it.element for it in rev} == {e.id for e in model.ELEMENTS}


def test_workplace_phrase_consistent(bank):
    # The PW is "onze werkplaats" / "our workplace", never another phrasing of the PW.
    for it in bank.items:
        assert "professionele werkplaats" not in it.nl.lower()
        assert ("onze werkplaats" in it.nl.lower()) == ("our workplace" in it.en.lower()), it.id


def test_scale_and_missing_code_in_metadata(bank):
    assert bank.scale.min == 1 and bank.scale.max == 5
    assert bank.scale.value_labels("nl")[1] == "Helemaal mee oneens"
    assert bank.scale.value_labels("en")[5] == "Strongly agree"
    assert bank.missing_code == 9 and not 1 <= bank.missing_code <= 5
    assert "weet niet" in bank.scale.missing_label("nl").lower()
    assert bank.instructions["nl"] and bank.instructions["en"]


# -- the contract API ---------------------------------------------------------------------------
def test_item_ids_by_status(bank):
    assert bank.item("LOSgoals1").aspect == "goals"
    assert bank.ids()[0] == "LOSgoals1" and len(bank.ids()) == len(bank.items)
    assert bank.by_status("candidate") == bank.items
    assert bank.by_status("retained") == ()
    with pytest.raises(InputError, match="no item 'LOSgoals99'"):
        bank.item("LOSgoals99")
    with pytest.raises(InputError, match="status must be one of"):
        bank.by_status("kept")


def test_with_statuses_new_bank_input_untouched(bank):
    new = bank.with_statuses({"LOSgoals1": "retained", "LOSgoals2": "dropped"}, "0.2.0")
    assert new.version == "0.2.0" and bank.version == "0.1.0"
    assert new.item("LOSgoals1").status == "retained"
    assert bank.item("LOSgoals1").status == "candidate"
    assert new.item("LOSgoals1").history[-1].status == "candidate"
    assert [it.id for it in new.by_status("retained")] == ["LOSgoals1"]
    with pytest.raises(InputError, match="no such item"):
        bank.with_statuses({"XXX1": "retained"}, "0.2.0")
    with pytest.raises(InputError, match="status must be one of"):
        bank.with_statuses({"LOSgoals1": "kept"}, "0.2.0")
    with pytest.raises(InputError, match="version"):
        bank.with_statuses({"LOSgoals1": "retained"}, "")


def test_with_texts_records_history(bank):
    new = bank.with_texts({"LOSgoals1": {"nl": "Nieuwe  tekst voor dit item."}}, "0.2.0",
                          note="panel round 1")
    it = new.item("LOSgoals1")
    assert it.nl == "Nieuwe tekst voor dit item." and it.status == "revised"
    assert it.en == bank.item("LOSgoals1").en
    assert it.history[-1].nl == bank.item("LOSgoals1").nl
    assert it.history[-1].note == "panel round 1"
    with pytest.raises(InputError, match="unknown language"):
        bank.with_texts({"LOSgoals1": {"de": "x"}}, "0.2.0")
    with pytest.raises(InputError, match="empty"):
        bank.with_texts({"LOSgoals1": {"nl": " "}}, "0.2.0")
    with pytest.raises(InputError, match="no such item"):
        bank.with_texts({"nope1": {"nl": "x y z"}}, "0.2.0")


def test_write_then_load_round_trip_with_history(bank, tmp_path):
    new = bank.with_statuses({"LOSgoals1": "retained"}, "0.2.0").with_texts(
        {"GOCsafety1": {"en": "Mistakes are allowed in our workplace."}}, "0.3.0", note="r2")
    paths = write_bank(new, tmp_path / "b")
    assert sorted(p.name for p in paths) == sorted(
        [META_FILE] + [f"{e.id}.yaml" for e in model.ELEMENTS])
    back = load_bank(tmp_path / "b")
    assert back == new and back.version == "0.3.0"
    first = [p.read_bytes() for p in paths]
    write_bank(back, tmp_path / "b")
    assert [p.read_bytes() for p in paths] == first  # deterministic bytes


def test_shipped_files_are_in_writer_format(bank, tmp_path):
    write_bank(bank, tmp_path)
    for f in DEFAULT_BANK_DIR.glob("*.yaml"):
        assert (tmp_path / f.name).read_bytes() == f.read_bytes(), f.name


def test_key_from_bank(bank):
    with pytest.raises(InputError, match="No items with status retained"):
        bank.key()
    chosen = {"LOSgoals1": "retained", "LOSgoals4": "retained", "GOCsafety1": "retained",
              "VORtrust1": "retained"}
    key = bank.with_statuses(chosen, "0.2.0").key(lang="en")
    assert key.scale_names == ("LOS", "GOC", "VOR")
    assert key.scale("LOS").keyed == ("LOSgoals1", "-LOSgoals4")
    assert key.higher_order_map == {"core": ("LOS", "GOC"), "interpersonal": ("VOR",)}
    assert key.aspect_map["GOCsafety1"] == "GOC.safety"
    assert key.label_map["LOSgoals4"] == "I keep my learning goals to myself."
    assert key.missing_codes == (9.0,) and key.response_scale.categories == (1, 2, 3, 4, 5)
    assert key.version == "0.2.0" and key.instrument == "LOS-PW"
    full = bank.key(statuses=("candidate",))
    assert full.n_items == len(bank.items)
    assert len(full.reverse_items) == sum(1 for it in bank.items if it.keyed < 0)
    with pytest.raises(InputError, match="language"):
        bank.key(statuses=("candidate",), lang="de")


def test_bank_item_defaults_and_text():
    it = BankItem("LOSgoals9", "LOS", "goals", "Tekst hier nu.", "Text here now.", 1,
                  "candidate", "§3.1")
    assert it.text("en") == "Text here now." and it.history == () and it.notes is None
    assert Bank(items=(it,), version="x").scale.missing_code == 9
    assert hash(load_bank()) == hash(load_bank()) and load_bank() == load_bank()


# -- loader errors: one line naming file, item and fix --------------------------------------------
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
    ("LOS.yaml", "  nl: In onze werkplaats vertellen", "  nx: In onze werkplaats vertellen",
     "item LOSgoals1: unknown field 'nx'; the fields are id, aspect"),
    ("LOS.yaml", "  en: In our workplace, we tell each other which learning goals we are "
     "working on.\n", "", "item LOSgoals1: the field 'en' is missing. Add the English text"),
    ("LOS.yaml", "  en: In our workplace, we tell each other which learning goals we are "
     "working on.\n", "  en: ''\n", "item LOSgoals1: the English text (en) is empty"),
    ("LOS.yaml", "  keyed: 1\n", "  keyed: 2\n", "item LOSgoals1: keyed must be 1 or -1; got 2"),
    ("LOS.yaml", "  keyed: 1\n", "  keyed: yes\n", "keyed must be 1 or -1"),
    ("LOS.yaml", "  status: candidate\n", "  status: kept\n",
     "item LOSgoals1: status must be one of candidate, revised, retained, dropped; got 'kept'"),
    ("LOS.yaml", "  status: candidate\n", "", "item LOSgoals1: the field 'status' is missing"),
    ("LOS.yaml", "  seed: §3.1\n", "  seed: somewhere\n", "seed must name a section"),
    ("LOS.yaml", "  nl: In onze werkplaats vertellen we elkaar aan welke leerdoelen we werken.",
     "  nl: no", "the unquoted word 'no', which YAML reads as a boolean; quote it"),
    ("LOS.yaml", "- id: LOSgoals1", "- id: on",
     "the unquoted word 'on' is read as a YAML boolean, not an id; quote it"),
    ("GOC.yaml", "- id: GOCdevelopment1", "- id: LOSgoals1", "GOC.yaml: item LOSgoals1"),
    ("LOS.yaml", "element: LOS\n", "element: LOS\nversion: 2\n", "unknown field 'version'"),
    ("LOS.yaml", "  keyed: 1\n", "  keyed: 1\n  keyed: -1\n", "appears twice"),
    (META_FILE, "  code: 9\n", "  code: 3\n", "lies inside the response scale 1-5"),
    (META_FILE, "  code: 9\n", "  code: nine\n", "missing.code: must be a whole number"),
    (META_FILE, "  - value: 2\n", "  - value: 7\n", "one label per scale point 1..5"),
    (META_FILE, "missing:\n", "missed:\n", "unknown field 'missed'"),
    (META_FILE, "    en: Strongly agree\n", "", "the English label is empty"),
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
    from instrument.bank import bank_from_data
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
    edit(bank_copy / "LOS.yaml", "  status: candidate\n",
         "  status: revised\n  history:\n  - version: '0.1.0'\n    status: maybe\n")
    with pytest.raises(InputError, match=r"history\[0\].status: must be one of"):
        load_bank(bank_copy)


def test_statuses_constant():
    assert STATUSES == ("candidate", "revised", "retained", "dropped")
