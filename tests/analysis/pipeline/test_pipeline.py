"""Tests for the pipeline (analysis/pipeline/runner.py, analysis/pipeline/stages.py): the manifest, stages
that cannot run, failures that do not stop the others, byte-identical reruns."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lospw.analysis.pipeline.stages as stages_mod
from lospw.analysis.core.artifacts import sha256_file
from lospw.analysis.core.errors import InputError, LospwWarning
from lospw.analysis.core.outdir import RECORD
from lospw.analysis.core.warnings import Note
from lospw.analysis.pipeline.context import STATUSES
from lospw.analysis.pipeline.runner import AnalysisOptions, run_analysis, stage_notes


def hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def status(folder: Path) -> dict[str, tuple[str, str | None]]:
    return {s["name"]: (s["status"], s["reason"]) for s in manifest(folder)["stages"]}


@pytest.fixture
def hs_run(tmp_path, hs_path, hs_key_path):
    out = tmp_path / "hs"
    # the lavaan tutorial's numbers: ML on complete cases, set explicitly (issue 20 made
    # every-answer estimation the default)
    summary = run_analysis(AnalysisOptions(str(hs_path), str(hs_key_path), group="school",
                                           estimator="ML", missing="listwise"), out)
    return out, summary


def test_manifest_lists_every_file_with_its_hash(hs_run):
    out, summary = hs_run
    m = manifest(out)
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {a["path"] for a in m["artifacts"]} == files - {"manifest.json", RECORD}
    assert m["complete"] is True and m["format"] == "lospw-analysis/2"
    for a in m["artifacts"]:
        assert a["sha256"] == sha256_file(out / a["path"])
        assert not Path(a["path"]).is_absolute()
    names = [s["name"] for s in m["stages"]]
    assert names == ["intake", "screening", "items", "reliability", "dimensionality", "cfa",
                     "dynamic", "invariance", "validity", "reduction", "scoring", "aggregation",
                     "multilevel", "longitudinal", "trajectories", "verdict"]
    assert all(s["status"] in STATUSES for s in m["stages"])
    by = {a["path"]: a for a in m["artifacts"]}
    assert by["dimensionality/efa.json"]["seed"] == 1
    assert by["reliability/reliability.json"]["seed"] is None
    assert by["key.yaml"]["stage"] == "run" and m["estimator"] == "ML"
    assert by["cfa/fits.json"]["estimator"] == "ML" and by["cfa/fits.json"]["seed"] is None
    # skipped stages say why; the verdict says indeterminate for them
    st = status(out)
    assert st["aggregation"] == ("skipped", "no --cluster column given")
    assert st["multilevel"] == ("skipped", "no --cluster column given")
    assert st["longitudinal"] == ("skipped", "no --wave column given")
    assert st["trajectories"] == ("skipped", "no --wave column given")
    assert st["verdict"][0] == "ok" and summary.verdict
    assert (out / "verdict" / "verdict.json").is_file()
    assert {r["verdict"] for r in summary.verdict} <= {"sufficient", "insufficient",
                                                        "indeterminate"}


def test_hs_stages_with_the_engine(hs_run):
    out, _ = hs_run
    import lospw.analysis.cfa
    if not hasattr(lospw.analysis.cfa, "fit_cfa"):
        pytest.skip("CFA engine not in this version")
    st = status(out)
    assert all(st[s] == ("ok", None) for s in ("cfa", "invariance", "validity", "reduction"))
    fits = json.loads((out / "cfa" / "fits.json").read_text())
    f = fits["models"]["correlated"]["fit"]
    # lavaan tutorial: chisq 85.306, df 24, CFI .931, TLI .896, RMSEA .092, SRMR .065
    assert f["chisq"] == pytest.approx(85.306, abs=1e-3) and f["df"] == 24
    assert (round(f["cfi"], 3), round(f["rmsea"], 3), round(f["srmr"], 3)) == (.931, .092, .065)
    prop = json.loads((out / "reduction" / "proposal.json").read_text())
    x9 = next(d for d in prop["decisions"] if d["item"] == "x9")
    # x9's cross-loading on visual (lavaan modindices: MI 36.411) is found; the 3-item
    # minimum keeps it
    assert "cross-loading on visual: MI 36.4" in json.dumps(x9["flags"])
    assert x9["decision"] == "keep" and prop["dropped"] == []
    inv = json.loads((out / "invariance" / "invariance.json").read_text())
    assert inv["partial"][0]["freed"][0]["parameter"] == "x3~1"
    verdict = json.loads((out / "verdict" / "verdict.json").read_text())
    scalar = next(r for r in verdict["rows"] if r["scope"].startswith("scalar"))
    assert scalar["verdict"] == "insufficient" and "x3~1" in scalar["result"]


def test_robust_corrections_missing_fail_loudly():
    from types import SimpleNamespace

    from lospw.analysis.core.errors import LospwError
    from lospw.analysis.pipeline.stages_model import _checked

    ok = SimpleNamespace(estimator="MLR", warnings=())
    assert _checked(ok) is ok
    bad = SimpleNamespace(estimator="MLR", warnings=(SimpleNamespace(
        code="robust_failed", message="robust corrections failed: not available"),))
    with pytest.raises(LospwError, match="could not compute the MLR corrections"):
        _checked(bad)


def test_no_absolute_paths_or_raw_ids_in_artifacts(hs_run, hs_path):
    out, _ = hs_run
    folder = str(hs_path.parent)
    raw_ids = set(pd.read_csv(hs_path)["id"].astype(str))
    for p in out.rglob("*"):
        if p.is_file() and p.suffix in (".json", ".csv", ".yaml", ".R"):
            text = p.read_text(encoding="utf-8")
            assert folder not in text, p
    scores = pd.read_csv(out / "scoring" / "scores.csv", dtype=str)
    assert scores["respondent"].str.match(r"^R\d{4}$").all()
    assert "id" not in scores.columns and not set(scores["respondent"]) & raw_ids


def test_rerun_is_byte_identical(tmp_path, hs_path, hs_key_path):
    opts = AnalysisOptions(str(hs_path), str(hs_key_path), group="school", seed=7,
                           estimator="ML", cluster="grade", reduce=True)
    a, b = tmp_path / "a", tmp_path / "b"
    run_analysis(opts, a)
    run_analysis(opts, b)
    first = hashes(a)
    assert first == hashes(b) and len(first) > 15
    run_analysis(opts, a)  # into the same folder again
    assert hashes(a) == first


def test_rerun_replaces_stale_stage_folders(tmp_path, hs_path, hs_key_path):
    out = tmp_path / "o"
    run_analysis(AnalysisOptions(str(hs_path), str(hs_key_path), cluster="grade"), out)
    assert (out / "aggregation").is_dir()
    run_analysis(AnalysisOptions(str(hs_path), str(hs_key_path)), out)
    assert not (out / "aggregation").exists()
    assert status(out)["invariance"] == ("skipped", "no --group column given")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]  # no lock or temporary left


def test_foreign_output_folder_is_refused(tmp_path, hs_path, hs_key_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    with pytest.raises(InputError, match="not empty and was not written by lospw analyze"):
        run_analysis(AnalysisOptions(str(hs_path), str(hs_key_path)), out)
    assert (out / "thesis.docx").read_text() == "precious"
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(InputError, match="is a file"):
        run_analysis(AnalysisOptions(str(hs_path), str(hs_key_path)), f)


def test_unexpected_failure_is_recorded_and_others_run(tmp_path, hs_path, hs_key_path,
                                                       monkeypatch):
    def boom(ctx):
        raise RuntimeError("boom in reliability")

    patched = tuple(dataclasses.replace(s, run=boom) if s.name == "reliability" else s
                    for s in stages_mod.STAGES)
    monkeypatch.setattr(stages_mod, "STAGES", patched)
    out = tmp_path / "o"
    run_analysis(AnalysisOptions(str(hs_path), str(hs_key_path)), out)
    st = status(out)
    assert st["reliability"] == ("failed", "unexpected error (RuntimeError: boom in reliability)")
    assert st["dimensionality"][0] == st["scoring"][0] == st["verdict"][0] == "ok"
    assert not (out / "reliability").exists()
    verdict = json.loads((out / "verdict" / "verdict.json").read_text())
    ic = [r for r in verdict["rows"] if r["property"] == "internal consistency"]
    assert ic and all(r["verdict"] == "indeterminate" for r in ic)
    assert "RuntimeError" in ic[0]["result"]


def test_anticipated_failure_keeps_its_message(tmp_path, hs_path, hs_key_path, monkeypatch):
    def refuse(ctx):
        raise InputError("The EFA needs more rows than items; got 5 usable rows.")

    patched = tuple(dataclasses.replace(s, run=refuse) if s.name == "dimensionality" else s
                    for s in stages_mod.STAGES)
    monkeypatch.setattr(stages_mod, "STAGES", patched)
    out = tmp_path / "o"
    run_analysis(AnalysisOptions(str(hs_path), str(hs_key_path)), out)
    assert status(out)["dimensionality"] == (
        "failed", "The EFA needs more rows than items; got 5 usable rows.")


def test_group_too_small_for_invariance(tmp_path, hs_path, hs_key_path):
    df = pd.read_csv(hs_path)
    df["team"] = ["big"] * 280 + ["tiny"] * (len(df) - 280)
    data = tmp_path / "hs_team.csv"
    df.to_csv(data, index=False)
    out = tmp_path / "o"
    run_analysis(AnalysisOptions(str(data), str(hs_key_path), group="team"), out)
    st, reason = status(out)["invariance"]
    assert st == "skipped" and "tiny (n = 21)" in reason and "fewer than 50" in reason
    inv = json.loads((out / "invariance" / "invariance.json").read_text())
    assert not any(s["estimable"] for s in inv["steps"])
    verdict = json.loads((out / "verdict" / "verdict.json").read_text())
    rows = [r for r in verdict["rows"] if r["property"] == "measurement invariance"]
    assert rows and all(r["verdict"] == "indeterminate" and "tiny" in r["result"]
                        for r in rows)
    assert status(out)["scoring"][0] == "ok" and status(out)["reliability"][0] == "ok"
    # the scheme still has norms per group where a group is large enough
    scheme = json.loads((out / "scoring" / "scheme.json").read_text())
    assert list(scheme["norms"]["groups"]) == ["big"]


def test_invariance_groups_union_and_left_out(tmp_path, hs_path, hs_key_path):
    df = pd.read_csv(hs_path)
    df["team"] = (["a"] * 100 + ["b"] * 60 + ["c"] * 60 + ["d"] * 81)
    data = tmp_path / "hs_team.csv"
    df.to_csv(data, index=False)
    out = tmp_path / "o"
    run_analysis(AnalysisOptions(str(data), str(hs_key_path), group="team", estimator="ML",
                                 invariance_groups=("a", "b+c")), out)
    inv = json.loads((out / "invariance" / "invariance.json").read_text())
    assert inv["group_sizes"] == {"a": 100, "b+c": 120}
    assert inv["excluded"] == {"missing_group": 81}
    stage = next(s for s in manifest(out)["stages"] if s["name"] == "invariance")
    assert stage["status"] == "ok"
    assert {"code": "groups_left_out", "message": "--invariance-groups: d (n = 81) not "
            "compared (their rows count under missing_group)", "context": {}} in stage["warnings"]
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["options"]["invariance_groups"] == ["a", "b+c"]
    with pytest.raises(InputError, match="does not have; its groups are a, b, c, d"):
        run_analysis(AnalysisOptions(str(data), str(hs_key_path), group="team",
                                     invariance_groups=("a", "e")), tmp_path / "o2")


def test_cluster_aggregation_and_charts(tmp_path, hs_path, hs_key_path):
    out = tmp_path / "o"
    run_analysis(AnalysisOptions(str(hs_path), str(hs_key_path), cluster="grade"), out)
    assert status(out)["aggregation"] == ("ok", None)
    ml = status(out)["multilevel"]           # 2 grades: far too few clusters
    assert ml[0] == "skipped" and "2 clusters" in ml[1] and "needs at least" in ml[1]
    agg = json.loads((out / "aggregation" / "aggregation.json").read_text())
    assert agg["by"] == "grade" and len(agg["scales"]) == 3
    assert sorted(p.name for p in (out / "aggregation" / "charts").iterdir())[:2] == [
        "profile_7.png", "profile_7.svg"]
    scores = pd.read_csv(out / "scoring" / "scores.csv")
    assert {"respondent", "row", "grade", "visual", "visual_se"} <= set(scores.columns)


def test_reduce_without_reduction_warns(tmp_path, hs_path, hs_key_path, monkeypatch):
    def fail(ctx):
        raise RuntimeError("the cfa stage fails")

    patched = tuple(dataclasses.replace(s, run=fail) if s.name == "cfa" else s
                    for s in stages_mod.STAGES)
    monkeypatch.setattr(stages_mod, "STAGES", patched)
    out = tmp_path / "o"
    run_analysis(AnalysisOptions(str(hs_path), str(hs_key_path), reduce=True,
                                 estimator="ML"), out)
    assert status(out)["reduction"][0] == "skipped"
    stage = next(s for s in manifest(out)["stages"] if s["name"] == "scoring")
    assert {w["code"] for w in stage["warnings"]} == {"reduce_unavailable"}
    summary = json.loads((out / "scoring" / "summary.json").read_text())
    assert summary["key"] == "full"


def test_synthetic_detection(tmp_path, hs_path, hs_key_path):
    data = tmp_path / "d" / "hs.csv"
    data.parent.mkdir()
    data.write_bytes(hs_path.read_bytes())
    (data.parent / "README.md").write_text("# Demo\nSimulated (SYNTHETIC) responses.\n")
    out = tmp_path / "o"
    summary = run_analysis(AnalysisOptions(str(data), str(hs_key_path), screen="off"), out)
    assert summary.synthetic and manifest(out)["synthetic"] is True
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["synthetic_evidence"] == "README.md beside the data calls them synthetic"
    scheme = json.loads((out / "scoring" / "scheme.json").read_text())
    assert "SYNTHETIC" in json.dumps(scheme)
    verdict = json.loads((out / "verdict" / "verdict.json").read_text())
    assert verdict["synthetic"] and verdict["label"].startswith("SYNTHETIC")
    assert status(out)["screening"] == ("skipped", "screening is off (--screen off)")
    run_analysis(AnalysisOptions(str(data), str(hs_key_path), synthetic=False), out)
    assert manifest(out)["synthetic"] is False
    (data.parent / "README.md").unlink()
    (data.parent / "metadata.yaml").write_text("synthetic: true\n")
    run_analysis(AnalysisOptions(str(data), str(hs_key_path)), out)
    assert manifest(out)["synthetic"] is True


def test_screen_exclude_moves_rows(tmp_path, bfi_path, bfi_key_path):
    df = pd.read_csv(bfi_path).head(400)
    df.loc[:9, [c for c in df.columns if c[0] in "ACENO" and c[1:].isdigit()]] = 3
    data = tmp_path / "bfi400.csv"
    df.to_csv(data, index=False)
    out = tmp_path / "o"
    run_analysis(AnalysisOptions(str(data), str(bfi_key_path), screen="exclude",
                                 min_flags=2), out)
    summ = json.loads((out / "screening" / "intake.json").read_text())
    assert summ["n_read"] == 400 and summ["n_excluded"] >= 10
    assert summ["n_analysed"] + summ["n_excluded"] == 400
    rel = json.loads((out / "reliability" / "reliability.json").read_text())
    assert rel["intake"]["n_analysed"] == summ["n_analysed"]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"estimator": "GLS"}, "'estimator' option must be one of 'ML', 'MLR', 'WLSMV'"),
    ({"missing": "pairwise"}, "'missing' option must be one of 'available', 'listwise', 'fiml'"),
    ({"screen": "drop"}, "'screen' option must be one of"),
    ({"estimator": "WLSMV", "missing": "fiml"}, "'fiml' needs the ML or MLR estimator"),
    ({"seed": -1}, "'seed' option must be a whole number of at least 0"),
    ({"min_flags": 0}, "'min_flags' option must be a whole number of at least 1"),
    ({"min_group_size": True}, "'min_group_size' option"),
    ({"group": "g", "cluster": "g"}, "name the same column"),
    ({"invariance_groups": ("a", "b")}, "needs a group column"),
    ({"group": "g", "invariance_groups": ("a",)}, "two or more groups"),
    ({"group": "g", "invariance_groups": ("a", "a+b")}, "each level once"),
    ({"group": "g", "invariance_groups": ("a", "b+")}, "each level once"),
])
def test_option_errors(kwargs, message):
    with pytest.raises(InputError, match=message):
        AnalysisOptions("d.csv", "k.yaml", **kwargs)


def test_bad_inputs_stop_before_stages(tmp_path, hs_path, hs_key_path):
    out = tmp_path / "o"
    with pytest.raises(InputError, match="no group column 'nope'"):
        run_analysis(AnalysisOptions(str(hs_path), str(hs_key_path), group="nope"), out)
    with pytest.raises(InputError, match="no cluster column"):
        run_analysis(AnalysisOptions(str(hs_path), str(hs_key_path), cluster="nope"), out)
    with pytest.raises(InputError, match="No data file"):
        run_analysis(AnalysisOptions(str(tmp_path / "none.csv"), str(hs_key_path)), out)
    bad = tmp_path / "c.yaml"
    bad.write_text("format: lospw-criteria/1\n")
    with pytest.raises(InputError, match="sample_size: missing"):
        run_analysis(AnalysisOptions(str(hs_path), str(hs_key_path), criteria=str(bad)), out)
    assert not (out / "manifest.json").exists()


def test_stage_notes_dedupe():
    w = stage_notes([Note("a_b", "x"), LospwWarning("a_b", "x"), Note("c", "y", {"k": "v"}),
                     LospwWarning(Note("c", "y", {"k": "v"})), Note("c", "y")])
    assert w == (Note("a_b", "x"), Note("c", "y", {"k": "v"}), Note("c", "y"))


def test_not_estimable_invariance_gives_the_modules_reason():
    from types import SimpleNamespace

    from lospw.analysis.pipeline.stages_model import InvarianceStageResult, check_invariance

    steps = [{"model": "configural", "estimable": False, "reason": "empty_category"}]
    res = SimpleNamespace(steps=steps, warnings=(
        Note("chen2007_conditions", "small"), Note("empty_category", "item O4 does not use all "
                                                   "its 6 categories in group 1: no step is "
                                                   "estimable")))
    assert check_invariance(InvarianceStageResult(res)) == (
        "item O4 does not use all its 6 categories in group 1: no step is estimable")
    res2 = SimpleNamespace(steps=[{"model": "configural", "estimable": False}], warnings=())
    assert check_invariance(InvarianceStageResult(res2)) == "no step was estimable"
    ok = SimpleNamespace(steps=[{"model": "configural", "estimable": True}], warnings=())
    assert check_invariance(InvarianceStageResult(ok)) is None


def test_planned_missingness_by_design(tmp_path, hs_path):
    """Issue 24: items routed by group are planned missingness: never non-response or
    careless; items asked of no group in the data are left out; invariance compares the
    items every group was asked."""
    df = pd.read_csv(hs_path)
    grant = df["school"] == "Grant-White"
    df.loc[grant, "x9"] = np.nan  # x9: asked of Pasteur only
    df["x10"] = np.nan  # asked of a group not in the data
    data = tmp_path / "hs_design.csv"
    df.to_csv(data, index=False)
    key = tmp_path / "key.yaml"
    key.write_text("instrument: hs_design\nresponse_scale: {min: 0, max: 10, continuous: true}\n"
                   "scales: {visual: [x1, x2, x3], textual: [x4, x5, x6], "
                   "speed: [x7, x8, x9, x10]}\n"
                   "design: {column: school, asked: {x9: [Pasteur], x10: [visitors]}}\n")
    out = tmp_path / "o"
    run_analysis(AnalysisOptions(str(data), str(key), group="school", estimator="ML",
                                 missing="fiml"), out)
    st = {s["name"]: s for s in manifest(out)["stages"]}
    assert all(st[s]["status"] == "ok" for s in ("intake", "screening", "items", "cfa",
                                                  "invariance", "scoring")), st
    assert next(w["code"] for w in st["intake"]["warnings"]) == "items_not_asked"
    assert {w["code"] for w in st["intake"]["warnings"]} == {"items_not_asked", "design"}
    assert all(w["context"] == {"column": "school"} for w in st["intake"]["warnings"][1:])
    assert "x10" in st["intake"]["warnings"][0]["message"]
    assert any(w["code"] == "items_not_asked_in_group" and w["message"].startswith("x9")
               for w in st["invariance"]["warnings"])
    items = pd.read_csv(out / "items" / "items.csv")
    x9 = items[items["item"] == "x9"].iloc[0]
    assert (x9["n_missing"], x9["n_not_asked"]) == (0, int(grant.sum()))
    intake = json.loads((out / "intake" / "intake.json").read_text())
    # x9 for Grant-White (x10, asked of nobody here, is out of the key analysed)
    assert intake["missing_answers"]["design"]["n_cells_planned_missing"] == int(grant.sum())
    scr = pd.read_csv(out / "screening" / "screening.csv")
    assert (scr["prop_missing"] == 0).all() and not scr["flag_missing"].any()
    assert "x10" not in (out / "key.yaml").read_text().split("description")[0]
    assert any(w["code"] == "htmt_pairwise" for w in st["validity"]["warnings"])
