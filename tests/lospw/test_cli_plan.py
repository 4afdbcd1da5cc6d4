"""``lospw plan``: a small run end to end, the files, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.lospw.test_cli import run

POP = str(Path(__file__).resolve().parents[1] / "fixtures" / "plan" / "population.yaml")


def test_plan_json_and_files(tmp_path):
    r = run("plan", "--population", POP, "--n", "100", "120", "--reps", "2", "--estimator",
            "ML", "--seed", "4", "-o", str(tmp_path), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["config"]["sizes"] == [100, 120] and out["config"]["seed"] == 4
    assert out["config"]["alternative"]["name"] == "grouped"
    assert [row["n"] for row in out["summary"]] == [100, 120]
    assert sorted(out["written"]) == ["plan.json", "plan.png", "plan.svg", "plan_loadings.csv",
                                      "plan_replications.csv", "plan_summary.csv"]
    assert "SYNTHETIC" in (tmp_path / "plan.svg").read_text()
    assert "4 replications (2 sizes x 2)" in r.stderr


def test_plan_table(tmp_path):
    r = run("plan", "--population", POP, "--n", "100", "--reps", "2", "--estimator", "ml",
            "--alternative", "one_factor")
    assert r.returncode == 0, r.stderr
    assert "Sample-size plan" in r.stdout and "alternative: one_factor" in r.stdout
    assert "No recommended N" in r.stdout or "Recommended N" in r.stdout


@pytest.mark.parametrize("args, fragment", [
    (["--jobs", "2", "--scheduler", "tcp://127.0.0.1:9"], "not both"),
    (["--n", "5"], "5 is not in the range x>=10"),
    (["--reps", "1"], "x>=2"),
    (["--estimator", "GLS"], "'GLS' is not one of"),
    (["--alternative", "bifactor"], "'bifactor' is not one of"),
])
def test_plan_usage_errors(args, fragment):
    base = {"--population": POP, "--n": "100", "--reps": "2", "--estimator": "ML"}
    for a in args[::2]:
        base.pop(a, None)
    argv = [x for kv in base.items() for x in kv] + args
    r = run("plan", *argv)
    assert r.returncode == 2, r.stderr
    assert fragment in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_plan_missing_population(tmp_path):
    r = run("plan", "--population", str(tmp_path / "nope.yaml"), "--n", "100", "--reps", "2")
    assert r.returncode == 2 and "nope.yaml" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_plan_refused_while_set_up_is_one_line(tmp_path):
    """A refusal of the preflight fits (here: WLSMV on 10 rows, a degenerate polychoric
    table) comes before the replications start: one line, no header, no empty bar, and
    no output folder."""
    r = run("plan", "--population", POP, "--n", "10", "--reps", "2", "--estimator", "WLSMV",
            "-o", str(tmp_path / "out"))
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert r.stderr.startswith("lospw: error: ") and "replications" not in r.stderr
    assert not (tmp_path / "out").exists()
