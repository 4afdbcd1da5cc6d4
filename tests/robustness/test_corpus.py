"""Every file of the malformed-input corpora through the command line, reader by reader.

The promise (issue 12): an anticipated problem gives exit status 2 and exactly one line on
stderr (``lospw: error: ...``) with no traceback; a file that can be read is read with every
row accounted for (rows read = analysed + excluded, and scoring keeps every row). The
expectation of each file is in its directory's ``_expect.yaml`` (or, for the older key
corpus, the file's ``# expect:`` first line).

The command line runs in-process (``lospw.cli.main``, the console-script entry point), which
is the same code path without the interpreter start-up; ``test_cli_robust.py`` runs a few
files in real subprocesses too.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from lospw.analysis.core.yamlio import load_yaml
from lospw.cli import main
from tests.conftest import FIXTURES, reference_data
from tests.robustness._fuzz import TRIED

MALFORMED = FIXTURES / "malformed"
RESP_KEY = MALFORMED / "responses" / "_key.yaml"
DELPHI = MALFORMED / "delphi"


def run_cli(*args: str | Path) -> tuple[int, str, str]:
    """Run ``lospw ARGS`` in-process; returns (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


@dataclass(frozen=True)
class Reader:
    """One reader: its corpus folders and the command that reads a file of it."""

    folders: tuple[Path, ...]
    command: Callable[[Path, Path], list]   # (file, tmp dir) -> lospw arguments

    def files(self) -> list[Path]:
        return sorted(p for d in self.folders for p in d.iterdir()
                      if p.is_file() and not p.name.startswith(("_", ".")))


def _bank(path: Path, tmp: Path) -> list:
    bank = tmp / "bank"
    shutil.copytree(Path(__file__).parents[2] / "instrument" / "bank", bank)
    target = path.name.split(".", 1)[1]
    shutil.copyfile(path, bank / target)
    return ["bank", "validate", "--bank", bank]


READERS: dict[str, Reader] = {
    "key": Reader((FIXTURES / "keys" / "bad", MALFORMED / "key"),
                  lambda f, t: ["key", "check", f]),
    "responses": Reader((FIXTURES / "responses" / "bad", MALFORMED / "responses"),
                        lambda f, t: ["intake", f, "--key", RESP_KEY, "--json"]),
    "bank": Reader((MALFORMED / "bank",), _bank),
    "delphi": Reader((DELPHI,), lambda f, t: ["delphi", f, "--items", DELPHI / "_items.txt",
                                             "-o", t / "out"]),
    "rules": Reader((MALFORMED / "rules",),
                    lambda f, t: ["delphi", DELPHI / "_good.csv", "--items",
                                  DELPHI / "_items.txt", "--rules", f, "-o", t / "out"]),
    "scheme": Reader((MALFORMED / "scheme",),
                     lambda f, t: ["score", reference_data("bfi.csv"), "--scheme", f,
                                   "-o", t / "scores.csv"]),
    "model": Reader((MALFORMED / "model",),
                    lambda f, t: ["cfa", reference_data("holzinger_swineford_1939.csv"),
                                  "--model", f, "--estimator", "ML", "--missing-data",
                                  "listwise", "--json"]),
    "population": Reader((MALFORMED / "population",),
                         lambda f, t: ["simulate", "fieldtest", "--population", f, "--seed", "1",
                                       "-o", t / "out.csv"]),
    "criteria": Reader((MALFORMED / "criteria",),
                       lambda f, t: ["analyze", reference_data("bfi.csv"), "--key",
                                     FIXTURES / "keys" / "bfi.yaml", "--criteria", f,
                                     "-o", t / "out"]),
    "intake_map": Reader((MALFORMED / "intake_map",),
                         lambda f, t: ["intake", MALFORMED / "intake_map" / "_data.csv",
                                       "--key", RESP_KEY, "--map", f, "--json"]),
    "intake_recode": Reader((MALFORMED / "intake_recode",),
                            lambda f, t: ["intake", MALFORMED / "intake_recode" / "_data.csv",
                                          "--key", RESP_KEY, "--recode", f, "--json"]),
}


def expectation(path: Path) -> object:
    """The file's expectation: an error fragment (str), a dict of counts, or None (any
    outcome that keeps the promise; used for tests/fixtures/responses/bad, whose precise
    expectations under intake options are in tests/analysis/intake/test_intake.py)."""
    table = path.parent / "_expect.yaml"
    if table.is_file():
        expect = load_yaml(table)
        assert path.name in expect, f"{path.name} has no line in {table}"
        return expect[path.name]
    first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8", "replace")
    if first.startswith("# expect: "):
        return first.removeprefix("# expect: ").strip()
    return None


CASES = [(name, f) for name, reader in READERS.items() for f in reader.files()]


def test_every_corpus_file_has_an_expectation():
    for name, reader in READERS.items():
        for folder in reader.folders:
            table = folder / "_expect.yaml"
            if table.is_file():
                listed = set(load_yaml(table))
                present = {p.name for p in reader.files() if p.parent == folder}
                assert listed == present, (name, listed ^ present)


@pytest.mark.parametrize(("reader", "path"), CASES,
                         ids=[f"{n}/{p.parent.name}/{p.name}" for n, p in CASES])
def test_corpus_file_through_the_cli(reader, path, tmp_path):
    TRIED[reader] += 1
    code, out, err = run_cli(*READERS[reader].command(path, tmp_path))
    expect = expectation(path)
    assert "Traceback" not in err + out
    assert code in (0, 2), (code, err)
    if code == 2:
        lines = err.strip().splitlines()
        if reader == "criteria":  # lospw analyze prints its header first (see test below)
            lines = lines[-1:]
        assert len(lines) == 1 and lines[0].startswith("lospw: error: "), err
        assert not isinstance(expect, dict), f"expected {expect}, got the error {err}"
        if isinstance(expect, str):
            assert expect in lines[0], lines[0]
        return
    assert not isinstance(expect, str), f"expected an error with {expect!r}; exit 0"
    _accounted(reader, path, out, tmp_path, expect or {})


def _accounted(reader: str, path: Path, out: str, tmp: Path, expect: dict) -> None:
    """A file that was read: every row is accounted for."""
    if reader in ("responses", "intake_map", "intake_recode"):
        s = json.loads(out)
        assert s["n_read"] == s["n_analysed"] + s["n_excluded"]
        assert sum(s["excluded_by_reason"].values()) == s["n_excluded"]
        for k, v in expect.items():
            assert s[k] == v, (k, s[k], v)
        # scoring keeps every row read, analysed or not, in input order
        data = path if reader == "responses" else path.parent / "_data.csv"
        extra = [] if reader == "responses" else (
            ["--map" if reader == "intake_map" else "--recode", path])
        code, _, err = run_cli("score", data, "--key", RESP_KEY, "-o", tmp / "s.csv", *extra)
        if code == 0 and not extra:
            assert len(pd.read_csv(tmp / "s.csv")) == s["n_read"]
        else:
            assert code in (0, 2), err
    elif reader in ("delphi", "rules"):
        summary = json.loads((tmp / "out" / "summary.json").read_text(encoding="utf-8"))
        for k, v in expect.items():
            assert summary["ratings"][k] == v, (k, summary["ratings"][k], v)
    elif reader == "model":
        codes = {w["code"] for w in json.loads(out)["warnings"]}
        assert expect.get("warning") in codes, codes
    else:
        raise AssertionError(f"{reader}: {path.name} was accepted; expected an error")


def test_analyze_refuses_bad_input_in_one_line(tmp_path):
    code, _, err = run_cli("analyze", reference_data("bfi.csv"), "--key",
                           FIXTURES / "keys" / "bfi.yaml", "--criteria",
                           MALFORMED / "criteria" / "empty.yaml", "-o", tmp_path / "out")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
