"""Property tests: damaged Delphi rules files load or give one InputError; loaded rules
decide a small panel without a crash."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from lospw.analysis.core.yamlio import load_yaml_text
from lospw.instrument.delphi.decide import run_delphi
from lospw.instrument.delphi.ratings import read_ratings
from lospw.instrument.delphi.rules import DEFAULT_RULES, RAND_UCLA_RULES, load_rules
from tests.instrument.delphi.conftest import SMALL
from tests.robustness._fuzz import (
    SETTINGS,
    TRIED,
    apply_mutations,
    expect_one_line,
    mutations,
    scaled,
    text_edits,
)

TEXTS = {p.name: p.read_text(encoding="utf-8") for p in (DEFAULT_RULES, RAND_UCLA_RULES)}
DOCS = {n: load_yaml_text(t) for n, t in TEXTS.items()}
NINE = SMALL.replace(",4,", ",9,").replace(",3,", ",7,")  # the same panel on a 1-9 scale


def _run(path, tmp) -> None:
    rules = expect_one_line("rules", load_rules, path)
    if rules is None:
        return
    ratings = tmp / "ratings.csv"
    ratings.write_text(NINE if rules.scale.max >= 9 else SMALL, encoding="utf-8")
    data = expect_one_line("rules", read_ratings, [ratings], rules.scale, rules.clarity)
    TRIED["rules"] -= 1
    if data is not None:
        expect_one_line("rules", run_delphi, data, rules)
        TRIED["rules"] -= 1


@settings(SETTINGS, max_examples=scaled(150))
@given(name=st.sampled_from(sorted(DOCS)), data=st.data())
def test_mutated_rules_structure(tmp_path_factory, name, data):
    doc = apply_mutations(DOCS[name], data.draw(mutations(DOCS[name])))
    tmp = tmp_path_factory.mktemp("r")
    path = tmp / "rules.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    _run(path, tmp)


@settings(SETTINGS, max_examples=scaled(150))
@given(name=st.sampled_from(sorted(TEXTS)), data=st.data())
def test_damaged_rules_text(tmp_path_factory, name, data):
    tmp = tmp_path_factory.mktemp("r")
    path = tmp / "rules.yaml"
    path.write_bytes(data.draw(text_edits(TEXTS[name])).encode("utf-8", "surrogatepass"))
    _run(path, tmp)
