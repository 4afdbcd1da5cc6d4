"""Acceptance: the pipeline recovers the population model of the synthetic field test.

What "recovers the population loadings" means for 5-point data: the generating loadings are
standardised loadings of continuous latent responses y* (analysis/planning/population.py). The
observed scores are y* cut at thresholds, so:

* a CFA on **polychoric** correlations estimates the loadings of y* themselves; the target
  is the pooled-population value given the workplaces drawn
  (``truth.drawn.pooled_loadings_given_workplaces``; equal to the generating value except for
  the non-invariant item, whose pooled loading is lower);
* a CFA on **Pearson** correlations of the 1-5 scores estimates them attenuated by the known
  factor ρ_j = Σ φ(τ_c) / SD(y_j) (``truth.population.ordinal_loadings``).

Both must be within .05 of their targets for every loading, and the planted weak item must
have the weakest primary loading. Pipeline: simulate N = 5000 (careless respondents, missing
answers and "weet niet" included) -> intake -> screening with exclusion -> reverse scoring ->
correlations (pairwise) -> the true six-factor model (with the planted cross-loading), fitted
by ML on the correlation matrix with lospw's CFA engine and, as a cross-check, with semopy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.classical.polychoric import polychoric
from lospw.analysis.core.key import load_key
from lospw.analysis.intake.responses import responses_from_frame
from lospw.analysis.intake.screening import screen_intake
from lospw.analysis.planning.population import population_from_dict
from lospw.analysis.planning.simulate import simulate
from lospw.instrument.fieldtest import lospw_population
from tests.conftest import FIXTURES

semopy = pytest.importorskip("semopy")

N = 5000
SEED = 2026
TOL = 0.05


@pytest.fixture(scope="module")
def pipeline():
    key = load_key(FIXTURES / "keys" / "lospw_handmade.yaml")
    pop = population_from_dict(lospw_population(key, seed=1), key=key)
    sim = simulate(pop, n=N, rng=SEED)
    res = responses_from_frame(sim.data, key, id_column="respondent_id")
    res, _ = screen_intake(res, exclude=True)
    items = key.reverse_score(res.items)
    model = "\n".join(f"{s.name} =~ " + " + ".join(s.items) for s in key.scales)
    model += f"\nSRI =~ {pop.flaws()['cross_loading'][0]}"
    return key, pop, sim, res, items, model


def _fit(model: str, corr: pd.DataFrame, n: int) -> pd.DataFrame:
    m = semopy.Model(model)
    m.fit(cov=corr, n_samples=n)
    est = m.inspect(std_est=True)
    return est[(est["op"] == "~") & est["rval"].isin(["LOS", "GOC", "SRI", "VMM", "LeA",
                                                      "VOR"])]


def _check(load: pd.DataFrame, target: dict, weak: str) -> float:
    err = np.array([r["Est. Std"] - target[r["lval"]][r["rval"]] for _, r in load.iterrows()])
    assert len(err) == 36  # 35 items + the cross-loading
    primary = load.loc[load.groupby("lval")["Est. Std"].idxmax()]
    assert primary.sort_values("Est. Std").iloc[0]["lval"] == weak
    return float(np.abs(err).max())


def test_screening_catches_the_planted_careless(pipeline):
    _, _, sim, res, _, _ = pipeline
    drawn = sim.truth["drawn"]
    careless = set(drawn["careless_random_rows"]) | set(drawn["careless_straightline_rows"])
    excluded = set(res.exclusions["row"])
    assert careless <= excluded
    assert set(drawn["empty_rows"]) <= excluded
    honest_lost = len(excluded - careless - set(drawn["empty_rows"]))
    assert honest_lost / N < 0.03
    assert res.n_read == N == res.n_analysed + res.n_excluded


def test_recovery_polychoric(pipeline):
    _, pop, sim, _, items, model = pipeline
    corr = polychoric(items, missing="pairwise").corr
    load = _fit(model, corr, len(items))
    worst = _check(load, sim.truth["drawn"]["pooled_loadings_given_workplaces"],
                   pop.flaws()["weak"][0])
    assert worst < TOL, worst


def test_recovery_polychoric_own_engine(pipeline):
    from lospw.analysis.cfa import fit_cfa
    _, pop, sim, _, items, model = pipeline
    corr = polychoric(items, missing="pairwise").corr
    fit = fit_cfa(None, model, estimator="ML", sample_cov=corr, sample_nobs=len(items))
    assert fit.converged
    p = fit.parameters
    load = p[p["op"] == "=~"].rename(columns={"lhs": "rval", "rhs": "lval",
                                               "std_all": "Est. Std"})
    worst = _check(load.reset_index(drop=True),
                   sim.truth["drawn"]["pooled_loadings_given_workplaces"],
                   pop.flaws()["weak"][0])
    assert worst < TOL, worst


def test_recovery_pearson_with_known_attenuation(pipeline):
    _, pop, sim, _, items, model = pipeline
    load = _fit(model, items.corr(), len(items))
    worst = _check(load, sim.truth["population"]["ordinal_loadings"], pop.flaws()["weak"][0])
    assert worst < TOL, worst
