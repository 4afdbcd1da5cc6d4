"""Whole commands on bfi, as a user runs them: ``lospw`` against ``Rscript`` doing the same work.

Unlike the other benchmarks (which time the computation inside a warm process), these time
the WHOLE PROCESS from outside, start-up, imports and reading the CSV included: that is what
a user waits for. Each case runs once per side untimed (warm-up: file cache), then
``REPEATS`` times in turn (lospw, R, lospw, R, ...), so that a machine whose speed drifts
during the run (other jobs) slows both sides alike; the ratio is taken pair by pair and its
median reported. Wall-clock seconds are the median of the runs; the note also gives the CPU
seconds (user + system of the child) and the goal of issue 21 as lospw / R.

The data: ``tests/data/bfi.csv`` (psych's bfi, 2,800 x 25) and the key
``tests/fixtures/keys/bfi.yaml``. Options are stated explicitly (``--estimator``,
``--missing``) so both sides do the same analysis whatever the defaults become. The R side
is ``bench/r/cfa_command.R`` (lavaan: ``cfa()`` + ``fitMeasures()`` +
``standardizedSolution()`` + ``modindices()`` + ``lavResiduals()``, printed as JSON, as
``lospw cfa --json`` prints the fit, the standardized solution, the top modification indices
and residual correlations) and ``bench/r/alpha_command.R`` (``psych::alpha`` per scale).

Before timing, the package is byte-compiled (``compileall``), as pip does when it installs
a wheel: run from an editable install with ``PYTHONDONTWRITEBYTECODE=1`` (set on some CI
machines and shells) every start would compile about 150 modules again, some 0.3 s that no
installed copy pays.

The start-up row: ``python -X importtime -c "import lospw.cli, lospw.cli.<command>"`` for the
heaviest single-stage command module: the total import time (wall, median of ``REPEATS``)
and the CPU seconds of that interpreter (the goal is checked on the CPU seconds, which other
work on the machine hardly changes).
"""

from __future__ import annotations

import compileall
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import lospw
import lospw.analysis
import lospw.instrument
from lospw.cli import BLAS_THREAD_VARIABLES

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "bfi.csv"
KEY = ROOT / "tests" / "fixtures" / "keys" / "bfi.yaml"
R_DIR = ROOT / "bench" / "r"
REPEATS = 5
_SCRIPT = Path(sys.executable).with_name("lospw")  # the console script users run
LOSPW = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "lospw"]

#: name -> (lospw arguments, Rscript arguments, goal: the largest lospw / R wall ratio)
CASES: dict[str, tuple[list[str], list[str], float]] = {
    "command: cfa bfi ML": (
        ["cfa", str(DATA), "--key", str(KEY), "--estimator", "ML", "--missing", "listwise",
         "--json"], [str(R_DIR / "cfa_command.R"), str(DATA), "ML"], 1.0),
    "command: cfa bfi MLR": (
        ["cfa", str(DATA), "--key", str(KEY), "--estimator", "MLR", "--missing", "listwise",
         "--json"], [str(R_DIR / "cfa_command.R"), str(DATA), "MLR"], 0.6),
    "command: cfa bfi WLSMV": (
        ["cfa", str(DATA), "--key", str(KEY), "--estimator", "WLSMV", "--missing", "listwise",
         "--json"], [str(R_DIR / "cfa_command.R"), str(DATA), "WLSMV"], 0.6),
    "command: reliability bfi": (
        ["reliability", str(DATA), "--key", str(KEY), "--missing", "listwise", "--json"],
        [str(R_DIR / "alpha_command.R"), str(DATA)], 0.5),
}
#: command modules whose import is timed (the heaviest sets the row)
IMPORTED = ("cfa", "reliability", "efa", "intake", "score", "validity", "invariance")
IMPORT_GOAL_S = 0.35


def _run(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   env={**os.environ, "LC_ALL": "C"})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _case(name: str, mine: list[str], theirs: list[str], goal: float) -> dict:
    a, b = LOSPW + mine, ["Rscript", *theirs]
    _run(a), _run(b)
    pairs = [(_run(a), _run(b)) for _ in range(REPEATS)]
    wall_a = statistics.median(p[0][0] for p in pairs)
    wall_b = statistics.median(p[1][0] for p in pairs)
    cpu_a = statistics.median(p[0][1] for p in pairs)
    cpu_b = statistics.median(p[1][1] for p in pairs)
    ratio = statistics.median(p[0][0] / p[1][0] for p in pairs)  # lospw / R, pair by pair
    met = "met" if ratio <= goal else "NOT met"
    return {"name": name, "lospw_s": wall_a, "r_s": wall_b, "ratio": 1 / ratio,
            "note": f"whole process; lospw/R {ratio:.2f} (goal <= {goal:g}: {met}); CPU s "
                    f"{cpu_a:.2f} vs {cpu_b:.2f}; load {os.getloadavg()[0]:.1f}"}


def _import_seconds(module: str) -> tuple[float, float]:  # module: "lospw.cli, x" or "numpy"
    """Wall seconds of the import (``-X importtime``: the sum of the top-level entries) and
    the CPU seconds of the whole interpreter up to the end of the import (the load-free
    figure on a busy machine)."""
    # as ``lospw`` runs: one BLAS thread unless the user set a count (decision 0039)
    env = dict(os.environ)
    if not any(v in env for v in BLAS_THREAD_VARIABLES):
        env.update(dict.fromkeys(BLAS_THREAD_VARIABLES, "1"))
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c",
                           f"import time, {module}; print(time.process_time())"],
                          capture_output=True, text=True, check=True, env=env)
    total = 0
    for line in proc.stderr.splitlines():  # top-level entries (no indentation) add up
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)
        if m:
            total += int(m.group(1))
    return total / 1e6, float(proc.stdout.split()[-1])


def _import_row() -> dict:
    runs = {m: [_import_seconds(f"lospw.cli, lospw.cli.{m}") for _ in range(REPEATS)]
            for m in IMPORTED}
    # the floor every command stands on: numpy and pandas alone, the same way
    floor = statistics.median(_import_seconds("numpy, pandas")[1] for _ in range(REPEATS))
    wall = {m: statistics.median(r[0] for r in rs) for m, rs in runs.items()}
    cpu = {m: statistics.median(r[1] for r in rs) for m, rs in runs.items()}
    worst = max(cpu, key=cpu.__getitem__)
    met = "met" if cpu[worst] <= IMPORT_GOAL_S else "NOT met"
    return {"name": f"start-up: import of the {worst} command", "lospw_s": wall[worst],
            "r_s": None, "ratio": None,
            "note": f"python -X importtime, lospw.cli + lospw.cli.{worst}; CPU s "
                    f"{cpu[worst]:.2f} (goal <= {IMPORT_GOAL_S} s: {met}); numpy + pandas "
                    f"alone {floor:.2f}; load {os.getloadavg()[0]:.1f}; others (CPU s): "
                    + ", ".join(f"{m} {t:.2f}" for m, t in cpu.items() if m != worst)}


def _compile() -> None:
    """Byte-compile lospw's modules (the ``.pyc`` files an installed wheel has)."""
    for folder in (*lospw.__path__, *lospw.analysis.__path__, *lospw.instrument.__path__):
        compileall.compile_dir(folder, quiet=1)


def run() -> list[dict]:
    _compile()
    rows = [_import_row()]
    rows.extend(_case(name, *spec) for name, spec in CASES.items())
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
