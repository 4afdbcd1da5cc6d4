"""Multilevel reliability (issue 22.2) against semTools 0.5-6 ``compRelSEM(config =, shared =)``
(``tests/reference/multilevel_reliability.json``): within .005 (the FIML cases' denominators
use lospw's converged h1, lavaan's stops a little short: see test_twolevel.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lospw.analysis.cfa.twolevel_reliability import geldhof_omega, multilevel_reliability
from lospw.analysis.core.errors import InputError
from tests.analysis.cfa.test_twolevel import fitted

REF = Path(__file__).resolve().parents[2] / "reference"
R = json.loads((REF / "multilevel_reliability.json").read_text())
CASES = list(R["cases"])
TOL = 0.005


def ref_table(block: dict) -> dict[tuple[str, str], float]:
    out = {}
    for kind in ("config", "shared"):
        if kind in block["value"]:
            t = block["value"][kind]
            for i, r in enumerate(t["rownames"]):
                for j, f in enumerate(t["colnames"]):
                    out[(r, f)] = t["values"][i][j]
    return out


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("variant", ["", "_obs_var_FALSE", "_tau_eq"])
def test_matches_comprelsem(name, variant):
    case = R["cases"][name]
    res = fitted(case["twolevel_case"])
    assert res.cluster_sizes["harmonic_mean"] == pytest.approx(
        case["cluster_size"]["harmonic_mean"], rel=1e-12)
    kw = {"obs_var": variant != "_obs_var_FALSE", "tau_eq": variant == "_tau_eq"}
    n = 0
    for kind in ("config", "shared"):
        block = case.get(kind + variant)
        if block is None:
            continue
        factors = block["value"][kind]["colnames"]
        rel = multilevel_reliability(res, **{kind: factors}, **kw)
        for (row, f), v in ref_table(block).items():
            assert rel.table.loc[f, row] == pytest.approx(v, abs=TOL), (kind, row, f)
            n += 1
        if kind == "config" and not kw["tau_eq"]:
            assert bool(rel.warnings) == bool(block["warnings"])
    assert n > 0


@pytest.mark.parametrize("name", CASES)
def test_geldhof_default(name):
    case = R["cases"][name]
    res = fitted(case["twolevel_case"])
    g = geldhof_omega(res)
    val = case["geldhof_default"]["value"]
    levels = list(val.values()) if isinstance(val, dict) else val
    for lvl_block in (val["1"], val["2"]) if "1" in val else (
            {"level": "within", **(val["within"] or {})},
            {"level": "cluster", **val["cluster"]}):
        col = "within" if lvl_block["level"] == "within" else "between"
        for f, v in lvl_block.items():
            if f != "level":
                assert g.loc[f, col] == pytest.approx(v, abs=TOL)
    assert levels


def test_refusals():
    res = fitted("demo_shared_saturated_within")
    with pytest.raises(InputError, match="both levels"):
        multilevel_reliability(res, config=["f1"])
    with pytest.raises(InputError, match="Name the factors"):
        multilevel_reliability(res)
    rel = multilevel_reliability(res, shared=["f1", "f2"])
    assert np.isnan(rel.table.loc["f1", "omega_W"])
    json.dumps(rel.to_dict(), allow_nan=False)
