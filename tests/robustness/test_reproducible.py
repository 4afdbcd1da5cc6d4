"""Reproducibility: every stage run twice gives byte-identical artifacts, with no timestamp or
absolute path inside them (issue 12; ``make all`` twice is checked by ``make repro``).

Each command runs twice in-process, into two output folders under different parents; the two
trees must hold the same files with the same SHA-256, and no file may contain the folder it
was written to, the repository's absolute path or the machine's home directory.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT, reference_data
from tests.robustness.test_corpus import run_cli

SCORING = FIXTURES / "scoring"
DELPHI = FIXTURES / "malformed" / "delphi"
# ISO dates with a time, the usual shape of a timestamp written into an artifact
_TIMESTAMP = re.compile(rb"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def tree(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under ``folder``."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _commands() -> dict[str, list]:
    """Stage commands on small inputs; ``{out}`` is the output folder."""
    bfi, bfi_key = reference_data("bfi.csv"), FIXTURES / "keys" / "bfi.yaml"
    wave1, wave2 = SCORING / "lospw_wave1.csv", SCORING / "lospw_wave2.csv"
    return {
        "bank export codebook": ["bank", "export", "--format", "codebook", "-o",
                                 "{out}/codebook.csv"],
        "bank export limesurvey": ["bank", "export", "--format", "limesurvey", "--lang", "en",
                                   "-o", "{out}/limesurvey.txt"],
        "bank export html": ["bank", "export", "--format", "html", "-o", "{out}/q.html"],
        "bank key": ["bank", "key", "--status", "candidate", "-o", "{out}/key.yaml"],
        "delphi": ["delphi", DELPHI / "_good.csv", "--items", DELPHI / "_items.txt",
                   "-o", "{out}/delphi", "--label", "test panel"],
        "intake": ["intake", bfi, "--key", bfi_key, "--id", "id", "-o", "{out}/intake"],
        "scheme": ["scheme", wave1, "--key", SCORING / "lospw_interim.yaml", "--group",
                   "stakeholder", "--synthetic", "--seed", "fixture=20240601",
                   "-o", "{out}/scheme.json"],
        "score": ["score", wave2, "--scheme", SCORING / "interim_scheme.json", "--by",
                  "workplace", "--baseline", wave1, "-o", "{out}/scores.csv"],
    }


def _run_twice(name: str, args: list, tmp_path: Path) -> tuple[dict, dict, list[Path]]:
    outs = []
    for run in ("first", "second"):
        out = tmp_path / run / "nested" / "out"
        out.mkdir(parents=True)
        code, _, err = run_cli(*[str(a).replace("{out}", str(out)) for a in args])
        assert code == 0, (name, err)
        outs.append(out)
    return tree(outs[0]), tree(outs[1]), outs


@pytest.mark.parametrize("name", sorted(_commands()))
def test_stage_twice_is_byte_identical(name, tmp_path):
    first, second, outs = _run_twice(name, _commands()[name], tmp_path)
    assert first, f"{name} wrote nothing"
    assert first == second, {k: (first.get(k), second.get(k))
                             for k in set(first) | set(second) if first.get(k) != second.get(k)}
    forbidden = [str(tmp_path).encode(), str(ROOT).encode(), str(Path.home()).encode() + b"/"]
    for path in sorted(outs[0].rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        for f in forbidden:
            assert f not in data, f"{path.relative_to(outs[0])} holds the path {f.decode()}"
        if path.suffix in (".json", ".csv", ".yaml", ".html", ".txt", ".svg"):
            assert not _TIMESTAMP.search(data), f"{path.name} holds a timestamp"


@pytest.mark.slow
def test_simulate_and_delphi_on_the_demo_panel_twice(tmp_path):
    """The synthetic Delphi panel (seeded) and the Delphi stage with a bank: as make does."""
    cmds = {
        "simulate delphi": ["simulate", "delphi", "--seed", "16", "-o", "{out}/panel"],
        "delphi demo": ["delphi", *sorted((ROOT / "data" / "raw" / "delphi").glob("*.csv")),
                        "--bank", ROOT / "instrument" / "bank", "-o", "{out}/delphi"],
    }
    for name, args in cmds.items():
        first, second, _ = _run_twice(name, args, tmp_path / name.replace(" ", "_"))
        assert first == second and first
