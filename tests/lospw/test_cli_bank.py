"""Tests for ``lospw bank``: validate (text and JSON), exit codes on bad banks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from lospw.instrument.bank import DEFAULT_BANK_DIR


def run(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lospw", *args], capture_output=True,
                          text=True, check=False, cwd=cwd)


def test_validate_json_reports_all_elements():
    r = run("bank", "validate", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["ok"] is True and out["languages"] == ["nl", "en"]
    assert list(out["elements"]) == ["LOS", "GOC", "SRI", "VMM", "LeA", "VOR"]
    assert out["totals"]["n_aspects"] == 37 and out["totals"]["n_items"] >= 150
    for info in out["elements"].values():
        assert info["languages"] == ["nl", "en"]
        assert min(info["items_per_aspect"].values()) >= 3
    assert not out["source"].startswith("/")
    assert out["warnings"] == [] and out["address"] == "u"
    for info in out["elements"].values():  # one referent per scale, every group served
        assert list(info["referents"]) == ["workplace"]
        assert min(info["items_per_group"].values()) >= 3


def test_validate_text():
    r = run("bank", "validate")
    assert r.returncode == 0, r.stderr
    assert "6 elements, 37 aspects" in r.stdout and "address 'u'" in r.stdout
    assert "referent" in r.stdout and "workplace" in r.stdout


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
        text = text.replace(f"- id: LOSgoals{n}\n  aspect: goals\n  keyed: 1\n  status: revised",
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
    r = run("bank", "export", "--format", "html", "--group", "clients", "-o",
            str(tmp_path / "c.html"))
    assert r.returncode == 0 and "clients" in r.stderr
    page = (tmp_path / "c.html").read_text(encoding="utf-8")
    assert "LOSfeedback5" in page and "LOSgoals1" not in page


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
    r = run("bank", "key", "--status", "candidate", "--status", "revised", "--lang", "en",
            "-o", str(out))
    assert r.returncode == 0, r.stderr
    r = run("key", "check", str(out), "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["n_scales"] == 6 and summary["n_reverse_keyed"] >= 9
    assert summary["higher_order"] == {"core": ["LOS", "GOC"], "instrumental": ["SRI", "VMM"],
                                       "interpersonal": ["LeA", "VOR"]}
    r = run("bank", "key", "--status", "candidate")
    assert r.returncode == 0 and r.stdout.startswith("instrument: LOS-PW")


def test_validate_names_warning_codes(tmp_path):
    dest = tmp_path / "b"
    shutil.copytree(DEFAULT_BANK_DIR, dest)
    f = dest / "VOR.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace(
        "nl: In deze werkplaats vertrouwen we elkaar.",
        "nl: In deze werkplaats vertrouwen we altijd iedereen."), encoding="utf-8")
    r = run("bank", "validate", "--bank", str(dest))
    assert r.returncode == 0, r.stderr  # warnings do not fail the bank
    assert "warning [absolute_quantifier]: Item VORtrust1:" in r.stdout


def test_validate_mixed_referent_exit_2(tmp_path):
    dest = tmp_path / "b"
    shutil.copytree(DEFAULT_BANK_DIR, dest)
    f = dest / "LeA.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("referent: workplace", "referent: self",
                                                       1), encoding="utf-8")
    r = run("bank", "validate", "--bank", str(dest), "--json")
    assert r.returncode == 2
    assert json.loads(r.stdout)["failures"][0]["code"] == "mixed_referent"
    assert "Scale LeA mixes referents" in r.stderr and len(r.stderr.strip().splitlines()) == 1


PANEL = "panelist,group,expertise\n" + "".join(
    f"{g[:3]}{k},{g},{'all' if g in ('bridge_builders', 'lecturer_researchers') else ''}\n"
    for g, n in (("students", 4), ("professionals", 4), ("bridge_builders", 3),
                 ("lecturer_researchers", 3), ("managers", 2), ("clients", 3))
    for k in range(n))


def test_assign_writes_a_rating_form(tmp_path):
    panel = tmp_path / "panel.csv"
    panel.write_text(PANEL, encoding="utf-8")
    form = tmp_path / "form.csv"
    r = run("bank", "assign", "--panel", str(panel), "--raters-per-item", "7", "-o", str(form),
            "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["min_raters"] == 6 and out["raters_per_item_found"] == {"min": 7, "max": 7}
    rows = form.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "round,panelist,group,item,relevance,clarity,comment"
    assert len(rows) - 1 == out["n_ratings"] == 7 * out["n_items"]
    # the form is what lospw delphi reads (empty relevance = not rated yet)
    r = run("delphi", str(form), "--bank", str(DEFAULT_BANK_DIR), "-o", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr


def test_assign_refuses_too_few_raters(tmp_path):
    panel = tmp_path / "panel.csv"
    panel.write_text("panelist,group\n" + "".join(f"s{k},students\n" for k in range(8))
                     + "c1,clients\n", encoding="utf-8")
    r = run("bank", "assign", "--panel", str(panel), "-o", str(tmp_path / "f.csv"))
    assert r.returncode == 2 and not (tmp_path / "f.csv").exists()
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "can rate it" in lines[0] and "the minimum is 6" in lines[0]
    r = run("bank", "assign", "--panel", str(panel), "--min-raters", "1", "--status",
            "retained", "-o", str(tmp_path / "f.csv"))
    assert r.returncode == 2 and "No items to assign" in r.stderr
