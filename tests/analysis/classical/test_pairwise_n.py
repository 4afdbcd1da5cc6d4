"""The n behind the EFA's Bartlett test and the reliability CI (issue 18, point 2), against
psych 2.2.9 on data with missing values (tests/reference/efa_n.R -> efa_n.json).

``efa`` once reported n = 1247 for 1248 complete cases: it floored the harmonic mean of the
pairwise counts, 120 / (120 * (1 / 1248)) = 1247.9999999999998 in floating point. Each test
runs the real path (``efa`` / ``reliability`` on the data) and compares with psych.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.classical.reliability import reliability
from lospw.analysis.core.key import key_from_dict
from lospw.analysis.core.missing import harmonic_mean_count
from lospw.analysis.efa.efa import correlation_matrix, efa
from tests.conftest import reference, reference_data

REF = reference("efa_n")


def _key(items: list[str], lo: int, hi: int):
    return key_from_dict({"response_scale": {"min": lo, "max": hi},
                          "scales": {"all": list(items)}})


@pytest.fixture(scope="module")
def ability() -> pd.DataFrame:
    return pd.read_csv(reference_data("ability.csv")).astype(float)


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    return pd.read_csv(reference_data("bfi.csv"))


def _check(res, ref, tol=1e-8):
    assert res.n == ref["n"] == res.bartlett.n
    assert res.bartlett.df == ref["df"]
    assert res.bartlett.chisq == pytest.approx(ref["chisq"], rel=tol)
    assert res.kmo.msa == pytest.approx(ref["msa"], abs=tol)
    np.testing.assert_allclose(list(res.kmo.msa_items.values()), ref["msai"], atol=tol)


@pytest.mark.parametrize("missing", ["listwise", "pairwise"])
def test_efa_n_bartlett_kmo_on_ability(ability, missing):
    ref = REF["ability"][missing]
    res = efa(ability, _key(REF["ability"]["items"], 0, 1), nfactors=1, missing=missing,
              n_iter=2)
    _check(res, ref)
    if missing == "listwise":  # the case: 1248 complete rows, psych's 4028.11
        assert res.n == 1248 and round(res.bartlett.chisq, 2) == 4028.11


def test_efa_n_listwise_on_bfi_subset(bfi):
    """1380 complete cases of 25 items: 300 / (300 / 1380) fell below 1380 in floating point."""
    ref = REF["bfi_1585"]
    x = bfi.iloc[:ref["rows"]][ref["items"]].astype(float)
    assert int(np.floor(300 / np.sum(np.full(300, 1.0 / 1380)))) == 1379  # the old formula
    _check(efa(x, _key(ref["items"], 1, 6), nfactors=1, n_iter=2), ref["listwise"])


def test_efa_pairwise_on_bfi(bfi):
    """Pairwise correlations as R's cor(use = "pairwise") (each from the pair's rows only)."""
    ref = REF["bfi"]
    x = bfi[ref["items"]].astype(float)
    _check(efa(x, _key(ref["items"], 1, 6), nfactors=1, missing="pairwise", n_iter=2),
           ref["pairwise"])
    r, _, _ = correlation_matrix(x, "pearson", "pairwise")
    np.testing.assert_allclose(r, x.corr().to_numpy(), atol=1e-12)  # pandas: per-pair rows


def test_reliability_n_ci_against_psych_alpha_ci(ability):
    ref = REF["alpha"]
    items = ref["scale"]
    key = _key(items, 0, 1)
    pw = reliability(ability[items], key, missing="pairwise").scales["all"]
    assert pw.n_ci == pytest.approx(ref["pairwise"]["n_ci"], rel=1e-12)
    assert pw.alpha == pytest.approx(ref["pairwise"]["alpha"], abs=1e-10)
    np.testing.assert_allclose(pw.alpha_ci, [ref["pairwise"]["lower"],
                                             ref["pairwise"]["upper"]], atol=1e-8)
    complete = ability[items].dropna()
    cc = reliability(complete, key, missing="pairwise").scales["all"]
    ref_cc = ref["complete_rows"]
    assert cc.n_ci == ref_cc["n_ci"] == ref_cc["rows"] == len(complete)  # exactly, not 1379.99
    np.testing.assert_allclose(cc.alpha_ci, [ref_cc["lower"], ref_cc["upper"]], atol=1e-8)


def test_harmonic_mean_count_is_exact():
    for n in range(2, 3000):
        assert harmonic_mean_count(np.full(120, float(n))) == n
    assert harmonic_mean_count([3, 6]) == 4 and math.floor(harmonic_mean_count([3, 6])) == 4
    assert harmonic_mean_count([2, 3]) == Fraction(12, 5)
    assert harmonic_mean_count([5, 0]) == 0 and harmonic_mean_count([]) == 0
    rng = np.random.default_rng(3)
    c = rng.integers(50, 900, size=500).astype(float)
    assert float(harmonic_mean_count(c)) == pytest.approx(len(c) / np.sum(1 / c), rel=1e-14)
