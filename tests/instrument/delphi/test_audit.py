"""Anonymised comments, the audit trail and the feedback sheets."""

from __future__ import annotations

import pytest

from lospw.instrument.delphi.audit import anonymise_comment, audit_table, audit_trail, name_patterns
from lospw.instrument.delphi.decide import run_delphi
from lospw.instrument.delphi.outputs import write_outputs
from lospw.instrument.delphi.ratings import read_ratings
from lospw.instrument.delphi.rules import load_rules

RULES = load_rules()


@pytest.mark.parametrize(("text", "expected"), [
    ("mail j.jansen@example.org please", "mail [e-mail] please"),
    ("bel 06-12345678", "bel [phone]"),
    ("bel +31 (0)20 123 4567 na vijven", "bel [phone] na vijven"),
    ("Vraag mevrouw Van der Berg ernaar", "Vraag [name] ernaar"),
    ("zoals Dr. Smit zei", "zoals [name] zei"),
    ("Beste Jan, dit item is vaag", "[name], dit item is vaag"),
    ("score 3 of 4 in 2024, item 12", "score 3 of 4 in 2024, item 12"),
])
def test_anonymise_comment(text, expected):
    assert anonymise_comment(text) == expected


def test_panelist_ids_and_their_name_parts_are_removed():
    names = name_patterns(["anna.devries", "p07", "x"])
    assert anonymise_comment("Anna en DeVries, en p07; niet p070", names) == (
        "[name] en [name], en [name]; niet p070")
    assert name_patterns([]) is None


def test_audit_trail_never_shows_panelist_ids(small_csv):
    res = run_delphi(read_ratings(small_csv, RULES.scale, RULES.clarity), RULES)
    trail = audit_trail(res, {"A": {"element": "LOS"}})
    b = next(e for e in trail if e["item"] == "B")
    assert [r["round"] for r in b["rounds"]] == [1, 2]
    assert b["rounds"][0]["comments"] == ["Vaag. Mail [e-mail]",
                                          "call [phone] or ask [name]"]
    assert b["rounds"][0]["distribution"] == {"1": 1, "2": 2, "3": 1, "4": 0}
    assert b["final"]["status"] == "revised" and trail[0]["element"] == "LOS"
    flat = audit_table(trail).to_csv()
    for pid in ("anna", "bob", "carl", "dora"):
        assert pid not in flat.lower()


def test_outputs_pseudonymise_and_are_deterministic(small_csv, tmp_path):
    res = run_delphi(read_ratings(small_csv, RULES.scale, RULES.clarity), RULES)
    a = write_outputs(res, tmp_path / "a", label="TEST <label>")
    write_outputs(res, tmp_path / "b", label="TEST <label>")
    for rel in a["files"]:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    sheets = sorted((tmp_path / "a" / "feedback" / "round-1").iterdir())
    assert [s.name for s in sheets] == ["P01.html", "P02.html", "P03.html", "P04.html"]
    for rel in a["files"]:
        if rel == "feedback/pseudonyms.csv":
            continue
        text = (tmp_path / "a" / rel).read_text(encoding="utf-8").lower()
        for pid in ("anna", "bob", "carl", "dora"):
            assert pid not in text, (rel, pid)
    page = (tmp_path / "a" / "feedback" / "round-2" / "P01.html").read_text(encoding="utf-8")
    assert "TEST &lt;label&gt;" in page  # escaped
    key = (tmp_path / "a" / "feedback" / "pseudonyms.csv").read_text(encoding="utf-8")
    assert key.splitlines()[:2] == ["pseudonym,panelist", "P01,anna"]
    # round 2: carl (P03) left, so no sheet
    assert not (tmp_path / "a" / "feedback" / "round-2" / "P03.html").exists()
