"""Tests for lospw.analysis.classical.reliability against psych 2.2.9 / semTools 0.5.6 reference values.

The references come from tests/reference/reliability.R (committed beside the JSON).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.classical.reliability import (
    alpha_if_deleted,
    bootstrap_alpha,
    cronbach_alpha,
    feldt_ci,
    item_rest_correlations,
    pairwise_cov,
    reliability,
)
from lospw.analysis.core.errors import InputError, LospwWarning
from lospw.analysis.core.key import key_from_dict, load_key
from lospw.analysis.intake.responses import read_responses
from tests.conftest import reference

REFS = reference("reliability")


@pytest.fixture(scope="module")
def bfi():
    here = Path(__file__).resolve().parents[2]
    key = load_key(here / "fixtures" / "keys" / "bfi.yaml")
    return key, read_responses(here / "data" / "bfi.csv", key).items


@pytest.fixture(scope="module")
def listwise(bfi):
    key, items = bfi
    return reliability(items, key, missing="listwise", omega=False, ordinal=False)


@pytest.fixture(scope="module")
def pairwise(bfi):
    key, items = bfi
    return reliability(items, key, missing="pairwise", omega=False, ordinal=False)


@pytest.mark.parametrize("scale", ["A", "C", "E", "N", "O"])
def test_listwise_matches_psych_alpha(listwise, scale):
    ref, res = REFS["listwise"][scale], listwise[scale]
    assert res.n == ref["n"] and res.n_ci == ref["n"]
    assert res.alpha == pytest.approx(ref["alpha"], abs=1e-6)
    assert res.alpha_std == pytest.approx(ref["alpha_std"], abs=1e-6)
    assert res.alpha_ci == pytest.approx(tuple(ref["feldt"]), abs=1e-6)
    assert res.sd == pytest.approx(ref["total_sd"], abs=1e-9)
    assert res.sem == pytest.approx(ref["total_sd"] * np.sqrt(1 - ref["alpha"]), abs=1e-6)
    for it in res.items:
        assert it.item_rest == pytest.approx(ref["item_rest"][it.item], abs=1e-6)
        assert it.alpha_if_deleted == pytest.approx(ref["alpha_if_deleted"][it.item], abs=1e-6)


@pytest.fixture(scope="module")
def full(bfi):
    key, items = bfi
    return reliability(items, key)


@pytest.mark.parametrize("scale", ["A", "C", "E", "N", "O"])
def test_omega_and_ordinal_alpha_match_semtools_and_psych(full, scale):
    ref, res = REFS["listwise"][scale], full[scale]
    assert res.omega == pytest.approx(ref["omega"], abs=1e-5)  # issue: .005
    assert res.alpha_ordinal == pytest.approx(ref["alpha_ordinal"], abs=1e-5)
    for it in res.items:
        assert it.omega_if_deleted == pytest.approx(ref["omega_if_deleted"][it.item], abs=1e-5)


def test_pairwise_omega_and_ordinal_alpha(bfi, full):
    key, items = bfi
    res = reliability(items, key, missing="pairwise")
    for name, s in res.scales.items():
        assert abs(s.omega - full[name].omega) < 0.01
        assert abs(s.alpha_ordinal - full[name].alpha_ordinal) < 0.01


def test_continuous_scale_has_no_ordinal_alpha():
    key = key_from_dict({"response_scale": {"min": 0, "max": 10, "continuous": True},
                         "scales": {"S": ["a", "b", "c"]}})
    g = np.random.default_rng(0)
    f = g.normal(size=200)
    df = pd.DataFrame({c: 5 + f + g.normal(size=200) for c in "abc"})
    with pytest.warns(LospwWarning, match="no_ordinal_alpha"):
        res = reliability(df, key)
    assert res["S"].alpha_ordinal is None and res["S"].omega > 0.5
    assert [i.omega_if_deleted for i in res["S"].items] == [None, None, None]


@pytest.mark.parametrize("scale", ["A", "C", "E", "N", "O"])
def test_pairwise_matches_psych_alpha_pairwise(pairwise, scale):
    ref, res = REFS["pairwise"][scale], pairwise[scale]
    assert res.missing == "pairwise"
    assert res.alpha == pytest.approx(ref["alpha"], abs=1e-6)
    assert res.alpha_std == pytest.approx(ref["alpha_std"], abs=1e-6)
    for it in res.items:
        assert it.item_rest == pytest.approx(ref["item_rest"][it.item], abs=1e-6)
        assert it.alpha_if_deleted == pytest.approx(ref["alpha_if_deleted"][it.item], abs=1e-6)
    # the CI's n is the harmonic mean of the pairwise counts, below the rows psych uses
    assert res.n_complete < res.n_ci < ref["n_rows"]


def test_json_shape(listwise):
    d = listwise.to_dict()
    assert d["missing"] == "listwise" and d["n"] == 2800
    a = d["scales"]["A"]
    for field in ("alpha", "alpha_ci", "alpha_std", "alpha_ordinal", "omega", "sem", "items",
                  "missing", "n"):
        assert field in a
    assert set(a["items"]["A1"]) >= {"item_rest", "alpha_if_deleted", "omega_if_deleted"}
    assert len(a["alpha_ci"]) == 2
    json.dumps(d)
    frame = listwise["A"].to_frame()
    assert list(frame["item"]) == ["A1", "A2", "A3", "A4", "A5"]
    assert len(listwise.to_frame()) == 5


def test_bootstrap_is_seeded_and_covers(bfi):
    key, items = bfi
    a = reliability(items, key, ci="bootstrap", n_boot=200, rng=7, omega=False, ordinal=False)
    b = reliability(items, key, ci="bootstrap", n_boot=200, rng=7, omega=False, ordinal=False)
    assert a.to_dict() == b.to_dict() and a.seed == 7 and a.n_boot == 200
    for s in a.scales.values():
        lo, hi = s.alpha_ci
        assert lo < s.alpha < hi and hi - lo < 0.06
    p = reliability(items, key, missing="pairwise", ci="bootstrap", n_boot=100, rng=3,
                    omega=False, ordinal=False)
    for s in p.scales.values():
        assert s.alpha_ci[0] < s.alpha < s.alpha_ci[1]


def test_bootstrap_pairwise_weights_equal_listwise_without_missing():
    g = np.random.default_rng(0)
    x = g.normal(size=(60, 1)) + g.normal(size=(60, 3))
    w = g.multinomial(60, np.full(60, 1 / 60))
    cov, n = pairwise_cov(x, w)
    rows = np.repeat(x, w, axis=0)
    np.testing.assert_allclose(cov, np.cov(rows, rowvar=False), atol=1e-12)
    assert np.all(n == 60)
    lo1, hi1 = bootstrap_alpha(x, pairwise=True, n_boot=60, level=.9,
                               rng=np.random.default_rng(5))
    lo2, hi2 = bootstrap_alpha(x, pairwise=False, n_boot=60, level=.9,
                               rng=np.random.default_rng(5))
    assert lo1 == pytest.approx(lo2) and hi1 == pytest.approx(hi2)


def test_invariants():
    c = np.full((4, 4), 2.0)  # identical items
    assert cronbach_alpha(c) == pytest.approx(1.0)
    np.testing.assert_allclose(item_rest_correlations(c), 1.0)
    np.testing.assert_allclose(alpha_if_deleted(c), 1.0)
    assert cronbach_alpha(np.eye(3)) == pytest.approx(0.0)
    assert np.isnan(cronbach_alpha([[1.0]]))
    lo, hi = feldt_ci(0.8, 100, 6)
    assert lo < 0.8 < hi


def test_reverse_keying_matters():
    key = key_from_dict({"response_scale": {"min": 1, "max": 5},
                         "scales": {"S": ["a", "-b"]}})
    df = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [5, 4, 3, 2, 1]}, dtype=float)
    res = reliability(df, key, omega=False, ordinal=False)
    assert res["S"].alpha == pytest.approx(1.0)
    assert res["S"].items[1].sign == -1


def test_zero_variance_item_warns():
    key = key_from_dict({"response_scale": {"min": 1, "max": 5},
                         "scales": {"S": ["a", "b", "c"]}})
    df = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 1, 4, 3], "c": [3, 3, 3, 3]}, dtype=float)
    with pytest.warns(LospwWarning, match="zero_variance_item"):
        res = reliability(df, key, omega=False, ordinal=False)
    assert np.isnan(res["S"].items[2].item_rest)
    assert any(w.code == "zero_variance_item" and dict(w.context) == {"scale": "S", "item": "c"}
               for w in res.warnings)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"missing": "drop"}, "'missing' option must be one of 'listwise', 'pairwise'; got 'drop'"),
        ({"ci": "wald"}, "'ci' option must be one of"),
        ({"ci_level": 1.5}, "'ci_level' option must be between 0 and 1"),
        ({"ci": "bootstrap", "n_boot": 10}, "'n_boot' option must be"),
        ({"rng": -1}, "'rng' option must be"),
        ({"rng": "x"}, "'rng' option must be"),
    ],
)
def test_bad_options(bfi, kwargs, match):
    key, items = bfi
    with pytest.raises(InputError, match=match):
        reliability(items, key, **kwargs)


def test_bad_data(bfi):
    key, items = bfi
    with pytest.raises(InputError, match="not columns of the data: A1"):
        reliability(items.drop(columns="A1"), key)
    with pytest.raises(InputError, match="must be a pandas DataFrame"):
        reliability(items.to_numpy(), key)
    bad = items.astype(object)
    bad.iloc[0, 0] = "x"
    with pytest.raises(InputError, match="not numeric"):
        reliability(bad, key)
    with pytest.raises(InputError, match="too few usable rows"):
        reliability(items.iloc[:2], key)
    sparse = items.copy()
    sparse.loc[sparse.index[3:], "A1"] = np.nan
    sparse.loc[sparse.index[:3], "A2"] = np.nan
    with pytest.raises(InputError, match="too few usable rows"):
        reliability(sparse, key, missing="pairwise", omega=False, ordinal=False)
