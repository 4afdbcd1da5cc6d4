"""The report's helpers: artifact reading, data notes, tables and deterministic figures."""

from __future__ import annotations

import importlib
import json

import pandas as pd
import pytest


@pytest.fixture
def report(tmp_path, monkeypatch):
    """lospw.report reading artifacts from a temporary data/derived."""
    monkeypatch.setenv("LOSPW_DERIVED", str(tmp_path))
    monkeypatch.delenv("LOSPW_ANALYSIS", raising=False)
    import lospw.report as R

    return importlib.reload(R)


def test_missing_artifact_names_the_make_target(report):
    with pytest.raises(report.MissingArtifact, match=r"delphi/summary.json: run `make delphi`"):
        report.load_json("delphi/summary.json")
    with pytest.raises(report.MissingArtifact, match=r"run `make analysis` first"):
        report.load_analysis_json("cfa/fits.json")


def test_results_folder_names_lospw_analyze(tmp_path, monkeypatch):
    monkeypatch.setenv("LOSPW_ANALYSIS", str(tmp_path / "run"))
    import lospw.report as R

    R = importlib.reload(R)
    try:
        with pytest.raises(R.MissingArtifact, match=r"lospw analyze \.\.\. -o"):
            R.load_analysis_json("manifest.json")
    finally:
        monkeypatch.delenv("LOSPW_ANALYSIS")
        importlib.reload(R)


def test_csv_formula_neutralisation_is_undone(report, tmp_path):
    from lospw.analysis.core.artifacts import write_csv

    (tmp_path / "cfa").mkdir()
    frame = pd.DataFrame({"lhs": ["F1", "x1"], "op": ["=~", "~~"], "rhs": ["x1", "x1"],
                          "est": [1.0, -0.5], "note": ["-keyed", "+plus"]})
    write_csv(frame, tmp_path / "cfa" / "p.csv")
    assert "'=~" in (tmp_path / "cfa" / "p.csv").read_text()
    back = report.load_csv("cfa/p.csv")
    assert back["op"].tolist() == ["=~", "~~"]
    assert back["note"].tolist() == ["-keyed", "+plus"]
    assert back["est"].tolist() == [1.0, -0.5]


def test_data_notes(report, tmp_path):
    (tmp_path / "delphi").mkdir()
    (tmp_path / "delphi" / "summary.json").write_text(json.dumps(
        {"label": "SYNTHETIC demo panel", "inputs": [{"file": "r1.csv"}]}))
    n = report.note("delphi")
    assert n.synthetic and n.label == "SYNTHETIC DATA"
    assert n.caption.startswith("**SYNTHETIC DATA**")
    (tmp_path / "analysis").mkdir()
    (tmp_path / "analysis" / "provenance.json").write_text(json.dumps(
        {"synthetic": False, "data": {"file": "survey.csv"}}))
    real = report.note("analysis")
    assert not real.synthetic and real.label == "" and real.caption == (
        "Data: survey\\.csv\\, analysed by lospw analyze.")  # the source is escaped
    with pytest.raises(ValueError):
        report.note("bank")


def test_stage_records(report, tmp_path):
    (tmp_path / "analysis").mkdir()
    (tmp_path / "analysis" / "manifest.json").write_text(json.dumps({"complete": True, "stages": [
        {"name": "cfa", "status": "ok", "reason": None, "warnings": []},
        {"name": "invariance", "status": "skipped", "reason": "groups too small",
         "warnings": [{"code": "group_too_small", "message": "x"}]}]}))
    assert report.stage("cfa").ok
    inv = report.stage("invariance")
    assert not inv.ok and inv.reason == "groups too small"
    assert report.stage("nonesuch").status == "not run"


def test_table_is_a_numbered_myst_table_with_the_note():
    from lospw.report import DataNote
    from lospw.report_display import table

    out = table(pd.DataFrame({"item": ["a*b", "c|d"], "r": [0.12345, float("nan")]}),
                "Caption with `code`", DataNote(True, "demo"), name="tbl-x").data
    lines = out.splitlines()
    assert lines[0] == "::::{table} Caption with `code` **SYNTHETIC DATA**: demo."
    assert lines[1] == ":name: tbl-x"
    assert "| a\\*b | 0\\.12 |" in out and "| c\\|d | – |" in out
    assert lines[-1] == "::::"


def test_figures_are_deterministic_and_stamped():
    import matplotlib.pyplot as plt

    from lospw.report import DataNote
    from lospw.report_display import png, setup

    setup()

    def draw():
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.plot([1, 2, 3], [3, 1, 2])
        return fig

    a, b = png(draw()), png(draw())
    assert a == b and a.startswith(b"\x89PNG")
    assert b"Software" not in a and b"Date" not in a
    stamped = png(draw(), DataNote(True, "demo"))
    assert stamped != a
    assert png(draw(), DataNote(False, "real")) == a


def test_sankey_and_flow_figures_draw():
    from lospw.report_display import png, setup
    from lospw.report_figures import FlowNode, box_flow, path_diagram, sankey

    setup()
    nodes = [FlowNode("1:keep", 0, "keep", 3), FlowNode("1:drop", 0, "drop", 2),
             FlowNode("f:ret", 1, "retained", 3), FlowNode("f:drop", 1, "dropped", 2)]
    assert png(sankey(nodes, [("1:keep", "f:ret", 3), ("1:drop", "f:drop", 2)]))
    assert png(box_flow([("Received\n10", [("empty", 1)]), ("Analysed\n9", [])]))
    fig = path_diagram({"F": [("x1", 0.7), ("x2", 0.3)], "G": [("y1", 0.8)]},
                       {("F", "G"): 0.4}, {"x1": 0.51, "x2": 0.91, "y1": 0.36})
    assert png(fig)
