"""The report reads a lospw analyze folder through $LOSPW_ANALYSIS (make book RESULTS=DIR)."""

from __future__ import annotations

import importlib
import json

import pytest

import lospw.report


def test_analysis_folder_from_environment(tmp_path, monkeypatch):
    (tmp_path / "cfa").mkdir()
    (tmp_path / "cfa" / "fits.json").write_text(json.dumps({"estimator": "MLR"}))
    (tmp_path / "cfa" / "fit_measures.csv").write_text("model,cfi\ncorrelated,0.97\n")
    monkeypatch.setenv("LOSPW_ANALYSIS", str(tmp_path))
    report = importlib.reload(lospw.report)
    try:
        assert report.ANALYSIS == tmp_path
        assert report.load_analysis_json("cfa/fits.json") == {"estimator": "MLR"}
        assert report.load_analysis_csv("cfa/fit_measures.csv")["cfi"].tolist() == [0.97]
        with pytest.raises(report.MissingArtifact, match=r"run `lospw analyze \.\.\. -o"):
            report.analysis_path("verdict/verdict.json")
    finally:
        monkeypatch.delenv("LOSPW_ANALYSIS")
        importlib.reload(lospw.report)


def test_default_is_the_demo_analysis(monkeypatch):
    monkeypatch.delenv("LOSPW_ANALYSIS", raising=False)
    report = importlib.reload(lospw.report)
    assert report.ANALYSIS == report.DERIVED / "analysis"
    with pytest.raises(report.MissingArtifact, match="make analysis"):
        report.analysis_path("no/such/artifact.json")
