"""Wu & Estabrook (2016) syntax for ordered items against semTools::measEq.syntax.

The syntax semTools 0.5-6 wrote for each case is in tests/reference/invariance_wlsmv.json
(tests/reference/invariance_wlsmv.R); lospw's builder must give the same statements.
"""

from __future__ import annotations

import json

import pytest

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import key_from_dict, load_key
from lospw.analysis.validation.wu_estabrook import (
    ORDINAL_STEPS,
    step_parameterization,
    wu_estabrook_syntax,
)
from tests.conftest import FIXTURES, ROOT

REF = json.loads((ROOT / "tests" / "reference" / "invariance_wlsmv.json").read_text())
BFI = key_from_dict({"response_scale": {"min": 1, "max": 6},
                     "scales": {"A": ["-A1", "A2", "A3", "A4", "A5"],
                                "C": ["C1", "C2", "C3", "-C4", "-C5"],
                                "E": ["-E1", "-E2", "E3", "E4", "E5"]}})
ABILITY = key_from_dict({"response_scale": {"min": 0, "max": 1},
                         "scales": {"reason": ["reason_4", "reason_16", "reason_17",
                                               "reason_19"],
                                    "letter": ["letter_7", "letter_33", "letter_34",
                                               "letter_58"]}})


def _statements(text):
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def _list(x):
    return [x] if isinstance(x, str) else list(x)


@pytest.mark.parametrize("name, key", [("bfi", BFI),
                                       ("spi", load_key(FIXTURES / "keys" / "spi_facets.yaml"))])
@pytest.mark.parametrize("step", [s for s, _ in ORDINAL_STEPS])
def test_steps_equal_semtools(name, key, step):
    ref = REF[name]["steps"][step]
    ours = wu_estabrook_syntax(key, 2, dict.fromkeys(key.items, 5), step,
                               partial=_list(ref["partial"]))
    assert _statements(ours) == _statements(ref["syntax"])


@pytest.mark.parametrize("case", sorted(REF["partial_syntax"]["syntax"]))
def test_partial_steps_in_both_parameterizations_equal_semtools(case):
    step, param = case.split("_")
    ours = wu_estabrook_syntax(BFI, 2, dict.fromkeys(BFI.items, 5), step,
                               partial=REF["partial_syntax"]["partial"],
                               parameterization=param)
    assert _statements(ours) == _statements(REF["partial_syntax"]["syntax"][case])


@pytest.mark.parametrize("step", [s for s, _ in ORDINAL_STEPS])
def test_binary_items_three_groups_equal_semtools(step):
    ref = REF["binary_syntax"]
    ours = wu_estabrook_syntax(ABILITY, 3, dict.fromkeys(ABILITY.items, 1), step,
                               partial=ref["partial"])
    assert _statements(ours) == _statements(ref["syntax"][step])


def test_strict_is_theta():
    assert [step_parameterization(s) for s, _ in ORDINAL_STEPS] == ["delta"] * 4 + ["theta"]
    text = wu_estabrook_syntax(BFI, 2, dict.fromkeys(BFI.items, 5), "strict")
    assert "A1 ~~ c(1, 1)*A1 + c(theta.1_1, theta.1_1)*A1" in text and "~*~" not in text


def test_errors():
    key = key_from_dict({"response_scale": {"min": 1, "max": 3},
                         "scales": {"F": ["a", "b", "c"]}})
    thr = {"a": 2, "b": 2, "c": 2}
    with pytest.raises(InputError, match="The 'step' must be one of"):
        wu_estabrook_syntax(key, 2, thr, "residuals")
    with pytest.raises(InputError, match="at least two groups"):
        wu_estabrook_syntax(key, 1, thr, "metric")
    with pytest.raises(InputError, match="Item 'b' has 0 threshold"):
        wu_estabrook_syntax(key, 2, {"a": 2, "b": 0, "c": 2}, "metric")
    with pytest.raises(InputError, match="needs parameterization 'theta'"):
        wu_estabrook_syntax(key, 2, thr, "strict", parameterization="delta")
    with pytest.raises(InputError, match="'delta' or 'theta'"):
        wu_estabrook_syntax(key, 2, thr, "metric", parameterization="lisrel")
