"""``make bench``: time lospw against R (lavaan / psych / semTools) in the same run.

Each ``bench/bench_*.py`` module exposes ``run() -> list[dict]`` with keys ``name``,
``lospw_s``, ``r_s``, ``ratio`` (R time / lospw time; ``r_s`` and ``ratio`` may be None when
a benchmark has no R counterpart) and ``note``; this driver imports them
all (or those named on the command line: ``python bench/run.py polychoric``), prints one
table with the date, the cores and the machine's load average at the start and the end,
and writes ``bench/results/bench.json``. R is needed; without ``Rscript`` the driver
says how to install it and exits 2.
"""

from __future__ import annotations

import datetime
import importlib.util
import json
import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
INSTALL_R = ("apt-get install r-cran-psych r-cran-lavaan r-cran-semtools "
             "(Debian/Ubuntu; or install.packages(c('psych', 'lavaan', 'semTools')) in R)")


def _modules(names: list[str]) -> list[Path]:
    found = sorted(HERE.glob("bench_*.py"))
    if names:
        found = [p for p in found if p.stem.removeprefix("bench_") in names]
    return found


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> int:
    if shutil.which("Rscript") is None:
        print(f"bench: Rscript not found; the benchmarks time R side by side. Install R and "
              f"the packages: {INSTALL_R}", file=sys.stderr)
        return 2
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    started = _machine()
    print(f"bench: {started['date']}, {started['cores']} cores, load average "
          f"{started['load']} (1, 5, 15 min) at the start", file=sys.stderr)
    rows: list[dict] = []
    for path in _modules(argv):
        print(f"==> bench: {path.stem} ...", file=sys.stderr, flush=True)
        rows.extend(_load(path).run())
    if not rows:
        print("bench: no benchmarks found (bench/bench_*.py)", file=sys.stderr)
        return 2
    w = max(len(r["name"]) for r in rows)
    print(f"{'benchmark':<{w}}  {'lospw (s)':>10}  {'R (s)':>10}  {'R / lospw':>9}  note")
    def num(x, spec: str, width: int) -> str:  # None (no R counterpart, not run) as "-"
        return f"{'-':>{width}}" if x is None else f"{format(x, spec):>{width}}"

    for r in rows:
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.1f}x"
        print(f"{r['name']:<{w}}  {num(r['lospw_s'], '.4f', 10)}  {num(r['r_s'], '.4f', 10)}  "
              f"{ratio:>9}  {r.get('note', '')}")
    ended = _machine()
    print(f"machine: {started['date']} to {ended['date']}, {started['cores']} cores; load "
          f"average {started['load']} at the start, {ended['load']} at the end (1, 5, 15 min: "
          "runnable processes; above the cores, other work shared the machine)")
    out = HERE / "results" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"machine": {"start": started, "end": ended}, "rows": rows},
                              indent=2) + "\n")
    return 0


def _machine() -> dict:
    """The date (UTC), the cores and the load average: what the timings were taken on."""
    return {"date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "cores": os.cpu_count(),
            "load": ", ".join(f"{x:.1f}" for x in os.getloadavg())}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
