"""Tests for lospw.analysis.efa.extraction, lospw.analysis.efa.rotation and lospw.analysis.efa.efa against psych 2.2.9 fa()
with GPArotation (tests/reference/efa.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.classical.polychoric import polychoric
from lospw.analysis.core.errors import InputError, LospwWarning
from lospw.analysis.core.key import key_from_dict, load_key
from lospw.analysis.efa.efa import efa, match_factors, tucker_congruence
from lospw.analysis.efa.extraction import extract, reduced_eigenvalues
from lospw.analysis.efa.rotation import geomin_criterion, oblimin_criterion, rotate
from lospw.analysis.intake.responses import read_responses
from tests.conftest import reference

REFS = reference("efa")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def mats():
    x = pd.read_csv(ROOT / "data" / "bfi.csv")[REFS["items"]].astype(float).dropna()
    return {"pearson": np.corrcoef(x.to_numpy(), rowvar=False),
            "polychoric": polychoric(x).corr.to_numpy()}


CASES = [
    ("pearson", "minres_unrotated", "minres", "none", 1e-4),
    ("pearson", "ml_unrotated", "ml", "none", 1e-4),
    ("pearson", "minres_oblimin", "minres", "oblimin", 1e-4),
    ("pearson", "ml_oblimin", "ml", "oblimin", 1e-4),
    ("pearson", "minres_geomin", "minres", "geomin", 1e-4),
    ("polychoric", "minres_oblimin", "minres", "oblimin", 1e-3),
]


@pytest.mark.parametrize(("cor", "name", "method", "rotation", "tol"), CASES)
def test_fa_matches_psych(mats, cor, name, method, rotation, tol):
    ref = REFS[cor][name]
    fit = extract(mats[cor], 5, method)
    assert fit.converged and not fit.heywood
    rot = rotate(fit.loadings, rotation)
    assert rot.converged
    # same order and signs as psych (both follow psych's conventions); the issue asks ~.01
    np.testing.assert_allclose(rot.loadings, np.array(ref["loadings"]), atol=tol)
    np.testing.assert_allclose(fit.communalities, ref["communality"], atol=tol)
    np.testing.assert_allclose(reduced_eigenvalues(mats[cor], fit.communalities),
                               ref["values"], atol=tol)
    if ref["phi"] is not None:
        np.testing.assert_allclose(rot.phi, np.array(ref["phi"]), atol=tol)
        np.testing.assert_allclose(rot.structure, rot.loadings @ rot.phi)


def test_one_factor_values_for_parallel(mats):
    fit = extract(mats["pearson"], 1, "minres")
    np.testing.assert_allclose(reduced_eigenvalues(mats["pearson"], fit.communalities),
                               REFS["pearson"]["fa1_values"], atol=1e-5)


def test_rotation_criteria_gradients():
    g = np.random.default_rng(3)
    lam = g.normal(size=(7, 3))
    for crit in (oblimin_criterion, geomin_criterion):
        f, grad = crit(lam)
        num = np.zeros_like(lam)
        for idx in np.ndindex(lam.shape):
            e = np.zeros_like(lam)
            e[idx] = 1e-6
            num[idx] = (crit(lam + e)[0] - crit(lam - e)[0]) / 2e-6
        np.testing.assert_allclose(grad, num, atol=1e-6)
    f, grad = oblimin_criterion(lam, gamma=0.5)
    assert np.isfinite(f)


def test_rotation_preserves_the_model():
    g = np.random.default_rng(5)
    a = g.normal(size=(9, 3)) * 0.5
    for method in ("oblimin", "geomin"):
        rot = rotate(a, method)
        np.testing.assert_allclose(rot.loadings @ rot.phi @ rot.loadings.T, a @ a.T,
                                   atol=1e-10)
        np.testing.assert_allclose(np.diag(rot.phi), 1.0)
    with pytest.raises(InputError, match="rotation must be one of"):
        rotate(a, "varimax")
    one = rotate(a[:, :1], "oblimin")
    np.testing.assert_allclose(np.abs(one.loadings), np.abs(a[:, :1]))


def test_congruence_helpers():
    assert tucker_congruence([[1.0], [2.0]], [[2.0], [4.0]])[0, 0] == pytest.approx(1.0)
    lam = np.array([[-0.8, 0.0], [-0.7, 0.1], [0.0, 0.6], [0.1, 0.7]])
    pairs = match_factors(lam, np.array([[1, 0], [1, 0], [0, 1], [0, 1]]))
    assert [(f, t) for f, t, _ in pairs] == [(0, 0), (1, 1)] and pairs[0][2] > 0.99


@pytest.fixture(scope="module")
def bfi():
    key = load_key(ROOT / "fixtures" / "keys" / "bfi.yaml")
    return key, read_responses(ROOT / "data" / "bfi.csv", key).items


def test_efa_on_bfi(bfi):
    key, items = bfi
    res = efa(items, key, rng=2)
    assert res.n == 2436 and res.nfactors == 5 and res.converged
    assert res.parallel.n_factors in (5, 6) and res.map.n_components == 5
    assert res.congruence.mean > 0.85
    assert {v["factor"] for v in res.congruence.by_scale.values()} == set(res.loadings.columns)
    assert res.congruence.by_scale["C"]["congruence"] > 0.95
    d = res.to_dict()
    json.dumps(d)
    assert d["loadings"]["A1"].keys() == {"F1", "F2", "F3", "F4", "F5"}
    assert len(res.to_frame()) == 25
    pw = efa(items, key, missing="pairwise", cor="polychoric", rotation="geomin", n_iter=5,
             nfactors=6)
    assert pw.missing == "pairwise" and pw.n > 2436 and pw.nfactors == 6
    assert sum(v["factor"] is not None for v in pw.congruence.by_scale.values()) == 5


def test_efa_without_key_and_warnings():
    g = np.random.default_rng(1)
    f = g.normal(size=(300, 1))
    df = pd.DataFrame(f * [0.99, 0.98, 0.97, 0.6] + g.normal(size=(300, 4)) * 0.05,
                      columns=list("abcd"))
    res = efa(df, n_iter=3)
    assert res.congruence is None and res.nfactors == max(res.parallel.n_factors, 1)
    two = pd.DataFrame(g.normal(size=(200, 4)), columns=list("abcd"))
    two["e"] = two["a"] * 0.999 + g.normal(size=200) * 0.001
    with pytest.warns(LospwWarning):
        efa(two, nfactors=2, n_iter=2, method="ml")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"cor": "spearman"}, "'cor' option"),
        ({"method": "pa"}, "'method' option"),
        ({"rotation": "promax"}, "'rotation' option"),
        ({"missing": "none"}, "'missing' option"),
        ({"nfactors": 25}, "number of factors"),
    ],
)
def test_efa_bad_options(bfi, kwargs, match):
    key, items = bfi
    with pytest.raises(InputError, match=match):
        efa(items.iloc[:300], key, n_iter=2, **kwargs)


def test_efa_bad_data(bfi):
    key, items = bfi
    with pytest.raises(InputError, match="not columns of the data"):
        efa(items.drop(columns="O5"), key)
    with pytest.raises(InputError, match="DataFrame"):
        efa(items.to_numpy(), key)
    with pytest.raises(InputError, match="more rows than items"):
        efa(items.iloc[:20], key)
    with pytest.raises(InputError, match="at least 3 items"):
        efa(items[["A1", "A2"]])
    small = key_from_dict({"response_scale": {"min": 1, "max": 6},
                           "scales": {"S": ["A1", "A2", "A3"]}})
    flat = items.copy()
    flat["A3"] = 3.0
    with pytest.raises(InputError, match=r"zero_variance_item.*A3"):  # named (issue 12)
        efa(flat, small)
