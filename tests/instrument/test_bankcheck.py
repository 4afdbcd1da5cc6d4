"""Tests for the content checks of the item bank."""

from __future__ import annotations

from dataclasses import replace

from instrument.bank import load_bank
from instrument.bankcheck import check_bank


def test_shipped_bank_passes():
    res = check_bank(load_bank())
    assert res.ok and not res.failures
    t = res.summary["totals"]
    assert t["n_elements"] == 6 and t["n_aspects"] == 35 and t["n_items"] >= 105
    assert t["min_items_per_aspect_found"] >= 3
    for info in res.summary["elements"].values():
        assert info["languages"] == ["nl", "en"]
        assert min(info["items_per_aspect"].values()) >= 3
    assert sum(e["n_aspects"] for e in res.summary["elements"].values()) == 35
    assert 0.05 <= t["reverse_keyed_share"] <= 0.20 and not res.warnings
    d = res.to_dict()
    assert d["ok"] is True and d["failures"] == [] and d["elements"]["LOS"]["n_aspects"] == 5


def _with_items(bank, items):
    return replace(bank, items=tuple(items))


def test_too_few_items_counts_non_dropped_only():
    bank = load_bank()
    goals = [it.id for it in bank.items if it.element == "LOS" and it.aspect == "goals"]
    dropped = bank.with_statuses({i: "dropped" for i in goals[:-2]}, "x")
    res = check_bank(dropped)
    assert not res.ok
    [p] = [p for p in res.failures if p.code == "too_few_items"]
    assert p.where == "LOS.goals" and "has 2 item(s)" in p.message
    assert res.summary["elements"]["LOS"]["n_dropped"] == len(goals) - 2


def test_duplicate_text_case_and_space_insensitive():
    bank = load_bank()
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


def test_length_limits_and_missing_language():
    bank = load_bank()
    items = list(bank.items)
    items[0] = replace(items[0], nl=" ".join(["woord"] * 26))
    items[1] = replace(items[1], en="Too short")
    items[2] = replace(items[2], en="")
    res = check_bank(_with_items(bank, items))
    codes = {(p.code, p.where) for p in res.failures}
    assert ("too_long", items[0].id) in codes
    assert ("too_short", items[1].id) in codes
    assert ("missing_language", items[2].id) in codes
    assert res.summary["elements"]["LOS"]["languages"] == ["nl"]
    assert check_bank(bank, max_words=5).summary["limits"]["max_words"] == 5
    assert not check_bank(bank, max_words=5).ok


def test_reverse_share_warning():
    bank = load_bank()
    items = [replace(it, keyed=1) for it in bank.items]
    res = check_bank(_with_items(bank, items))
    assert res.ok  # a warning, not a failure
    assert [w.code for w in res.warnings] == ["reverse_share"]
