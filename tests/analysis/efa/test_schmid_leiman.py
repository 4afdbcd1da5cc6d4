"""Schmid-Leiman bifactor solution and psych::omega's statistics, against psych 2.2.9
(tests/reference/bifactor.R, part 1)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.core.errors import InputError
from lospw.analysis.efa.efa import pairwise_pearson
from lospw.analysis.efa.schmid_leiman import omega_schmid_leiman, schmid_leiman
from tests.conftest import reference_data

REF = json.loads((Path(__file__).resolve().parents[2] / "reference" / "bifactor.json")
                 .read_text(encoding="utf-8"))
BFI_ITEMS = [f"{s}{i}" for s in "ACENO" for i in range(1, 6)]
TOL = 1e-4  # the issue asks for .005; minres + oblimin agree with psych to ~1e-6


def _data(case: str) -> pd.DataFrame:
    if case == "hs":
        hs = pd.read_csv(reference_data("holzinger_swineford_1939.csv"))
        return hs[[f"x{i}" for i in range(1, 10)]]
    bfi = pd.read_csv(reference_data("bfi.csv"))[BFI_ITEMS]
    if case == "bfi_raw_pairwise":
        return bfi
    rev = REF["keys"]["bfi_reversed"]
    bfi[rev] = 7 - bfi[rev]
    return bfi.dropna()


@pytest.fixture(scope="module", params=["bfi_raw_pairwise", "bfi_keyed_listwise", "hs"])
def case(request):
    x = _data(request.param)
    r, _ = pairwise_pearson(x.to_numpy(float))
    ref = REF["psych_omega"][request.param]
    return omega_schmid_leiman(r, len(ref["group_items"]), list(x.columns)), ref


def test_omegas_match_psych(case):
    om, ref = case
    for ours, theirs in [("omega_h", "omega_h"), ("omega_total", "omega_total"),
                         ("omega_lim", "omega_lim"), ("alpha", "alpha"), ("g6", "G6"),
                         ("ecv", "ECV")]:
        assert getattr(om, ours) == pytest.approx(ref[theirs], abs=TOL), ours


def test_group_omegas_match_psych(case):
    om, ref = case
    # psych labels group factors by its own order; match them by their items
    theirs = {frozenset(v): k for k, v in ref["group_items"].items()}
    table = {row["factor"]: row for row in ref["omega_group"]}
    for f, members in om.groups.items():
        label = theirs[frozenset(members)]
        for col in ("total", "general", "group"):
            assert om.omega_group.loc[f, col] == pytest.approx(table[label][col], abs=TOL)
    for col in ("total", "general", "group"):
        assert om.omega_group.loc["g", col] == pytest.approx(table["g"][col], abs=TOL)


def test_flip_key_matches_psych(case):
    om, ref = case
    assert om.flip == {k: int(v) for k, v in ref["flip_key"].items()}


def test_general_loadings_match_psych(case):
    om, ref = case
    sl = ref["schmid"]["sl"]
    g = {name.rstrip("-"): row[0] for name, row in zip(sl["rownames"], sl["values"],
                                                         strict=True)}
    ours = om.solution.loadings["g"]
    for item, value in g.items():
        # psych's sl keeps the unflipped sign; ours is after the flip (all positive)
        assert abs(ours[item]) == pytest.approx(abs(value), abs=TOL)


def test_sl_loadings_reproduce_communalities():
    lam = np.array([.7, .6, .5, .7, .6, .5, .7, .6, .5])
    blocks = np.kron(np.eye(3), np.ones((3, 3)))
    r = np.outer(lam, lam) * (0.5 + 0.5 * blocks)
    np.fill_diagonal(r, 1.0)
    sl = schmid_leiman(r, 3)
    h2 = (sl.loadings**2).sum(axis=1)
    assert np.allclose(h2, sl.h2, atol=1e-6)
    assert np.allclose(sl.h2 + sl.u2, 1.0)


def test_two_factors_use_psychs_equal_option():
    lam = np.array([.7, .6, .5, .7, .6, .5])
    blocks = np.kron(np.eye(2), np.ones((3, 3)))
    r = np.outer(lam, lam) * (0.4 + 0.6 * blocks)
    np.fill_diagonal(r, 1.0)
    sl = schmid_leiman(r, 2)
    assert sl.gloading.iloc[0] == pytest.approx(np.sqrt(sl.phi.iloc[0, 1]))
    assert sl.gloading.iloc[1] == pytest.approx(sl.gloading.iloc[0])


@pytest.mark.parametrize("nfactors", [1, 9, 2.5, True])
def test_bad_number_of_factors(nfactors):
    with pytest.raises(InputError, match="group factors"):
        schmid_leiman(np.eye(9) * 0.5 + 0.5, nfactors)


def test_non_finite_matrix_refused():
    r = np.eye(6)
    r[0, 1] = np.nan
    with pytest.raises(InputError, match="finite correlation"):
        omega_schmid_leiman(r, 2)
