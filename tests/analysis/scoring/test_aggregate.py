"""Tests of lospw.analysis.scoring.aggregate against R's multilevel package on a small fixture."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.core.key import load_key
from lospw.analysis.intake.responses import read_responses
from lospw.analysis.scoring.aggregate import ad_m, aggregate, icc_oneway, mean_ci, rwg_j
from lospw.analysis.scoring.scores import score_items
from tests.conftest import reference

FIX = Path(__file__).parents[2] / "fixtures" / "scoring"


@pytest.fixture
def agg():
    key = load_key(FIX / "workplaces.yaml")
    data = read_responses(FIX / "workplaces.csv", key, id_column="id")
    scores = score_items(data.items, key).scores
    return aggregate(scores, data.items, data.meta["workplace"], key)


@pytest.fixture
def ref():
    return reference("aggregate_multilevel")


def test_icc_equals_multilevel(agg, ref):
    sc = agg.scales.set_index("scale")
    for s in ("L", "G"):
        assert sc.loc[s, "icc1"] == pytest.approx(ref[s]["icc1"], abs=1e-12)
        assert sc.loc[s, "icc2"] == pytest.approx(ref[s]["icc2"], abs=1e-12)
        assert sc.loc[s, "f"] == pytest.approx(ref[s]["f"], abs=1e-12)
        assert sc.loc[s, "p_value"] == pytest.approx(ref[s]["p"], abs=1e-12)


def test_rwg_ad_and_means_equal_multilevel(agg, ref):
    prof = agg.profiles.set_index(["scale", "group"])
    for s in ("L", "G"):
        for wp, want in ref[s]["rwg_j"].items():
            got = prof.loc[(s, wp), "rwg_j"]
            assert (np.isnan(got) if want is None else got == pytest.approx(want, abs=1e-12))
        for wp, want in ref[s]["ad_m"].items():
            got = prof.loc[(s, wp), "ad_m"]
            assert (np.isnan(got) if want is None else got == pytest.approx(want, abs=1e-12))
        for wp, want in ref[s]["mean"].items():
            assert prof.loc[(s, wp), "mean"] == pytest.approx(want, abs=1e-12)


def test_flags_follow_the_stated_rules(agg):
    prof = agg.profiles.set_index(["scale", "group"])
    assert prof.loc[("L", "wpE"), "flags"] == "too_few_respondents"
    # wpF answers 1 and 5: item variance above the uniform null -> rwg(j) truncated to 0
    assert prof.loc[("L", "wpF"), "rwg_j"] == 0
    assert prof.loc[("L", "wpF"), "flags"] == "low_agreement_rwg;low_agreement_ad"
    # rwg(j) .556 < .70 and AD_M(J) .906 > 5/6
    assert prof.loc[("G", "wpC"), "flags"] == "low_agreement_rwg;low_agreement_ad"
    assert bool(prof.loc[("L", "wpA"), "aggregate_ok"])
    assert prof.loc[("L", "wpA"), "ad_cut"] == pytest.approx(5 / 6)
    sc = agg.scales.set_index("scale")
    assert sc.loc["G", "flags"] == "unreliable_group_means"         # ICC(2) .58 < .70
    assert sc.loc["L", "flags"] == "unreliable_group_means"
    assert set(agg.to_frame().columns) >= {"icc1", "icc2", "rwg_j", "ad_m", "flags"}


def test_hand_worked_icc_and_agreement():
    # groups a: 1,2 ; b: 3,4 ; c: 5,6. Grand mean 3.5; group means 1.5, 3.5, 5.5.
    # SSB = 2*(4+0+4) = 16, MSB = 8; SSW = 6*0.25 = 1.5, MSW = 0.5; k = 2.
    r = icc_oneway(np.array([1, 2, 3, 4, 5, 6.0]), np.array(list("aabbcc")))
    assert r["msb"] == pytest.approx(8) and r["msw"] == pytest.approx(0.5)
    assert r["icc1"] == pytest.approx(7.5 / 8.5) and r["icc2"] == pytest.approx(7.5 / 8)
    # one item, variances 0.5 -> rwg = 1 - 0.5/2 = .75 (single-item rwg)
    assert rwg_j(np.array([[1.0], [2.0]]), 2.0) == pytest.approx(0.75)
    assert np.isnan(rwg_j(np.array([[1.0, 2.0], [np.nan, 2.0]]), 2.0))
    assert ad_m(np.array([[1.0, 1.0], [1.0, 1.0]])) == 0
    assert np.isnan(icc_oneway(np.array([1.0, 2.0]), np.array(["a", "a"]))["icc1"])
    assert mean_ci(np.array([np.nan]))[4] == 0
    assert np.isnan(mean_ci(np.array([2.0]))[1])


def test_rows_without_a_group_are_noted():
    key = load_key(FIX / "workplaces.yaml")
    data = read_responses(FIX / "workplaces.csv", key, id_column="id")
    g = data.meta["workplace"].copy()
    g.iloc[0] = None
    res = aggregate(score_items(data.items, key).scores, data.items, g, key)
    assert "1 row(s) without a workplace" in res.notes[0]


def test_continuous_scale_skips_agreement():
    from lospw.analysis.core.key import key_from_dict
    key = key_from_dict({"response_scale": {"min": 0, "max": 10, "continuous": True},
                         "scales": {"S": ["a", "b"]}})
    items = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [2.0, 2.5, 3.0, 5.0]})
    res = aggregate(score_items(items, key).scores, items,
                    pd.Series(["x", "x", "y", "y"], name="wp"), key)
    assert res.null_variance is None and res.profiles["rwg_j"].isna().all()
    assert "Continuous response scale" in res.notes[0]
