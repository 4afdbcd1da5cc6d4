"""Tests for the questionnaire exports: codebook CSV, LimeSurvey TSV, HTML."""

from __future__ import annotations

import csv
import html
import io
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from lospw.analysis.core.errors import InputError
from lospw.instrument.bank import load_bank
from lospw.instrument.export import (
    CODEBOOK_COLUMNS,
    GROUP_QUESTION,
    LIMESURVEY_COLUMNS,
    codebook_frame,
    export,
    limesurvey_rows,
    limesurvey_tsv,
    parts,
    questionnaire_html,
)

# The columns of LimeSurvey's tab-separated survey structure as documented in the LimeSurvey
# manual ("Tab Separated Value survey structure": id, related_id, class, type/scale, name,
# relevance, text, help, language, validation, mandatory, other, default, same_default) and
# written in that order by its exporter (tsvSurveyExport, $aBaseFields); every other column
# is read as a question attribute.
DOCUMENTED_BASE = ["id", "related_id", "class", "type/scale", "name", "relevance", "text",
                   "help", "language", "validation", "mandatory", "other", "default",
                   "same_default"]
ROW_CLASSES = {"S", "SL", "G", "Q", "SQ", "A", "AS", "QTA", "QTAM", "QTALS", "C"}


@pytest.fixture(scope="module")
def bank():
    return load_bank()


def read_tsv(text: str) -> list[dict[str, str]]:
    """Read the TSV the way LimeSurvey does (fgetcsv, tab, '"' enclosure, BOM stripped)."""
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter="\t", quotechar='"'))
    header = rows[0]
    return [dict(zip(header, r, strict=True)) for r in rows[1:]]


def order(bank, group=None):
    """Item ids in questionnaire order: module by module, element by element."""
    return [it.id for p in parts(bank, group=group) for it in p.items]


# -- parts --------------------------------------------------------------------------------------
def test_parts_module_by_module(bank):
    ps = parts(bank)
    mods = [p.module.id for p in ps]
    assert mods == sorted(mods, key=[m.id for m in bank.modules].index)
    assert [p.first_of_module for p in ps].count(True) == len(bank.modules)
    ids = order(bank)
    assert sorted(ids) == sorted(it.id for it in bank.items if it.status != "dropped")
    for p in ps:  # within a part: one element, one module, agreement before frequency
        assert {it.element for it in p.items} == {p.element.id}
        assert all(bank.module_of(it) == p.module for it in p.items)
        scales = [bank.scale_of(it).name for it in p.items]
        assert scales == sorted(scales, key=[s.name for s in bank.scales].index)
    clients = order(bank, "clients")
    assert set(clients) == {it.id for it in bank.for_group("clients", "candidate", "revised")}
    assert {p.module.id for p in parts(bank, group="clients")} == {"core", "clients"}
    assert {p.module.id for p in parts(bank, group="managers")} == {"core", "work",
                                                                     "coordination"}
    with pytest.raises(InputError, match="Unknown stakeholder group 'pupils'"):
        parts(bank, group="pupils")


def test_parts_refuse_an_item_without_module(bank):
    from dataclasses import replace

    items = [replace(it, groups=("students",)) if it.id == "LOSgoals1" else it
             for it in bank.items]
    with pytest.raises(InputError, match="Item LOSgoals1: its groups \\(students\\) are those of "
                                         "no module"):
        parts(replace(bank, items=tuple(items)))


# -- codebook -----------------------------------------------------------------------------------
def test_codebook(bank, tmp_path):
    cb = codebook_frame(bank, "nl")
    assert list(cb.columns) == list(CODEBOOK_COLUMNS)
    assert cb["variable"].tolist() == order(bank)
    assert set(cb["missing_values"]) == {"8=Weet niet; 9=Niet van toepassing"}
    active = [it for it in bank.items if it.status != "dropped"]
    assert (cb["keyed"] == -1).sum() == sum(1 for it in active if it.keyed < 0)
    assert cb["reverse_scored"].tolist() == (cb["keyed"] == -1).tolist()
    row = cb.set_index("variable").loc["LOSgoals2"]
    assert row["value_labels"].startswith("1=Helemaal mee oneens; 2=")
    assert row["aspect_label"] == "continu en wederkerig delen van (leer)doelen"
    assert row["module"] == "work" and row["referent"] == "workplace"
    assert row["groups"] == "students professionals bridge_builders lecturer_researchers managers"
    freq = cb.set_index("variable").loc["LOSgoals1"]
    assert freq["response_scale"] == "frequency" and freq["value_labels"].startswith("1=Nooit")
    path = export(bank, "codebook", tmp_path / "cb.csv", lang="en")
    back = pd.read_csv(path)
    assert back["label"].tolist() == [bank.item(i).en for i in order(bank)]
    assert path.read_bytes() == export(bank, "codebook", tmp_path / "cb2.csv", "en").read_bytes()
    mine = codebook_frame(bank, "en", group="clients")
    assert mine["variable"].tolist() == order(bank, "clients")
    assert set(mine["module"]) == {"core", "clients"}


def test_codebook_neutralises_formulas(bank, tmp_path):
    evil = bank.with_texts({"LOSknowledge1": {"nl": "=HYPERLINK(\"http://x\") klik hier nu"}},
                           "x")
    path = export(evil, "codebook", tmp_path / "cb.csv", lang="nl")
    back = pd.read_csv(path).set_index("variable")
    assert back.loc["LOSknowledge1", "label"].startswith("'=HYPERLINK")
    assert back.loc["LOSknowledge1", "status"] == "revised"


def test_status_selection(bank):
    b = bank.with_statuses({"LOSgoals1": "dropped", "LOSgoals2": "retained"}, "x")
    assert "LOSgoals1" not in codebook_frame(b)["variable"].tolist()
    assert codebook_frame(b, statuses=["retained"])["variable"].tolist() == ["LOSgoals2"]
    with pytest.raises(InputError, match="No items with status retained"):
        codebook_frame(bank, statuses=["retained"])
    with pytest.raises(InputError, match="No items with status retained for group clients"):
        codebook_frame(b, statuses=["retained"], group="clients")
    with pytest.raises(InputError, match="status must be one of"):
        codebook_frame(b, statuses=["kept"])
    with pytest.raises(InputError, match="language must be one of"):
        codebook_frame(b, "de")
    with pytest.raises(InputError, match="format must be one of"):
        export(b, "pdf", "x.pdf")


# -- LimeSurvey ---------------------------------------------------------------------------------
def test_limesurvey_columns_match_documented_format(bank):
    rows = read_tsv(limesurvey_tsv(bank, "nl"))
    header = list(rows[0])
    assert header[: len(DOCUMENTED_BASE)] == DOCUMENTED_BASE
    assert list(LIMESURVEY_COLUMNS) == header
    # extra columns are question attributes, set only on Q rows
    for r in rows:
        assert r["class"] in ROW_CLASSES
        for attr in header[len(DOCUMENTED_BASE):]:
            assert r[attr] == "" or r["class"] == "Q"


def test_limesurvey_structure(bank):
    rows = read_tsv(limesurvey_tsv(bank, "nl"))
    s = {r["name"]: r["text"] for r in rows if r["class"] == "S"}
    assert s["language"] == "nl" and s["additional_languages"] == "en"
    sl = [(r["language"], r["name"]) for r in rows if r["class"] == "SL"]
    assert ("nl", "surveyls_title") in sl and ("en", "surveyls_title") in sl
    body = [r for r in rows if r["class"] in ("G", "Q", "A")]
    nl = [r for r in body if r["language"] == "nl"]
    en = [r for r in body if r["language"] == "en"]
    # base language first, then a translated copy with the same rows in the same order
    assert body == nl + en

    def shape(r):
        return (r["id"], r["class"], r["type/scale"], r["relevance"],
                "" if r["class"] == "G" else r["name"])
    assert [shape(r) for r in nl] == [shape(r) for r in en]
    groups = [r for r in nl if r["class"] == "G"]
    n_parts = len(parts(bank))
    assert [r["name"] for r in groups] == ["Over u"] + [f"Deel {g}" for g in
                                                         range(1, n_parts + 1)]
    assert [r["name"] for r in en if r["class"] == "G"][:2] == ["About you", "Part 1"]
    qs = [r for r in nl if r["class"] == "Q"]
    assert [r["name"] for r in qs] == ["stakeholder", *order(bank)]
    assert len({r["id"] for r in qs}) == len(qs)
    for r in qs:
        # question codes: letter first, alphanumeric, at most 20 characters
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,19}", r["name"])
        assert r["type/scale"] == "L" and r["relevance"] == "1"
        assert r["mandatory"] == ("Y" if r["name"] == "stakeholder" else "N")
    # the group question: one answer per stakeholder group, short codes
    gq = nl.index(qs[0])
    assert [a["name"] for a in nl[gq + 1: gq + 7]] == ["stu", "pro", "bru", "doc", "man", "cli"]
    # each item is followed by its answers: its scale's 1-5, then 8 and 9
    for i, r in enumerate(nl):
        if r["class"] == "Q" and r["name"] != "stakeholder":
            answers = nl[i + 1: i + 8]
            assert [a["name"] for a in answers] == ["1", "2", "3", "4", "5", "8", "9"]
            assert all(a["class"] == "A" and a["id"] == r["id"] for a in answers)
            assert [a["text"] for a in answers[-2:]] == ["Weet niet", "Niet van toepassing"]
            first = "Nooit" if bank.scale_of(bank.item(r["name"])).name == "frequency" \
                else "Helemaal mee oneens"
            assert answers[0]["text"] == first
    item = bank.item("LOSgoals4")
    texts = {(r["language"], r["name"]): r["text"] for r in body if r["class"] == "Q"}
    assert texts[("nl", "LOSgoals4")] == item.nl and texts[("en", "LOSgoals4")] == item.en


def test_limesurvey_routing_by_group_question(bank):
    rows = [r for r in read_tsv(limesurvey_tsv(bank, "nl")) if r["language"] == "nl"]
    by_group: dict[str, str] = {}
    current = None
    for r in rows:
        if r["class"] == "G":
            current = r
        elif r["class"] == "Q" and r["name"] != "stakeholder":
            by_group[r["name"]] = current["relevance"]
    # a core item is shown to everyone; the others only to the groups of their module
    assert by_group["LOSknowledge1"] == "1"
    assert by_group["VMMpolicy1"] == "stakeholder.NAOK == 'bru' or stakeholder.NAOK == 'man'"
    assert by_group["LOSfeedback5"] == "stakeholder.NAOK == 'cli'"
    work = by_group["LOSgoals1"]
    assert work.count(" or ") == 4 and "'cli'" not in work
    # the module's intro opens its first part
    intro = next(r for r in rows if r["class"] == "G" and r["text"])
    assert intro["text"] == bank.module("coordination").intro("nl")


def test_limesurvey_for_one_group(bank):
    rows = read_tsv(limesurvey_tsv(bank, "nl", group="clients"))
    qs = [r["name"] for r in rows if r["class"] == "Q" and r["language"] == "nl"]
    assert qs == order(bank, "clients") and "stakeholder" not in qs
    assert {r["relevance"] for r in rows if r["class"] == "G"} == {"1"}


def test_limesurvey_english_base(bank):
    rows = read_tsv(limesurvey_tsv(bank, "en", statuses=["candidate"]))
    s = {r["name"]: r["text"] for r in rows if r["class"] == "S"}
    assert s["language"] == "en" and s["additional_languages"] == "nl"
    first_q = next(r for r in rows if r["class"] == "Q" and r["name"] != "stakeholder")
    assert first_q["language"] == "en" and first_q["display_columns"] == "7"


def test_limesurvey_neutralises_free_text_only(bank):
    evil = bank.with_texts({"LOSgoals1": {"nl": "=cmd|' /C calc'!A0 en nog wat woorden",
                                          "en": 'He said "hi"\tthere\nnow and then'}}, "x")
    text = limesurvey_tsv(evil, "nl")
    rows = read_tsv(text)
    q = {(r["language"], r["name"]): r for r in rows if r["class"] == "Q"}
    assert q[("nl", "LOSgoals1")]["text"].startswith("'=cmd")
    assert q[("en", "LOSgoals1")]["text"] == 'He said "hi" there now and then'
    # LimeSurvey syntax columns are untouched
    assert q[("nl", "LOSgoals1")]["relevance"] == "1"
    assert all(len(line.split("\t")) == len(LIMESURVEY_COLUMNS)
               for line in text[1:].splitlines())
    assert len(limesurvey_rows(evil)) == len(rows)


def test_limesurvey_deterministic(bank, tmp_path):
    a = export(bank, "limesurvey", tmp_path / "a.txt").read_bytes()
    b = export(bank, "limesurvey", tmp_path / "b.txt").read_bytes()
    assert a == b and a.startswith(b"\xef\xbb\xbf")


# -- HTML ---------------------------------------------------------------------------------------
class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.texts, self.tags, self._in_text = [], [], set(), False

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        a = dict(attrs)
        if tag == "tr" and a.get("class") == "item":
            self.ids.append(a["id"])
        self._in_text = a.get("class") == "item-text"

    def handle_data(self, data):
        if self._in_text:
            self.texts.append(data)
            self._in_text = False


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_html_self_contained_all_items(bank, lang):
    page = questionnaire_html(bank, lang)
    p = _Collect()
    p.feed(page)
    assert p.ids == order(bank)
    assert p.texts == [bank.item(i).text(lang) for i in order(bank)]
    assert f'<html lang="{lang}">' in page
    assert not {"script", "link", "img", "iframe"} & p.tags
    assert "http" not in page
    for m in bank.missing:
        assert html.escape(m.label(lang)) in page
    assert html.escape(GROUP_QUESTION[lang]) in page  # the routing question on paper
    who = {"nl": "Voor: bruggenbouwers, managers en leidinggevenden",
           "en": "For: bridge builders, managers"}[lang]
    assert who in page
    assert bank.scales[1].value_labels(lang)[5] in page  # frequency items get their labels


def test_html_for_one_group(bank):
    page = questionnaire_html(bank, "nl", group="clients")
    p = _Collect()
    p.feed(page)
    assert p.ids == order(bank, "clients")
    assert GROUP_QUESTION["nl"] not in page and "Voor:" not in page
    assert html.escape(bank.module("clients").intro("nl")) in page
    assert f"· cliënten · {len(order(bank, 'clients'))} items" in html.unescape(page)


def test_html_escapes(bank):
    evil = bank.with_texts({"LOSgoals1": {"en": "<script>alert(1)</script> & more words"}}, "x")
    page = questionnaire_html(evil, "en")
    assert "<script>" not in page and "&lt;script&gt;" in page
