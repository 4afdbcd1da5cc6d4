"""Recovery on the committed SYNTHETIC 3-wave field test (``data/raw/fieldtest``, issue 22.5):
the change planted in ``population.yaml`` (``waves``: +.15 SD per wave on LOS and +.10 on
GOC everywhere, each workplace's own change, PW03 +.40 and PW07 -.30 per wave) is what the
wave analyses of ``make analysis`` find: the workplace trajectories rank and separate the
workplaces as their true change does, and the latent change of LOS across waves (scalar
invariance, FIML for attrition) covers its true value. The first wave's careless
respondents are left out as the screening of ``lospw analyze`` leaves them out."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.core.design import key_without, never_asked
from lospw.analysis.core.key import load_key
from lospw.analysis.intake.responses import responses_from_frame
from lospw.analysis.scoring.scores import score_items
from lospw.analysis.scoring.trajectories import trajectories
from lospw.analysis.validation.longitudinal import long_to_wide, longitudinal_invariance

FIELDTEST = Path(__file__).resolve().parents[3] / "data" / "raw" / "fieldtest"


@pytest.fixture(scope="module")
def demo():
    key = load_key(FIELDTEST / "key.yaml")
    truth = json.loads((FIELDTEST / "responses.truth.json").read_text())
    raw = pd.read_csv(FIELDTEST / "responses.csv", dtype={"respondent_id": str})
    res = responses_from_frame(raw, key, id_column="respondent_id", id_within="wave")
    drawn = truth["drawn"]
    careless = set(drawn["careless_random_rows"]) | set(drawn["careless_straightline_rows"])
    keep = ~res.items.index.isin(list(careless))      # rows 1..600 are wave 1
    key = key_without(key, never_asked(res.asked, key), "asked of no sampled group")
    return key, truth, res.items[keep], res.meta[keep]


def test_the_shipped_field_test_has_three_waves(demo):
    _, truth, _, meta = demo
    counts = meta["wave"].value_counts().sort_index().tolist()
    assert truth["waves"]["n"] == 3 and truth["waves"]["respondents_per_wave"][0] == 600
    assert counts[0] < 600 and counts[0] > counts[1] > counts[2]


def test_trajectories_find_the_planted_workplace_change(demo):
    key, truth, items, meta = demo
    scores = score_items(items, key).scores
    rel = {(s.name, str(w)): 0.85 for s in key.scales for w in (1, 2, 3)}
    res = trajectories(scores, meta["workplace"], meta["wave"], list(key.scale_names), rel,
                       by="workplace")
    ch = res.changes
    total = ch.groupby(["cluster", "scale"])["change"].sum().unstack()   # wave 1 -> 3
    true = pd.DataFrame(truth["waves"]["workplace_change_per_wave"]).T[total.columns]
    for s in total.columns:
        assert np.corrcoef(total[s], true.loc[total.index, s])[0, 1] > 0.6, s
    mean = total.mean(axis=1)
    assert mean.idxmax() == "PW03" and mean.idxmin() == "PW07"
    up = ch[(ch["cluster"] == "PW03") & (ch["scale"] == "LOS")]
    assert up["exceeds_error"].all() and (up["ci_lo"] > 0).all()
    assert (total.loc["PW07"] < 0).all()


@pytest.mark.slow
def test_latent_change_of_los_covers_the_planted_change(demo):
    key, truth, items, meta = demo
    los = key.scale("LOS")
    frame = pd.concat([key.reverse_score(items[list(key.items)])[list(los.items)],
                       meta[["wave", "respondent_id"]]], axis=1)
    wide, waves, sfx, _ = long_to_wide(frame, list(los.items), "wave", "respondent_id")
    res = longitudinal_invariance(wide, replace(key, scales=(los,), higher_order=()), sfx,
                                  waves=waves, estimator="MLR", missing="fiml", search=False)
    assert res.highest_level in ("scalar", "strict")
    delta = truth["waves"]["workplace_change_per_wave"]
    first = meta[meta["wave"] == 1]["workplace"]
    per_wave = float(np.mean([delta[w]["LOS"] for w in first]))
    lc = res.latent_change[res.latent_change["quantity"] == "d_wave1_sd"]
    lc = lc.set_index(lc["wave"].astype(str))
    for t in (2, 3):
        row = lc.loc[str(t)]
        assert row["ci_lower"] < (t - 1) * per_wave < row["ci_upper"], t
