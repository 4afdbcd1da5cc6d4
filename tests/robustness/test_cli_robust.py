"""The command line's promises, checked through real subprocesses and in-process:
one-line errors with exit 2, a short message and exit 1 for a bug (traceback only with
--debug), quiet exit 141 on a closed pipe, 130 on an interrupt, every command reachable."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import click
import pytest

from lospw import cli as cli_module
from lospw.cli import COMMANDS, cli
from tests.conftest import FIXTURES, reference_data
from tests.robustness.test_corpus import READERS, run_cli

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str | Path, code: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m lospw ARGS`` (or ``python -c CODE``) as a user runs it."""
    cmd = [sys.executable, "-c", code] if code else [sys.executable, "-m", "lospw"]
    return subprocess.run([*cmd, *map(str, args)], capture_output=True, text=True,
                          check=False, cwd=ROOT)


def test_entry_points_go_through_main():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"lospw": "lospw.cli:main"}
    assert "from lospw.cli import main" in (ROOT / "lospw" / "__main__.py").read_text()


@pytest.mark.parametrize("reader", sorted(READERS))
def test_first_corpus_file_in_a_real_process(reader, tmp_path):
    """One malformed file per reader through ``python -m lospw``: exit 2, one line."""
    files = READERS[reader].files()
    errors = [f for f in files if f.suffix in (".yaml", ".csv", ".json", ".lav")]
    path = errors[0] if errors else files[0]
    r = run(*READERS[reader].command(path, tmp_path))
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def _commands() -> list[list[str]]:
    """Every command and sub-command path (e.g. ['bank', 'export'])."""
    out = []
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        cmd = cli.get_command(ctx, name)
        if isinstance(cmd, click.Group):
            sub = click.Context(cmd, parent=ctx)
            out += [[name, s] for s in cmd.list_commands(sub)]
        else:
            out.append([name])
    return out


@pytest.mark.parametrize("path", _commands(), ids=lambda p: " ".join(p))
def test_every_command_helps_and_refuses_bad_usage_in_one_line(path):
    code, out, err = run_cli(*path, "--help")
    assert code == 0 and "Usage" in out, err
    code, out, err = run_cli(*path, "--no-such-option")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert err.startswith("lospw: error: ") and "Traceback" not in err


@pytest.fixture
def boom(monkeypatch):
    monkeypatch.setitem(COMMANDS, "boom", ("tests.robustness._boom", "boom", "Fail."))


@pytest.mark.parametrize("where", ["body", "callback"])
def test_a_bug_gives_exit_1_a_short_message_and_no_traceback(boom, where):
    code, _out, err = run_cli("boom", "--where", where)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert "unexpected error" in lines[0] and "report" in lines[0] and "--debug" in lines[0]
    code, _, err = run_cli("--debug", "boom", "--where", where)
    assert code == 1 and "Traceback" in err


def test_interrupt_pipe_and_os_errors(boom):
    code, _, err = run_cli("boom", "--where", "interrupt")
    assert code == 130 and err.strip() == "lospw: error: interrupted."
    code, _, err = run_cli("boom", "--where", "pipe")
    assert code == cli_module.BROKEN_PIPE and err == ""
    # a full disk (or no permission, a read-only file system) is not a bug: one line, exit 2
    code, _, err = run_cli("boom", "--where", "oserror")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "No space left" in err
    code, _, err = run_cli("boom", "--where", "oserror_bug")  # not anticipated: a bug note
    assert code == 1 and len(err.strip().splitlines()) == 1


def test_closed_pipe_is_quiet_in_a_real_process():
    """``lospw cfa ... | head``: the rich tables and the JSON both stop quietly."""
    hs = reference_data("holzinger_swineford_1939.csv")
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    for extra in ([], ["--json"]):
        p = subprocess.Popen([sys.executable, "-m", "lospw", "cfa", str(hs), "--model", model,
                              "--estimator", "ML", "--top", "500", *extra],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
        assert p.stdout.read(5)
        p.stdout.close()
        err = p.stderr.read().decode()
        code = p.wait()
        assert err == "", err
        assert code in (0, cli_module.BROKEN_PIPE)  # 0: all output fit in the pipe buffer


def test_json_output_to_a_closed_pipe(monkeypatch, bfi_key_path):
    class Closed:
        def write(self, text):
            raise BrokenPipeError

        def flush(self):
            raise BrokenPipeError

    monkeypatch.setattr(sys, "stdout", Closed())
    with pytest.raises(SystemExit) as exc:
        cli_module.main(["key", "check", str(bfi_key_path), "--json"])
    assert exc.value.code == cli_module.BROKEN_PIPE


def test_numeric_warnings_stay_off_stderr(tmp_path):
    """A degenerate fit emits numpy RuntimeWarnings internally; the user sees the named
    warnings in the output, not Python's warning lines (those come with --debug)."""
    hs = reference_data("holzinger_swineford_1939.csv")
    r = run("cfa", hs, "--model", "f0 =~ x1 + x2", "--estimator", "ML")
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert "not_identified" in r.stdout


def test_missing_files_and_folders_are_one_line(tmp_path):
    key = FIXTURES / "keys" / "bfi.yaml"
    for args in (["key", "check", tmp_path / "none.yaml"], ["key", "check", tmp_path],
                 ["intake", tmp_path / "none.csv", "--key", key],
                 ["bank", "validate", "--bank", tmp_path / "nobank"],
                 ["score", tmp_path / "none.csv", "--scheme", tmp_path / "none.json",
                  "-o", tmp_path / "s.csv"],
                 ["cfa", tmp_path / "none.csv", "--model", "f =~ a + b + c"]):
        code, _, err = run_cli(*args)
        assert code == 2 and len(err.strip().splitlines()) == 1, (args, err)


def test_markup_like_user_text_neither_crashes_nor_vanishes(tmp_path, bfi_path, bfi_key_path):
    """File names, labels and messages are the user's text: '[/x]' must not crash rich and
    a named warning code in brackets must stay visible."""
    odd = tmp_path / "wave[/x] [bold].csv"   # a folder 'wave[' holding 'x] [bold].csv'
    odd.parent.mkdir()
    odd.write_text(bfi_path.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, err = run_cli("items", odd, "--key", bfi_key_path)
    assert code == 0, err
    assert "wave[/x] [bold].csv" in out.replace("\n", "")
