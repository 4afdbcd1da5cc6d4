"""Wide files: 300 respondents x 5,000 items (intake with screening) and 500 items
(reliability, EFA), whole processes as a user runs them.

* The data: SYNTHETIC, written to a temporary folder (never committed) from a seeded
  generator: ``k`` items in scales of ``k / 50`` items, each item ``0.7 f_scale + 0.71 e``
  (standard normal), cut into 5 categories; the 5,000-item file has 2% answers missing at
  random, the 500-item file (N = 1,000) none.
* Rows (goal of issue 21, point 3): ``lospw intake`` with screening on the 300 x 5,000 file
  (<= 10 s; Mahalanobis D² on the principal components, note ``mahalanobis_reduced``),
  ``lospw reliability`` and ``lospw efa`` on the 500 items (<= 30 s each).

No R counterpart (``r_s`` is None). The note gives the CPU seconds (user + system of the
child) and the load average: on a shared machine the wall time counts other work too.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

_SCRIPT = Path(sys.executable).with_name("lospw")
LOSPW = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "lospw"]
SCALES = 50


def _write(folder: Path, n: int, k: int, missing: float, seed: int) -> tuple[Path, Path]:
    """A SYNTHETIC n x k response file and its key (``SCALES`` scales) in ``folder``."""
    rng = np.random.default_rng(seed)
    f = rng.standard_normal((n, SCALES))
    z = 0.7 * f[:, np.repeat(np.arange(SCALES), k // SCALES)] + np.sqrt(0.51) * \
        rng.standard_normal((n, k))
    x = np.clip(np.round(z * 1.1 + 3), 1, 5).astype(int)
    gone = rng.random((n, k)) < missing
    names = [f"v{j}" for j in range(1, k + 1)]
    data, key = folder / f"wide{k}.csv", folder / f"wide{k}.yaml"
    with data.open("w") as fh:
        fh.write("id," + ",".join(names) + "\n")
        for i in range(n):
            fh.write(f"r{i + 1}," + ",".join("" if g else str(v) for v, g in
                                             zip(x[i], gone[i], strict=True)) + "\n")
    size = k // SCALES
    lines = [f"# SYNTHETIC bench instrument, {k} items", f"instrument: wide{k}",
             "response_scale: {min: 1, max: 5}", "scales:"]
    lines += [f"  S{s + 1}: [{', '.join(names[s * size:(s + 1) * size])}]"
              for s in range(SCALES)]
    key.write_text("\n".join(lines) + "\n")
    return data, key


def _run(args: list[str]) -> tuple[float, float, int]:
    """Wall s, CPU s (user + system of the child), exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    code = subprocess.run([*LOSPW, *args], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), code


def _row(name: str, args: list[str], goal: float) -> dict:
    wall, cpu, code = _run(args)
    met = "met" if code == 0 and wall <= goal else "NOT met"
    return {"name": name, "lospw_s": wall, "r_s": None, "ratio": None,
            "note": f"whole process; goal <= {goal:g} s: {met}; CPU {cpu:.1f} s; exit {code}; "
                    f"load {os.getloadavg()[0]:.1f}"}


def run() -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="lospw-bench-wide-") as tmp:
        folder = Path(tmp)
        d5000, k5000 = _write(folder, 300, 5000, 0.02, 1)
        d500, k500 = _write(folder, 1000, 500, 0.0, 5)
        return [
            _row("intake 300 x 5,000 (screening on)",
                 ["intake", str(d5000), "--key", str(k5000), "--json"], 10),
            _row("reliability 1,000 x 500 (50 scales)",
                 ["reliability", str(d500), "--key", str(k500), "--json"], 30),
            _row("efa 1,000 x 500", ["efa", str(d500), "--key", str(k500), "--json"], 30),
        ]


if __name__ == "__main__":
    for row in run():
        print(row)
