"""Modification indices, score tests for equality constraints, residuals vs lavaan."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.cfa import fit_cfa
from lospw.analysis.cfa.modindices import modindices, score_tests
from lospw.analysis.core.errors import InputError
from tests.analysis.cfa.conftest import BFI_MODEL, HS_MODEL, ref


def compare_mi(res, name, tol=5e-3):
    r = pd.DataFrame(ref(name)["modindices"])
    if "group" not in r:
        r["group"] = 1
    mi = modindices(res)
    m = mi.merge(r, on=["lhs", "op", "rhs", "group"], how="outer", indicator=True,
                 suffixes=("", "_r"))
    assert (m["_merge"] == "both").all(), m[m["_merge"] != "both"]
    assert np.allclose(m["mi"], m["mi_r"], atol=tol)
    assert np.allclose(m["epc"], m["epc_r"], atol=1e-4)
    assert np.allclose(m["sepc_lv"], m["sepc.lv"], atol=1e-4)
    assert np.allclose(m["sepc_all"], m["sepc.all"], atol=1e-4)
    # sorted like modindices(sort. = TRUE) (near-ties may swap)
    assert np.allclose(mi["mi"].head(10), r["mi"].head(10), atol=tol)
    assert tuple(mi.iloc[0][["lhs", "op", "rhs"]]) == tuple(r.iloc[0][["lhs", "op", "rhs"]])
    return mi


def test_hs_modindices(hs):
    mi = compare_mi(fit_cfa(hs, HS_MODEL, estimator="ML"), "hs_ml")
    top = mi.iloc[0]
    assert (top["lhs"], top["op"], top["rhs"]) == ("visual", "=~", "x9")
    assert top["mi"] == pytest.approx(36.411, abs=1e-3)


def test_modindices_second_order_and_labels(hs):
    compare_mi(fit_cfa(hs, HS_MODEL + "\ng =~ visual + textual + speed", estimator="ML"),
               "hs_second_order")
    compare_mi(fit_cfa(hs, "visual =~ x1 + a*x2 + a*x3\ntextual =~ x4 + x5 + x6\n"
                           "speed =~ NA*x7 + x8 + x9\nspeed ~~ 1*speed\nx4 ~~ x7",
                       estimator="ML"), "hs_labels")


@pytest.mark.slow
def test_bfi_modindices(bfi):
    compare_mi(fit_cfa(bfi, BFI_MODEL, estimator="ML"), "bfi_ml", tol=0.05)


@pytest.mark.parametrize("step, ge", [("metric", ("loadings",)),
                                      ("scalar", ("loadings", "intercepts")),
                                      ("strict", ("loadings", "intercepts", "residuals"))])
def test_multigroup_modindices_and_score_tests(hs, step, ge):
    res = fit_cfa(hs, HS_MODEL, estimator="ML", group="school", group_equal=ge)
    compare_mi(res, f"hs_mg_{step}")
    st = score_tests(res)
    r = pd.DataFrame(ref(f"hs_mg_{step}")["score_test"]["uni"])
    m = st.merge(r, left_on=["plabel_ref", "plabel"], right_on=["lhs", "rhs"],
                 suffixes=("", "_r"))
    assert len(m) == len(st) == len(r)
    assert np.allclose(m["X2"], m["X2_r"], atol=1e-3)
    total = ref(f"hs_mg_{step}")["score_test"]["test"][0]
    assert st.attrs["total"]["X2"] == pytest.approx(total["X2"], abs=1e-3)
    assert st.attrs["total"]["df"] == total["df"]
    assert set(st["group"]) == {2}


def test_score_tests_without_constraints_is_empty(hs):
    assert score_tests(fit_cfa(hs, HS_MODEL, estimator="ML")).empty


@pytest.mark.parametrize("name, kind", [("hs_ml", "cor_bollen"), ("hs_ml", "cor_bentler"),
                                        ("hs_ml", "raw"), ("hs_ml_meanstructure", "cor_bollen"),
                                        ("bfi_ml", "cor_bollen")])
def test_residuals_match_lavaan(hs, bfi, name, kind):
    kw = {"meanstructure": True} if "meanstructure" in name else {}
    data, model = (bfi, BFI_MODEL) if name.startswith("bfi") else (hs, HS_MODEL)
    res = fit_cfa(data, model, estimator="ML", **kw)
    mine = res.residuals(kind.replace("_", "."))[""]
    theirs = ref(name)["residuals"][kind]
    assert np.allclose(mine["cov"].to_numpy(), np.array(theirs["cov"]), atol=1e-5)
    if "mean" in theirs:
        assert np.allclose(mine["mean"].to_numpy(), np.array(theirs["mean"]), atol=1e-5)


def test_top_residuals(hs):
    res = fit_cfa(hs, HS_MODEL, estimator="ML")
    top = res.top_residuals(3)
    cor = np.array(ref("hs_ml")["residuals"]["cor_bollen"]["cov"])
    biggest = np.sort(np.abs(cor[np.tril_indices(9, -1)]))[::-1][:3]
    assert np.allclose(np.abs(top["residual"]), biggest, atol=1e-6)
    with pytest.raises(InputError, match="residual 'type'"):
        res.residuals("normalized")


def _compare_ref(res, name):
    r = pd.DataFrame(ref(name)["modindices"])
    if "group" not in r:
        r["group"] = 1
    m = modindices(res).merge(r, on=["lhs", "op", "rhs", "group"], how="outer",
                               indicator=True, suffixes=("", "_r"))
    assert (m["_merge"] == "both").all()
    assert np.allclose(m["mi"], m["mi_r"], atol=2e-3)
    assert np.allclose(m["epc"], m["epc_r"], atol=1e-4)
    assert np.allclose(m["sepc_all"], m["sepc.all"], atol=1e-4)
    if "score_test" in ref(name):
        st = score_tests(res)
        u = pd.DataFrame(ref(name)["score_test"]["uni"])
        j = st.merge(u, left_on=["plabel_ref", "plabel"], right_on=["lhs", "rhs"],
                     suffixes=("", "_r"))
        assert len(j) == len(st) == len(u)
        assert np.allclose(j["X2"], j["X2_r"], atol=1e-3)


def test_modindices_and_score_tests_under_mlr(hs):
    _compare_ref(fit_cfa(hs, HS_MODEL, estimator="MLR"), "mi_hs_mlr")
    _compare_ref(fit_cfa(hs, HS_MODEL, estimator="MLR", group="school",
                         group_equal=["loadings"]), "mi_hs_mg_metric_mlr")


def test_modindices_and_score_tests_under_wlsmv(bfi):
    model = "A =~ A1 + A2 + A3 + A4 + A5\nC =~ C1 + C2 + C3 + C4 + C5"
    d = bfi.iloc[:1000].copy()
    _compare_ref(fit_cfa(d, model, estimator="WLSMV"), "mi_bfi_ac_wlsmv")
    d["g"] = np.where(np.arange(1000) < 500, "a", "b")
    _compare_ref(fit_cfa(d, model, estimator="WLSMV", group="g",
                         group_equal=["thresholds", "loadings"]), "mi_bfi_ac_wlsmv_mg")


def test_score_tests_one_inversion_equals_refitting_each_release(hs):
    """The bordered-inverse statistics equal the per-constraint reparameterisation."""
    from dataclasses import replace

    from lospw.analysis.cfa.model import Model

    res = fit_cfa(hs, HS_MODEL, estimator="ML", group="school",
                  group_equal=("loadings", "intercepts"))
    st = score_tests(res)
    state = res.fit_state
    t = state.pt.table
    x_col = t["x"].to_numpy()
    for _, row in st.iterrows():
        r = int(t.index[t["plabel"] == row["plabel"]][0])
        xc = x_col.copy()
        xc[r] = state.x.size
        xe = np.r_[state.x, state.x[x_col[r]]]
        obj = state.objective.rebind(Model(replace(state.pt, table=t.assign(x=xc))))
        g = obj.grad(xe)
        assert row["X2"] == pytest.approx(state.ntotal * g @ np.linalg.pinv(obj.info(xe)) @ g,
                                          rel=1e-9, abs=1e-10)


def test_score_tests_filter_by_operator(hs):
    res = fit_cfa(hs, HS_MODEL, estimator="ML", group="school",
                  group_equal=("loadings", "intercepts"))
    every = score_tests(res)
    loadings = score_tests(res, ops=["=~"])
    assert set(loadings["op"]) == {"=~"} and len(loadings) == 6
    assert np.allclose(loadings["X2"], every.loc[every["op"] == "=~", "X2"])
    assert loadings.attrs["total"] == every.attrs["total"]
    assert score_tests(res, ops=["~~"]).empty


def test_score_test_of_an_unidentifying_release_uses_the_pseudo_inverse(hs):
    # std.lv with free group-2 variances: releasing visual's last equal loading leaves the
    # group-2 variance of visual unidentified; lavaan (MASS::ginv) then reports ~0
    res = fit_cfa(hs, HS_MODEL, estimator="ML", group="school", group_equal=("loadings",),
                  std_lv=True, group_partial=("visual=~x1", "visual=~x2"))
    st = score_tests(res)
    assert st.loc[st["rhs"] == "x3", "X2"].iloc[0] == pytest.approx(0, abs=1e-6)
    assert (st.loc[st["rhs"] != "x3", "X2"] > 1e-3).all()
