"""Tests for ``lospw reliability`` (and, as they land, ``lospw efa`` and ``lospw items``)."""

from __future__ import annotations

import json

from tests.lospw.test_cli import run


def test_reliability_json(bfi_path, bfi_key_path):
    r = run("reliability", str(bfi_path), "--key", str(bfi_key_path), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["missing"] == "listwise" and out["n"] == 2800
    assert out["intake"]["n_excluded"] == 0
    a = out["scales"]["A"]
    assert a["n"] == 2709 and abs(a["alpha"] - 0.7037559) < 1e-6
    assert set(a["items"]) == {"A1", "A2", "A3", "A4", "A5"}


def test_reliability_text_pairwise_bootstrap(bfi_path, bfi_key_path):
    r = run("reliability", str(bfi_path), "--key", str(bfi_key_path), "--missing", "pairwise",
            "--ci", "bootstrap", "--n-boot", "100", "--seed", "3")
    assert r.returncode == 0, r.stderr
    assert "missing = pairwise" in r.stdout and "seed 3" in r.stdout


def test_reliability_bad_input(bfi_path, bfi_key_path, tmp_path):
    r = run("reliability", str(bfi_path), "--key", str(bfi_key_path), "--missing", "drop")
    assert r.returncode == 2 and "'drop' is not one of" in r.stderr
    assert "Traceback" not in r.stderr
    r = run("reliability", str(tmp_path / "nope.csv"), "--key", str(bfi_key_path))
    assert r.returncode == 2 and "no such file" in r.stderr
