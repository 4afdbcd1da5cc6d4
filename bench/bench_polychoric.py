"""Polychoric correlations of the 25 bfi items (complete cases, n = 2436): lospw vs
psych::polychoric with its defaults.

Both are timed inside their own process, excluding start-up and data reading: lospw with
``time.perf_counter`` around ``polychoric()``, R with ``system.time(polychoric(x))``. Each side
runs once untimed (warm-up), then ``REPEATS`` times; the median is reported.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from pathlib import Path

import pandas as pd

from lospw.analysis.classical.polychoric import polychoric

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "bfi.csv"
ITEMS = [f"{s}{i}" for s in "ACENO" for i in range(1, 6)]
REPEATS = 5

R_CODE = f"""
suppressPackageStartupMessages(library(psych))
x <- na.omit(read.csv("{DATA.as_posix()}")[, c({", ".join(repr(i) for i in ITEMS)})])
invisible(polychoric(x))
t <- sapply(seq_len({REPEATS}), function(i) system.time(polychoric(x))[["elapsed"]])
cat(jsonlite::toJSON(list(times = t, n = nrow(x), cores = getOption("mc.cores", 2L))))
"""


def run() -> list[dict]:
    x = pd.read_csv(DATA)[ITEMS].astype(float).dropna()
    polychoric(x)
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        polychoric(x)
        times.append(time.perf_counter() - t0)
    lospw_s = statistics.median(times)
    proc = subprocess.run(["Rscript", "-e", R_CODE], capture_output=True, text=True,
                          check=True, env={**os.environ, "LC_ALL": "C"})
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    r_s = statistics.median(r["times"])
    return [{
        "name": "polychoric bfi 25 items",
        "lospw_s": lospw_s,
        "r_s": r_s,
        "ratio": r_s / lospw_s,
        "note": f"n = {r['n'][0] if isinstance(r['n'], list) else r['n']}; median of "
                f"{REPEATS}; psych::polychoric defaults (mc.cores = "
                f"{r['cores'][0] if isinstance(r['cores'], list) else r['cores']})",
    }]
