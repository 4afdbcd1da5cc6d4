"""Robust CFI/TLI/RMSEA of WLSMV fits (Savalei, 2021; lavaan's catML), fitted here and
compared with lavaan 0.6.14 (tests/reference/wlsmv_robust.R): the binary ability test (the
issue's .977 / .972 / .042), bfi's five factors and the SPI facets."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.cfa import fit_cfa
from lospw.analysis.cfa.catml import catml_correction, ml_weight_correlations
from tests.conftest import reference, reference_data

REF = reference("wlsmv_robust")
FILES = {"ability": "ability_underscored.csv", "bfi": "bfi.csv", "spi": "spi_facets.csv"}
RATIOS = ("chisq", "chisq_scaled")
INDICES = ("cfi_scaled", "tli_scaled", "rmsea_scaled", "cfi_robust", "tli_robust",
           "nnfi_robust", "rni_robust", "rmsea_robust", "rmsea_ci_lower_robust",
           "rmsea_ci_upper_robust", "rmsea_pvalue_robust", "rmsea_notclose_pvalue_robust")


@pytest.fixture(scope="module", params=sorted(FILES))
def case(request):
    name = request.param
    ref = REF[name]
    data = pd.read_csv(reference_data(FILES[name]))
    rev = [ref["reversed"]] if isinstance(ref["reversed"], str) else ref["reversed"]
    for item in rev:           # reverse-keyed 6-point items, as the R script
        data[item] = 7 - data[item]
    return name, ref, fit_cfa(data, ref["model"], estimator="WLSMV")


def test_robust_indices_match_lavaan(case):
    _, ref, res = case
    f = {k.replace(".", "_"): v for k, v in ref["fit"].items()}
    assert res.n_obs == ref["n"] and res.fit["df"] == f["df"]
    for k in RATIOS:
        assert res.fit[k] == pytest.approx(f[k], rel=1e-5), k
    for k in INDICES:
        assert res.fit[k] == pytest.approx(f[k], abs=1e-5), k


def test_ability_reproduces_the_issue_figures():
    ref = REF["ability"]
    res = fit_cfa(pd.read_csv(reference_data("ability_underscored.csv")), ref["model"], estimator="WLSMV")
    assert (round(res.fit["cfi_robust"], 3), round(res.fit["tli_robust"], 3),
            round(res.fit["rmsea_robust"], 3)) == (0.977, 0.972, 0.042)


def test_weight_matrix_and_invariants():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(4, 4))
    s = a @ a.T + 4 * np.eye(4)
    s = s / np.sqrt(np.outer(np.diag(s), np.diag(s)))
    r, c = np.tril_indices(4, -1)
    v = ml_weight_correlations(s, r, c)
    # the ML weight of correlations is 2nd derivative of F_ML / 2 in the off-diagonals
    A = np.linalg.inv(s)
    k = 2
    i, j = r[k], c[k]
    assert v[k, k] == pytest.approx(A[j, i] ** 2 + A[i, i] * A[j, j])
    assert np.allclose(v, v.T) and np.all(np.linalg.eigvalsh(v) > 0)
    # a perfect model: X3 = 0; a polychoric matrix that is not positive definite: NaN
    nth = len(r)
    gam = np.eye(nth) * 0.01
    out = catml_correction([s], [s], [gam], [np.ones(nth)], [np.eye(nth)[:, :2]],
                           np.eye(2), [500], 2)
    assert out.x3 == pytest.approx(0.0, abs=1e-9) and out.df3 == nth - 2
    bad = s.copy()
    bad[0, 1] = bad[1, 0] = 1.5
    out = catml_correction([bad], [s], [gam], [np.ones(nth)], [np.eye(nth)[:, :2]],
                           np.eye(2), [500], 2)
    assert math.isnan(out.x3) and math.isnan(out.c3)
