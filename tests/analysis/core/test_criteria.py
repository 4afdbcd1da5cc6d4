"""Tests for the criteria file (analysis/core/criteria.py): defaults and every error branch."""

from __future__ import annotations

import copy

import pytest

from lospw.analysis.core.criteria import (
    Criteria,
    criteria_from_dict,
    default_criteria_path,
    load_criteria,
)
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.yamlio import Yaml11Bool, load_yaml


@pytest.fixture
def raw() -> dict:
    return copy.deepcopy(load_yaml(default_criteria_path()))


def test_defaults_are_cosmin():
    c = load_criteria(None)
    assert isinstance(c, Criteria)
    assert (c.cfi_above, c.tli_above, c.rmsea_below, c.srmr_below) == (0.95, 0.95, 0.06, 0.08)
    assert c.sv_require == "any" and c.sv_indices == "robust" and c.sv_model == "correlated"
    assert c.alpha_at_least == 0.70 and c.ic_requires_sv
    assert c.invariance_rule == "chen2007" and c.invariance_steps == ("metric", "scalar")
    assert c.htmt_below == 0.85 and c.min_items_per_scale == 3
    assert c.sample_sufficient == ("very_good", "adequate")


@pytest.mark.parametrize(("n", "items", "rating"), [
    (175, 25, "very_good"), (174, 25, "adequate"), (125, 25, "adequate"),
    (124, 25, "inadequate"), (99, 15, "adequate"), (89, 15, "doubtful"),
    (75, 15, "doubtful"), (74, 15, "inadequate"), (100, 14, "very_good"),
])
def test_sample_size_rating_cosmin(n, items, rating):
    assert load_criteria(None).sample_rating(n, items) == rating


def test_round_trip_and_hash(raw, tmp_path):
    c = criteria_from_dict(raw)
    again = criteria_from_dict(c.to_dict())
    assert again == c and again.sha256() == c.sha256()
    raw["structural_validity"]["cfi_above"] = 0.90
    assert criteria_from_dict(raw).sha256() != c.sha256()


def test_yaml11_boolean_accepted_as_flag(raw):
    raw["invariance"]["partial_is_sufficient"] = Yaml11Bool("yes", 3, True)
    assert criteria_from_dict(raw).partial_is_sufficient is True


def _set(raw, path, value):
    obj = raw
    for p in path[:-1]:
        obj = obj[p]
    if value is KeyError:
        del obj[path[-1]]
    else:
        obj[path[-1]] = value


@pytest.mark.parametrize(("path", "value", "message"), [
    (("format",), "lospw-criteria/2", "format: must be 'lospw-criteria/1'"),
    (("name",), 3, "name: must be text"),
    (("extra",), 1, "extra: unknown section"),
    (("structural_validity",), None, "structural_validity: missing or not a mapping"),
    (("structural_validity", "cfi"), 0.9, "structural_validity.cfi: unknown field"),
    (("structural_validity", "cfi_above"), KeyError, "structural_validity.cfi_above: missing"),
    (("structural_validity", "cfi_above"), "high", "cfi_above: must be a number; got 'high'"),
    (("structural_validity", "cfi_above"), True, "cfi_above: must be a number"),
    (("structural_validity", "rmsea_below"), 1.5, "rmsea_below: must be from 0 to 1"),
    (("structural_validity", "rmsea_below"), float("nan"), "must be from 0 to 1"),
    (("structural_validity", "indices"), "robustest", "indices: must be one of robust"),
    (("structural_validity", "require"), Yaml11Bool("yes", 2, True),
     "require: must be one of any, all; got the unquoted word 'yes'"),
    (("structural_validity", "model"), "threefactor", "model: must be one of one_factor"),
    (("internal_consistency", "requires_structural_validity"), "no",
     "requires_structural_validity: must be true or false"),
    (("invariance", "rule"), "chen", "invariance.rule: must be one of chen2007"),
    (("invariance", "steps"), [], "invariance.steps: must be a list"),
    (("invariance", "steps"), "metric", "invariance.steps: must be a list"),
    (("invariance", "steps"), ["metric", "weak"], "invariance.steps[1]: must be one of"),
    (("invariance", "steps"), ["metric", "metric"], "'metric' is listed twice"),
    (("reduction", "min_items_per_scale"), 2.5, "min_items_per_scale: must be a whole number"),
    (("reduction", "min_items_per_scale"), 0, "min_items_per_scale: must be from 1"),
    (("reduction", "use"), ["weak"], "reduction.use[0]: must be one of weak_loading"),
    (("sample_size", "ratings"), [], "sample_size.ratings: must be a non-empty list"),
    (("sample_size", "ratings"), ["good"], "sample_size.ratings[0]: must be a mapping"),
    (("sample_size", "ratings"), [{"rating": "x", "min_ratio": 5, "n": 3}, {"rating": "y"}],
     "sample_size.ratings[0].n: unknown field"),
    (("sample_size", "ratings"), [{"rating": "", "min_ratio": 5}, {"rating": "y"}],
     "sample_size.ratings[0].rating: must be a name"),
    (("sample_size", "ratings"), [{"rating": "x", "min_ratio": -1}, {"rating": "y"}],
     "sample_size.ratings[0].min_ratio: must be from 0"),
    (("sample_size", "ratings"), [{"rating": "x", "min_n": 10.5}, {"rating": "y"}],
     "min_n: must be a whole number"),
    (("sample_size", "ratings"), [{"rating": "x", "min_ratio": 5}],
     "the last rule must have no minimum"),
    (("sample_size", "sufficient"), ["excellent"], "sample_size.sufficient[0]: must be one of"),
])
def test_every_error_branch(raw, path, value, message):
    _set(raw, path, value)
    with pytest.raises(InputError) as exc:
        criteria_from_dict(raw, "my.yaml")
    text = str(exc.value)
    assert text.startswith("my.yaml: ") and message in text, text
    assert "\n" not in text


def test_not_a_mapping_and_missing_file(tmp_path):
    with pytest.raises(InputError, match="must be a mapping"):
        criteria_from_dict(["a"], "c.yaml")
    with pytest.raises(InputError):
        load_criteria(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: [", encoding="utf-8")
    with pytest.raises(InputError):
        load_criteria(bad)
