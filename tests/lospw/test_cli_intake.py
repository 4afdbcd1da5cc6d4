"""Tests for ``lospw intake``: exit codes, artifacts, pseudonymisation, determinism."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout

import pandas as pd
import pytest

from tests.analysis.intake.test_intake import BAD_DIR, CORPUS, KEY
from tests.lospw.test_cli import run as run_subprocess


class Result:
    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def run(*args: str) -> Result:
    """Run ``lospw ARGS`` in this process (fast); the exit code is main()'s sys.exit."""
    from lospw.cli import main
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def key_path(tmp_path_factory):
    return KEY.save(tmp_path_factory.mktemp("k") / "key.yaml")


def test_bfi_json(bfi_path, bfi_key_path):
    r = run_subprocess("intake", str(bfi_path), "--key", str(bfi_key_path), "--id", "id", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["n_read"] == 2800 and out["n_analysed"] == 2800 and out["reconciles"]
    assert out["screening"]["n_screened"] == 2800 and out["screening_mode"] == "flag"


def test_artifacts_pseudonymised_and_deterministic(bfi_path, bfi_key_path, tmp_path):
    outs = []
    for name in ("a", "b"):
        d = tmp_path / name
        r = run("intake", str(bfi_path), "--key", str(bfi_key_path), "--id", "id",
                "--screen", "exclude", "-o", str(d))
        assert r.returncode == 0, r.stderr
        assert "2800 row(s) read" in r.stdout
        outs.append(d)
    files = sorted(p.name for p in outs[0].iterdir())
    assert files == [".lospw-output.json", "cell_log.csv", "exclusions.csv", "intake.json",
                     "responses.csv", "screening.csv"]
    for f in files:
        assert (outs[0] / f).read_bytes() == (outs[1] / f).read_bytes(), f
    raw_ids = set(pd.read_csv(bfi_path, dtype=str)["id"])
    for f in files:  # raw ids never written: no cell equals one
        if f.endswith(".csv"):
            cells = set(pd.read_csv(outs[0] / f, dtype=str).to_numpy().ravel())
            assert not cells & raw_ids, f
    assert '"61617"' not in (outs[0] / "intake.json").read_text()
    assert "R0001" in (outs[0] / "responses.csv").read_text()
    summary = json.loads((outs[0] / "intake.json").read_text())
    assert summary["n_read"] == summary["n_analysed"] + summary["n_excluded"]
    assert summary["n_excluded"] == sum(summary["excluded_by_reason"].values()) > 0
    # only what lospw needs is written: demographics are left out unless kept by name
    assert summary["columns_left_out"] == [
        {"column": "age", "reason": "not needed"},
        {"column": "education", "reason": "not needed"},
        {"column": "gender", "reason": "not needed"},
        {"column": "id", "reason": "respondent id"}]
    assert not any("/" in str(v) and str(v).startswith("/") for v in summary.values())
    header = (outs[0] / "responses.csv").read_text().splitlines()[0]
    assert header.startswith("respondent,row,A1,")


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_exit_2_or_logged(name, key_path, tmp_path):
    options, expect = CORPUS[name]
    args = ["intake", str(BAD_DIR / name), "--key", str(key_path), "-o", str(tmp_path)]
    if "id_column" in options:
        args += ["--id", options["id_column"]]
    for opt in ("out_of_range", "delimiter", "decimal"):
        if opt in options:
            args += [f"--{opt.replace('_', '-')}", options[opt]]
    r = run(*args)
    assert "Traceback" not in r.stderr
    if expect[0] == "error":
        assert r.returncode == 2, r.stdout
        assert len(r.stderr.strip().splitlines()) == 1
        assert r.stderr.startswith("lospw: error: ")
    else:
        assert r.returncode == 0, r.stderr
        s = json.loads((tmp_path / "intake.json").read_text())
        assert s["reconciles"]
        if expect[0] == "excluded":
            assert s["excluded_by_reason"] == expect[1]


def test_formula_cells_neutralised_and_options(key_path, tmp_path):
    r = run("intake", str(BAD_DIR / "formula_cells.csv"), "--key", str(key_path),
            "-o", str(tmp_path), "--screen", "off")
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "responses.csv").read_text()
    # the id-like column is left out of the artifacts even without --id (no raw ids, issue
    # 12); formulas in the columns that stay: tests/robustness/test_safety.py
    assert "=cmd" not in text and text.startswith("respondent,row,a,")
    assert not (tmp_path / "screening.csv").exists()
    m = tmp_path / "map.yaml"
    m.write_text("a: A\nb: B\n")
    r = run("intake", str(BAD_DIR / "case_differs.csv"), "--key", str(key_path),
            "--map", str(m), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["column_map"] == {"a": "A", "b": "B"}
    m.write_text("- a\n")
    r = run("intake", str(BAD_DIR / "case_differs.csv"), "--key", str(key_path),
            "--map", str(m))
    assert r.returncode == 2 and "must be a mapping" in r.stderr
    rc = tmp_path / "recode.yaml"
    rc.write_text("weet niet: 9\n")
    r = run("intake", str(BAD_DIR / "weet_niet_text.csv"), "--key", str(key_path),
            "--recode", str(rc), "--json")
    assert r.returncode == 0, r.stderr
    r = run("intake", str(BAD_DIR / "weet_niet_text.csv"), "--key", str(key_path),
            "--missing", "weet niet", "--non-numeric", "exclude")
    assert r.returncode == 0 and "2 analysed" in r.stdout
    r = run("intake", str(BAD_DIR / "utf16.txt"), "--key", str(key_path),
            "--delimiter", "tab", "--time", "nope")
    assert r.returncode == 2 and "no time column 'nope'" in r.stderr


def _long_data(tmp_path):
    """SYNTHETIC long data of KEY: 40 persons at wave 1, 25 of them again at wave 2 (one
    trait per person and scale, answers in the keyed direction)."""
    import numpy as np

    gen = np.random.default_rng(7)
    rows = []
    for w, n in ((1, 40), (2, 25)):
        for p in range(1, n + 1):
            row = {"id": p, "wave": w}
            for s in KEY.scales:
                t = gen.normal()
                for it in s.items:
                    v = int(np.clip(np.rint(3 + t + gen.normal(0, 0.6)), 1, 5))
                    row[it] = 6 - v if it in KEY.reverse_items else v
            rows.append(row)
    path = tmp_path / "long.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_wave_takes_the_first_wave_of_long_data(key_path, tmp_path):
    """--wave: an id repeated across waves is one person per wave; the first wave is
    analysed, later-wave rows are logged as later_wave (not as duplicate ids)."""
    data = _long_data(tmp_path)
    r = run("intake", str(data), "--key", str(key_path), "--id", "id", "--wave", "wave",
            "--screen", "off", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["n_read"] == 65 and out["n_analysed"] == 40
    assert out["excluded_by_reason"] == {"later_wave": 25}
    without = json.loads(run("intake", str(data), "--key", str(key_path), "--id", "id",
                             "--screen", "off", "--json").stdout)
    assert without["excluded_by_reason"] == {"duplicate_id": 50}
    r = run("intake", str(data), "--key", str(key_path), "--id", "id", "--wave", "round")
    assert r.returncode == 2 and "no wave column 'round'" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    r = run("scheme", str(data), "--key", str(key_path), "--id", "id", "--wave", "wave",
            "--min-group-n", "2", "-o", str(tmp_path / "scheme.json"), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["intake"]["excluded_by_reason"] == {"later_wave": 25}
