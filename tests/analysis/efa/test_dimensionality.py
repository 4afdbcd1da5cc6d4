"""Tests for lospw.analysis.efa.dimensionality against psych 2.2.9 (tests/reference/efa.R)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.classical.polychoric import polychoric
from lospw.analysis.core.errors import InputError
from lospw.analysis.efa.dimensionality import (
    bartlett_sphericity,
    kmo,
    parallel_analysis,
    velicer_map,
)
from tests.conftest import reference

REFS = reference("efa")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def mats():
    x = pd.read_csv(ROOT / "data" / "bfi.csv")[REFS["items"]].astype(float).dropna()
    return {"pearson": np.corrcoef(x.to_numpy(), rowvar=False),
            "polychoric": polychoric(x).corr.to_numpy()}, len(x)


@pytest.mark.parametrize(("cor", "tol"), [("pearson", 1e-9), ("polychoric", 1e-4)])
def test_kmo_bartlett_map(mats, cor, tol):
    m, n = mats
    ref = REFS[cor]
    assert n == REFS["n"] == 2436
    k = kmo(m[cor], REFS["items"])
    assert k.msa == pytest.approx(ref["kmo"]["msa"], abs=tol)
    np.testing.assert_allclose(list(k.msa_items.values()), ref["kmo"]["msai"], atol=tol)
    b = bartlett_sphericity(m[cor], n)
    assert b.df == ref["bartlett"]["df"]
    assert b.chisq == pytest.approx(ref["bartlett"]["chisq"], rel=tol)
    mp = velicer_map(m[cor], 8)
    np.testing.assert_allclose(mp.values[1:], ref["map"], atol=tol)
    assert mp.n_components == int(np.argmin(ref["map"])) + 1 == 5


@pytest.mark.parametrize(("cor", "tol"), [("pearson", 1e-5), ("polychoric", 1e-3)])
def test_parallel_analysis_matches_fa_parallel(mats, cor, tol):
    m, n = mats
    ref = REFS[cor]["parallel"]
    pa = parallel_analysis(m[cor], n, rng=11)
    np.testing.assert_allclose(pa.observed_pc, ref["pc_values"], atol=tol)
    np.testing.assert_allclose(pa.observed_fa, ref["fa_values"], atol=tol)
    # the simulated eigenvalues are random; their means agree with psych's to sampling error
    np.testing.assert_allclose(pa.simulated_pc, ref["pc_sim"], atol=0.03)
    np.testing.assert_allclose(pa.simulated_fa, ref["fa_sim"], atol=0.06)
    assert (pa.n_factors, pa.n_components) == (ref["nfact"], ref["ncomp"]) == (6, 5)
    assert pa.seed == 11 and len(pa.to_frame()) == 25
    again = parallel_analysis(m[cor], n, rng=11)
    assert again.to_dict() == pa.to_dict()


def test_invariants():
    assert kmo(np.eye(3)).msa != kmo(np.eye(3)).msa  # 0/0: undefined for an identity
    b = bartlett_sphericity(np.eye(4), 50)
    assert b.chisq == pytest.approx(0.0, abs=1e-12) and b.pvalue == pytest.approx(1.0)
    assert velicer_map(np.eye(4), 3).n_components == 0


def test_errors():
    with pytest.raises(InputError, match="square"):
        kmo(np.ones((2, 3)))
    with pytest.raises(InputError, match="missing or infinite"):
        kmo(np.array([[1, np.nan], [np.nan, 1]]))
    with pytest.raises(InputError, match="singular"):
        kmo(np.ones((3, 3)))
    with pytest.raises(InputError, match="n > 1"):
        bartlett_sphericity(np.eye(2), 1)
    with pytest.raises(InputError, match="positive determinant"):
        bartlett_sphericity(np.array([[1, 2], [2, 1]]), 10)
    with pytest.raises(InputError, match="more rows than items"):
        parallel_analysis(np.eye(3), 3)
    with pytest.raises(InputError, match="'n_iter'"):
        parallel_analysis(np.eye(3), 30, n_iter=0)
    with pytest.raises(InputError, match="'quant'"):
        parallel_analysis(np.eye(3), 30, quant=2)
    with pytest.raises(InputError, match="'rng'"):
        parallel_analysis(np.eye(3), 30, rng=-2)
    with pytest.raises(InputError, match="at least one component"):
        velicer_map(np.eye(3), 0)
