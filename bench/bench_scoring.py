"""Benchmark: scoring 1,000,000 respondents x 36 items (6 scales of 6, 1-5, ~5% missing).

lospw: ``ScoringScheme.score_items`` (scores, SE, 95% interval, mid-rank percentile and
band for every respondent and scale) and the bare key-based ``scale_means``; R:
``psych::scoreItems(keys, x, impute = "none", min = 1, max = 5)`` on the same array (it
also computes alpha and item-scale correlations, so it does more than score). The note
gives the ratio to a plain numpy row mean of the same array (``x.mean(axis=1)``), the floor
for any per-row computation.

The array is a formula both languages build identically (no file I/O):
``x[i, j] = (7 i + 13 j + (i // 7) j) mod 5 + 1``, missing where ``(3 i + 5 j) mod 19 == 0``
(1-based i, j).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import time

import numpy as np
import pandas as pd

N, P, REPEAT = 1_000_000, 36, 3

R_SCRIPT = r"""
suppressPackageStartupMessages(library(psych))
n <- %d; p <- %d
i <- rep(seq_len(n), times = p); j <- rep(seq_len(p), each = n)
x <- matrix(((7 * i + 13 * j + (i %%/%% 7) * j) %%%% 5) + 1, n, p)
x[matrix((3 * i + 5 * j) %%%% 19 == 0, n, p)] <- NA
colnames(x) <- paste0("i", seq_len(p))
keys <- lapply(0:5, function(s) {
  its <- paste0("i", s * 6 + 1:6); its[1] <- paste0("-", its[1]); its })
names(keys) <- paste0("S", 1:6)
t <- c()
for (r in 1:%d) {
  t0 <- proc.time()[["elapsed"]]
  sc <- scoreItems(keys, x, impute = "none", min = 1, max = 5)$scores
  t <- c(t, proc.time()[["elapsed"]] - t0)
}
cat(sprintf('{"median": %%.6f, "checksum": %%.10f}\n', median(t), sum(sc, na.rm = TRUE)))
"""


def make_array(n: int = N, p: int = P) -> np.ndarray:
    i = np.arange(1, n + 1, dtype=np.int64)[:, None]
    j = np.arange(1, p + 1, dtype=np.int64)[None, :]
    x = (((7 * i + 13 * j + (i // 7) * j) % 5) + 1).astype(float)
    x[(3 * i + 5 * j) % 19 == 0] = np.nan
    return x


def _scheme():
    from lospw.analysis.core.key import key_from_dict
    from lospw.analysis.scoring.norms import NormTable
    from lospw.analysis.scoring.scheme import Provenance, ScoringScheme

    scales = {f"S{s + 1}": [f"-i{s * 6 + 1}"] + [f"i{s * 6 + k}" for k in range(2, 7)]
              for s in range(6)}
    key = key_from_dict({"instrument": "bench", "response_scale": {"min": 1, "max": 5},
                         "scales": scales})
    table = NormTable(tuple(np.round(np.arange(1, 5.01, 1 / 6), 12)), (10,) * 25)
    return ScoringScheme(key, dict.fromkeys(scales, 0.8), dict.fromkeys(scales, table),
                         Provenance(None, None, 250, 250, True))


def _median_time(fn, repeat: int = REPEAT) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run() -> list[dict]:
    from lospw.analysis.scoring.scores import keyed_matrix, scale_means

    x = make_array()
    scheme = _scheme()
    frame = pd.DataFrame(x, columns=list(scheme.key.items))
    keys = keyed_matrix(scheme.key)
    t_rowmean = _median_time(lambda: x.mean(axis=1))
    t_scheme = _median_time(lambda: scheme.score_items(frame))
    t_means = _median_time(lambda: scale_means(x, keys, low=1, high=5))
    scores, _ = scale_means(x, keys, low=1, high=5)
    r = subprocess.run(["Rscript", "-e", R_SCRIPT % (N, P, REPEAT)], capture_output=True,
                       text=True, check=True)
    rt = json.loads(r.stdout.strip().splitlines()[-1])
    same = abs(rt["checksum"] - float(np.nansum(scores))) < 1e-6 * abs(rt["checksum"])
    check = "same scores as psych" if same else "CHECKSUM DIFFERS FROM psych"
    return [
        {"name": "scoring 1M x 36: scheme.score_items", "lospw_s": t_scheme,
         "r_s": rt["median"], "ratio": rt["median"] / t_scheme,
         "note": f"{t_scheme / t_rowmean:.1f}x a numpy row mean ({t_rowmean:.4f} s); "
                 f"scores+SE+CI+pct+band; R: psych::scoreItems; {check}"},
        {"name": "scoring 1M x 36: scale_means (key only)", "lospw_s": t_means,
         "r_s": rt["median"], "ratio": rt["median"] / t_means,
         "note": f"{t_means / t_rowmean:.1f}x a numpy row mean"},
    ]
