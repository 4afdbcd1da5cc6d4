"""``lospw cfa`` on a handful of rows: a fit with NaN measures and named warnings, or a
one-line refusal; never a crash (issue 17.12).

With N = 5 the CFA crashed (exit 1): WLSMV's McDonald fit index overflowed (``mfi`` of a
garbage χ² of -1e97 from a non-converged fit; OverflowError), its WRMR took the root of that
negative χ² (ValueError), FIML's saturated log-likelihood inverted a singular covariance
(LinAlgError), and the saturated EM and the start values met singular or non-finite moments.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.robustness.test_corpus import run_cli

# 5 rows of 9 five-point items: WLSMV did not converge and mfi overflowed.
WLSMV_N5 = """x0_0,x0_1,x0_2,x1_0,x1_1,x1_2,x2_0,x2_1,x2_2
3,2,4,3,2,4,2,5,3
2,1,1,4,3,3,5,1,2
2,4,2,2,1,4,4,2,3
1,2,5,3,5,2,4,3,4
3,2,2,5,3,1,2,4,2
"""
# 2 rows of 4 items with FIML: the saturated covariance is singular.
FIML_N2 = """x0_0,x0_1,x0_2,x0_3
2,3,4,4
3,5,2,3
"""


def _key(tmp: Path, columns: list[str], k: int) -> Path:
    per = len(columns) // k
    path = tmp / "key.yaml"
    path.write_text(yaml.safe_dump({
        "instrument": "t", "response_scale": {"min": 1, "max": 5},
        "scales": {f"F{j}": columns[j * per:(j + 1) * per] for j in range(k)}}),
        encoding="utf-8")
    return path


def _check(code: int, out: str, err: str) -> dict | None:
    """Exit 0 with a JSON result whose measures are numbers or null, or exit 2 in one line."""
    assert "Traceback" not in err and code in (0, 2), (code, err)
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("lospw: error: "), err
        return None
    result = json.loads(out)
    for name, value in result["fit"].items():
        assert value is None or math.isfinite(value), (name, value)
    return result


def test_wlsmv_with_five_rows(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text(WLSMV_N5, encoding="utf-8")
    key = _key(tmp_path, WLSMV_N5.splitlines()[0].split(","), 3)
    result = _check(*run_cli("cfa", data, "--key", key, "--estimator", "WLSMV", "--json"))
    assert result is not None and result["estimator"] == "WLSMV"
    codes = {w["code"] for w in result["warnings"]}
    # Whether this fit converges turns on the last bits of the polychoric correlations (a
    # change of 2e-15, as between SciPy's ndtr and R's pnorm, flips it; lavaan does not
    # converge): either way the result says what is wrong with it.
    if result["converged"]:
        assert {"heywood_case", "nonpositive_definite"} <= codes
    else:
        assert result["fit"]["mfi"] is None and "not_converged" in codes


@pytest.mark.parametrize("estimator", ["ml", "mlr"])
def test_fiml_with_two_rows(tmp_path, estimator):
    data = tmp_path / "d.csv"
    data.write_text(FIML_N2, encoding="utf-8")
    key = _key(tmp_path, FIML_N2.splitlines()[0].split(","), 1)
    result = _check(*run_cli("cfa", data, "--key", key, "--missing", "fiml", "--estimator",
                             estimator, "--json"))
    if result is not None:
        assert result["fit"]["chisq"] is None


@pytest.mark.parametrize("n", [3, 5])
@pytest.mark.parametrize("kind", ["likert", "continuous", "missing"])
def test_tiny_samples_never_crash(tmp_path, n, kind):
    """Every estimator and missing-data option on N = 3 and 5 rows of 9 items."""
    rng = np.random.default_rng(n)
    x = rng.normal(size=(n, 9))
    if kind != "continuous":
        x = np.clip(np.round(3 + 1.3 * x), 1, 5)
    if kind == "missing":
        x[rng.random(x.shape) < 0.2] = np.nan
    cols = [f"x{j}_{i}" for j in range(3) for i in range(3)]
    data = tmp_path / "d.csv"
    pd.DataFrame(x, columns=cols).to_csv(data, index=False)
    key = _key(tmp_path, cols, 3)
    options = [["--estimator", "ml"], ["--estimator", "mlr"],
               ["--estimator", "ml", "--missing", "fiml"],
               ["--estimator", "mlr", "--missing", "fiml"]]
    if kind == "likert":
        options.append(["--estimator", "wlsmv"])
    for opt in options:
        _check(*run_cli("cfa", data, "--key", key, "--json", *opt))
