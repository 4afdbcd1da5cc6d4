"""Sample-size planning: population values against lavaan, seeds, summaries, errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import lospw.analysis.planning.plan as plan_module
from lospw.analysis.core.errors import InputError
from lospw.analysis.planning.plan import (
    _clean,
    plan_sample_size,
    prepare,
    replicate,
    replication_seed,
)
from lospw.analysis.planning.summary import Criteria, _loading_stats, _recommend, criteria_met


@pytest.mark.parametrize("estimator, moments", [("ML", "scores"), ("WLSMV", "polychoric")])
def test_population_values_match_lavaan(population, reference, estimator, moments):
    """The key model fitted to the exact moments: lavaan's cfa(sample.cov = ...)."""
    _, ref = prepare(population, estimator=estimator)
    r = reference["fits"][moments]
    lo = ref["loadings"]
    est, std = ("est", "std_all") if estimator == "ML" else ("limit_est", "limit_std_all")
    assert list(lo["factor"]) == r["lhs"] and list(lo["item"]) == r["rhs"]
    np.testing.assert_allclose(lo[est], r["est"], atol=1e-6)
    np.testing.assert_allclose(lo[std], r["std_all"], atol=1e-6)
    if estimator == "WLSMV":  # the DWLS values: near the limit for this nearly correct model
        np.testing.assert_allclose(lo["std_all"], lo["limit_std_all"], atol=0.02)
    alt = ref["alternatives"].set_index("model")
    assert ref["key_model"]["F"] == pytest.approx(r["F_key"], abs=1e-7)
    assert alt.loc["grouped", "F"] == pytest.approx(r["F_grouped"], rel=1e-6)
    assert alt.loc["grouped", "df_diff"] == r["df_grouped"] - r["df_key"]


def test_default_alternative_and_choice(population):
    setup, ref = prepare(population)
    assert setup.alternative == "grouped" and "default" in ref["alternative"]["why"]
    setup, ref = prepare(population, alternative="second_order")
    assert setup.alternative == "second_order" and ref["alternative"]["why"] == "chosen by the user"
    assert set(ref["alternatives"]["model"]) == {"one_factor", "grouped", "second_order"}
    # fewer factors fit worse in the population: one factor worst
    f = ref["alternatives"].set_index("model")["delta_F"]
    assert f["one_factor"] > f["grouped"] > 0


def test_normal_theory_power_matches_r(population, reference):
    from lospw.analysis.planning.summary import _normal_theory_power

    _, ref = prepare(population)
    alt = ref["alternatives"].set_index("model").loc["grouped"]
    got = [_normal_theory_power(n, alt["delta_F"], alt["df_diff"], 0.05)
           for n in reference["power_normal_theory"]["n"]]
    np.testing.assert_allclose(got, reference["power_normal_theory"]["power"], atol=1e-6)


def test_seed_rule_is_spawn():
    a = replication_seed(5, 150, 3).generate_state(8)
    b = np.random.SeedSequence(5).spawn(151)[150].spawn(4)[3].generate_state(8)
    assert (a == b).all()
    assert (replication_seed(5, 150, 3).generate_state(2)
            != replication_seed(5, 150, 4).generate_state(2)).any()


def test_replicate_is_a_function_of_its_seed(population):
    setup, ref = prepare(population)
    a = replicate(setup, 120, 0, 9)
    b = replicate(setup, 120, 0, 9)
    c = replicate(setup, 120, 1, 9)
    assert a["converged"] and a["error"] == ""
    assert a["chisq"] == b["chisq"] and (a["est"] == b["est"]).all()
    assert a["chisq"] != c["chisq"]
    assert len(a["est"]) == len(ref["loadings"]) == 12
    assert a["diff_df"] == 5 and 0 <= a["diff_pvalue"] <= 1
    # the marker loadings are fixed: their CI is the point
    assert a["ci_lower"][0] == a["ci_upper"][0] == 1.0


def test_clean_switches_nuisances_off(population):
    c = _clean(population)
    assert population.careless_random > 0 and population.mcar > 0
    assert (c.mcar, c.mar, c.empty_rows, c.dont_know_rate, c.careless_random,
            c.careless_straightline) == (0.0, (), 0.0, 0.0, 0.0, 0.0)


def test_plan_small(population, population_path):
    res = plan_sample_size(population, [150, 100], 4, seed=3,
                           population_file=population_path)
    s = res.summary
    assert list(s["n"]) == [100, 150] and list(s["reps"]) == [4, 4]
    assert (s["converged"] == 1).all() and (s["errors"] == 0).all()
    assert s["power"].between(0, 1).all() and s["power_normal_theory"].gt(0.99).all()
    assert len(res.loadings) == 2 * 12 and len(res.replications) == 8
    assert res.config["seed"] == 3 and res.config["population"]["file"] == "population.yaml"
    assert res.config["population"]["unusable_share"] == pytest.approx(0.04)
    d = res.to_dict()
    assert d["notes"]["synthetic"].startswith("Monte Carlo") and d["recommended"]["reason"]


def test_sizes_share_replications(population):
    """Seeds are keyed by the value of N: adding a size changes nothing else."""
    a = plan_sample_size(population, [100], 3, seed=2)
    b = plan_sample_size(population, [100, 120], 3, seed=2)
    pd.testing.assert_frame_equal(a.replications,
                                  b.replications[b.replications["n"] == 100].reset_index(drop=True))


def test_loading_stats_by_hand():
    ref = pd.DataFrame({"factor": ["f", "f"], "item": ["a", "b"], "free": [False, True],
                        "est": [1.0, 0.8], "std_all": [0.7, 0.5]})
    rec = {"std_all": np.array([[0.7, 0.6], [0.8, 0.5], [0.6, 0.4]]),
           "est": np.array([[1.0, 0.9], [1.0, 0.7], [1.0, 0.2]]),
           "se": np.array([[0.0, 0.1], [0.0, 0.1], [0.0, 0.1]]),
           "ci_lower": np.array([[1.0, 0.7], [1.0, 0.5], [1.0, 0.0]]),
           "ci_upper": np.array([[1.0, 1.1], [1.0, 0.9], [1.0, 0.4]])}
    conv = np.array([True, True, False])
    out = _loading_stats(ref, rec, conv)
    assert out["mean_std"].tolist() == pytest.approx([0.75, 0.55])
    assert out["rel_bias_std"].tolist() == pytest.approx([0.05 / 0.7, 0.1])
    assert math.isnan(out["coverage"][0]) and out["coverage"][1] == 1.0
    assert out["mean_est"][1] == pytest.approx(0.8) and out["rel_bias_est"][1] == pytest.approx(0)
    sd = np.std([0.9, 0.7], ddof=1)
    assert out["se_bias"][1] == pytest.approx((0.1 - sd) / sd)
    assert (out["n_converged"] == 2).all()
    # a converged replication without standard errors: out of the SE mean and the coverage
    rec["se"][2] = rec["ci_lower"][2] = rec["ci_upper"][2] = np.nan
    out = _loading_stats(ref, rec, np.ones(3, bool))
    assert out["coverage"][1] == 1.0 and out["mean_se"][1] == pytest.approx(0.1)
    none = _loading_stats(ref, rec, np.zeros(3, bool))
    assert none["coverage"].isna().all() and (none["n_converged"] == 0).all()


def _row(**kw):
    row = {"n": 300, "cosmin_minimum": 252, "converged": 1.0, "proper": 0.97, "power": 0.9,
           "coverage_mean": 0.95, "coverage_min": 0.93, "coverage_max": 0.96,
           "coverage_mc_se": 0.01, "rel_bias_std_max": 0.02, "fit_all": 0.5}
    row.update(kw)
    return row


def test_criteria():
    c = Criteria()
    assert all(criteria_met(_row(), c).values())
    assert criteria_met(_row(n=200), c)["cosmin"] is False
    assert criteria_met(_row(coverage_max=0.99), c)["coverage"] is True  # within 2 MC SEs
    assert criteria_met(_row(coverage_max=0.995, coverage_mc_se=0.005), c)["coverage"] is False
    assert criteria_met(_row(coverage_min=0.895), c)["coverage"] is True
    assert criteria_met(_row(coverage_min=0.885), c)["coverage"] is False
    assert criteria_met(_row(coverage_mean=0.905), c)["coverage"] is False
    assert criteria_met(_row(coverage_mean=math.nan), c)["coverage"] is None
    assert criteria_met(_row(power=math.nan), c)["power"] is None
    assert criteria_met(_row(rel_bias_std_max=0.1), c)["relative_bias"] is False
    assert "fit" not in criteria_met(_row(), c)
    assert criteria_met(_row(), Criteria(fit_share=0.8))["fit"] is False


def test_recommend_needs_every_larger_n_too():
    s = pd.DataFrame({"n": [100, 200, 300, 400], "meets": [True, False, True, True],
                      "failed": ["", "power", "", ""], "not_computed": ["", "", "", ""]})
    r = _recommend(s, 0.05)
    assert r["n"] == 300 and r["n_collect"] == 316
    s["meets"] = False
    s["failed"] = "power"
    r = _recommend(s, 0.05)
    assert r["n"] is None and "power" in r["reason"]


@pytest.mark.parametrize("kwargs, fragment", [
    ({"ns": []}, "at least one sample size"),
    ({"ns": [5]}, ">= 10"),
    ({"ns": [100.5]}, ">= 10"),
    ({"ns": 100}, "list of whole numbers"),
    ({"reps": 1}, "replications"),
    ({"seed": -1}, "seed"),
    ({"estimator": "GLS"}, "'estimator'"),
    ({"alternative": "bifactor"}, "nested in the key's model"),
    ({"jobs": 0}, "jobs"),
])
def test_bad_input(population, kwargs, fragment):
    args = {"ns": [100], "reps": 2, **kwargs}
    ns, reps = args.pop("ns"), args.pop("reps")
    with pytest.raises(InputError, match=fragment):
        plan_sample_size(population, ns, reps, **args)


def test_engine_input_error_surfaces_before_the_run(population, monkeypatch):
    def refuse(*args, **kwargs):
        raise InputError("estimator 'X' is not available yet in this version.")

    monkeypatch.setattr(plan_module, "fit_cfa", refuse)
    with pytest.raises(InputError, match="not available"):
        plan_sample_size(population, [100], 2)


def test_failed_replication_is_recorded(population, monkeypatch):
    setup, _ = prepare(population)
    monkeypatch.setattr(plan_module, "fit_cfa",
                        lambda *a, **k: (_ for _ in ()).throw(np.linalg.LinAlgError("singular")))
    out = replicate(setup, 100, 0, 1)
    assert out["error"] == "LinAlgError: singular" and out["converged"] is False
    assert np.isnan(out["est"]).all()


@pytest.mark.parametrize("estimator, cfi", [("MLR", "cfi_robust"), ("WLSMV", "cfi_scaled")])
def test_robust_estimators_record_their_fit_measures(population, estimator, cfi):
    res = plan_sample_size(population, [150], 2, estimator=estimator, seed=1)
    s = res.summary.iloc[0]
    assert s["converged"] == 1 and np.isfinite(s["mean_cfi"]) and np.isfinite(s["mean_rmsea"])
    assert res.config["fit_cutoffs"][0]["engine_name"] == cfi
    assert 0 <= s["power"] <= 1


@pytest.mark.slow
@pytest.mark.parametrize("estimator", ["ML", "WLSMV"])
def test_recovery_of_population_values(population, estimator):
    """100 replications at N = 400: the pseudo-true values are what the estimates centre on."""
    res = plan_sample_size(population, [400], 100, estimator=estimator, seed=7, jobs=2)
    s = res.summary.iloc[0]
    assert s["converged"] == 1 and s["proper"] == 1
    assert s["rel_bias_std_mean"] < 0.015 and s["rel_bias_std_max"] < 0.04
    assert 0.90 <= s["coverage_mean"] <= 0.98
