"""Tests for the command line: exit codes, one-line errors, key check."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from lospw import __version__
from tests.analysis.core.test_key import BAD, expected_fragment


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m lospw ARGS`` as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "lospw", *args], capture_output=True, text=True, check=False
    )


def test_version_and_help():
    r = run("--version")
    assert r.returncode == 0 and __version__ in r.stdout
    r = run("--help")
    assert r.returncode == 0 and "key" in r.stdout


def test_key_check_bfi(bfi_key_path):
    r = run("key", "check", str(bfi_key_path), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["n_scales"] == 5 and out["n_items"] == 25 and out["n_reverse_keyed"] == 7
    assert all(s["n_items"] == 5 for s in out["scales"].values())


def test_key_check_text(bfi_key_path):
    r = run("key", "check", str(bfi_key_path))
    assert r.returncode == 0
    assert "5 scales, 25 items, 7 reverse-keyed" in r.stdout


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_key_exit_2_one_line(path):
    r = run("key", "check", str(path))
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr
    assert expected_fragment(path) in lines[0]


def test_usage_errors_exit_2_one_line():
    for args in (["key", "check"], ["nosuchcommand"], ["key", "check", "--bogus", "x"]):
        r = run(*args)
        assert r.returncode == 2, args
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert "Traceback" not in r.stderr


def test_missing_key_file(tmp_path):
    r = run("key", "check", str(tmp_path / "none.yaml"))
    assert r.returncode == 2 and "no such file" in r.stderr
