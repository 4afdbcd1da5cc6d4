"""``lospw cfa --cluster``: a two-level CFA from a key or a model; refusals in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.lospw.test_cli import run

DATA = Path(__file__).resolve().parents[1] / "reference" / "data"
REF = json.loads((DATA.parent / "twolevel_cfa.json").read_text())
CHECKS = json.loads((DATA.parent / "twolevel_cfa_checks.json").read_text())


def test_key_same_structure_json_matches_lavaan():
    """--levels same is the cross-level invariant model of the reference (labels L_*)."""
    r = run("cfa", str(DATA / "twolevel_likert.csv"), "--key",
            str(DATA / "twolevel_likert_key.yaml"), "--cluster", "workplace", "--missing-data",
            "available", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["levels"] == 2 and out["n_clusters"] == 60 and out["converged"]
    case = REF["cases"]["likert_cross_level_invariant_ml"]
    chk = CHECKS["h1_missing"]["twolevel_likert"]["cases"]["likert_cross_level_invariant_ml"]
    assert out["fit"]["logl"] == pytest.approx(case["fit_measures"]["logl"], abs=1e-3)
    assert out["fit"]["chisq"] == pytest.approx(chk["chisq_h1_bfgs"], rel=1e-3)
    assert out["fit"]["df"] == case["fit_measures"]["df"]
    assert "L_P2*P2" in out["model_syntax"]


def test_model_text_table():
    model = REF["cases"]["demo_configural"]["model"]
    r = run("cfa", str(DATA / "demo_twolevel.csv"), "--model", model, "--cluster", "cluster",
            "--missing-data", "listwise")
    assert r.returncode == 0, r.stderr
    assert "Two-level CFA" in r.stdout and "200 clusters" in r.stdout
    assert "srmr_between" in r.stdout and "ICC per item" in r.stdout


@pytest.mark.parametrize("args, fragment", [
    (["--cluster", "nosuch"], "not a column"),
    (["--cluster", "workplace"], "needs at least"),
    (["--cluster", "workplace", "--estimator", "WLSMV"], "fitted by ML"),
])
def test_refusals_one_line(args, fragment):
    r = run("cfa", str(DATA / "fieldtest_twolevel.csv"), "--model",
            "level: 1\nf =~ LOSgoals2 + LOSknowledge3 + LOSfeedback4\n"
            "level: 2\nf =~ LOSgoals2 + LOSknowledge3 + LOSfeedback4", *args)
    assert r.returncode == 2
    assert fragment in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
