"""Tests for lospw.analysis.core.key: the key format, its checks and its helpers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import Key, key_from_dict, load_key
from tests.conftest import FIXTURES

BAD = sorted((FIXTURES / "keys" / "bad").glob("*.yaml"))


def expected_fragment(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} lacks its '# expect:' line"
    return first.removeprefix("# expect: ").strip()


def test_bfi_key(bfi_key_path):
    key = load_key(bfi_key_path)
    assert key.instrument == "bfi"
    assert key.scale_names == ("A", "C", "E", "N", "O")
    assert all(len(s) == 5 for s in key.scales)
    assert key.reverse_items == ("A1", "C4", "C5", "E1", "E2", "O2", "O5")
    assert key.sign("C4") == -1 and key.sign("N1") == 1
    assert key.scale_of("O5") == "O"
    assert key.response_scale.categories == (1, 2, 3, 4, 5, 6)


def test_round_trip_through_yaml(bfi_key_path, tmp_path):
    key = load_key(bfi_key_path)
    again = load_key(key.save(tmp_path / "k.yaml"))
    assert again == key
    assert again.sha256() == key.sha256()


def test_hash_ignores_layout(tmp_path):
    a = tmp_path / "a.yaml"
    b = tmp_path / "b.yaml"
    a.write_text("response_scale: {min: 1, max: 5}\nscales: {S: [x, -y]}\n")
    b.write_text("# comment\nscales:\n  S:\n    - x\n    - '-y'\nresponse_scale:\n  max: 5\n  min: 1\n")
    assert load_key(a).sha256() == load_key(b).sha256()


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_keys_give_one_clear_line(path):
    with pytest.raises(InputError) as info:
        load_key(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message, "the message must name the file"
    assert expected_fragment(path) in message


def test_there_are_at_least_ten_bad_keys():
    assert len(BAD) >= 10


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_key(tmp_path / "nope.yaml")


def test_reverse_score_uses_min_plus_max():
    key = key_from_dict({"response_scale": {"min": 1, "max": 6}, "scales": {"S": ["a", "-b"]}})
    df = pd.DataFrame({"a": [1.0, np.nan], "b": [2.0, np.nan], "other": [9, 9]})
    out = key.reverse_score(df)
    assert out["b"].tolist()[0] == 5.0 and np.isnan(out["b"].tolist()[1])
    assert out["a"].tolist()[0] == 1.0 and out["other"].tolist() == [9, 9]
    assert df["b"].tolist()[0] == 2.0, "input must not be mutated"


def test_continuous_scale_and_missing_codes():
    key = key_from_dict({
        "response_scale": {"min": 0, "max": 20, "continuous": True},
        "missing_codes": [-9, 99],
        "scales": {"S": ["a", "b"]},
    })
    assert key.response_scale.categories is None
    assert key.missing_codes == (-9.0, 99.0)
    assert key.to_dict()["missing_codes"] == [-9, 99]


def test_yaml11_boolean_is_fine_where_a_boolean_belongs(tmp_path):
    p = tmp_path / "k.yaml"
    p.write_text("response_scale: {min: 0, max: 1, continuous: yes}\nscales: {S: [a, b]}\n")
    assert load_key(p).response_scale.continuous is True


def test_higher_order_and_aspects():
    key = key_from_dict({
        "response_scale": {"min": 1, "max": 5},
        "scales": {"A": ["a1", "a2"], "B": ["b1", "b2"], "C": ["c1", "c2"]},
        "higher_order": {"g1": ["A", "B"], "g2": ["C"]},
        "aspects": {"a1": "x", "b2": "y"},
    })
    assert key.higher_order_map == {"g1": ("A", "B"), "g2": ("C",)}
    assert key.aspect_map == {"a1": "x", "b2": "y"}


def test_scale_in_two_groups_is_refused():
    with pytest.raises(InputError, match="already in group"):
        key_from_dict({
            "response_scale": {"min": 1, "max": 5},
            "scales": {"A": ["a1"], "B": ["b1"]},
            "higher_order": {"g1": ["A", "B"], "g2": ["A"]},
        })


def test_scoring_matrix_matches_make_keys(bfi_key_path):
    mat = load_key(bfi_key_path).scoring_matrix()
    assert mat.shape == (25, 5)
    assert mat.loc["A1", "A"] == -1 and mat.loc["A2", "A"] == 1 and mat.loc["A2", "C"] == 0
    assert int((mat != 0).sum().sum()) == 25


def test_key_is_frozen(bfi_key_path):
    key = load_key(bfi_key_path)
    with pytest.raises(AttributeError):
        key.instrument = "x"  # type: ignore[misc]
    assert isinstance(key, Key)


def test_unknown_scale_lookup_names_the_scales(bfi_key_path):
    with pytest.raises(InputError, match="its scales are A, C, E, N, O"):
        load_key(bfi_key_path).scale("Z")


# -- issue 24: labelled missing codes and the design (planned missingness) ------------------
def test_missing_codes_with_meanings_round_trip():
    key = key_from_dict({"response_scale": {"min": 1, "max": 5},
                         "missing_codes": {8: "dont_know", 9: "not_applicable"},
                         "scales": {"S": ["a", "b", "c"]}})
    assert key.missing_codes == (8.0, 9.0)
    assert key.missing_label_map == {8.0: "dont_know", 9.0: "not_applicable"}
    assert key.to_dict()["missing_codes"] == {8: "dont_know", 9: "not_applicable"}
    assert key_from_dict(yaml.safe_load(key.to_yaml())) == key
    plain = key_from_dict({"response_scale": {"min": 1, "max": 5}, "missing_codes": [-9],
                           "scales": {"S": ["a"]}})
    assert plain.missing_label_map == {-9.0: "code_-9"}
    assert plain.to_dict()["missing_codes"] == [-9]


@pytest.mark.parametrize("codes, fragment", [
    ({8: "", 9: "x"}, "must name what the code means"),
    ({8: "same", 9: "same"}, "given to two codes"),
    ({3: "dont_know"}, "inside the response scale"),
])
def test_missing_code_meanings_refused(codes, fragment):
    with pytest.raises(InputError, match=fragment):
        key_from_dict({"response_scale": {"min": 1, "max": 5}, "missing_codes": codes,
                       "scales": {"S": ["a"]}})


def test_design_round_trip_and_checks():
    d = {"response_scale": {"min": 1, "max": 5}, "scales": {"S": ["a", "b", "c"]},
         "design": {"column": "role", "asked": {"c": ["staff", "managers"]}}}
    key = key_from_dict(d)
    assert key.design_column == "role"
    assert key.design_map == {"c": ("staff", "managers")}
    assert key_from_dict(yaml.safe_load(key.to_yaml())) == key
    for bad, fragment in (({"asked": {}}, "'column' is missing"),
                          ({"column": "role", "asked": {"z": ["x"]}}, "unknown item 'z'"),
                          ({"column": "role", "asked": {"c": []}}, "must list the groups"),
                          ({"column": "role", "extra": 1}, "unknown field 'extra'"),
                          ({"column": "role", "asked": {"c": ["x", "x"]}}, "listed twice")):
        with pytest.raises(InputError, match=fragment):
            key_from_dict({**d, "design": bad})


def test_missing_code_meanings_survive_json():
    import json

    key = key_from_dict({"response_scale": {"min": 1, "max": 5},
                         "missing_codes": {8: "dont_know", -9.5: "refused"},
                         "scales": {"S": ["a", "b"]}})
    again = key_from_dict(json.loads(json.dumps(key.to_dict())))
    assert again == key and again.sha256() == key.sha256()
    with pytest.raises(InputError, match="must be a number"):
        key_from_dict({"response_scale": {"min": 1, "max": 5},
                       "missing_codes": {"eight": "dont_know"}, "scales": {"S": ["a"]}})
def test_title_authors_labels_and_directions_round_trip(tmp_path):
    path = tmp_path / "k.yaml"
    path.write_text(
        "instrument: TCQ-15\n"
        "title: Teamwork Climate Questionnaire\n"
        "authors: [A. Author, B. Author]\n"
        "description: Three scales of team climate.\n"
        "response_scale: {min: 1, max: 5}\n"
        "scales:\n"
        "  COM: [COM1, -COM2]\n"
        "  WLD:\n"
        "    items: [WLD1, WLD2]\n"
        "    label: Workload\n"
        "    direction: lower_is_better\n"
        "  CRD: {items: [CRD1, CRD2], direction: higher_is_better}\n",
        encoding="utf-8",
    )
    key = load_key(path)
    assert key.title == "Teamwork Climate Questionnaire"
    assert key.authors == ("A. Author", "B. Author")
    assert key.description == "Three scales of team climate."
    assert key.scale_label("WLD") == "Workload"
    assert key.scale_label("COM") == "COM"  # no label: the name
    assert key.direction("WLD") == "lower_is_better"
    assert key.direction("CRD") == "higher_is_better"
    assert key.direction("COM") is None
    assert key.scale_labels == {"COM": "COM", "WLD": "Workload", "CRD": "CRD"}
    assert key.items == ("COM1", "COM2", "WLD1", "WLD2", "CRD1", "CRD2")
    assert key.reverse_items == ("COM2",)
    # the file format: a plain list stays a list, the long form a mapping
    d = key.to_dict()
    assert d["scales"]["COM"] == ["COM1", "-COM2"]
    assert d["scales"]["WLD"] == {"items": ["WLD1", "WLD2"], "label": "Workload",
                                  "direction": "lower_is_better"}
    again = load_key(key.save(tmp_path / "again.yaml"))
    assert again == key and again.sha256() == key.sha256()
    summary = key.summary()
    assert summary["title"] == key.title and summary["authors"] == list(key.authors)
    assert summary["scales"]["WLD"]["direction"] == "lower_is_better"


def test_one_author_as_text_and_old_keys_keep_their_hash(bfi_key_path):
    key = key_from_dict({"authors": "A. Author", "response_scale": {"min": 1, "max": 5},
                         "scales": {"S": ["a"]}})
    assert key.authors == ("A. Author",) and key.title is None
    assert key.direction("S") is None and key.scale_label("S") == "S"
    # a key without the new fields writes exactly the fields it had
    bfi = load_key(bfi_key_path)
    assert "title" not in bfi.to_dict() and "authors" not in bfi.to_dict()
    assert all(isinstance(v, list) for v in bfi.to_dict()["scales"].values())


@pytest.mark.parametrize("field,value,fragment", [
    ("title", "", "title: is empty"),
    ("title", ["a"], "title: must be text"),
    ("authors", [""], "authors[0]: is empty"),
])
def test_bad_title_or_authors(field, value, fragment):
    data = {"response_scale": {"min": 1, "max": 5}, "scales": {"S": ["a"]}, field: value}
    with pytest.raises(InputError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        key_from_dict(data)
