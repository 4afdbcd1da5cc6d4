"""Tests for lospw.analysis.core.key: the key format, its checks and its helpers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

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
