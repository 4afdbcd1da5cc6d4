"""lospw.instrument.delphi.rules: defaults, overrides and every error branch."""

from __future__ import annotations

import re

import pytest

from lospw.analysis.core.errors import InputError
from lospw.instrument.delphi.rules import RAND_UCLA_RULES, load_rules, rules_from_dict


def test_defaults_are_the_documented_literature_values():
    r = load_rules()
    assert r.method == "cvi"
    assert (r.scale.min, r.scale.max, r.scale.relevant_min) == (1, 4, 3)
    assert (r.keep_i_cvi_min, r.keep_kappa_above) == (0.78, 0.74)
    assert (r.revise_i_cvi_min, r.revise_kappa_min) == (0.60, 0.40)
    assert r.clarity.relevant_min == 3 and r.clarity_revise_below == 0.78
    assert r.min_raters == 3 and r.compare_decimals == 2
    assert r.target_raters == 6  # Lynn 1986 / Polit & Beck 2006: .78 needs six raters
    assert (r.stop.max_rounds, r.stop.alpha, r.stop.max_agreement_change) == (3, 0.05, 0.15)
    assert r.rand_ucla.ipr_symmetric == 2.35 and r.rand_ucla.asymmetry_factor == 1.5
    # the file format round-trips
    assert rules_from_dict(r.to_dict()).to_dict() == r.to_dict()


def test_rand_ucla_file():
    r = load_rules(RAND_UCLA_RULES)
    assert r.method == "rand_ucla" and r.scale.is_nine_point
    assert r.scale.relevant_min == 7 and r.clarity.max == 9 and r.clarity.relevant_min == 7


def test_user_file_overrides_only_what_it_names(tmp_path):
    p = tmp_path / "rules.yaml"
    p.write_text("keep:\n  i_cvi_min: 0.8\nstop:\n  max_rounds: 2\n", encoding="utf-8")
    r = load_rules(p)
    assert r.keep_i_cvi_min == 0.8 and r.keep_kappa_above == 0.74 and r.stop.max_rounds == 2
    assert r.source == str(p)


def test_changed_scale_gets_a_two_region_split():
    r = rules_from_dict({"scale": {"min": 1, "max": 5, "relevant_min": 4}})
    assert r.scale.regions == ((1, 3), (4, 5)) and r.clarity.max == 5


BAD = {
    "unknown_section": ({"keeps": {}}, "unknown setting 'keeps'"),
    "unknown_field": ({"keep": {"icvi": 0.8}}, "keep.icvi: unknown setting"),
    "section_not_mapping": ({"keep": 0.8}, "keep: must be a section"),
    "bad_method": ({"method": "lynn"}, "method: must be one of cvi, rand_ucla"),
    "yaml_bool_method": (None, "method: must be one of"),
    "threshold_text": ({"keep": {"i_cvi_min": "high"}}, "keep.i_cvi_min: must be a number"),
    "threshold_range": ({"keep": {"i_cvi_min": 1.5}}, "keep.i_cvi_min: must be a number from"),
    "scale_without_relevant": ({"scale": {"min": 1, "max": 9}}, "without relevant_min"),
    "scale_reversed": ({"scale": {"min": 4, "max": 1, "relevant_min": 3}},
                       "min must be below max"),
    "scale_not_whole": ({"scale": {"min": 1, "max": 4.5, "relevant_min": 3}},
                        "scale.max: must be a whole number"),
    "relevant_outside": ({"scale": {"relevant_min": 5}}, "scale.relevant_min: must be a whole"),
    "regions_gap": ({"scale": {"regions": [[1, 1], [3, 4]]}}, "without gaps or overlaps"),
    "regions_short": ({"scale": {"regions": [[1, 2], [3, 3]]}}, "they end at 3"),
    "regions_shape": ({"scale": {"regions": [[1, 2, 3]]}}, r"regions\[0\]: must be \[low, high\]"),
    "regions_not_list": ({"scale": {"regions": "1-2"}}, "regions: must be a list"),
    "regions_swapped": ({"scale": {"regions": [[2, 1], [3, 4]]}}, "low 2 is above high 1"),
    "revise_above_keep": ({"revise": {"i_cvi_min": 0.9}}, "revise.i_cvi_min"),
    "revise_kappa_above_keep": ({"revise": {"kappa_min": 0.9}}, "revise.kappa_min"),
    "bool_flag": ({"stop": {"consensus": "maybe"}}, "stop.consensus: must be true or false"),
    "max_rounds": ({"stop": {"max_rounds": 0}}, "stop.max_rounds: must be a whole number"),
    "alpha": ({"stop": {"alpha": 0}}, "stop.alpha: must be a number above 0"),
    "rand_on_4_point": ({"method": "rand_ucla"}, "method rand_ucla needs the 9-point scale"),
    "ipr_order": ({"rand_ucla": {"ipr_lower": 0.8}}, "ipr_lower"),
    "cutoffs_order": ({"rand_ucla": {"inappropriate_max": 8}}, "inappropriate_max"),
    "decimals": ({"compare_decimals": -1}, "compare_decimals: must be a whole number"),
    "target_below_min": ({"min_raters": 5, "target_raters": 4},
                         r"target_raters \(4\) is below min_raters \(5\)"),
    "target_zero": ({"target_raters": 0}, "target_raters: must be a whole number"),
    "not_mapping": ([1, 2], "a rules file must be a mapping"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_rules_one_line(case, tmp_path):
    data, fragment = BAD[case]
    if data is None:  # an unquoted YAML 1.1 boolean where a word belongs
        p = tmp_path / "rules.yaml"
        p.write_text("method: no\n", encoding="utf-8")
        with pytest.raises(InputError, match=fragment):
            load_rules(p)
        return
    with pytest.raises(InputError) as exc:
        rules_from_dict(data, "r.yaml")
    msg = str(exc.value)
    assert re.search(fragment, msg), msg
    assert msg.startswith("r.yaml") and "\n" not in msg


def test_missing_and_invalid_files(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_rules(tmp_path / "nope.yaml")
    p = tmp_path / "bad.yaml"
    p.write_text("keep: [\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML"):
        load_rules(p)
