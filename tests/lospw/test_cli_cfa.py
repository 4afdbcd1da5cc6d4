"""``lospw cfa``: JSON shape, estimator naming, one-line errors."""

from __future__ import annotations

import json

import pytest

from tests.lospw.test_cli import run

HS = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"


def test_cfa_model_json(hs_path):
    r = run("cfa", str(hs_path), "--model", HS, "--estimator", "ML", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["estimator"] == "ML" and out["n_obs"] == 301 and out["converged"]
    assert round(out["fit"]["chisq"], 3) == 85.306 and out["fit"]["df"] == 24
    assert out["modindices_top"][0]["lhs"] == "visual"
    assert len(out["residual_correlations_top"]) == 10


def test_cfa_key_continuous_defaults_to_ml(hs_path, hs_key_path):
    r = run("cfa", str(hs_path), "--key", str(hs_key_path), "--group", "school",
            "--group-equal", "loadings")
    assert r.returncode == 0, r.stderr
    assert "estimator ML" in r.stdout and "2 groups by school" in r.stdout


def test_cfa_model_file(tmp_path, hs_path):
    f = tmp_path / "hs.lav"
    f.write_text(HS.replace("; ", "\n"))
    r = run("cfa", str(hs_path), "--model", str(f), "--estimator", "ML", "--top", "3")
    assert r.returncode == 0, r.stderr
    assert "Top 3 modification indices" in r.stdout


@pytest.mark.parametrize("args, fragment", [
    ([], "Give --key KEY"),
    (["--model", "nonsense"], "neither lavaan syntax"),
    (["--model", "f =~ zz1 + zz2 + zz3"], "not in"),
    (["--model", HS, "--estimator", "ML", "--group", "nope"], "group column"),
])
def test_cfa_errors_exit_2_one_line(hs_path, args, fragment):
    r = run("cfa", str(hs_path), *args)
    assert r.returncode == 2, r.stdout
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], r.stderr
