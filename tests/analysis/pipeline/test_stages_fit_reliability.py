"""Tests for the dynamic stage of ``lospw analyze`` and the model-based reliability artifacts
(analysis/pipeline/stages_fit_reliability.py), the verdict by dynamic cutoffs
(analysis/pipeline/verdict.py) and the criteria fields ``cutoffs`` / ``dynamic_level``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from lospw.analysis.core.criteria import criteria_from_dict, default_criteria_path
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.yamlio import load_yaml
from lospw.analysis.pipeline.runner import AnalysisOptions, run_analysis
from lospw.analysis.planning.dynamic import judge_dynamic


def _criteria_file(tmp_path: Path, **sv) -> Path:
    raw = load_yaml(default_criteria_path())
    raw["structural_validity"].update(sv)
    path = tmp_path / "criteria.yaml"
    import yaml
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def _hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _stages(folder: Path) -> dict[str, tuple[str, str | None]]:
    man = json.loads((folder / "manifest.json").read_text())
    return {s["name"]: (s["status"], s["reason"]) for s in man["stages"]}


# -- criteria ----------------------------------------------------------------------------------
def test_criteria_cutoffs_default_optional_and_shorthand():
    raw = load_yaml(default_criteria_path())
    c = criteria_from_dict(raw)
    assert (c.sv_cutoffs, c.sv_dynamic_level) == ("fixed", 1)
    del raw["structural_validity"]["cutoffs"], raw["structural_validity"]["dynamic_level"]
    old = criteria_from_dict(raw)  # a criteria file written before these fields
    assert (old.sv_cutoffs, old.sv_dynamic_level) == ("fixed", 1)
    raw["structural_validity"] = "dynamic"
    short = criteria_from_dict(raw)
    assert short.sv_cutoffs == "dynamic" and short.cfi_above == c.cfi_above
    assert short.to_dict()["structural_validity"]["cutoffs"] == "dynamic"


@pytest.mark.parametrize("field, value, fragment", [
    ("cutoffs", "dyn", "structural_validity.cutoffs: must be one of fixed, dynamic"),
    ("dynamic_level", 0, "structural_validity.dynamic_level: must be from 1 to 100"),
    ("dynamic_level", 1.5, "must be a whole number"),
])
def test_criteria_cutoffs_errors(field, value, fragment):
    raw = load_yaml(default_criteria_path())
    raw["structural_validity"][field] = value
    with pytest.raises(InputError, match=fragment):
        criteria_from_dict(raw, "c.yaml")


# -- judging ----------------------------------------------------------------------------------
BLOCK = {"indices": {"srmr": "srmr", "rmsea": "rmsea_robust", "cfi": "cfi_robust"},
         "observed": {"srmr": 0.04, "rmsea": 0.07, "cfi": 0.97},
         "levels": [{"level": 1, "misspecification": "m1", "srmr": 0.05, "rmsea": 0.06,
                     "cfi": None},
                    {"level": 2, "misspecification": "m2", "srmr": None, "rmsea": None,
                     "cfi": None}]}


def test_judge_dynamic_rules():
    verdict, text, values = judge_dynamic(BLOCK, 1, "any")
    assert verdict == "sufficient"
    assert values == {"srmr": 0.04, "srmr_cutoff": 0.05, "rmsea_robust": 0.07,
                      "rmsea_robust_cutoff": 0.06, "cfi_robust": 0.97,
                      "cfi_robust_cutoff": None}
    assert "rmsea_robust 0.070 not < 0.060" in text and "cfi_robust 0.970 (no cutoff)" in text
    assert judge_dynamic(BLOCK, 1, "all")[0] == "insufficient"
    assert judge_dynamic(BLOCK, 2)[0] == "indeterminate"   # no cutoff at all
    assert judge_dynamic(BLOCK, 3)[0] == "indeterminate"   # no such level


# -- the pipeline ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dynamic_run(tmp_path_factory, hs_path_module, hs_key_module):
    tmp = tmp_path_factory.mktemp("dyn")
    crit = _criteria_file(tmp, cutoffs="dynamic")
    out = tmp / "run"
    run_analysis(AnalysisOptions(str(hs_path_module), str(hs_key_module), estimator="ML",
                                 criteria=str(crit), dynamic_reps=10, seed=3), out)
    return out, crit


@pytest.fixture(scope="module")
def hs_path_module():
    from tests.conftest import reference_data
    return reference_data("holzinger_swineford_1939.csv")


@pytest.fixture(scope="module")
def hs_key_module():
    from tests.conftest import FIXTURES
    return FIXTURES / "keys" / "holzinger.yaml"


def test_dynamic_stage_artifacts_and_verdict(dynamic_run):
    out, _ = dynamic_run
    assert _stages(out)["dynamic"] == ("ok", None)
    dyn = json.loads((out / "dynamic" / "dynamic.json").read_text())
    assert dyn["model_name"] == "correlated" and dyn["estimator"] == "ML"
    assert dyn["reps"] == 10 and dyn["seed"] == 3 and dyn["n"] == 301
    assert [lv["level"] for lv in dyn["levels"]] == [1, 2]
    assert all(set(lv) >= {"level", "misspecification", "srmr", "rmsea", "cfi"}
               for lv in dyn["levels"])
    reps = pd.read_csv(out / "dynamic" / "replications.csv")
    assert len(reps) == 30 and set(reps["population"]) == {0, 1, 2}
    cut = pd.read_csv(out / "dynamic" / "cutoffs.csv")
    assert list(cut["level"]) == [1, 2] and "srmr_rule" in cut.columns
    verdict = json.loads((out / "verdict" / "verdict.json").read_text())
    sv = [r for r in verdict["rows"] if r["property"] == "structural validity"]
    assert sv[0]["artifact"] == "dynamic/dynamic.json"
    assert sv[0]["criterion"].startswith("dynamic cutoffs (McNeish & Wolf, 2023) of level 1")
    # the HS model (CFI .931, RMSEA .092) is worse than a model missing one cross-loading
    assert sv[0]["verdict"] == "insufficient" and sv[0]["values"]["srmr_cutoff"] is not None
    man = json.loads((out / "manifest.json").read_text())
    art = {a["path"]: a for a in man["artifacts"]}
    assert art["dynamic/dynamic.json"]["seed"] == 3
    assert art["dynamic/dynamic.json"]["estimator"] == "ML"


def test_bifactor_block_of_the_cfa_stage(dynamic_run):
    out, _ = dynamic_run
    bif = json.loads((out / "cfa" / "bifactor_indices.json").read_text())
    # the bifactor rival's own fit keeps its file, as every rival's (the indices used to
    # overwrite it, and a report read the fit as indices when the rival did not converge)
    fit = json.loads((out / "cfa" / "bifactor.json").read_text())
    assert "parameters" in fit and "model_syntax" in fit and "omega_h" not in fit
    assert bif["method"] == "cfa" and bif["estimator"] == "ML" and bif["n"] == 301
    assert set(bif["h"]) == {"general", "visual", "textual", "speed"}
    assert set(bif["omega_hs"]) == {"visual", "textual", "speed"}
    for k in ("omega_h", "ecv", "puc"):
        assert isinstance(bif[k], float)
    assert bif["puc"] == pytest.approx(1 - 3 * 3 / 36)  # 27 of 36 correlations
    # the HS bifactor model is a Heywood case: recorded, not hidden
    assert any(w["code"] == "heywood_case" and w["context"]["model"] == "bifactor"
               for w in bif["warnings"])


def test_dynamic_stage_rerun_identical_with_jobs(dynamic_run, hs_path_module, hs_key_module):
    out, crit = dynamic_run
    again = out.parent / "again"
    run_analysis(AnalysisOptions(str(hs_path_module), str(hs_key_module), estimator="ML",
                                 criteria=str(crit), dynamic_reps=10, seed=3, jobs=2), again)
    assert _hashes(out) == _hashes(again)


def test_dynamic_stage_skipped_unless_requested(tmp_path, hs_path, hs_key_path):
    out = tmp_path / "run"
    run_analysis(AnalysisOptions(str(hs_path), str(hs_key_path), estimator="ML"), out)
    status, reason = _stages(out)["dynamic"]
    assert status == "skipped" and "--dynamic" in reason
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["options"]["dynamic"] is False and "jobs" not in prov["options"]
    verdict = json.loads((out / "verdict" / "verdict.json").read_text())
    sv = [r for r in verdict["rows"] if r["property"] == "structural validity"]
    assert sv[0]["artifact"] == "cfa/fits.json"  # fixed thresholds


def test_dynamic_criteria_without_stage_is_indeterminate(tmp_path, hs_path, hs_key_path,
                                                         monkeypatch):
    def refuse(*args, **kwargs):
        raise InputError("a model the procedure does not cover")

    monkeypatch.setattr("lospw.analysis.pipeline.stages_fit_reliability.dynamic_cutoffs", refuse)
    crit = _criteria_file(tmp_path, cutoffs="dynamic")
    out = tmp_path / "run"
    run_analysis(AnalysisOptions(str(hs_path), str(hs_key_path), estimator="ML",
                                 criteria=str(crit)), out)
    assert _stages(out)["dynamic"] == ("failed", "a model the procedure does not cover")
    verdict = json.loads((out / "verdict" / "verdict.json").read_text())
    sv = next(r for r in verdict["rows"] if r["property"] == "structural validity")
    assert sv["verdict"] == "indeterminate" and "does not cover" in sv["result"]


def test_option_errors():
    with pytest.raises(InputError, match="'dynamic_reps' option must be a whole number of at "
                                         "least 10"):
        AnalysisOptions("d.csv", "k.yaml", dynamic_reps=5)


def test_omega_ordinal_in_the_reliability_stage(tmp_path, bfi_path, bfi_key_path):
    """The reliability stage adds Green & Yang's omega per scale for ordinal items, as
    semTools::compRelSEM(ord.scale = TRUE) (tests/reference/ordinal_omega.R) within .005."""
    from lospw.analysis.core.criteria import load_criteria
    from lospw.analysis.core.key import load_key
    from lospw.analysis.intake.responses import read_responses
    from lospw.analysis.pipeline.context import Context
    from lospw.analysis.pipeline.stages import run_reliability, write_reliability

    key = load_key(bfi_key_path)
    opts = AnalysisOptions(str(bfi_path), str(bfi_key_path), estimator="WLSMV")
    ctx = Context(opts, key, load_criteria(None), tmp_path,
                  results={"intake": read_responses(str(bfi_path), key)})
    res = run_reliability(ctx)
    ref = json.loads(Path("tests/reference/ordinal_omega.json").read_text())["scales"]
    for scale, s in res.scales.items():
        want = ref[scale]["compRelSEM"]["omega_ord_scale_TRUE"]
        assert s.omega_ordinal == pytest.approx(want, abs=0.005), scale
    write_reliability(res, ctx, tmp_path / "reliability")
    scales = pd.read_csv(tmp_path / "reliability" / "scales.csv")
    assert scales["omega_ordinal"].notna().all()


def test_no_omega_ordinal_for_continuous_items(dynamic_run):
    out, _ = dynamic_run
    rel = json.loads((out / "reliability" / "reliability.json").read_text())
    assert all(s["omega_ordinal"] is None for s in rel["scales"].values())
