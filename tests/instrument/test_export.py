"""Tests for the questionnaire exports: codebook CSV, LimeSurvey TSV, HTML."""

from __future__ import annotations

import csv
import html
import io
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from analysis.errors import InputError
from instrument.bank import load_bank
from instrument.export import (
    CODEBOOK_COLUMNS,
    LIMESURVEY_COLUMNS,
    codebook_frame,
    export,
    limesurvey_rows,
    limesurvey_tsv,
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


# -- codebook -----------------------------------------------------------------------------------
def test_codebook(bank, tmp_path):
    cb = codebook_frame(bank, "nl")
    assert list(cb.columns) == list(CODEBOOK_COLUMNS)
    assert cb["variable"].tolist() == list(bank.ids())
    assert set(cb["missing_code"]) == {9}
    assert (cb["keyed"] == -1).sum() == sum(1 for it in bank.items if it.keyed < 0)
    assert cb["reverse_scored"].tolist() == (cb["keyed"] == -1).tolist()
    assert cb.loc[0, "value_labels"].startswith("1=Helemaal mee oneens; 2=")
    assert cb.loc[0, "aspect_label"] == "continu en wederkerig delen van (leer)doelen"
    path = export(bank, "codebook", tmp_path / "cb.csv", lang="en")
    back = pd.read_csv(path)
    assert back["label"].tolist() == [it.en for it in bank.items]
    assert path.read_bytes() == export(bank, "codebook", tmp_path / "cb2.csv", "en").read_bytes()


def test_codebook_neutralises_formulas(bank, tmp_path):
    evil = bank.with_texts({"LOSgoals1": {"nl": "=HYPERLINK(\"http://x\") klik hier nu"}}, "x")
    path = export(evil, "codebook", tmp_path / "cb.csv", lang="nl")
    back = pd.read_csv(path)
    assert back.loc[0, "label"].startswith("'=HYPERLINK")
    assert back.loc[0, "status"] == "revised"


def test_status_selection(bank):
    b = bank.with_statuses({"LOSgoals1": "dropped", "LOSgoals2": "retained"}, "x")
    assert "LOSgoals1" not in codebook_frame(b)["variable"].tolist()
    assert codebook_frame(b, statuses=["retained"])["variable"].tolist() == ["LOSgoals2"]
    with pytest.raises(InputError, match="No items with status revised"):
        codebook_frame(b, statuses=["revised"])
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
        return (r["id"], r["class"], r["type/scale"], "" if r["class"] == "G" else r["name"])
    assert [shape(r) for r in nl] == [shape(r) for r in en]
    assert next(r["name"] for r in en if r["class"] == "G") == "Part 1"
    qs = [r for r in nl if r["class"] == "Q"]
    assert [r["name"] for r in qs] == list(bank.ids())
    assert len({r["id"] for r in qs}) == len(qs)
    for r in qs:
        # question codes: letter first, alphanumeric, at most 20 characters
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,19}", r["name"])
        assert r["type/scale"] == "L" and r["mandatory"] == "N" and r["relevance"] == "1"
    groups = [r for r in nl if r["class"] == "G"]
    assert [r["name"] for r in groups] == [f"Deel {g}" for g in range(1, 7)]
    # each question is followed by its answers 1-5 and 9, codes of at most 5 characters
    for i, r in enumerate(nl):
        if r["class"] == "Q":
            answers = nl[i + 1: i + 7]
            assert [a["name"] for a in answers] == ["1", "2", "3", "4", "5", "9"]
            assert all(a["class"] == "A" and a["id"] == r["id"] for a in answers)
            assert answers[-1]["text"] == "Weet niet / niet van toepassing"
    assert sum(1 for r in en if r["class"] == "A" and r["text"] == "Strongly agree") == len(qs)
    item = bank.item("LOSgoals4")
    texts = {(r["language"], r["name"]): r["text"] for r in body if r["class"] == "Q"}
    assert texts[("nl", "LOSgoals4")] == item.nl and texts[("en", "LOSgoals4")] == item.en


def test_limesurvey_english_base(bank):
    rows = read_tsv(limesurvey_tsv(bank, "en", statuses=["candidate"]))
    s = {r["name"]: r["text"] for r in rows if r["class"] == "S"}
    assert s["language"] == "en" and s["additional_languages"] == "nl"
    first_q = next(r for r in rows if r["class"] == "Q")
    assert first_q["language"] == "en" and first_q["display_columns"] == "6"


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
    assert p.ids == list(bank.ids())
    assert p.texts == [it.text(lang) for it in bank.items]
    assert f'<html lang="{lang}">' in page
    assert not {"script", "link", "img", "iframe"} & p.tags
    assert "http" not in page
    assert html.escape(bank.scale.missing_label(lang)) in page


def test_html_escapes(bank):
    evil = bank.with_texts({"LOSgoals1": {"en": "<script>alert(1)</script> & more words"}}, "x")
    page = questionnaire_html(evil, "en")
    assert "<script>" not in page and "&lt;script&gt;" in page
