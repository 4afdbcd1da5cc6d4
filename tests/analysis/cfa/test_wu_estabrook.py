"""Wu & Estabrook (2016) syntax for ordered items against semTools::measEq.syntax."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.cfa.wu_estabrook import ORDINAL_STEPS, wu_estabrook_syntax
from analysis.errors import InputError
from analysis.key import key_from_dict, load_key

REF = json.loads((Path(__file__).resolve().parents[1] / "reference" /
                  "invariance_ordinal.json").read_text())


def _statements(text):
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


@pytest.mark.parametrize("step", [s for s, _ in ORDINAL_STEPS])
def test_bfi_steps_equal_semtools(bfi_key_path, step):
    key = load_key(bfi_key_path)
    ours = wu_estabrook_syntax(key, 2, dict.fromkeys(key.items, 5), step)
    assert _statements(ours) == _statements(REF["steps"][step]["syntax"])


def test_three_groups_and_single_factor():
    key = key_from_dict({"response_scale": {"min": 1, "max": 3},
                         "scales": {"F": ["a", "b", "c"]}})
    text = wu_estabrook_syntax(key, 3, {"a": 2, "b": 2, "c": 2}, "scalar")
    assert "a ~*~ c(1, NA, NA)*a" in text
    assert "a ~ c(0, 0, 0)*1 + c(nu.1, nu.1, nu.1)*1" in text
    assert "F ~ c(0, NA, NA)*1" in text
    assert "COVARIANCES" not in text


def test_errors():
    key = key_from_dict({"response_scale": {"min": 1, "max": 3},
                         "scales": {"F": ["a", "b", "c"]}})
    with pytest.raises(InputError, match="The 'step' must be one of"):
        wu_estabrook_syntax(key, 2, {"a": 2, "b": 2, "c": 2}, "strict")
    with pytest.raises(InputError, match="at least two groups"):
        wu_estabrook_syntax(key, 1, {"a": 2, "b": 2, "c": 2}, "metric")
    with pytest.raises(InputError, match="Item 'b' has 1 threshold"):
        wu_estabrook_syntax(key, 2, {"a": 2, "b": 1, "c": 2}, "metric")
