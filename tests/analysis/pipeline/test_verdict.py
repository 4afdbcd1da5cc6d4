"""Tests for the verdict table (analysis/pipeline/verdict.py), on hand-written artifact folders."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from lospw.analysis.core.criteria import criteria_from_dict, default_criteria_path, load_criteria
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import key_from_dict
from lospw.analysis.core.yamlio import load_yaml
from lospw.analysis.pipeline.verdict import judge_fit, verdict_from_dir, write_verdict

KEY = {"instrument": "demo", "response_scale": {"min": 1, "max": 5},
       "scales": {"S": ["a1", "a2", "a3"], "T": ["b1", "b2", "b3"]}}
GOOD_FIT = {"cfi": 0.90, "tli": 0.88, "rmsea": 0.09, "srmr": 0.07,
            "cfi_robust": 0.96, "tli_robust": 0.955, "rmsea_robust": 0.05}


def _stage(name, status="ok", reason=None):
    return {"name": name, "status": status, "reason": reason, "warnings": []}


def make_dir(tmp_path: Path, *, statuses=None, fit=None, converged=True, estimator="MLR",
             alphas=(0.82, 0.65), decisions=None, partial=(), htmt=0.6, icc=None,
             n_obs=300) -> Path:
    d = tmp_path / "run"
    d.mkdir()
    key_from_dict(KEY).save(d / "key.yaml")
    names = ["intake", "screening", "reliability", "cfa", "invariance", "validity",
             "aggregation"]
    st = {n: ("ok", None) for n in names} | (statuses or {})
    (d / "manifest.json").write_text(json.dumps({
        "synthetic": True, "stages": [_stage(n, *st[n]) for n in names]}))

    def put(rel, obj):
        p = d / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(obj))

    put("screening/intake.json", {"n_analysed": 310})
    put("cfa/fits.json", {"estimator": estimator, "models": {"correlated": {
        "converged": converged, "n_obs": n_obs, "fit": fit or GOOD_FIT}}})
    put("reliability/reliability.json", {"missing": "listwise", "scales": {
        "S": {"alpha": alphas[0], "n": 300}, "T": {"alpha": alphas[1], "n": 300}}})
    put("invariance/invariance.json", {
        "group": "role", "decisions": decisions if decisions is not None else [
            {"step": "metric", "versus": "configural", "verdict": "invariant",
             "delta_cfi": -0.002, "delta_rmsea": 0.0, "delta_srmr": 0.004,
             "non_invariant": {"chen2007": False, "cheung_rensvold2002": False,
                               "chisq": True}},
            {"step": "scalar", "versus": "metric", "verdict": "invariant",
             "delta_cfi": -0.004, "delta_rmsea": 0.001, "delta_srmr": 0.002,
             "non_invariant": {"chen2007": False, "cheung_rensvold2002": False,
                               "chisq": True}}],
        "partial": list(partial)})
    put("validity/validity.json", {"scales": ["S", "T"], "htmt_method": "htmt2",
                                   "htmt": {"S": {"S": 1, "T": htmt}, "T": {"S": htmt, "T": 1}}})
    put("aggregation/aggregation.json", {"by": "workplace", "scales": icc or [
        {"scale": "S", "icc1": 0.12, "icc2": 0.81, "n_groups": 10},
        {"scale": "T", "icc1": 0.02, "icc2": 0.40, "n_groups": 10}]})
    return d


def rows_of(res, prop):
    return [r for r in res.rows if r.property == prop]


def test_all_rows_sufficient_and_insufficient(tmp_path):
    res = verdict_from_dir(make_dir(tmp_path), load_criteria(None))
    (ss,) = rows_of(res, "sample size")
    assert ss.verdict == "sufficient" and "very_good" in ss.result and "N = 300" in ss.result
    (sv,) = rows_of(res, "structural validity")
    assert sv.verdict == "sufficient"
    # MLR: the robust versions are judged, and named
    assert "cfi_robust 0.960 (met)" in sv.result and sv.values["cfi_robust"] == 0.96
    ic = {r.scope: r for r in rows_of(res, "internal consistency")}
    assert ic["S"].verdict == "sufficient" and ic["T"].verdict == "insufficient"
    inv = rows_of(res, "measurement invariance")
    assert [r.verdict for r in inv] == ["sufficient", "sufficient"]
    assert inv[0].scope == "metric across role"
    (dv,) = rows_of(res, "discriminant validity")
    assert dv.verdict == "sufficient" and dv.values["max_htmt"] == 0.6
    ag = {r.scope: r.verdict for r in rows_of(res, "aggregation")}
    assert ag == {"S by workplace": "sufficient", "T by workplace": "insufficient"}
    assert res.synthetic and res.to_dict()["label"].startswith("SYNTHETIC")
    assert all(r.artifact is None or (tmp_path / "run" / r.artifact).is_file()
               for r in res.rows)


def test_structural_validity_not_met_makes_alpha_indeterminate(tmp_path):
    bad = {"cfi": .8, "tli": .8, "rmsea": .1, "srmr": .1, "cfi_robust": .8,
           "tli_robust": .8, "rmsea_robust": .1}
    res = verdict_from_dir(make_dir(tmp_path, fit=bad), load_criteria(None))
    assert rows_of(res, "structural validity")[0].verdict == "insufficient"
    assert {r.verdict for r in rows_of(res, "internal consistency")} == {"indeterminate"}


def test_skipped_and_failed_stages_are_indeterminate(tmp_path):
    d = make_dir(tmp_path, statuses={
        "cfa": ("skipped", "the CFA engine is not available in this version"),
        "invariance": ("skipped", "no --group column given"),
        "validity": ("failed", "unexpected error (RuntimeError: boom)"),
        "aggregation": ("skipped", "no --cluster column given")})
    res = verdict_from_dir(d, load_criteria(None))
    by = {r.property: r for r in res.rows}
    assert by["structural validity"].verdict == "indeterminate"
    assert "cfa stage skipped: the CFA engine" in by["structural validity"].result
    assert by["measurement invariance"].result == "invariance stage skipped: no --group column given"
    assert "RuntimeError" in by["discriminant validity"].result
    assert by["aggregation"].verdict == "indeterminate"
    assert {r.verdict for r in rows_of(res, "internal consistency")} == {"indeterminate"}


def test_not_converged_is_indeterminate(tmp_path):
    res = verdict_from_dir(make_dir(tmp_path, converged=False), load_criteria(None))
    assert rows_of(res, "structural validity")[0].result == "the model did not converge"


def test_partial_invariance(tmp_path):
    decisions = [
        {"step": "metric", "versus": "configural", "verdict": "invariant",
         "delta_cfi": -0.002, "delta_rmsea": 0.0, "delta_srmr": 0.004,
         "non_invariant": {"chen2007": False, "cheung_rensvold2002": False, "chisq": False}},
        {"step": "scalar", "versus": "metric", "verdict": "invariant",
         "delta_cfi": -0.006, "delta_rmsea": 0.004, "delta_srmr": 0.003,
         "non_invariant": {"chen2007": False, "cheung_rensvold2002": False, "chisq": True}}]
    partial = [{"step": "scalar", "freed": [{"parameter": "a2~1", "X2": 41.0}]}]
    d = make_dir(tmp_path, decisions=decisions, partial=partial)
    res = verdict_from_dir(d, load_criteria(None))
    scalar = rows_of(res, "measurement invariance")[1]
    assert scalar.verdict == "insufficient" and "after freeing a2~1 (partial)" in scalar.result
    raw = copy.deepcopy(load_yaml(default_criteria_path()))
    raw["invariance"]["partial_is_sufficient"] = True
    res2 = verdict_from_dir(d, criteria_from_dict(raw))
    assert rows_of(res2, "measurement invariance")[1].verdict == "sufficient"
    raw["invariance"]["rule"] = "chisq"
    res3 = verdict_from_dir(d, criteria_from_dict(raw))
    assert rows_of(res3, "measurement invariance")[1].verdict == "insufficient"


def test_item_level_tests_named_in_the_result(tmp_path):
    d = make_dir(tmp_path)
    (d / "invariance" / "item_tests.json").write_text(json.dumps({"steps": {"scalar": {
        "k": 6, "alpha": 0.05 / 6, "freed": [{"parameter": "a2~1", "item": "a2",
                                              "X2": 40.0, "pvalue": 1e-9}]}}}))
    res = verdict_from_dir(d, load_criteria(None))
    m, s = rows_of(res, "measurement invariance")
    assert s.verdict == "sufficient"          # the verdict follows the criteria's rule
    assert s.result.endswith("item-level backward search (Bonferroni, "
                             "invariance/item_tests.json): a2~1")
    assert s.values["item_tests_flagged"] == ["a2~1"] and m.values["item_tests_flagged"] == []


def test_non_invariant_and_not_tested(tmp_path):
    decisions = [
        {"step": "metric", "versus": "configural", "verdict": "non-invariant",
         "delta_cfi": -0.02, "delta_rmsea": 0.02, "delta_srmr": 0.01,
         "non_invariant": {"chen2007": True, "cheung_rensvold2002": True, "chisq": True}},
        {"step": "scalar", "versus": "metric", "verdict": "not tested",
         "reason": "a model did not converge"}]
    res = verdict_from_dir(make_dir(tmp_path, decisions=decisions), load_criteria(None))
    m, s = rows_of(res, "measurement invariance")
    assert m.verdict == "insufficient" and s.verdict == "indeterminate"
    assert s.result == "a model did not converge"


def test_htmt_above_threshold(tmp_path):
    res = verdict_from_dir(make_dir(tmp_path, htmt=0.91), load_criteria(None))
    (dv,) = rows_of(res, "discriminant validity")
    assert dv.verdict == "insufficient" and "S-T 0.910" in dv.result


def test_small_sample_is_insufficient(tmp_path):
    res = verdict_from_dir(make_dir(tmp_path, n_obs=29), load_criteria(None))
    (ss,) = rows_of(res, "sample size")
    assert ss.verdict == "insufficient" and "inadequate" in ss.result


def test_judge_fit_versions_and_all_rule():
    c = load_criteria(None)
    fit = {"cfi": 0.94, "tli": 0.93, "rmsea": 0.07, "srmr": 0.09, "cfi_scaled": 0.951,
           "tli_scaled": 0.94, "rmsea_scaled": 0.07}
    v, text, _vals = judge_fit(fit, "WLSMV", c)  # no robust: falls back to scaled
    assert v == "sufficient" and "cfi_scaled 0.951 (met)" in text and "WLSMV" in text
    assert judge_fit(fit, "ML", c)[0] == "insufficient"
    raw = copy.deepcopy(load_yaml(default_criteria_path()))
    raw["structural_validity"]["require"] = "all"
    c_all = criteria_from_dict(raw)
    good = {"cfi": .97, "tli": .96, "rmsea": .03, "srmr": .03}
    assert judge_fit(good, "ML", c_all)[0] == "sufficient"
    assert judge_fit(good | {"srmr": None}, "ML", c_all)[0] == "indeterminate"
    assert judge_fit(good | {"srmr": .09}, "ML", c_all)[0] == "insufficient"


def test_write_verdict_files(tmp_path):
    c = load_criteria(None)
    res = verdict_from_dir(make_dir(tmp_path), c)
    out = tmp_path / "v"
    write_verdict(res, c, out)
    assert {p.name for p in out.iterdir()} == {"verdict.json", "verdict.csv", "criteria.yaml"}
    again = criteria_from_dict(load_yaml(out / "criteria.yaml"))
    assert again.sha256() == c.sha256()
    data = json.loads((out / "verdict.json").read_text())
    assert data["criteria"]["sha256"] == c.sha256()
    assert sum(data["counts"].values()) == len(data["rows"])


def test_folder_without_manifest_or_key(tmp_path):
    with pytest.raises(InputError, match=r"no manifest\.json"):
        verdict_from_dir(tmp_path, load_criteria(None))
    (tmp_path / "manifest.json").write_text("{}")
    with pytest.raises(InputError, match=r"no key\.yaml"):
        verdict_from_dir(tmp_path, load_criteria(None))
