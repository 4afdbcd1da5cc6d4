"""Tests for lospw.analysis.classical.items against psych 2.2.9 describe(), response.frequencies() and
alpha()'s average_r (tests/reference/items.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lospw.analysis.classical.items import item_stats, kurtosis, skewness
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import load_key
from lospw.analysis.intake.responses import read_responses
from tests.conftest import reference

REFS = reference("items")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bfi():
    key = load_key(ROOT / "fixtures" / "keys" / "bfi.yaml")
    return key, read_responses(ROOT / "data" / "bfi.csv", key).items


@pytest.mark.parametrize("missing", ["listwise", "pairwise"])
def test_matches_psych_describe(bfi, missing):
    key, items = bfi
    res = item_stats(items, key, missing=missing)
    frame = res.to_frame().set_index("item")
    for item, ref in REFS["describe"].items():
        row = frame.loc[item]
        assert row["n"] == ref["n"]
        assert row["n_missing"] == 2800 - ref["n"]
        for col in ("mean", "sd", "median", "skew", "kurtosis"):
            assert row[col] == pytest.approx(ref[col], abs=1e-9), (item, col)
        np.testing.assert_allclose([row[f"p_{c}"] for c in range(1, 7)], ref["freq"],
                                   atol=1e-12)
        assert row["floor_pct"] == pytest.approx(100 * ref["freq"][0])
        assert row["ceiling_pct"] == pytest.approx(100 * ref["freq"][5])
    for scale, value in REFS["average_r"][missing].items():
        assert res[scale].mean_inter_item_r == pytest.approx(value, abs=1e-9)
    assert res["A"].inter_item_r.loc["A1", "A2"] > 0  # keyed: A1 reversed
    json.dumps(res.to_dict())


def test_skew_kurtosis_types():
    g = np.random.default_rng(0)
    x = g.gamma(2.0, size=50)
    assert skewness(x, 1) == pytest.approx(stats.skew(x))
    assert skewness(x, 2) == pytest.approx(stats.skew(x, bias=False))
    assert kurtosis(x, 1) == pytest.approx(stats.kurtosis(x))
    assert kurtosis(x, 2) == pytest.approx(stats.kurtosis(x, bias=False))
    assert np.isnan(skewness([1, 1, 1])) and np.isnan(kurtosis([1, 2]))


def test_errors(bfi):
    key, items = bfi
    with pytest.raises(InputError, match="'missing' option"):
        item_stats(items, key, missing="x")
    with pytest.raises(InputError, match="type must be one of"):
        item_stats(items, key, skew_type=4)
    with pytest.raises(InputError, match="not columns"):
        item_stats(items.drop(columns="N1"), key)
    with pytest.raises(InputError, match="DataFrame"):
        item_stats(pd.Series([1]), key)
