"""Bifactor indices (Rodriguez, Reise & Haviland, 2016) of fitted bifactor CFAs, against R
(tests/reference/bifactor.R, part 2: lavaan std.all loadings and the indices by hand)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.cfa import fit_cfa
from lospw.analysis.classical.bifactor import (
    bifactor_indices,
    coefficient_h,
    factor_determinacy,
    percent_uncontaminated_correlations,
)
from lospw.analysis.core.errors import InputError
from tests.conftest import reference_data

REF = json.loads((Path(__file__).resolve().parents[2] / "reference" / "bifactor.json")
                 .read_text(encoding="utf-8"))
TOL = 1e-4  # the issue asks for .005


def _data(case: str) -> pd.DataFrame:
    if case.startswith("hs"):
        hs = pd.read_csv(reference_data("holzinger_swineford_1939.csv"))
        return hs[[f"x{i}" for i in range(1, 10)]]
    items = [i for s in REF["keys"]["bfi"].values() for i in s]
    bfi = pd.read_csv(reference_data("bfi.csv"))[items]
    rev = REF["keys"]["bfi_reversed"]
    bfi[rev] = 7 - bfi[rev]
    return bfi.dropna()


@pytest.fixture(scope="module", params=["bfi", "hs", "hs_s1"])
def case(request):
    ref = REF["cfa_bifactor"][request.param]
    x = _data(request.param)
    res = fit_cfa(x, ref["model"], estimator="ML", std_lv=True, orthogonal=True)
    par = res.parameters
    lo = (par[par["op"] == "=~"].pivot_table(index="rhs", columns="lhs", values="std_all")
          .reindex(list(x.columns)).fillna(0.0))
    theta = par[(par["op"] == "~~") & (par["lhs"] == par["rhs"]) & par["lhs"].isin(x.columns)]
    resid = dict(zip(theta["lhs"], theta["std_all"], strict=True))
    key = REF["keys"]["bfi" if request.param == "bfi" else "hs"]
    ind = bifactor_indices(lo, "g", key, residuals=resid)
    sample = np.corrcoef(x.to_numpy(float), rowvar=False)
    ind_sample = bifactor_indices(lo, "g", key, residuals=resid, sigma=sample)
    return ind, ind_sample, ref["indices"]


def test_omegas_ecv_puc(case):
    ind, _, ref = case
    assert ind.omega_total == pytest.approx(ref["omega_total"], abs=TOL)
    assert ind.omega_h == pytest.approx(ref["omega_h"], abs=TOL)
    assert ind.relative_omega_h == pytest.approx(ref["relative_omega_h"], abs=TOL)
    assert ind.ecv == pytest.approx(ref["ecv_general"], abs=TOL)
    assert ind.puc == pytest.approx(ref["puc"], abs=1e-12)


def test_per_scale(case):
    ind, _, ref = case
    for s, v in ref["per_scale"].items():
        assert ind.omega_s[s] == pytest.approx(v["omega_s"], abs=TOL)
        assert ind.omega_hs[s] == pytest.approx(v["omega_hs"], abs=TOL)
        assert ind.relative_omega_s[s] == pytest.approx(v["relative_omega"], abs=TOL)
        assert ind.ecv_s[s] == pytest.approx(v["ecv_s"], abs=TOL)
        assert ind.ecv_ss[s] == pytest.approx(v["ecv_ss"], abs=TOL)
        assert ind.ecv_gs[s] == pytest.approx(v["ecv_gs"], abs=TOL)


def test_h_fd_iecv(case):
    ind, ind_sample, ref = case
    for f, v in ref["h"].items():
        assert ind.h[f] == pytest.approx(v, abs=TOL)
    for f, v in ref["fd_model"].items():
        assert ind.fd["general" if f == "g" else f] == pytest.approx(v, abs=TOL)
    for f, v in ref["fd_sample"].items():
        assert ind_sample.fd["general" if f == "g" else f] == pytest.approx(v, abs=TOL)
    for item, v in ref["iecv"].items():
        assert ind.iecv[item] == pytest.approx(v, abs=TOL)


def test_to_dict_has_the_interface(case):
    ind, _, _ = case
    d = ind.to_dict()
    assert {"omega_h", "ecv", "puc", "h", "omega_hs", "fd", "method"} <= set(d)
    assert "general" in d["h"] and set(d["omega_hs"]) == set(ind.omega_s)


def test_reversing_a_whole_factor_changes_nothing():
    lo = pd.DataFrame({"g": [.6, .5, .7, .5, .6, .4], "A": [.4, .3, .5, 0, 0, 0],
                       "B": [0, 0, 0, .5, .4, .3]}, index=list("abcdef"))
    groups = {"A": list("abc"), "B": list("def")}
    a = bifactor_indices(lo, "g", groups)
    b = bifactor_indices(lo.assign(g=-lo["g"], B=-lo["B"]), "g", groups)
    for name in ("omega_total", "omega_h", "ecv", "puc"):
        assert getattr(a, name) == pytest.approx(getattr(b, name))
    assert a.omega_hs == pytest.approx(b.omega_hs)
    assert a.h == pytest.approx(b.h) and a.fd == pytest.approx(b.fd)


def test_no_specific_factors_is_a_one_factor_model():
    lo = pd.DataFrame({"g": [.8, .7, .6]}, index=list("abc"))
    ind = bifactor_indices(lo, "g", {"S": list("abc")})
    assert ind.omega_h == pytest.approx(ind.omega_total)
    assert ind.ecv == pytest.approx(1.0) and ind.omega_hs["S"] == 0.0
    assert ind.specific == {"S": None}


def test_formula_helpers():
    assert coefficient_h([0, 0]) != coefficient_h([0, 0])  # NaN: no loading
    assert percent_uncontaminated_correlations([1]) != percent_uncontaminated_correlations([1])
    lam = np.array([[.8, .3], [.7, .3], [.6, .3], [.6, 0]])
    sigma = lam @ lam.T + np.diag(1 - (lam**2).sum(axis=1))
    fd = factor_determinacy(lam, sigma)
    assert np.all((fd > 0) & (fd < 1))


def test_errors():
    lo = pd.DataFrame({"g": [.6, .5, .7]}, index=list("abc"))
    with pytest.raises(InputError, match="general factor 'G'"):
        bifactor_indices(lo, "G", {"S": list("abc")})
    with pytest.raises(InputError, match="belong to no scale"):
        bifactor_indices(lo, "g", {"S": list("ab")})
