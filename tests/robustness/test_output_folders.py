"""Output folders under attack and accident (issue 17, part A): lospw never deletes, mixes or
overwrites a user's files, and never leaves a partial run that looks complete.

The cases that depend on the operating system are run for real: two ``lospw analyze``
processes into one folder, Ctrl-C (SIGINT) sent to a running ``lospw analyze``, symbolic
links, read-only folders (as an unprivileged user when the tests run as root). Every command
with ``-o`` goes through the same checks (:mod:`lospw.analysis.core.outdir`); the matrix at the end runs
each of them in-process.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from lospw.analysis.core.artifacts import sha256_file
from lospw.analysis.core.outdir import RECORD, output_files, output_folder
from tests.conftest import FIXTURES, ROOT, reference_data
from tests.robustness.test_corpus import run_cli

KEY = FIXTURES / "keys" / "holzinger.yaml"
RATINGS = ROOT / "data" / "raw" / "delphi" / "synthetic_ratings_round1.csv"
POPULATION = ROOT / "data" / "raw" / "fieldtest" / "population.yaml"
FIELD_KEY = ROOT / "data" / "raw" / "fieldtest" / "key.yaml"
BANK = ROOT / "instrument" / "bank"


@pytest.fixture
def hs() -> Path:
    return reference_data("holzinger_swineford_1939.csv")


@pytest.fixture(scope="module")
def _one_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "o"
    hs = reference_data("holzinger_swineford_1939.csv")
    code, _, err = run_cli("analyze", hs, "--key", KEY, "-o", out, "--estimator", "ML")
    assert code == 0, err
    return out


@pytest.fixture
def previous_run(_one_run) -> Callable[[Path], Path]:
    """A complete earlier run of lospw analyze (ML, seed 1), copied to ``where/o``."""
    def copy(where: Path) -> Path:
        return Path(shutil.copytree(_one_run, where / "o", symlinks=True))
    return copy


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (links not followed) with its SHA-256; links by target."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.is_symlink():
            out[rel] = "-> " + os.readlink(p)
        elif p.is_file():
            out[rel] = sha256_file(p)
    return out


def leftovers(parent: Path) -> list[str]:
    """Locks and temporary folders a run left beside its output (there must be none)."""
    return sorted(p.name for p in parent.iterdir() if ".lospw-" in p.name)


def spawn(*args: str | Path, cwd: Path | None = None, **kw) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "lospw", *map(str, args)], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def one_line_error(code: int, err: str, *fragments: str) -> None:
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("lospw: error: "), err
    assert "Traceback" not in err
    for f in fragments:
        assert f in lines[0], lines[0]


def complete_run(folder: Path) -> None:
    """The folder is one consistent run: record and manifest match every file."""
    man = json.loads((folder / "manifest.json").read_text())
    rec = json.loads((folder / RECORD).read_text())
    files = tree(folder)
    assert man["complete"] is True
    assert {a["path"]: a["sha256"] for a in man["artifacts"]} == {
        k: v for k, v in files.items() if k not in ("manifest.json", RECORD)}
    assert rec["files"] == {k: v for k, v in files.items() if k != RECORD}


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen, timeout: float = 120):
    """Poll until ``condition()`` holds or the process has ended."""
    start = time.monotonic()
    while not condition() and proc.poll() is None:
        assert time.monotonic() - start < timeout, "timed out"
        time.sleep(0.005)


def temporary(parent: Path, name: str) -> Path | None:
    found = sorted(parent.glob(f".{name}.lospw-tmp-*"))
    return found[0] if found else None


# -- 1. a folder lospw did not write is never emptied ---------------------------------------
def test_foreign_manifest_and_user_folders_are_never_deleted(tmp_path, hs):
    web = tmp_path / "web"
    for rel, text in {"manifest.json": '{"name": "my web app"}', "items/list.js": "x",
                      "scoring/rules.js": "y", "index.html": "<p>"}.items():
        (web / rel).parent.mkdir(parents=True, exist_ok=True)
        (web / rel).write_text(text)
    before = tree(web)
    p = spawn("analyze", hs, "--key", KEY, "-o", web)
    _, err = p.communicate()
    one_line_error(p.returncode, err, "not written by lospw analyze", "nothing was changed")
    assert tree(web) == before and leftovers(tmp_path) == []


def test_stage_folder_names_without_lospws_record_are_not_deleted(tmp_path, hs):
    out = tmp_path / "o"
    (out / "aggregation").mkdir(parents=True)
    (out / "aggregation" / "mine.csv").write_text("x")
    (out / "key.yaml").write_text("# my key\n")
    before = tree(out)
    code, _, err = run_cli("analyze", hs, "--key", KEY, "-o", out)
    one_line_error(code, err, "not written by lospw analyze")
    assert tree(out) == before


# -- 2. two runs into one folder --------------------------------------------------------------
def test_two_analyze_runs_into_one_folder_never_mix(tmp_path, hs):
    """Two runs started together: the one that takes the lock writes the folder, the other
    stops with one line. (Started together rather than one after the other: on a loaded
    machine a run's start-up can outlast a whole run of the other.)"""
    out = tmp_path / "o"
    runs = {1: spawn("analyze", hs, "--key", KEY, "-o", out, "--seed", "1", "--estimator",
                     "ML"),
            2: spawn("analyze", hs, "--key", KEY, "-o", out, "--seed", "2")}
    errs = {seed: p.communicate(timeout=300)[1] for seed, p in runs.items()}
    codes = {seed: p.returncode for seed, p in runs.items()}
    assert sorted(codes.values()) == [0, 2], errs
    winner = next(seed for seed, code in codes.items() if code == 0)
    loser = 3 - winner
    one_line_error(codes[loser], errs[loser], "Another lospw run", "is writing")
    complete_run(out)
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["seed"] == winner and prov["estimator"] == ("ML" if winner == 1 else "MLR")
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("command", ["intake", "delphi", "plan", "simulate delphi",
                                     "scheme", "score", "bank export", "simulate fieldtest"])
def test_every_output_is_locked_against_a_second_run(command, tmp_path):
    out = tmp_path / ("out" if command in FOLDER_COMMANDS else "out.csv")
    args = COMMANDS[command](out, tmp_path)
    held = (output_folder(out, command=command) if command in FOLDER_COMMANDS
            else output_files([out]))
    with held:
        code, _, err = run_cli(*args)
    one_line_error(code, err, "Another lospw run")


# -- 13. Ctrl-C never leaves a partial run that looks complete --------------------------------
@pytest.mark.parametrize("when", ["cfa", "verdict"])
def test_ctrl_c_during_a_run_keeps_the_previous_run(previous_run, when, tmp_path, hs):
    out = previous_run(tmp_path)
    before = tree(out)
    p = spawn("analyze", hs, "--key", KEY, "-o", out, "--seed", "7")
    # "cfa": the CFA stage has begun writing; "verdict": the manifest the verdict reads is
    # written (complete: false), the verdict stage runs
    mark = "cfa" if when == "cfa" else "manifest.json"
    wait_for(lambda: (t := temporary(tmp_path, "o")) is not None and (t / mark).exists(), p)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    after = tree(out)
    if after != before:  # the signal came as the run finished: then the new run, whole
        assert when == "verdict" and p.returncode in (0, 130), err
        complete_run(out)
    else:
        assert p.returncode == 130 and err.strip().endswith("lospw: error: interrupted."), err
    assert leftovers(tmp_path) == []


def test_ctrl_c_in_a_first_run_leaves_no_folder(tmp_path, hs):
    out = tmp_path / "o"
    p = spawn("analyze", hs, "--key", KEY, "-o", out)
    wait_for(lambda: (t := temporary(tmp_path, "o")) is not None and (t / "items").exists(),
             p)
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=120)
    assert p.returncode == 130
    assert not out.exists() and leftovers(tmp_path) == []


def test_sigterm_cleans_up_like_ctrl_c(tmp_path, hs):
    out = tmp_path / "o"
    p = spawn("analyze", hs, "--key", KEY, "-o", out)
    wait_for(lambda: (t := temporary(tmp_path, "o")) is not None and (t / "items").exists(),
             p)
    p.terminate()
    p.communicate(timeout=120)
    assert p.returncode == 130
    assert not out.exists() and leftovers(tmp_path) == []


def test_readers_refuse_a_run_without_the_completion_marker(previous_run, tmp_path, hs,
                                                            monkeypatch):
    out = previous_run(tmp_path)
    man = json.loads((out / "manifest.json").read_text())
    for partial in ({**man, "complete": False},
                    {k: v for k, v in man.items() if k != "complete"}):  # older lospw
        (out / "manifest.json").write_text(json.dumps(partial))
        code, _, err = run_cli("score", hs, "--scheme", out / "scoring" / "scheme.json",
                               "-o", tmp_path / "s.csv")
        one_line_error(code, err, "is not a complete run")
        code, _, err = run_cli("scheme", hs, "--key", out / "reduction" / "key_reduced.yaml",
                               "-o", tmp_path / "s.json")
        one_line_error(code, err, "is not a complete run")
        code, _, err = run_cli("analyze", hs, "--key", out / "key.yaml", "-o", tmp_path / "n")
        one_line_error(code, err, "is not a complete run")
        assert not (tmp_path / "s.csv").exists() and not (tmp_path / "n").exists()
        # the book
        monkeypatch.setenv("LOSPW_ANALYSIS", str(out))
        import importlib

        import lospw.report as report
        report = importlib.reload(report)
        with pytest.raises(report.MissingArtifact, match="not a complete lospw analyze run"):
            report.load_analysis_json("cfa/fits.json")
        with pytest.raises(report.MissingArtifact, match="not a complete"):
            report.stage("cfa")
    (out / "manifest.json").write_text(json.dumps(man))
    report = importlib.reload(report)
    assert report.stage("cfa").status in ("ok", "skipped", "failed")
    monkeypatch.delenv("LOSPW_ANALYSIS")
    importlib.reload(report)


# -- 12. output folder problems: one line, exit 2, nothing of the previous run destroyed ------
def test_a_stage_folder_that_is_a_link_keeps_the_whole_previous_run(previous_run, tmp_path, hs):
    out = previous_run(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.txt").write_text("p")
    shutil.rmtree(out / "cfa")
    (out / "cfa").symlink_to(elsewhere, target_is_directory=True)
    before = tree(out)
    p = spawn("analyze", hs, "--key", KEY, "-o", out)
    _, err = p.communicate()
    one_line_error(p.returncode, err, "o/cfa is a symbolic link", "nothing was changed")
    assert tree(out) == before and tree(elsewhere) == {"precious.txt": sha256_file(
        elsewhere / "precious.txt")}
    assert leftovers(tmp_path) == []


def test_a_dangling_link_or_a_path_under_a_file_is_refused(tmp_path, hs):
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere", target_is_directory=True)
    p = spawn("analyze", hs, "--key", KEY, "-o", dangling)
    _, err = p.communicate()
    one_line_error(p.returncode, err, "is a dangling symbolic link")
    assert dangling.is_symlink() and not (tmp_path / "nowhere").exists()
    f = tmp_path / "notes.txt"
    f.write_text("mine")
    code, _, err = run_cli("analyze", hs, "--key", KEY, "-o", f / "out")
    one_line_error(code, err, "which is a file")
    assert f.read_text() == "mine"


def _unprivileged() -> dict:
    """Popen arguments that make permissions bind the child even when the tests run as root.

    Root passes permission checks through the capabilities CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH (and CAP_FOWNER); the child drops them from its bounding set before
    it starts Python, so it meets the folders' mode bits as their owner.
    """
    if os.geteuid() != 0:
        return {}

    def drop() -> None:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        for cap in (1, 2, 3):  # DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER
            if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")
    return {"preexec_fn": drop}


def test_read_only_places_are_refused_and_the_previous_run_kept(tmp_path, hs):
    data, key = tmp_path / "hs.csv", tmp_path / "key.yaml"
    shutil.copy(hs, data)
    shutil.copy(KEY, key)
    base = tmp_path / "ro"
    base.mkdir()
    prev = base / "prev"
    code, _, err = run_cli("intake", data, "--key", key, "-o", prev)
    assert code == 0, err
    before = tree(prev)
    base.chmod(0o555)  # the folder the output is in is read-only
    try:
        p = spawn("intake", data, "--key", key, "-o", prev, **_unprivileged())
        _, err = p.communicate()
        one_line_error(p.returncode, err, "read-only")
        assert tree(prev) == before
        p = spawn("intake", data, "--key", key, "-o", base / "new", **_unprivileged())
        _, err = p.communicate()
        one_line_error(p.returncode, err, "read-only")
    finally:
        base.chmod(0o755)
    assert leftovers(base) == [] and not (base / "new").exists()
    prev.chmod(0o555)  # the previous run's folder itself is read-only
    try:
        p = spawn("intake", data, "--key", key, "-o", prev, **_unprivileged())
        _, err = p.communicate()
        one_line_error(p.returncode, err, "is read-only")
        assert tree(prev) == before and leftovers(base) == []
    finally:
        prev.chmod(0o755)


# -- 10. the key is never overwritten ---------------------------------------------------------
def test_a_key_inside_the_output_folder_is_never_overwritten(previous_run, tmp_path, hs):
    out = previous_run(tmp_path)
    key = out / "key.yaml"
    key.write_text("# my notes on the key\n" + key.read_text())
    before = tree(out)
    code, _, err = run_cli("analyze", hs, "--key", key, "-o", out)
    one_line_error(code, err, "lies in the output folder", "never overwrites an input")
    assert tree(out) == before
    project = tmp_path / "project"  # a folder of the user's with the key in it
    project.mkdir()
    shutil.copy(KEY, project / "key.yaml")
    code, _, err = run_cli("analyze", hs, "--key", project / "key.yaml", "-o", project)
    one_line_error(code, err, "never overwrites an input")
    assert (project / "key.yaml").read_bytes() == KEY.read_bytes()


# -- 14. artifacts do not depend on how a path was typed -------------------------------------
def test_artifacts_do_not_depend_on_how_the_input_path_was_typed(tmp_path, hs, monkeypatch):
    (tmp_path / "in").mkdir()
    shutil.copy(hs, tmp_path / "in" / "x.csv")
    shutil.copy(KEY, tmp_path / "in" / "k.yaml")
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("analyze", "in/x.csv", "--key", "in/k.yaml", "-o", "a",
                           "--estimator", "ML")
    assert code == 0, err
    monkeypatch.chdir(tmp_path / "in")
    code, _, err = run_cli("analyze", "x.csv", "--key", "./k.yaml", "-o", "../b",
                           "--estimator", "ML")
    assert code == 0, err
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    code, _, err = run_cli("intake", tmp_path / "in" / "x.csv", "--key", "k.yaml", "-o", "c")
    assert code == 0, err
    summary = json.loads((tmp_path / "in" / "c" / "intake.json").read_text())
    assert summary["source"] == "x.csv"


# -- every command with -o ----------------------------------------------------------------------
def _commands() -> dict[str, Callable[[Path, Path], list]]:
    hs = reference_data("holzinger_swineford_1939.csv")
    return {
        "analyze": lambda o, t: ["analyze", hs, "--key", KEY, "-o", o],
        "intake": lambda o, t: ["intake", hs, "--key", KEY, "-o", o],
        "delphi": lambda o, t: ["delphi", RATINGS, "--bank", BANK, "-o", o],
        "plan": lambda o, t: ["plan", "--population", POPULATION, "--n", "50", "--reps", "2",
                              "-o", o],
        "simulate delphi": lambda o, t: ["simulate", "delphi", "--seed", "1", "-o", o],
        "score charts": lambda o, t: ["score", hs, "--key", KEY, "--by", "school",
                                      "-o", o.with_name("s.csv")],
        "scheme": lambda o, t: ["scheme", hs, "--key", KEY, "-o", o],
        "score": lambda o, t: ["score", hs, "--key", KEY, "-o", o],
        "bank export": lambda o, t: ["bank", "export", "--format", "codebook", "-o", o],
        "bank key": lambda o, t: ["bank", "key", "--status", "candidate", "-o", o],
        "simulate fieldtest": lambda o, t: ["simulate", "fieldtest", "--population",
                                            POPULATION, "--seed", "1", "-n", "20", "-o", o],
        "simulate population": lambda o, t: ["simulate", "population", "--key", FIELD_KEY,
                                             "--seed", "1", "-o", o.parent],
    }


COMMANDS = _commands()
FOLDER_COMMANDS = ("analyze", "intake", "delphi", "plan", "simulate delphi")


def _output(command: str, tmp_path: Path) -> Path:
    if command == "score charts":
        return tmp_path / "s_profiles"
    if command == "simulate population":
        return tmp_path / "pop" / "population.yaml"
    return tmp_path / ("out" if command in FOLDER_COMMANDS else "out.csv")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_refuses_a_dangling_link_and_a_path_under_a_file(command, tmp_path):
    target = _output(command, tmp_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(tmp_path / "nowhere")
    code, _, err = run_cli(*COMMANDS[command](target, tmp_path))
    one_line_error(code, err, "dangling symbolic link")
    assert not (tmp_path / "nowhere").exists() and target.is_symlink()
    target.unlink()
    if command in ("score charts", "simulate population"):
        return  # their outputs' folder is the parent of the others: the case below is theirs
    blocker = tmp_path / "file"
    blocker.write_text("mine")
    code, _, err = run_cli(*COMMANDS[command](blocker / "sub" / target.name, tmp_path))
    one_line_error(code, err, "which is a file")
    assert blocker.read_text() == "mine"


@pytest.mark.parametrize("command", [*FOLDER_COMMANDS, "score charts"])
def test_every_folder_command_keeps_a_foreign_folder(command, tmp_path):
    target = _output(command, tmp_path)
    (target / "items").mkdir(parents=True)
    (target / "manifest.json").write_text('{"name": "my web app"}')
    (target / "items" / "a.js").write_text("x")
    before = tree(target)
    code, _, err = run_cli(*COMMANDS[command](target, tmp_path))
    one_line_error(code, err, "not written by lospw")
    assert tree(target) == before


@pytest.mark.parametrize("command", ["scheme", "score", "simulate fieldtest"])
def test_every_file_command_never_writes_over_its_input(command, tmp_path):
    hs = reference_data("holzinger_swineford_1939.csv")
    data = tmp_path / "data.csv"
    shutil.copy(POPULATION if command == "simulate fieldtest" else hs, data)
    shutil.copy(FIELD_KEY, tmp_path / "key.yaml")  # the population model's key, beside it
    args = [str(data) if str(a) in (str(hs), str(POPULATION)) else a
            for a in COMMANDS[command](data, tmp_path)]
    before = data.read_bytes()
    code, _, err = run_cli(*args)
    one_line_error(code, err, "never overwrites an input")
    assert data.read_bytes() == before


def test_exports_never_replace_a_file_of_the_input_bank(tmp_path):
    bank = tmp_path / "bank"
    shutil.copytree(BANK, bank)
    before = tree(bank)
    for args in (["bank", "export", "--bank", bank, "--format", "codebook",
                  "-o", bank / "_bank.yaml"],
                 ["bank", "key", "--bank", bank, "--status", "candidate",
                  "-o", bank / "_bank.yaml"]):
        code, _, err = run_cli(*args)
        one_line_error(code, err, "already exists in the input folder")
    key = tmp_path / "pop" / "key.yaml"
    key.parent.mkdir()
    shutil.copy(FIELD_KEY, key)
    code, _, err = run_cli("simulate", "population", "--key", key, "--seed", "1",
                           "-o", key.parent)
    one_line_error(code, err, "never overwrites an input")
    assert tree(bank) == before and key.read_bytes() == FIELD_KEY.read_bytes()


def test_the_makefile_has_no_temporary_folder_dance():
    text = (ROOT / "Makefile").read_text()
    assert "$(INTAKE_DIR).tmp" not in text and "$(DELPHI_DIR).tmp" not in text


def _strip_record(folder: Path) -> None:
    """Make ``folder`` look as the lospw before output records wrote it."""
    (folder / RECORD).unlink()


def test_folders_of_the_earlier_lospw_are_replaced(previous_run, tmp_path, hs):
    """Runs written before output records are recognised narrowly, so `make all` works on
    an existing data/derived: the analyze manifest of format 1 (hashes checked), intake.json,
    the Delphi summary.json."""
    out = previous_run(tmp_path)
    _strip_record(out)
    man = json.loads((out / "manifest.json").read_text())
    old = {k: v for k, v in man.items() if k != "complete"} | {"format": "lospw-analysis/1"}
    (out / "manifest.json").write_text(json.dumps(old))
    (out / "cfa" / "fits.json").write_text("{}")  # edited since: not lospw's any more
    before = tree(out)
    code, _, err = run_cli("analyze", hs, "--key", KEY, "-o", out, "--estimator", "ML")
    one_line_error(code, err, "changed since (cfa/fits.json)")
    assert tree(out) == before
    (out / "cfa" / "fits.json").unlink()
    code, _, err = run_cli("analyze", hs, "--key", KEY, "-o", out, "--estimator", "ML")
    assert code == 0, err
    complete_run(out)
    for command, args in (("intake", ["intake", hs, "--key", KEY]),
                          ("delphi", ["delphi", RATINGS, "--bank", BANK])):
        folder = tmp_path / command
        code, _, err = run_cli(*args, "-o", folder)
        assert code == 0, err
        _strip_record(folder)
        code, _, err = run_cli(*args, "-o", folder)
        assert code == 0, err
        assert (folder / RECORD).is_file() and leftovers(tmp_path) == []
