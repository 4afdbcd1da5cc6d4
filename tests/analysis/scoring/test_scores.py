"""Tests of lospw.analysis.scoring.scores: psych::scoreItems parity, the missing-items rule, formulas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import key_from_dict, load_key
from lospw.analysis.scoring.scores import (
    MissingRule,
    midrank_percentile,
    scale_means,
    score_interval,
    score_items,
    sem,
)
from tests.conftest import REFERENCE


def _bfi_as_in_r(bfi_path, key):
    """bfi with the rows blanked exactly as scoring_psych.R blanks them."""
    items = pd.read_csv(bfi_path)[list(key.items)].astype(float)
    items.index = pd.RangeIndex(1, len(items) + 1)
    items.loc[1:3, [f"A{i}" for i in range(1, 6)]] = np.nan
    items.loc[4, [f"C{i}" for i in range(1, 6)]] = np.nan
    items.loc[5, :] = np.nan
    items.loc[6, ["O1", "O2", "O3", "O4"]] = np.nan
    return items


def test_bfi_scores_equal_psych_scoreItems(bfi_path, bfi_key_path):
    key = load_key(bfi_key_path)
    items = _bfi_as_in_r(bfi_path, key)
    ref = pd.read_csv(REFERENCE / "scoring_psych.csv").set_index("row")
    res = score_items(items, key, rule=MissingRule(0, 1))
    got = res.scores
    assert list(got.columns) == list(ref.columns)
    assert got.index.tolist() == ref.index.tolist()
    # NaN exactly where psych gives NaN (a scale with no answered item), kept in place.
    assert (got.isna().to_numpy() == ref.isna().to_numpy()).all()
    assert got.loc[5].isna().all()
    diff = np.nanmax(np.abs(got.to_numpy() - ref.to_numpy()))
    assert diff < 1e-9


def test_rows_with_too_few_items_keep_their_place_with_a_reason(bfi_path, bfi_key_path):
    key = load_key(bfi_key_path)
    items = _bfi_as_in_r(bfi_path, key)
    res = score_items(items, key)  # default: two thirds -> 4 of 5 items
    assert len(res.scores) == len(items)
    assert res.scores.index.equals(items.index)
    assert res.required == {s: 4 for s in "ACENO"}
    assert np.isnan(res.scores.loc[6, "O"])
    assert res.reasons().loc[6, "O"] == "too_few_items: 1 answered, 4 needed"
    assert res.reasons().loc[7, "O"] == ""
    frame = res.to_frame()
    assert list(frame.columns[:3]) == ["A", "A_n", "A_reason"]
    assert frame.loc[5, "A_reason"] == "too_few_items: 0 answered, 4 needed"


def test_scale_means_matches_a_plain_loop():
    rng = np.random.default_rng(1)
    x = rng.integers(1, 6, size=(200, 7)).astype(float)
    x[rng.random(x.shape) < 0.2] = np.nan
    keys = np.array([[1, 0], [-1, 0], [1, 0], [0, 1], [0, -1], [0, -1], [0, 1]], float)
    s, n = scale_means(x, keys, low=1, high=5, required=np.array([2, 3]))
    for i in range(len(x)):
        for j, req in enumerate((2, 3)):
            vals = [(6 - x[i, r] if keys[r, j] < 0 else x[i, r])
                    for r in range(7) if keys[r, j] != 0 and not np.isnan(x[i, r])]
            assert n[i, j] == len(vals)
            if len(vals) >= req:
                assert s[i, j] == pytest.approx(np.mean(vals), abs=1e-12)
            else:
                assert np.isnan(s[i, j])


def test_scale_means_rejects_a_key_of_the_wrong_size():
    with pytest.raises(InputError, match="key has 2 items but the data have 3"):
        scale_means(np.zeros((2, 3)), np.ones((2, 1)), low=1, high=5)


@pytest.mark.parametrize("kwargs", [{"min_fraction": 1.5}, {"min_fraction": "2/3"},
                                    {"min_items": 0}, {"min_items": 1.5},
                                    {"min_fraction": True}])
def test_missing_rule_rejects_bad_values(kwargs):
    with pytest.raises(InputError, match="missing-items rule"):
        MissingRule(**kwargs)


def test_missing_rule_never_asks_more_than_the_scale_has():
    assert MissingRule(1.0, 1).required(6) == 6
    assert MissingRule(0.5, 4).required(3) == 3


def test_score_items_names_missing_columns():
    key = key_from_dict({"instrument": "t", "response_scale": {"min": 1, "max": 5},
                         "scales": {"S": ["a", "b"]}})
    with pytest.raises(InputError, match=r"lack 1 item column\(s\) of the key \(t\): b"):
        score_items(pd.DataFrame({"a": [1.0]}), key)


def test_score_items_rejects_non_numeric_items():
    key = key_from_dict({"response_scale": {"min": 1, "max": 5}, "scales": {"S": ["a"]}})
    with pytest.raises(InputError, match="must be numeric"):
        score_items(pd.DataFrame({"a": ["x"]}), key)


def test_sem_interval_and_percentile_formulas():
    assert sem(1.0, 0.84) == pytest.approx(0.4)
    lo, hi = score_interval(np.array([1.2, np.nan]), 0.5, low=1, high=5)
    assert lo[0] == 1.0 and hi[0] == pytest.approx(1.2 + 1.959963984540054 * 0.5)
    assert np.isnan(lo[1])
    vals, cnt = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1, 1, 1, 1])
    pr = midrank_percentile(np.array([1.0, 4.0, 0.0, np.nan]), vals, cnt)
    assert pr[:3].tolist() == [12.5, 87.5, 0.0] and np.isnan(pr[3])
    # the norm sample's own mid-rank percentiles average 50
    sample = np.array([1, 1, 2, 3, 3, 3, 5], float)
    v, c = np.unique(sample, return_counts=True)
    assert midrank_percentile(sample, v, c).mean() == pytest.approx(50.0)
    assert np.isnan(midrank_percentile(np.array([1.0]), np.array([]), np.array([]))).all()
