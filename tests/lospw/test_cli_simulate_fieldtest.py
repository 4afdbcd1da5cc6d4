"""Tests for ``lospw simulate population`` and ``lospw simulate fieldtest``."""

from __future__ import annotations

import json

from tests.conftest import FIXTURES, ROOT
from tests.lospw.test_cli_intake import run

KEY = FIXTURES / "keys" / "lospw_handmade.yaml"


def test_population_then_fieldtest_then_intake(tmp_path):
    r = run("simulate", "population", "--key", str(KEY), "--seed", "3", "-o", str(tmp_path),
            "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["synthetic"] and out["n_items"] == 35
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lospw-files.json", "key.yaml",
                                                          "population.yaml"]
    data = tmp_path / "ft.csv"
    args = ["simulate", "fieldtest", "--population", str(tmp_path / "population.yaml"),
            "--seed", "5", "-n", "300", "-o", str(data)]
    r = r_sim = run(*args)
    assert r.returncode == 0, r.stderr
    assert "SYNTHETIC field test: 300 respondents x 35 items" in r.stdout
    first = data.read_bytes()
    truth = json.loads((tmp_path / "ft.truth.json").read_text())
    assert truth["synthetic"] and truth["seed"] == 5 and truth["data_file"] == "ft.csv"
    assert truth["population_file"] == "population.yaml"
    assert run(*args).returncode == 0 and data.read_bytes() == first  # deterministic
    r = run("intake", str(data), "--key", str(tmp_path / "key.yaml"), "--id",
            "respondent_id", "--screen", "exclude", "--json")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    per_wave = truth["waves"]["respondents_per_wave"]        # the model has 3 waves
    assert per_wave[0] == 300 and len(per_wave) == 3 and "waves: 300, " in r_sim.stdout
    assert s["reconciles"] and s["n_read"] == sum(per_wave)
    assert s["screening"]["time_column"] == "interviewtime"


def test_bad_inputs_exit_2(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("model: nope\n")
    for args in (["simulate", "fieldtest", "--population", str(bad), "--seed", "1", "-o",
                  str(tmp_path / "x.csv")],
                 ["simulate", "fieldtest", "--population", str(tmp_path / "none.yaml"),
                  "--seed", "1", "-o", str(tmp_path / "x.csv")],
                 ["simulate", "population", "--key", str(FIXTURES / "keys" / "bfi.yaml"),
                  "--seed", "1", "-o", str(tmp_path)],
                 ["simulate", "fieldtest", "--population", str(bad), "--seed", "-1", "-o",
                  "x.csv"]):
        r = run(*args)
        assert r.returncode == 2, (args, r.stdout)
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_committed_demo_is_labelled_and_consistent():
    d = ROOT / "data" / "raw" / "fieldtest"
    if not (d / "responses.csv").exists():
        return
    assert "SYNTHETIC" in (d / "README.md").read_text()
    assert (d / "population.yaml").read_text().startswith("# SYNTHETIC")
    truth = json.loads((d / "responses.truth.json").read_text())
    assert truth["synthetic"] is True and truth["n"] == 600
    assert truth["seed"] == int((d / "SEED").read_text())
    from lospw.analysis.core.artifacts import sha256_file
    assert truth["population_sha256"] == sha256_file(d / "population.yaml")
