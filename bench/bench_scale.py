"""Scale: 200,000 respondents x 40 items, and ``lospw plan --jobs 2`` against ``--jobs 1``.

Whole processes, as a user runs them (start-up and reading the file included), timed from
outside; the peak memory is the largest resident size of the command's processes
(``getrusage``'s ``ru_maxrss`` of the children).

* The data: ``lospw simulate fieldtest`` (seed 1) from a SYNTHETIC population of 8 scales x
  5 items (5 categories, loadings .60-.80, factor correlations .30, 5% answers missing at
  random), N = 200,000, written to a temporary folder (never committed). Rows: ``lospw
  intake`` with screening (goal: <= 5 s) and ``lospw analyze`` (goal: <= 60 s, peak memory
  <= 2 GB), both with ``--missing listwise``.
* Planning: ``lospw plan`` on the SYNTHETIC 12-item population of the plan tests
  (``tests/fixtures/plan``), N = 200, 100 replications, WLSMV, ``--jobs 2`` and ``--jobs 1``
  in turn (``REPEATS`` pairs), with its report written (``-o``); goal: speed-up >= 1.8 and
  the same files. The note gives both CPU totals: on a machine shared with other work the
  wall-clock speed-up depends on the share of the cores the run gets.

No R counterpart (``r_s`` is None): R has no single command for either.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
N = 200_000
SCALES, ITEMS = 8, 5
REPEATS = int(os.environ.get("LOSPW_BENCH_SCALE_REPEATS", "2"))
ANALYZE_TIMEOUT = 900
_SCRIPT = Path(sys.executable).with_name("lospw")
LOSPW = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "lospw"]
PLAN = ["plan", "--population", str(ROOT / "tests" / "fixtures" / "plan" / "population.yaml"),
        "--n", "200", "--reps", "100", "--estimator", "wlsmv"]


def _population(folder: Path) -> Path:
    """The SYNTHETIC 8 x 5 population and its key, written to ``folder``."""
    scales = {f"S{s}": [f"s{s}i{i}" for i in range(1, ITEMS + 1)] for s in range(1, SCALES + 1)}
    key = ["# SYNTHETIC bench instrument", "instrument: bench40",
           "response_scale: {min: 1, max: 5}", "scales:"]
    key += [f"  {s}: [{', '.join(items)}]" for s, items in scales.items()]
    (folder / "key.yaml").write_text("\n".join(key) + "\n")
    names = list(scales)
    thresholds = ("[-2.0, -1.0, 0.0, 1.0]", "[-1.8, -0.9, 0.1, 1.2]", "[-2.2, -1.2, -0.2, 0.9]",
                  "[-1.9, -0.8, 0.2, 1.3]", "[-2.1, -1.1, -0.1, 1.1]")
    pop = ["model: lospw-population/1", "synthetic: true",
           "description: SYNTHETIC bench population, 8 factors x 5 items.", "key: key.yaml",
           "n: 1000", f"factors: [{', '.join(names)}]", "factor_correlations:"]
    pop += [f"- [{a}, {b}, 0.3]" for i, a in enumerate(names) for b in names[i + 1:]]
    pop.append("items:")
    for s, items in scales.items():
        for i, item in enumerate(items):
            pop += [f"  {item}:", f"    loadings: {{{s}: {0.6 + 0.05 * i:.2f}}}",
                    f"    thresholds: {thresholds[i]}"]
    pop.append("missingness: {mcar: 0.05}")
    path = folder / "population.yaml"
    path.write_text("\n".join(pop) + "\n")
    return path


#: Runs one command and prints the peak resident size (KB) of it and its children: a
#: fresh process, so that the peak is this command's alone.
#: A command that takes longer than its timeout is killed (exit -1 below).
_PEAK = ("import resource, subprocess, sys\n"
         "try:\n"
         "    c = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, "
         "stderr=subprocess.DEVNULL, timeout=float(sys.argv[1])).returncode\n"
         "except subprocess.TimeoutExpired:\n"
         "    c = -1\n"
         "print(c, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def _run(args: list[str], timeout: float | None = None) -> tuple[float, float, float, int]:
    """Wall s, CPU s (user + system, the command and its children), peak MB, exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _PEAK, str(timeout or 1e9), *LOSPW, *args],
                         capture_output=True, text=True).stdout.split()
    code, peak = int(out[0]), int(out[1]) / 1024
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, peak, code


def _row(name: str, run: tuple[float, float, float, int], goal: str) -> dict:
    wall, cpu, peak, code = run
    status = "did not finish (timeout)" if code == -1 else f"exit {code}"
    return {"name": name, "lospw_s": wall, "r_s": None, "ratio": None,
            "note": f"whole process; {goal}; CPU {cpu:.1f} s; peak {peak:,.0f} MB; {status}; "
                    f"load {os.getloadavg()[0]:.1f}"}


def _plan_row(folder: Path) -> dict:
    one, two = [], []
    for _ in range(REPEATS):
        two.append(_run([*PLAN, "--jobs", "2", "-o", str(folder / "plan2")]))
        one.append(_run([*PLAN, "--jobs", "1", "-o", str(folder / "plan1")]))
    same = all((folder / "plan1" / f).read_bytes() == (folder / "plan2" / f).read_bytes()
               for f in ("plan.json", "plan_replications.csv", "plan_summary.csv"))
    w1, w2 = statistics.median(r[0] for r in one), statistics.median(r[0] for r in two)
    speed = statistics.median(a[0] / b[0] for a, b in zip(one, two, strict=True))
    return {"name": "plan 100 reps WLSMV: --jobs 2 (R column: --jobs 1)", "lospw_s": w2,
            "r_s": w1, "ratio": speed,
            "note": f"whole process; speed-up {speed:.2f} (goal >= 1.8: "
                    f"{'met' if speed >= 1.8 else 'NOT met'}); same files: {same}; CPU "
                    f"{statistics.median(r[1] for r in two):.1f} s vs "
                    f"{statistics.median(r[1] for r in one):.1f} s; load "
                    f"{os.getloadavg()[0]:.1f}"}


def run() -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="lospw-bench-") as tmp:
        folder = Path(tmp)
        pop = _population(folder)
        data = folder / "data.csv"
        subprocess.run([*LOSPW, "simulate", "fieldtest", "--population", str(pop), "--seed",
                        "1", "-n", str(N), "-o", str(data)], stdout=subprocess.DEVNULL,
                       check=True)
        key = str(folder / "key.yaml")
        rows = [
            _row(f"intake {N:,} x {SCALES * ITEMS} (screening on)",
                 _run(["intake", str(data), "--key", key, "--json"]), "goal <= 5 s"),
            _row(f"analyze {N:,} x {SCALES * ITEMS}",
                 _run(["analyze", str(data), "--key", key, "--missing", "listwise",
                       "-o", str(folder / "out")], timeout=ANALYZE_TIMEOUT),
                 "goal <= 60 s and <= 2 GB"),
            _plan_row(folder),
        ]
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
