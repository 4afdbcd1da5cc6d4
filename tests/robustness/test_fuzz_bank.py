"""Property tests: a damaged item bank loads or gives one InputError; a loaded bank validates,
exports and yields a key (the paths of ``lospw bank validate | export | key``)."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.yamlio import load_yaml_text
from lospw.instrument.bank import DEFAULT_BANK_DIR, load_bank
from lospw.instrument.bankcheck import check_bank
from lospw.instrument.export import codebook_frame, limesurvey_tsv, questionnaire_html
from tests.robustness._fuzz import (
    SETTINGS,
    apply_mutations,
    expect_one_line,
    mutations,
    scaled,
    text_edits,
)

# Each example parses seven YAML files (~0.1 s): fewer examples than the other readers.
BANK_SETTINGS = settings(SETTINGS, max_examples=scaled(100))
TEXTS = {p.name: p.read_text(encoding="utf-8") for p in sorted(DEFAULT_BANK_DIR.glob("*.yaml"))}
# Mutating the small files is enough to reach every branch of the loader; LOS has 21 items.
DOCS = {n: load_yaml_text(TEXTS[n]) for n in ("_bank.yaml", "LOS.yaml")}


def _write_bank(folder: Path, name: str, text: str) -> Path:
    for n, t in TEXTS.items():
        (folder / n).write_text(t, encoding="utf-8")
    (folder / name).write_bytes(text.encode("utf-8", "surrogatepass"))
    return folder


def _usable(bank) -> None:
    check_bank(bank, source="fuzz")
    try:  # an item no module routes is refused by the exports in one line, as the CLI says
        codebook_frame(bank, "nl")
        limesurvey_tsv(bank, "en")
        questionnaire_html(bank, "nl")
    except InputError as exc:
        assert "\n" not in str(exc)
    try:
        bank.key(statuses=("candidate", "revised", "retained"))
    except InputError as exc:  # e.g. no active items left: one line, like the CLI says
        assert "\n" not in str(exc)


@BANK_SETTINGS
@given(name=st.sampled_from(sorted(DOCS)), data=st.data())
def test_mutated_bank_structure(tmp_path_factory, name, data):
    edits = data.draw(mutations(DOCS[name]))
    doc = apply_mutations(DOCS[name], edits)
    folder = _write_bank(tmp_path_factory.mktemp("bank"), name,
                         yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))
    bank = expect_one_line("bank", load_bank, folder)
    if bank is not None:
        _usable(bank)


@BANK_SETTINGS
@given(name=st.sampled_from(sorted(TEXTS)), data=st.data())
def test_damaged_bank_text(tmp_path_factory, name, data):
    text = data.draw(text_edits(TEXTS[name]))
    folder = _write_bank(tmp_path_factory.mktemp("bank"), name, text)
    bank = expect_one_line("bank", load_bank, folder)
    if bank is not None:
        _usable(bank)
