"""Competing models generated from a key (lospw.analysis.validation.models)."""

from __future__ import annotations

import pytest

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import key_from_dict, load_key
from lospw.analysis.validation import models as M
from tests.conftest import REFERENCE, reference


def _key(scales, higher_order=None):
    data = {"response_scale": {"min": 1, "max": 5}, "scales": scales}
    if higher_order:
        data["higher_order"] = higher_order
    return key_from_dict(data)


def _lospw_like():
    scales = {s: [f"{s}{k}" for k in range(1, 5)] for s in
              ("LOS", "GOC", "SRI", "VMM", "LeA", "VOR")}
    scales["GOC"][1] = "-" + scales["GOC"][1]
    return _key(scales, {"core": ["LOS", "GOC"], "instrumental": ["SRI", "VMM"],
                         "interpersonal": ["LeA", "VOR"]})


def test_correlated_factors_matches_key(bfi_key_path):
    key = load_key(bfi_key_path)
    syntax = M.correlated_factors(key)
    assert syntax.splitlines() == [f"{s.name} =~ {' + '.join(s.items)}" for s in key.scales]


def test_lospw_like_key_gives_all_five_models():
    ms = M.competing_models(_lospw_like())
    assert ms.names == M.MODEL_NAMES
    assert ms.skipped == ()
    assert M.grouped_factors(_lospw_like()).splitlines()[0] == (
        "core =~ LOS1 + LOS2 + LOS3 + LOS4 + GOC1 + GOC2 + GOC3 + GOC4")
    so = ms["second_order"].syntax.splitlines()
    assert so[-3:] == ["core =~ 1*LOS + 1*GOC", "instrumental =~ 1*SRI + 1*VMM",
                       "interpersonal =~ 1*LeA + 1*VOR"]
    assert any("fixed to 1" in n for n in ms["second_order"].notes)
    # second order over groups is not nested in the (single-general-factor) bifactor
    assert ("second_order", "bifactor") not in ms.nested_pairs()
    assert ("second_order", "correlated") in ms.nested_pairs()
    assert ("grouped", "correlated") in ms.nested_pairs()


def test_group_with_one_scale_gets_no_second_order_factor():
    key = _key({"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"], "C": ["c1", "c2", "c3"],
                "D": ["d1", "d2", "d3"]}, {"g1": ["A", "B", "C"], "g2": ["D"]})
    ms = M.competing_models(key)
    assert ms["second_order"].syntax.splitlines()[-1] == "g1 =~ A + B + C"
    assert any("group g2 has one scale" in n for n in ms["second_order"].notes)
    assert ms["grouped"].syntax.splitlines()[-1] == "g2 =~ d1 + d2 + d3"


def test_general_second_order_over_two_scales_is_constrained():
    key = _key({"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]})
    assert M.second_order(key).splitlines()[-1] == "general =~ 1*A + 1*B"


def test_second_order_needs_two_scales():
    with pytest.raises(InputError, match="second-order factor over at least two scales"):
        M.second_order(_key({"A": ["a1", "a2", "a3"]}))
    with pytest.raises(InputError, match="no group of two or more"):
        M.second_order(_key({"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]},
                            {"g": ["A"]}))


def test_grouped_needs_higher_order():
    with pytest.raises(InputError, match="needs 'higher_order' groups"):
        M.grouped_factors(_key({"A": ["a1", "a2", "a3"]}))


def test_bifactor_identification_rules():
    key = _key({"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"], "C": ["c1", "c2", "c3"],
                "D": ["d1", "d2"]})
    syntax = M.bifactor(key)
    assert "D =~" not in syntax
    assert syntax.splitlines()[0].endswith("d1 + d2")
    notes = M.competing_models(key)["bifactor"].notes
    assert notes == ("scale D has fewer than three items: no specific factor, its items "
                     "load on the general factor only",)
    with pytest.raises(InputError, match="at least three scales with three or more items"):
        M.bifactor(_key({"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]}))
    ms = M.competing_models(_key({"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]}))
    assert "bifactor" in dict(ms.skipped)
    assert ("one_factor", "bifactor") not in ms.nested_pairs()


def test_single_item_scale_fixes_residual():
    key = _key({"A": ["a1", "a2", "a3"], "B": ["b1"]})
    assert M.correlated_factors(key).splitlines()[-2:] == ["B =~ b1", "b1 ~~ 0*b1"]


def test_factor_name_collision_is_avoided():
    key = _key({"general": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"],
                "C": ["c1", "c2", "c3"]})
    assert M.one_factor(key).startswith("general_1 =~ ")
    assert "general_1 ~~ 0*general" in M.bifactor(key)


def test_invalid_names_are_refused():
    with pytest.raises(InputError, match="cannot be a lavaan variable name"):
        M.correlated_factors(_key({"A": ["item 1", "a2"]}))


def test_lavaan_call_errors():
    with pytest.raises(InputError, match="The 'estimator' option must be one of"):
        M.lavaan_call(estimator="GLS")
    with pytest.raises(InputError, match="The 'missing' option must be one of"):
        M.lavaan_call(missing="everything")
    call = M.lavaan_call(group="g", group_equal=("loadings",), group_partial=("f=~x2",))
    assert call.endswith('group = "g", group.equal = c("loadings"), group.partial = c("f=~x2"))')


def test_lavaan_script_has_every_model(bfi_key_path):
    key = load_key(bfi_key_path)
    ms = M.competing_models(key)
    script = M.lavaan_script(ms, key, data_file="bfi.csv", estimator="WLSMV", ordered=True)
    for m in ms.models:
        assert f"model_{m.name} <- '\n{m.syntax}\n'" in script
        assert f"fit_{m.name} <- cfa(model_{m.name}, data = data" in script
    assert 'ordered = c("A1", "A2"' in script
    assert 'data[c("A1", "C4", "C5", "E1", "E2", "O2", "O5")] <- 7 - data[' in script
    assert M.lavaan_script(ms, key, reverse_score=False).count("<- 7 -") == 0
    d = ms.to_dict()
    assert [m["name"] for m in d["models"]] == list(ms.names)
    assert d["skipped"] == [{"name": "grouped", "reason": "the key has no 'higher_order' groups"}]


@pytest.mark.parametrize(("part", "key_file"), [
    ("hs_ml", "fixtures/keys/holzinger.yaml"), ("bfi_ml", "fixtures/keys/bfi.yaml"),
    ("lospw_like_ml", "fixtures/keys/lospw_like.yaml")])
def test_r_reference_ran_the_generated_syntax(part, key_file):
    """tests/reference/models.R fitted exactly what the generator writes."""
    tests = REFERENCE.parent
    ref = reference("models")[part]
    ms = M.competing_models(load_key(tests / key_file))
    assert list(ref["models"]) == list(ms.names)
    for m in ms.models:
        assert ref["models"][m.name]["syntax"].strip() == m.syntax
        assert ref["models"][m.name]["converged"] is True
    assert {(d["restricted"], d["general"]) for d in ref["differences"]} == set(
        ms.nested_pairs())
