"""Tests for dynamic fit cutoffs (analysis/planning/misspecification.py, dynamic.py) against
the independent R implementation of McNeish & Wolf's procedure with lavaan
(tests/reference/dynamic_cutoffs.R -> dynamic_cutoffs.json, data/dynamic_reps.csv):

* the misspecified populations: the same added parameters and implied correlation matrices;
* the rule: applied to R's own replications it gives R's cutoffs, exactly;
* the Monte Carlo: lospw's simulated cutoffs agree with R's within Monte Carlo error (slow);
* invariants: seeded and reproducible, independent of the number of workers.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.cfa import fit_cfa
from lospw.analysis.core.errors import InputError
from lospw.analysis.planning.dynamic import DYNAMIC_INDICES, cutoff_rule, dynamic_cutoffs
from lospw.analysis.planning.misspecification import (
    misspecification_levels,
    standardized_population,
)
from tests.conftest import reference_data

REF = Path(__file__).resolve().parents[2] / "reference"
HS3 = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
N5 = [f"N{i}" for i in range(1, 6)]


@pytest.fixture(scope="module")
def ref() -> dict:
    return json.loads((REF / "dynamic_cutoffs.json").read_text())


@pytest.fixture(scope="module")
def reps() -> pd.DataFrame:
    return pd.read_csv(REF / "data" / "dynamic_reps.csv")


def _case(name: str) -> tuple[str, pd.DataFrame, str]:
    hs = pd.read_csv(reference_data("holzinger_swineford_1939.csv"))
    bfi = pd.read_csv(reference_data("bfi.csv"))
    cases = {
        "hs_3factor": (HS3, hs[[f"x{i}" for i in range(1, 10)]], "ML"),
        "hs_6item_onefactor": ("f =~ x1 + x2 + x3 + x4 + x5 + x6",
                               hs[[f"x{i}" for i in range(1, 7)]], "ML"),
        "bfi_N_onefactor": ("N =~ N1 + N2 + N3 + N4 + N5", bfi[N5].dropna(), "ML"),
        "hs_3factor_mlr": (HS3, hs[[f"x{i}" for i in range(1, 10)]], "MLR"),
        "bfi_N_onefactor_wlsmv": ("N =~ N1 + N2 + N3 + N4 + N5", bfi[N5].dropna(), "WLSMV"),
    }
    return cases[name]


def _fit(name: str):
    model, data, est = _case(name)
    return fit_cfa(data, model, estimator=est,
                   ordered=list(data.columns) if est == "WLSMV" else None), data


def _scalar(x):
    """jsonlite writes NULL as {} and length-1 vectors as [x] in some places."""
    if isinstance(x, list):
        return x[0] if x else None
    if isinstance(x, dict) and not x:
        return None
    return x


def _matrix(m: dict) -> np.ndarray:
    return np.asarray(m["values"], dtype=float)


CASES = ["hs_3factor", "hs_6item_onefactor", "bfi_N_onefactor", "hs_3factor_mlr",
         "bfi_N_onefactor_wlsmv"]


@pytest.mark.parametrize("name", CASES)
def test_levels_match_r(ref, name):
    r = ref["cases"][name]
    res, _ = _fit(name)
    pop = standardized_population(res)
    assert np.allclose(pop.sigma(), _matrix(r["correct_sigma"]), atol=2e-5)
    levels = misspecification_levels(pop, df=res.fit["df"])
    assert [lv.level for lv in levels] == [_scalar(lv["level"]) for lv in r["levels"]]
    for mine, theirs in zip(levels, r["levels"], strict=True):
        want = [(_scalar(a["op"]), _scalar(a["lhs"]), _scalar(a["rhs"]), _scalar(a["value"]))
                for a in theirs["added"]]
        got = [(a["op"], a["lhs"], a["rhs"], a["value"]) for a in mine.added]
        assert [w[:3] for w in want] == [g[:3] for g in got]
        assert np.allclose([w[3] for w in want], [g[3] for g in got], atol=2e-5)
        assert np.allclose(mine.population.sigma(), _matrix(theirs["population_sigma"]),
                           atol=2e-5)


@pytest.mark.parametrize("name", CASES)
def test_rule_on_r_replications_gives_r_cutoffs(ref, reps, name):
    r = ref["cases"][name]
    mine = reps[reps["case"] == name]
    correct = mine[mine["population"] == "correct"]
    for lv in r["levels"]:
        level = _scalar(lv["level"])
        miss = mine[mine["population"] == f"level{level}"]
        for index in DYNAMIC_INDICES:
            cut, rule = cutoff_rule(correct[index], miss[index], index)
            want = _scalar(lv[index]["cutoff"])
            assert rule == _scalar(lv[index]["rule"]), (name, level, index)
            if want is None:
                assert cut is None
            else:
                # R's replications were written with 8 significant digits
                assert cut == pytest.approx(want, rel=1e-7, abs=1e-9), (name, level, index)


def test_cutoff_rule_errors_and_edges():
    with pytest.raises(InputError, match="one of srmr, rmsea, cfi"):
        cutoff_rule([0.1], [0.2], "tli")
    assert cutoff_rule([], [0.1], "srmr") == (None, "none")
    assert cutoff_rule([np.nan, 0.01], [np.nan, 0.5], "srmr")[1] == "95/5"
    # CFI mirrors: a misspecified model with lower CFI gets a cutoff above it
    cut, rule = cutoff_rule(np.linspace(.97, 1, 50), np.linspace(.90, .95, 50), "cfi")
    assert rule == "95/5" and cut == pytest.approx(np.quantile(np.linspace(.90, .95, 50), .95))


def test_seeded_and_worker_independent():
    res, data = _fit("hs_6item_onefactor")
    a = dynamic_cutoffs(res, data, reps=10, seed=5)
    b = dynamic_cutoffs(res, data, reps=10, seed=5, jobs=2)
    c = dynamic_cutoffs(res, data, reps=10, seed=6)
    assert a.to_dict() == b.to_dict()
    assert a.to_dict() != c.to_dict()
    assert a.replications.shape == (40, 6)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"reps": 5}, "number of replications must be a whole number >= 10"),
    ({"seed": -1}, "seed must be a whole number >= 0"),
])
def test_option_errors(kwargs, fragment):
    res, data = _fit("hs_6item_onefactor")
    with pytest.raises(InputError, match=fragment):
        dynamic_cutoffs(res, data, **{"reps": 10, **kwargs})


def test_mlr_needs_the_data():
    res, _ = _fit("hs_3factor_mlr")
    with pytest.raises(InputError, match="pass the data"):
        dynamic_cutoffs(res, None, reps=10)


def test_just_identified_and_too_few_items():
    hs = pd.read_csv(reference_data("holzinger_swineford_1939.csv"))
    res = fit_cfa(hs[["x1", "x2", "x3"]], "f =~ x1 + x2 + x3", estimator="ML")
    with pytest.raises(InputError, match="just identified"):
        dynamic_cutoffs(res, hs, reps=10)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["hs_3factor", "hs_6item_onefactor", "hs_3factor_mlr"])
def test_cutoffs_match_r_within_monte_carlo_error(ref, name):
    """lospw's Monte Carlo (200 reps, its own seeds) against R's (500 reps): every cutoff
    given by the same rule differs by less than 4 combined Monte Carlo SEs (R's bootstrap SE,
    scaled by sqrt(500 / 200) for lospw's)."""
    r = ref["cases"][name]
    res, data = _fit(name)
    mine = dynamic_cutoffs(res, data, reps=200, seed=11)
    other_rule = []
    for lv, theirs in zip(mine.levels, r["levels"], strict=True):
        for index in DYNAMIC_INDICES:
            t = theirs[index]
            if lv.rules[index] != _scalar(t["rule"]):
                other_rule.append((lv.level, index))   # a rule at its border: see below
                continue
            if lv.cutoffs[index] is None:
                continue
            se = _scalar(t["mc_se"])
            tol = 4 * math.sqrt(se**2 + se**2 * 500 / 200)
            assert abs(lv.cutoffs[index] - _scalar(t["cutoff"])) < tol, (lv.level, index)
    # whether 95/5 or only 90/10 holds can flip with Monte Carlo error when the correct and
    # misspecified distributions barely separate; never for more than one index of a case
    assert len(other_rule) <= 1, other_rule
