"""Longitudinal invariance and latent change (issue 22.3) against semTools 0.5-6
``measEq.syntax(longFacNames =, long.equal =)`` + lavaan 0.6-14 on the two-wave sai data
(``tests/reference/longitudinal_invariance.json``; REAL psychTools::sai, and the same with
SYNTHETIC attrition for FIML)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import key_from_dict
from lospw.analysis.validation.longitudinal import long_to_wide, longitudinal_invariance

REF = Path(__file__).resolve().parents[2] / "reference"
R = json.loads((REF / "longitudinal_invariance.json").read_text())
KEY = key_from_dict({"response_scale": {"min": 1, "max": 4}, "scales": R["design"]["items"]})
SFX = ["_1", "_2"]
ANALYSES = list(R["analyses"])


def data(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / "data" / f"{name}.csv")


@cache
def run(name: str, criterion: str = "chen2007", search: bool = False):
    a = R["analyses"][name]
    o = a["lavaan_options"]
    return longitudinal_invariance(data(a["data"]), KEY, SFX, waves=["1", "2"],
                                   estimator=o["estimator"],
                                   missing="fiml" if o.get("missing") else "listwise",
                                   criterion=criterion, search=search)


@pytest.mark.parametrize("name", ANALYSES)
def test_steps_match_lavaan(name):
    a = R["analyses"][name]
    res = run(name)
    assert res.highest_level == "strict"
    for s in res.steps:
        ref = a["steps"][s["step"]]["fit_measures"]
        assert s["converged"]
        assert s["fit"]["chisq"] == pytest.approx(ref["chisq"], rel=1e-3)
        assert s["fit"]["df"] == ref["df"]
        for k in ("cfi", "tli", "rmsea", "srmr", "chisq_scaled", "cfi_robust",
                  "rmsea_robust", "cfi_scaled", "rmsea_scaled"):
            v = ref.get(k.replace("_", "."))
            if v is not None and k in s["fit"]:
                assert s["fit"][k] == pytest.approx(v, abs=1e-3), (s["step"], k)
    fits = {s["step"]: s["fit"] for s in res.steps}
    for d in res.decisions:
        ref = a["differences"][f"{d['step']} vs {d['versus']}"]
        assert d["chisq_diff"] == pytest.approx(ref["chisq_diff"], rel=1e-3)
        assert d["df_diff"] == ref["df_diff"]
        assert d["pvalue"] == pytest.approx(ref["pvalue"], abs=1e-3)
        # semTools' delta_cfi / delta_rmsea are of the plain indices
        assert fits[d["step"]]["cfi"] - fits[d["versus"]]["cfi"] == pytest.approx(
            ref["delta_cfi"], abs=1e-3)
        assert fits[d["step"]]["rmsea"] - fits[d["versus"]]["rmsea"] == pytest.approx(
            ref["delta_rmsea"], abs=1e-3)


@pytest.mark.parametrize("name", ANALYSES)
def test_latent_change_matches_lavaan(name):
    ref = R["analyses"][name]["steps"]["scalar"]["latent_change"]["defined"]
    lc = run(name).latent_change.set_index(["scale", "quantity"])
    assert "scalar" in run(name).latent_change_note
    for d in ref:
        scale, q = d["name"].split("_", 1)
        row = lc.loc[(scale, q)]
        assert row["est"] == pytest.approx(d["est"], abs=0.002), d["name"]
        assert row["se"] == pytest.approx(d["se"], abs=0.002), d["name"]
        assert row["ci_lower"] == pytest.approx(d["ci.lower"], abs=0.002)
        assert row["ci_upper"] == pytest.approx(d["ci.upper"], abs=0.002)


def test_long_data_gives_the_wide_result():
    wide, waves, sfx, excluded = long_to_wide(data("sai_long"), KEY.items, "wave", "pid")
    assert waves == ["1", "2"] and sfx == SFX and len(excluded) == 0
    res = longitudinal_invariance(wide, KEY, sfx, waves=waves, search=False)
    ref = R["analyses"]["ML_listwise"]["steps"]
    for s in res.steps:
        assert s["fit"]["chisq"] == pytest.approx(ref[s["step"]]["fit_measures"]["chisq"],
                                                  rel=1e-6)


def test_no_latent_change_without_scalar_invariance():
    res = run("ML_listwise", "chisq", False)        # scalar: p < .001
    assert res.highest_level == "metric" and res.latent_change is None
    assert "not comparable" in res.latent_change_note
    assert json.dumps(res.to_dict(), allow_nan=False)


def test_partial_search_frees_intercepts_with_two_equal_per_scale():
    res = run("ML_listwise", "chisq", True)
    partial = [s for s in res.steps if s["step"] == "scalar (partial)"]
    assert partial, "the search ran"
    freed = [p[:-2] for p in partial[0]["partial"]]
    for s in KEY.scales:
        assert len([i for i in s.items if i not in freed]) >= 2
    if res.highest_level in ("scalar", "strict"):
        assert res.latent_change is not None and "partial" in res.latent_change_note


def test_refusals():
    wide = data("sai_wide")
    with pytest.raises(InputError, match="not in the data"):
        longitudinal_invariance(wide, KEY, ["_1", "_3"])
    with pytest.raises(InputError, match="FIML needs"):
        longitudinal_invariance(wide, KEY, SFX, estimator="WLSMV", missing="fiml")
    with pytest.raises(InputError, match="at least two"):
        long_to_wide(data("sai_long").query("wave == 1"), KEY.items, "wave", "pid")
