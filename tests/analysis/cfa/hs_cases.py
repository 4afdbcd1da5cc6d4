"""The data of the Holzinger-Swineford reference cases (tests/reference/cfa_vcov.R and
cfa_convergence.R) built as the R scripts build them: the first ``rows`` rows, then the
deterministic missing rule (cell (i, j) of x1-x9 missing when (7 i + 3 j) mod 10 = 0, rows
and columns counted from 1), then the data stacked ``stack`` times."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[2] / "reference" / "data"


def case_data(case: dict) -> pd.DataFrame:
    """The data frame of one reference case (its ``data``, ``rows``, ``missing_rule`` and
    ``stack`` entries); every column but ``school`` as float."""
    d = pd.read_csv(DATA / f"{case['data']}.csv")
    if case.get("rows") is not None:
        d = d.iloc[:case["rows"]]
    if case["missing_rule"]:
        items = [f"x{j}" for j in range(1, 10)]
        rows = np.arange(1, len(d) + 1)[:, None]
        cols = np.arange(1, 10)[None, :]
        d = d.assign(**{c: d[c].mask(m) for c, m in
                        zip(items, ((7 * rows + 3 * cols) % 10 == 0).T, strict=True)})
    if case["stack"] > 1:
        d = pd.concat([d] * case["stack"], ignore_index=True)
    return d.astype({c: float for c in d.columns if c != "school"})
