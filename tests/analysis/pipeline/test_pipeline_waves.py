"""``lospw analyze --cluster --wave --id`` on SYNTHETIC 3-wave long data drawn in the test:
every new stage runs (multilevel, longitudinal, trajectories); repeated ids across waves are
not duplicates."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from lospw.analysis.pipeline.runner import AnalysisOptions, run_analysis
from lospw.analysis.planning.simulate import write_simulation
from lospw.analysis.planning.simulate_waves import simulate_waves
from tests.analysis.planning.test_waves_recovery import KEY, population


@pytest.mark.slow
def test_analyze_three_waves(tmp_path):
    sim = simulate_waves(population(), rng=3)
    write_simulation(sim, tmp_path / "responses.csv")
    KEY.save(tmp_path / "key.yaml")
    out = tmp_path / "out"
    run_analysis(AnalysisOptions(str(tmp_path / "responses.csv"), str(tmp_path / "key.yaml"),
                                 cluster="workplace", wave="wave", id_column="respondent_id",
                                 synthetic=True), out)
    m = json.loads((out / "manifest.json").read_text())
    st = {s["name"]: s["status"] for s in m["stages"]}
    assert st["intake"] == st["multilevel"] == st["longitudinal"] == st["trajectories"] == "ok"
    intake = json.loads((out / "intake" / "intake.json").read_text())
    n1 = int((sim.data["wave"] == 1).sum())
    assert intake["n_analysed"] == n1 - len(sim.truth["drawn"]["empty_rows"])
    assert intake["excluded_by_reason"]["later_wave"] == len(sim.data) - n1
    lon = json.loads((out / "longitudinal" / "longitudinal.json").read_text())
    assert lon["waves"] == ["1", "2", "3"] and set(lon["scales"]) == {"A", "B"}
    assert all(r["highest_level"] in ("scalar", "strict") for r in lon["scales"].values())
    lc = pd.read_csv(out / "longitudinal" / "latent_change.csv")
    a3 = lc[(lc.scale == "A") & (lc.wave == 3) & (lc.quantity == "d_wave1_sd")].iloc[0]
    assert a3["ci_lower"] > 0.3          # planted: +0.3 per wave on A
    ch = pd.read_csv(out / "trajectories" / "changes.csv")
    pw1 = ch[(ch.cluster == "PW01") & (ch.scale == "A") & (ch.from_wave == 1)].iloc[0]
    assert pw1["exceeds_error"]
    assert (out / "trajectories" / "charts" / "trajectory_A.svg").is_file()


@pytest.mark.slow
def test_wave_stages_leave_out_the_rows_screening_excluded(tmp_path):
    """Careless first-wave rows excluded by the screening are not analysed by the wave
    stages either (they stay in the exclusion log with the screening's reason)."""
    from lospw.analysis.planning.population import population_from_dict

    raw = dict(population(n=2).raw, n=600)
    raw["careless"] = {"random": 0.03, "straightline": 0.02}
    sim = simulate_waves(population_from_dict(raw, "pop.yaml", key=KEY), rng=5)
    write_simulation(sim, tmp_path / "responses.csv")
    KEY.save(tmp_path / "key.yaml")
    out = tmp_path / "out"
    run_analysis(AnalysisOptions(str(tmp_path / "responses.csv"), str(tmp_path / "key.yaml"),
                                 cluster="workplace", wave="wave", id_column="respondent_id",
                                 screen="exclude", synthetic=True), out)
    intake = json.loads((out / "screening" / "intake.json").read_text())
    screened = sum(v for k, v in intake["excluded_by_reason"].items() if k != "later_wave")
    careless = (len(sim.truth["drawn"]["careless_random_rows"])
                + len(sim.truth["drawn"]["careless_straightline_rows"]))
    assert screened >= careless > 0
    lon = json.loads((out / "longitudinal" / "longitudinal.json").read_text())
    traj = json.loads((out / "trajectories" / "trajectories.json").read_text())
    assert lon["rows_screened_out"] == traj["rows_screened_out"] == screened
    # persons: those with a row left (a screened-out first wave leaves the later waves)
    exc = pd.read_csv(out / "screening" / "exclusions.csv")
    gone = set(exc.loc[exc["reason"] != "later_wave", "row"])
    rows = sim.data.set_axis(range(1, len(sim.data) + 1))
    assert lon["n_obs"] == rows.drop(index=list(gone))["respondent_id"].nunique()
    assert lon["n_obs"] < rows["respondent_id"].nunique()
