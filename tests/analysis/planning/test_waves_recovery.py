"""Waves in the simulator (issue 22.5) and their recovery: planted workplace change is found
by the trajectories (22.4) and the planted mean change by the latent change of the
longitudinal invariance analysis (22.3). SYNTHETIC data drawn in the test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import key_from_dict
from lospw.analysis.planning.population import population_from_dict
from lospw.analysis.planning.simulate import simulate
from lospw.analysis.planning.simulate_waves import simulate_waves
from lospw.analysis.scoring.trajectories import trajectories, trajectory_figure
from lospw.analysis.validation.longitudinal import long_to_wide, longitudinal_invariance

KEY = key_from_dict({"instrument": "waves_test", "response_scale": {"min": 1, "max": 5},
                     "scales": {"A": ["a1", "a2", "-a3", "a4"], "B": ["b1", "b2", "b3", "b4"]}})
THR = [-1.8, -0.7, 0.3, 1.3]


def population(**waves):
    items = {f"{s}{i}": {"loadings": {s.upper(): 0.75}, "thresholds": THR}
             for s in "ab" for i in range(1, 5)}
    spec = {"n": 3, "mean_change": {"A": 0.3}, "workplace_change": {"PW01": 0.8,
                                                                      "PW02": -0.8},
            "workplace_change_sd": 0.05, "attrition": 0.1, "stability": 0.6, **waves}
    raw = {"model": "lospw-population/1", "synthetic": True, "n": 2400,
           "factors": ["A", "B"], "factor_correlations": [["A", "B", 0.4]], "items": items,
           "workplaces": {"n": 40, "icc": 0.15}, "groups": {"all": {"share": 1.0}},
           "missingness": {"mcar": 0.01}, "waves": spec}
    return population_from_dict(raw, "pop.yaml", key=KEY)


@pytest.fixture(scope="module")
def sim():
    return simulate_waves(population(), rng=11)


def test_wave_one_is_the_single_wave_simulation(sim):
    single = simulate(population(), rng=11).data
    w1 = sim.data[sim.data["wave"] == 1].drop(columns="wave").reset_index(drop=True)
    pd.testing.assert_frame_equal(w1, single)
    counts = sim.truth["waves"]["respondents_per_wave"]
    assert counts[0] == 2400 and counts[0] > counts[1] > counts[2]
    assert abs(counts[1] / counts[0] - 0.9) < 0.03        # attrition 10% per wave
    assert sim.truth["waves"]["workplace_change_per_wave"]["PW01"]["A"] == pytest.approx(1.1)


def scores(data: pd.DataFrame) -> pd.DataFrame:
    keyed = KEY.reverse_score(data[list(KEY.items)])
    return pd.DataFrame({s.name: keyed[list(s.items)].mean(axis=1) for s in KEY.scales})


def test_trajectories_find_the_planted_workplace_change(sim, tmp_path):
    d = sim.data
    rel = {(s, str(w)): 0.8 for s in ("A", "B") for w in (1, 2, 3)}
    res = trajectories(scores(d), d["workplace"], d["wave"], ["A", "B"], rel)
    ch = res.changes.set_index(["cluster", "scale", "from_wave"])
    up, down = ch.loc[("PW01", "A", "1")], ch.loc[("PW02", "A", "1")]
    assert up["change"] > 0 and up["exceeds_error"] and up["ci_lo"] > 0
    assert down["change"] < 0 and down["exceeds_error"] and down["ci_hi"] < 0
    truth = sim.truth["waves"]["workplace_change_per_wave"]
    a = ch.xs(("A", "1"), level=("scale", "from_wave"))
    true = pd.Series({w: truth[w]["A"] for w in a.index})
    assert np.corrcoef(a["change"], true)[0, 1] > 0.7
    # B: no planted mean change; only PW01/PW02 move
    b = ch.xs(("B", "1"), level=("scale", "from_wave")).drop(["PW01", "PW02"])
    assert abs(b["change"].mean()) < 0.05
    paths = trajectory_figure(res, "A", tmp_path / "traj_A", note="SYNTHETIC")
    assert all(p.stat().st_size > 0 for p in paths)


def test_latent_change_recovers_the_planted_mean_change(sim):
    wide, waves, sfx, _ = long_to_wide(sim.data[sim.data["wave"] <= 2], KEY.items, "wave",
                                       "respondent_id")
    res = longitudinal_invariance(wide, KEY, sfx, waves=waves, estimator="WLSMV",
                                  search=False)
    assert res.highest_level in ("scalar", "strict")
    lc = res.latent_change.set_index(["scale", "quantity"])
    first = sim.data[sim.data["wave"] == 1]
    delta = sim.truth["waves"]["workplace_change_per_wave"]
    expected_a = float(np.mean([delta[w]["A"] for w in first["workplace"]]))
    expected_b = float(np.mean([delta[w]["B"] for w in first["workplace"]]))
    a, b = lc.loc[("A", "d_wave1_sd")], lc.loc[("B", "d_wave1_sd")]
    assert a["ci_lower"] - 0.03 < expected_a < a["ci_upper"] + 0.03
    assert b["ci_lower"] - 0.03 < expected_b < b["ci_upper"] + 0.03
    assert a["est"] > 0.2


def test_bad_waves_section():
    with pytest.raises(InputError, match=r"waves\.n"):
        simulate_waves(population(n=1))
    with pytest.raises(InputError, match="mean_change"):
        simulate_waves(population(mean_change={"C": 0.1}))
    with pytest.raises(InputError, match="workplace_change"):
        simulate_waves(population(workplace_change={"PW99": 0.1}))


def test_later_waves_keep_the_routing_codes_and_group_shifts():
    """The measurement model and the design are the same at every wave: items a group is
    not asked stay blank, the not-applicable code is drawn, a group's shifted item stays
    shifted (else the wave comparison would find non-invariance that was never planted)."""
    from lospw.analysis.core.design import asked_mask

    d = KEY.to_dict()
    d["missing_codes"] = {8: "dont_know", 9: "not_applicable"}
    d["design"] = {"column": "group", "asked": {"b4": ["staff"]}}
    key = key_from_dict(d)
    items = {f"{s}{i}": {"loadings": {s.upper(): 0.75}, "thresholds": THR}
             for s in "ab" for i in range(1, 5)}
    raw = {"model": "lospw-population/1", "synthetic": True, "n": 3000,
           "factors": ["A", "B"], "factor_correlations": [["A", "B", 0.4]], "items": items,
           "workplaces": {"n": 10, "icc": 0.1},
           "groups": {"staff": {"share": 0.5}, "students": {"share": 0.5}},
           "non_invariance": [{"item": "a1", "group": "students", "threshold_shift": -1.0}],
           "missingness": {"mcar": 0.01}, "dont_know": {"code": 8, "rate": 0.01},
           "not_applicable": {"code": 9, "rate": 0.01},
           "columns": {"group": "group"},
           "waves": {"n": 2, "attrition": 0.1}}
    sim = simulate_waves(population_from_dict(raw, "pop.yaml", key=key), rng=4)
    d2 = sim.data[sim.data["wave"] == 2]
    x = d2[list(key.items)].to_numpy(float)
    asked = asked_mask(key, d2["group"])
    assert np.isnan(x[~asked]).all() and (~asked).sum() > 0
    assert (x == 9).sum() > 0 and (x == 8).sum() > 0
    a1 = d2["a1"].where(d2["a1"] <= 5)
    gap = a1[d2["group"] == "students"].mean() - a1[d2["group"] == "staff"].mean()
    assert gap > 0.4   # thresholds 1.0 lower for students: higher answers, as at wave 1
    seconds = d2.groupby("group")["interviewtime"].median()
    assert seconds["students"] < seconds["staff"]   # fewer items asked, less time
