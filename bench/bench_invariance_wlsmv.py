"""WLSMV invariance steps (Wu & Estabrook, 2016) on larger models: lospw vs lavaan 0.6.14.

Each step's model (the syntax lospw writes, statement for statement semTools'
``measEq.syntax``) is fitted once by each side (the note gives both chi-squares), timed inside its own process (excluding
start-up and data reading; lavaan: ``cfa()`` + ``fitMeasures()``, lospw: ``fit_cfa``, which
computes all fit measures, including the robust ones):

* bfi: the 25 items, five factors, across gender (2 groups, listwise N = 2436);
* spi: 50 items of the SAPA Personality Inventory (psychTools::spi; the first ten items of
  each Big-Five domain key), five factors, across sex (2 groups).

Ratio = R time / lospw time (above 1: lospw is faster).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd

from lospw.analysis.cfa import fit_cfa
from lospw.analysis.core.key import key_from_dict, load_key
from lospw.analysis.validation.wu_estabrook import (
    ORDINAL_STEPS,
    step_parameterization,
    wu_estabrook_syntax,
)

ROOT = Path(__file__).resolve().parents[1]
STEPS = [s for s, _ in ORDINAL_STEPS]

_SPI = """
data(spi, package = "psychTools"); data(spi.keys, package = "psychTools")
keys <- lapply(spi.keys[c("Agree", "Consc", "Neuro", "Extra", "Open")], head, 10)
cat(jsonlite::toJSON(keys))
items <- gsub("-", "", unlist(keys, use.names = FALSE))
write.csv(spi[c("sex", items)], "{path}", row.names = FALSE, na = "")
"""


def _spi(folder: Path) -> tuple[pd.DataFrame, object]:
    path = folder / "spi50.csv"
    out = subprocess.run(["Rscript", "-e", _SPI.format(path=path.as_posix())],
                         capture_output=True, text=True, check=True).stdout
    key = key_from_dict({"instrument": "spi50", "response_scale": {"min": 1, "max": 6},
                         "scales": json.loads(out)})
    return pd.read_csv(path), key


def _prepare(data: pd.DataFrame, key, group: str) -> tuple[pd.DataFrame, dict[str, int]]:
    d = key.reverse_score(data[list(key.items)].astype(float)).assign(**{group: data[group]})
    d = d.dropna()
    return d, {i: int(d[i].nunique()) - 1 for i in key.items}


def _r_times(csv: Path, items: list[str], group: str, syntaxes: dict[str, str]) -> dict:
    spec = csv.with_suffix(".json")
    spec.write_text(json.dumps({"items": items, "syntax": syntaxes}))
    code = f"""
suppressPackageStartupMessages(library(lavaan))
d <- read.csv("{csv.as_posix()}")
spec <- jsonlite::fromJSON("{spec.as_posix()}")
items <- spec$items
syn <- spec$syntax
out <- lapply(names(syn), function(s) {{
  t <- system.time({{
    f <- cfa(syn[[s]], data = d, ordered = items, group = "{group}", estimator = "WLSMV",
             parameterization = if (s == "strict") "theta" else "delta")
    fm <- fitMeasures(f) }})[["elapsed"]]
  list(seconds = t, chisq = fm[["chisq"]], cfi_robust = fm[["cfi.robust"]]) }})
names(out) <- names(syn)
cat(jsonlite::toJSON(out, auto_unbox = TRUE))
"""
    res = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"lavaan timing failed: {res.stderr.strip()[-500:]}")
    return json.loads(res.stdout)


def _case(name: str, data: pd.DataFrame, key, group: str, folder: Path) -> list[dict]:
    d, n_thr = _prepare(data, key, group)
    csv = folder / f"{name}.csv"
    d.to_csv(csv, index=False)
    syntaxes = {s: wu_estabrook_syntax(key, d[group].nunique(), n_thr, s) for s in STEPS}
    r = _r_times(csv, list(key.items), group, syntaxes)
    rows = []
    for s in STEPS:
        t0 = time.perf_counter()
        res = fit_cfa(d, syntaxes[s], estimator="WLSMV", group=group, ordered=True,
                      parameterization=step_parameterization(s))
        t = time.perf_counter() - t0
        rt = r[s]["seconds"]
        rows.append({"name": f"invariance WLSMV {name} {s}", "lospw_s": t, "r_s": rt,
                     "ratio": rt / t,
                     "note": f"{len(key.items)} items, N = {len(d)}, chisq "
                             f"{res.fit['chisq']:.2f} (lavaan {r[s]['chisq']:.2f}) on "
                             f"{res.fit['df']:.0f} df"})
    return rows


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bfi = pd.read_csv(ROOT / "tests" / "data" / "bfi.csv")
        rows = _case("bfi25", bfi, load_key(ROOT / "tests" / "fixtures" / "keys" / "bfi.yaml"),
                     "gender", folder)
        spi, key = _spi(folder)
        rows += _case("spi50", spi, key, "sex", folder)
    return rows
