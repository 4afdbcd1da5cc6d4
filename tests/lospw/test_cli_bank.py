"""Tests for ``lospw bank``: validate (text and JSON), exit codes on bad banks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from instrument.bank import DEFAULT_BANK_DIR


def run(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lospw", *args], capture_output=True,
                          text=True, check=False, cwd=cwd)


def test_validate_json_reports_all_elements():
    r = run("bank", "validate", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["ok"] is True and out["languages"] == ["nl", "en"]
    assert list(out["elements"]) == ["LOS", "GOC", "SRI", "VMM", "LeA", "VOR"]
    assert out["totals"]["n_aspects"] == 35 and out["totals"]["n_items"] >= 105
    for info in out["elements"].values():
        assert info["languages"] == ["nl", "en"]
        assert min(info["items_per_aspect"].values()) >= 3
    assert not out["source"].startswith("/")


def test_validate_text():
    r = run("bank", "validate")
    assert r.returncode == 0, r.stderr
    assert "6 elements, 35 aspects" in r.stdout


def test_validate_bad_bank_exit_2_one_line(tmp_path):
    dest = tmp_path / "b"
    shutil.copytree(DEFAULT_BANK_DIR, dest)
    f = dest / "VOR.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("  keyed: 1\n", "  keyed: 0\n", 1),
                 encoding="utf-8")
    r = run("bank", "validate", "--bank", str(dest))
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "VOR.yaml: item VORmeeting1: keyed must be 1 or -1" in lines[0]


def test_validate_content_failure_exit_2(tmp_path):
    dest = tmp_path / "b"
    shutil.copytree(DEFAULT_BANK_DIR, dest)
    f = dest / "LOS.yaml"
    text = f.read_text(encoding="utf-8")
    for n in (1, 2):  # drop two of the four LOS.goals items -> 2 left
        text = text.replace(f"- id: LOSgoals{n}\n  aspect: goals\n  keyed: 1\n  status: candidate",
                            f"- id: LOSgoals{n}\n  aspect: goals\n  keyed: 1\n  status: dropped")
    f.write_text(text, encoding="utf-8")
    r = run("bank", "validate", "--bank", str(dest), "--json")
    assert r.returncode == 2
    out = json.loads(r.stdout)
    assert out["ok"] is False and out["failures"][0]["code"] == "too_few_items"
    assert "fails 1 content check" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_export_all_formats(tmp_path):
    for fmt, name in (("codebook", "cb.csv"), ("limesurvey", "ls.txt"), ("html", "q.html")):
        r = run("bank", "export", "--format", fmt, "--lang", "en", "-o", str(tmp_path / name))
        assert r.returncode == 0, r.stderr
        assert (tmp_path / name).stat().st_size > 1000
    assert "LOSgoals1" in (tmp_path / "q.html").read_text(encoding="utf-8")


def test_export_bad_options_exit_2(tmp_path):
    r = run("bank", "export", "--format", "pdf", "-o", str(tmp_path / "x"))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    r = run("bank", "export", "--format", "html", "--status", "retained",
            "-o", str(tmp_path / "x"))
    assert r.returncode == 2 and "No items with status retained" in r.stderr


def test_key_command(tmp_path):
    r = run("bank", "key", "--status", "retained", "-o", str(tmp_path / "key.yaml"))
    assert r.returncode == 2 and "No items with status retained" in r.stderr
    out = tmp_path / "key.yaml"
    r = run("bank", "key", "--status", "candidate", "--lang", "en", "-o", str(out))
    assert r.returncode == 0, r.stderr
    r = run("key", "check", str(out), "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["n_scales"] == 6 and summary["n_reverse_keyed"] >= 10
    assert summary["higher_order"] == {"core": ["LOS", "GOC"], "instrumental": ["SRI", "VMM"],
                                       "interpersonal": ["LeA", "VOR"]}
    r = run("bank", "key", "--status", "candidate")
    assert r.returncode == 0 and r.stdout.startswith("instrument: LOS-PW")
