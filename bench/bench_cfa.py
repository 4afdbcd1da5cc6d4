"""CFA on the 25 bfi items (five correlated factors): lospw's engine vs lavaan 0.6.14.

Each case fits the model and produces what a user reads: all fit measures and the
standardized solution (lospw: ``fit_cfa`` returns both; R: ``cfa()`` + ``fitMeasures()`` +
``standardizedSolution()``). Both are timed inside their own process, excluding start-up and
data reading; each side runs once untimed (warm-up), then ``REPEATS`` times; the median is
reported. Ratio = R time / lospw time (above 1: lospw is faster).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from pathlib import Path

import pandas as pd

from lospw.analysis.cfa import fit_cfa

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "bfi.csv"
ITEMS = [f"{s}{i}" for s in "ACENO" for i in range(1, 6)]
MODEL = "\n".join(f"{f} =~ " + " + ".join(f"{f}{i}" for i in range(1, 6)) for f in "ACENO")
REPEATS = 3

# name -> (fit_cfa keyword arguments, lavaan arguments)
CASES = {
    "cfa bfi ML listwise": ({"estimator": "ML"}, 'estimator = "ML"'),
    "cfa bfi MLR listwise": ({"estimator": "MLR"}, 'estimator = "MLR"'),
    "cfa bfi WLSMV": ({"estimator": "WLSMV"}, 'estimator = "WLSMV", ordered = items'),
    "cfa bfi ML FIML": ({"estimator": "ML", "missing": "fiml"},
                        'estimator = "ML", missing = "ml"'),
    "cfa bfi MLR FIML": ({"estimator": "MLR", "missing": "fiml"},
                         'estimator = "MLR", missing = "ml"'),
}


def _r_code() -> str:
    calls = ",\n".join(
        f'  "{name}" = function() {{ f <- cfa(model, data = d, {args}); '
        f"fitMeasures(f); standardizedSolution(f) }}"
        for name, (_, args) in CASES.items())
    return f"""
suppressPackageStartupMessages(library(lavaan))
d <- read.csv("{DATA.as_posix()}")
items <- c({", ".join(repr(i) for i in ITEMS)})
model <- '{MODEL}'
cases <- list(
{calls}
)
out <- lapply(cases, function(fun) {{
  invisible(fun())
  sapply(seq_len({REPEATS}), function(i) system.time(fun())[["elapsed"]])
}})
cat(jsonlite::toJSON(out))
"""


def run() -> list[dict]:
    data = pd.read_csv(DATA)
    mine: dict[str, float] = {}
    for name, (kw, _) in CASES.items():
        fit_cfa(data, MODEL, **kw)
        times = []
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            fit_cfa(data, MODEL, **kw)
            times.append(time.perf_counter() - t0)
        mine[name] = statistics.median(times)
    proc = subprocess.run(["Rscript", "-e", _r_code()], capture_output=True, text=True,
                          check=True, env={**os.environ, "LC_ALL": "C"})
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    load = os.getloadavg()[0]
    rows = []
    for name in CASES:
        r_s = statistics.median(r[name])
        rows.append({"name": name, "lospw_s": mine[name], "r_s": r_s,
                     "ratio": r_s / mine[name],
                     "note": f"median of {REPEATS}; fit + all fit measures + standardized "
                             f"solution; load {load:.1f}"})
    return rows
