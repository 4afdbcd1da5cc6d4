"""Lean start-up: a single-stage command imports only what it uses (issue 21).

Each command runs in a fresh interpreter, as a user runs it; at exit the interpreter writes
the names of the modules it imported. Figures (matplotlib), the plan's cluster scheduler
(dask, distributed), worker pools (joblib), the report (jupyter) and the readers of other
file formats (openpyxl, pyreadstat) must not be among them, nor ``scipy.stats`` (half a
second of start-up; the distributions come from :mod:`lospw.analysis.core.distributions`).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lospw.cli import BLAS_THREAD_VARIABLES, PARTS, _one_blas_thread

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "bfi.csv"
KEY = ROOT / "tests" / "fixtures" / "keys" / "bfi.yaml"

#: top-level packages (or modules) a single-stage command must not import
HEAVY = ("matplotlib", "dask", "distributed", "joblib", "loky", "jupyter_book", "jupyter_core",
         "IPython", "nbformat", "openpyxl", "pyreadstat", "scipy.stats", "sklearn")

_RUNNER = """
import atexit, json, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
from lospw.cli import main
main(sys.argv[1:])
"""

COMMANDS = {
    "key check": ["key", "check", str(KEY)],
    "intake": ["intake", str(DATA), "--key", str(KEY), "--json"],
    "items": ["items", str(DATA), "--key", str(KEY), "--json"],
    "reliability": ["reliability", str(DATA), "--key", str(KEY), "--missing", "listwise",
                    "--json"],
    "efa": ["efa", str(DATA), "--key", str(KEY), "--n-iter", "5", "--json"],
    "cfa": ["cfa", str(DATA), "--key", str(KEY), "--estimator", "ML", "--missing", "listwise",
            "--json"],
    "validity": ["validity", str(DATA), "--key", str(KEY), "--json"],
    "score": ["score", str(DATA), "--key", str(KEY), "-o", "{tmp}/scores.csv", "--json"],
}


def _imported(args: list[str], tmp_path: Path) -> set[str]:
    out = tmp_path / "modules.json"
    proc = subprocess.run([sys.executable, "-c", _RUNNER, str(out), *args],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return set(json.loads(out.read_text()))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(h for h in HEAVY if h in modules)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_single_stage_command_imports_no_heavy_module(command: str, tmp_path: Path) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in COMMANDS[command]]
    modules = _imported(args, tmp_path)
    assert f"lospw.cli.{command.split()[0]}" in modules  # the command really ran
    assert _heavy(modules) == [], f"lospw {command} imported {_heavy(modules)}"


@pytest.mark.parametrize("estimator", ["ML", "WLSMV"])
def test_cfa_imports_no_general_minimiser(estimator: str, tmp_path: Path) -> None:
    """A CFA converges by Fisher scoring and finds its RMSEA interval with
    :mod:`lospw.analysis.core.roots`: ``scipy.optimize`` (with scipy.linalg, sparse, spatial
    and fft, 0.15-0.3 s of start-up) loads only for the BFGS fallback or a two-level model."""
    args = [a if a != "ML" else estimator for a in COMMANDS["cfa"]]
    modules = _imported(args, tmp_path)
    assert "lospw.cli.cfa" in modules
    assert "scipy.optimize" not in modules


def test_cfa_imports_the_planning_code_only_with_dynamic(tmp_path: Path) -> None:
    """``lospw cfa --dynamic`` loads :mod:`lospw.cli.dynamic` (and the planning code) through
    :data:`lospw.cli.PARTS`; a plain ``lospw cfa`` does not."""
    modules = _imported(COMMANDS["cfa"], tmp_path)
    assert "lospw.cli.cfa" in modules
    assert not {m for m in modules if m.startswith("lospw.analysis.planning")
                or m == "lospw.cli.dynamic"}


def test_every_command_part_exists() -> None:
    assert PARTS and all(importlib.util.find_spec(module) for module in PARTS.values())


def test_score_imports_no_reliability_or_minimiser(tmp_path: Path) -> None:
    """Scoring new data applies a scheme's saved numbers: deriving a scheme
    (:mod:`lospw.analysis.scoring.derive`, with reliability, omega's factor fit and
    ``scipy.optimize``) is not on its path."""
    args = [a.replace("{tmp}", str(tmp_path)) for a in COMMANDS["score"]]
    modules = _imported(args, tmp_path)
    assert "lospw.cli.score" in modules
    unused = {"scipy.optimize", "scipy.linalg", "lospw.analysis.scoring.derive",
              "lospw.analysis.classical.reliability", "lospw.analysis.classical.omega",
              "lospw.analysis.classical.polychoric"} & modules
    assert not unused, f"lospw score imported {sorted(unused)}"


def test_reliability_imports_no_general_minimiser(tmp_path: Path) -> None:
    """Omega's one-factor fit is a projected Newton method in numpy and the categorical
    omega's WLSMV estimates come from Gauss-Newton on the ordinal sample statistics (the
    EFA's extraction, which needs a bounded minimiser, is imported for ``--bifactor`` and
    loads SciPy's when it runs): ``lospw reliability`` loads no ``scipy.optimize`` (nor
    scipy.linalg with it)."""
    modules = _imported(COMMANDS["reliability"], tmp_path)
    assert "lospw.cli.reliability" in modules
    unused = {"scipy.optimize", "scipy.linalg"} & modules
    assert not unused, f"lospw reliability imported {sorted(unused)}"


#: commands whose start-up imports no scipy.special (nor SciPy's array-API layer, which
#: loads numpy.f2py and numpy.testing: 0.15-0.25 s)
NO_SCIPY_SPECIAL = ("key", "intake", "cfa", "invariance", "score", "items", "reliability",
                    "efa", "validity", "plan", "analyze")


def _startup_modules(command: str) -> set[str]:
    code = f"import json, sys\nimport lospw.cli.{command}\nprint(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return set(json.loads(proc.stdout))


@pytest.mark.parametrize("command", NO_SCIPY_SPECIAL)
def test_startup_imports_no_scipy_special(command: str) -> None:
    """The distributions come from :mod:`lospw.analysis.core.special` (numpy): importing a
    command loads neither ``scipy.special`` nor ``scipy._lib._array_api``."""
    modules = _startup_modules(command)
    assert f"lospw.cli.{command}" in modules
    loaded = sorted({"scipy.special", "scipy._lib._array_api"} & modules)
    assert not loaded, f"import lospw.cli.{command} loaded {loaded}"


def test_help_imports_no_analysis(tmp_path: Path) -> None:
    modules = _imported(["--help"], tmp_path)
    assert not {"numpy", "pandas", "scipy"} & modules


def test_the_check_sees_a_heavy_import(tmp_path: Path) -> None:
    """The runner reports what was imported (so an empty list above means something)."""
    out = tmp_path / "modules.json"
    subprocess.run([sys.executable, "-c", "import matplotlib\n" + _RUNNER, str(out), "--help"],
                   capture_output=True, timeout=300, check=True)
    assert _heavy(set(json.loads(out.read_text()))) == ["matplotlib"]


def test_blas_runs_on_one_thread_unless_the_user_says(monkeypatch: pytest.MonkeyPatch) -> None:
    for v in BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(v, raising=False)
    _one_blas_thread()
    assert all(os.environ[v] == "1" for v in BLAS_THREAD_VARIABLES)
    for v in BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(v, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    _one_blas_thread()
    assert os.environ["OMP_NUM_THREADS"] == "4" and "OPENBLAS_NUM_THREADS" not in os.environ
