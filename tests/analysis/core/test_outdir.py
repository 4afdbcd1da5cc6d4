"""Tests for analysis/core/outdir.py: output folders and files that never lose a user's file.

The command-level cases (real processes, Ctrl-C, two runs at once, every command with -o)
are in tests/robustness/test_output_folders.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.outdir import (
    RECORD,
    legacy_layout,
    output_files,
    output_folder,
    owned_files,
)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (links not followed) with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


def write_run(target: Path, files: dict[str, str], command: str = "demo") -> None:
    with output_folder(target, command=command) as tmp:
        for rel, text in files.items():
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_text(text)


def test_new_folder_gets_the_files_and_a_record_written_last(tmp_path):
    out = tmp_path / "deep" / "out"
    write_run(out, {"a.txt": "a", "sub/b.txt": "b"})
    rec = json.loads((out / RECORD).read_text())
    assert rec["tool"] == "lospw" and rec["command"] == "demo"
    assert set(rec["files"]) == {"a.txt", "sub/b.txt"}
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]  # no lock, no temporary


def test_rerun_replaces_only_its_own_output(tmp_path):
    out = tmp_path / "out"
    write_run(out, {"a.txt": "a", "old/x.txt": "x"})
    write_run(out, {"a.txt": "A"})
    assert tree(out).keys() == {"a.txt", RECORD} and (out / "a.txt").read_text() == "A"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_foreign_manifest_and_user_folders_are_never_deleted(tmp_path):
    out = tmp_path / "web"
    (out / "items").mkdir(parents=True)
    (out / "scoring").mkdir()
    (out / "manifest.json").write_text('{"name": "my web app"}')
    (out / "items" / "a.js").write_text("a")
    before = tree(out)
    with pytest.raises(InputError, match=r"not written by lospw demo .*nothing was changed"):
        write_run(out, {"a.txt": "a"})
    assert tree(out) == before


def test_a_file_added_or_edited_after_the_run_is_kept(tmp_path):
    out = tmp_path / "out"
    write_run(out, {"key.yaml": "lospw's", "b.txt": "b"})
    (out / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match=r"did not write or that were changed .*notes\.txt"):
        write_run(out, {"key.yaml": "new"})
    (out / "notes.txt").unlink()
    (out / "key.yaml").write_text("# my comments\nlospw's")  # edited by hand
    before = tree(out)
    with pytest.raises(InputError, match=r"changed since \(key\.yaml\)"):
        write_run(out, {"key.yaml": "new"})
    assert tree(out) == before


def test_another_commands_output_is_not_replaced(tmp_path):
    out = tmp_path / "out"
    write_run(out, {"a.txt": "a"}, command="intake")
    with pytest.raises(InputError, match="holds the output of lospw intake"):
        write_run(out, {"a.txt": "b"}, command="analyze")
    assert (out / "a.txt").read_text() == "a"


def test_os_browser_files_do_not_make_a_folder_foreign(tmp_path):
    out = tmp_path / "out"
    write_run(out, {"a.txt": "a"})
    (out / ".DS_Store").write_bytes(b"\0")
    write_run(out, {"a.txt": "b"})
    assert tree(out).keys() == {"a.txt", RECORD}


def test_links_are_refused_and_nothing_is_changed(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.txt").write_text("p")
    out = tmp_path / "out"
    write_run(out, {"cfa/fit.json": "{}", "b.txt": "b"})
    (out / "cfa" / "fit.json").unlink()
    (out / "cfa").rmdir()
    (out / "cfa").symlink_to(elsewhere, target_is_directory=True)
    before = tree(out)
    with pytest.raises(InputError, match=r"out/cfa is a symbolic link"):
        write_run(out, {"b.txt": "B"})
    assert tree(out) == before and (elsewhere / "precious.txt").read_text() == "p"
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(InputError, match="is a dangling symbolic link"):
        write_run(dangling, {"a.txt": "a"})
    assert dangling.is_symlink() and not (tmp_path / "nowhere").exists()
    (tmp_path / "link").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(InputError, match="is a symbolic link; lospw does not write through"):
        write_run(tmp_path / "link", {})
    assert tree(elsewhere) == {"precious.txt": b"p"}


def test_paths_under_a_file_or_a_file_itself_are_refused(tmp_path):
    f = tmp_path / "file.txt"
    f.write_text("x")
    with pytest.raises(InputError, match=r"lies under .*file\.txt, which is a file"):
        write_run(f / "out", {})
    with pytest.raises(InputError, match="is a file; give a folder"):
        write_run(f, {})
    with pytest.raises(InputError, match="is a folder; give a file name"):
        with output_files([tmp_path]):
            pass
    assert f.read_text() == "x"


def test_the_working_folder_is_never_replaced(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.txt").write_text("m")
    for target in (".", tmp_path, tmp_path.parent):
        with pytest.raises(InputError, match="working folder or contains it"):
            write_run(Path(target), {})
    assert (tmp_path / "mine.txt").read_text() == "m"


def test_an_input_inside_the_output_is_refused(tmp_path):
    out = tmp_path / "out"
    write_run(out, {"key.yaml": "k"})
    with pytest.raises(InputError, match=r"lies in the output folder .*never overwrites"):
        with output_folder(out, command="demo", inputs=[out / "key.yaml"]):
            pass
    data = tmp_path / "data.csv"
    data.write_text("a\n1\n")
    with pytest.raises(InputError, match="is the output file"):
        with output_files([tmp_path / "." / "data.csv"], inputs=[data]):
            pass
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "A.yaml").write_text("a")
    with pytest.raises(InputError, match="already exists in the input folder"):
        with output_files([bank / "A.yaml"], inputs=[bank]):
            pass
    assert (out / "key.yaml").read_text() == "k" and (bank / "A.yaml").read_text() == "a"


def test_an_error_or_interrupt_keeps_the_previous_output(tmp_path):
    out = tmp_path / "out"
    write_run(out, {"a.txt": "first"})
    before = tree(out)
    for exc in (RuntimeError("boom"), KeyboardInterrupt()):
        with pytest.raises(type(exc)):
            with output_folder(out, command="demo") as tmp:
                (tmp / "a.txt").write_text("half")
                raise exc
        assert tree(out) == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path):
    out = tmp_path / "out"
    with output_folder(out, command="demo") as tmp:
        (tmp / "a.txt").write_text("first")
        with pytest.raises(InputError, match=r"Another lospw run \(process \d+\) is writing"):
            with output_folder(out, command="demo"):
                pass
        with pytest.raises(InputError, match="Another lospw run"):
            with output_folder(tmp_path / "." / "out", command="demo"):
                pass
    assert (out / "a.txt").read_text() == "first"
    with output_files([tmp_path / "x.csv"]):
        with pytest.raises(InputError, match="Another lospw run"):
            with output_files([tmp_path / "x.csv"]):
                pass


def test_temporary_folders_of_killed_runs_are_cleaned_up(tmp_path):
    stale = tmp_path / ".out.lospw-tmp-0badf00d"
    stale.mkdir()
    (stale / "half.csv").write_text("x")
    write_run(tmp_path / "out", {"a.txt": "a"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folders_are_refused(tmp_path):
    out = tmp_path / "out"
    write_run(out, {"sub/a.txt": "a"})
    (out / "sub").chmod(0o555)
    try:
        with pytest.raises(InputError, match="is read-only"):
            write_run(out, {"a.txt": "b"})
    finally:
        (out / "sub").chmod(0o755)
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(InputError, match="read-only"):
            write_run(tmp_path / "new", {})
    finally:
        tmp_path.chmod(0o755)


def test_legacy_layout_recognises_an_older_lospw_folder(tmp_path):
    out = tmp_path / "plan"
    out.mkdir()
    (out / "plan.json").write_text('{"recommended": {}}')
    (out / "plan_summary.csv").write_text("n\n")
    legacy = legacy_layout("plan.json", ["plan.json", "plan_*.csv"], keys=("recommended",))
    assert owned_files(out, "plan", legacy) == ["plan.json", "plan_summary.csv"]
    (out / "plan.json").write_text('{"name": "my web app"}')
    with pytest.raises(InputError, match="not written by lospw plan"):
        owned_files(out, "plan", legacy)


def test_a_file_added_during_the_run_is_kept_beside_the_output(tmp_path, monkeypatch):
    import lospw.analysis.core.outdir as outdir

    out = tmp_path / "out"
    write_run(out, {"a.txt": "a"})
    real = outdir.owned_files

    def racing(*args, **kwargs):  # the user saves a file after the folder was checked
        owned = real(*args, **kwargs)
        (out / "late.txt").write_text("mine")
        return owned
    monkeypatch.setattr(outdir, "owned_files", racing)
    write_run(out, {"a.txt": "b"})
    assert tree(out).keys() == {"a.txt", RECORD}
    kept = [p for p in tmp_path.iterdir() if ".lospw-kept-" in p.name]
    assert len(kept) == 1 and tree(kept[0]) == {"late.txt": b"mine"}
