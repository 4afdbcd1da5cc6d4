"""WLSMV (DWLS on polychorics, robust SEs, scaled-shifted test) against lavaan."""

from __future__ import annotations

import numpy as np
import pytest

from lospw.analysis.cfa import fit_cfa
from lospw.analysis.core.errors import InputError
from tests.analysis.cfa.conftest import BFI_MODEL, HS_MODEL, merged, ref, ref_fit

REL = ("chisq", "chisq_scaled", "chisq_scaling_factor", "baseline_chisq",
       "baseline_chisq_scaled", "baseline_chisq_scaling_factor", "fmin", "cn_05", "wrmr")
ABS = ("cfi", "tli", "cfi_scaled", "tli_scaled", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper",
       "rmsea_scaled", "rmsea_ci_lower_scaled", "rmsea_ci_upper_scaled", "srmr",
       "srmr_bentler", "srmr_bentler_nomean", "crmr", "crmr_nomean", "rmr", "nfi_scaled",
       "ifi_scaled", "rni_scaled", "rfi", "pnfi")


def check_wlsmv(res, name):
    assert res.converged and res.estimator == "WLSMV"
    assert res.fit["df"] == ref_fit(name, "df") and res.fit["npar"] == ref_fit(name, "npar")
    for k in REL:
        assert res.fit[k] == pytest.approx(ref_fit(name, k), rel=1e-5), k
    for k in ABS:
        assert res.fit[k] == pytest.approx(ref_fit(name, k), abs=1e-5, nan_ok=True), k
    m = merged(res, name)
    assert np.allclose(m["est"], m["est_r"], atol=1e-4)
    assert np.allclose(m["std_all"], m["std_all_r"], atol=1e-4, equal_nan=True)
    free = m["free_r"] > 0
    assert np.allclose(m.loc[free, "se"], m.loc[free, "se_r"], rtol=1e-3)


@pytest.fixture(scope="module")
def bfi_wlsmv(bfi):
    return fit_cfa(bfi, BFI_MODEL, estimator="WLSMV")


def test_bfi_wlsmv_matches_lavaan(bfi_wlsmv):
    check_wlsmv(bfi_wlsmv, "bfi_wlsmv")
    # issue 8 acceptance
    f = bfi_wlsmv.fit
    assert f["chisq_scaled"] == pytest.approx(ref_fit("bfi_wlsmv", "chisq_scaled"), rel=0.01)
    for k in ("cfi_scaled", "tli_scaled", "rmsea_scaled", "srmr"):
        assert abs(f[k] - ref_fit("bfi_wlsmv", k)) < 0.003


def test_bfi_wlsmv_sample_statistics(bfi_wlsmv):
    pc = np.array(ref("bfi_wlsmv")["polychoric"])
    assert np.allclose(bfi_wlsmv.sample[""]["cov"].to_numpy(), pc, atol=1e-6)
    p = bfi_wlsmv.parameters
    th = p.loc[p["op"] == "|", "est"].to_numpy()
    assert len(th) == 125 and np.all(np.isfinite(th))
    # residual variances of y* are computed (delta parameterization), std.all loadings^2 + it = 1
    load = p[p["op"] == "=~"].set_index("rhs")["std_all"]
    resid = p[(p["op"] == "~~") & (p["lhs"] == p["rhs"]) & p["lhs"].isin(load.index)]
    assert np.allclose(resid.set_index("lhs")["est"] + load[resid["lhs"]].to_numpy() ** 2, 1)


@pytest.mark.slow
def test_multigroup_wlsmv_matches_lavaan(bfi):
    bg = bfi[bfi["gender"].notna()]
    check_wlsmv(fit_cfa(bg, BFI_MODEL, estimator="WLSMV", group="gender"),
                "bfi_wlsmv_mg_configural")
    check_wlsmv(fit_cfa(bg, BFI_MODEL, estimator="WLSMV", group="gender",
                        group_equal=["thresholds", "loadings"]),
                "bfi_wlsmv_mg_thresholds_loadings")


def test_default_estimator_is_wlsmv_for_likert_items(bfi):
    small = bfi.iloc[:600]
    res = fit_cfa(small, "A =~ A1 + A2 + A3 + A4 + A5")
    assert res.estimator == "WLSMV"
    assert res.to_dict()["estimator"] == "WLSMV"


@pytest.mark.parametrize("kw, fragment", [
    ({"missing": "fiml"}, "WLSMV uses pairwise"),
    ({"ordered": ["x1"]}, "every model item ordered"),
    ({"ordered": False}, "ordered=False"),
])
def test_wlsmv_option_errors(hs, kw, fragment):
    data = hs.copy()
    cols = [f"x{i}" for i in range(1, 10)]
    data[cols] = data[cols].round()
    with pytest.raises(InputError, match=fragment):
        fit_cfa(data, HS_MODEL, estimator="WLSMV", **kw)


def test_wlsmv_rejects_continuous_items(hs):
    with pytest.raises(InputError, match="non-integer values"):
        fit_cfa(hs, HS_MODEL, estimator="WLSMV")


def test_ordered_with_ml_is_refused(bfi):
    with pytest.raises(InputError, match="need estimator 'WLSMV'"):
        fit_cfa(bfi, BFI_MODEL, estimator="ML", ordered=True)


def test_empty_category_in_a_group_is_refused(bfi):
    data = bfi.iloc[:300].copy()
    data["g"] = np.where(np.arange(300) < 150, "a", "b")
    data.loc[data["g"] == "b", "A1"] = data.loc[data["g"] == "b", "A1"].clip(upper=5)
    data.loc[data.index[0], "A1"] = 6
    with pytest.raises(InputError, match="empty category in group b"):
        fit_cfa(data, "A =~ A1 + A2 + A3 + A4 + A5", estimator="WLSMV", group="g")


def test_theta_parameterization_is_the_same_model(bfi):
    """theta (residual variances as parameters) and delta (scaling factors) are the same
    model: same fit and standardized loadings; with the marker A1, a theta loading is the
    delta one times sqrt(theta_A1 / theta_j), the residual variances of y* in the delta
    solution (lavaan's parameterization = "theta")."""
    model = "A =~ A1 + A2 + A3 + A4 + A5\nC =~ C1 + C2 + C3 + C4 + C5"
    d = fit_cfa(bfi, model, estimator="WLSMV")
    t = fit_cfa(bfi, model, estimator="WLSMV", parameterization="theta")
    assert t.converged and t.options["parameterization"] == "theta"
    for k in ("chisq", "chisq_scaled", "cfi_robust", "rmsea_robust", "srmr"):
        assert t.fit[k] == pytest.approx(d.fit[k], rel=1e-6), k
    pd_, pt_ = d.parameters, t.parameters
    load = pd_["op"] == "=~"
    assert np.allclose(pd_.loc[load, "std_all"], pt_.loc[load, "std_all"], atol=1e-5)
    resid = pd_[(pd_["op"] == "~~") & (pd_["lhs"] == pd_["rhs"])].set_index("lhs")["est"]
    lam_d = pd_.loc[load & (pd_["rhs"] == "A2"), "est"].iat[0]
    lam_t = pt_.loc[load & (pt_["rhs"] == "A2"), "est"].iat[0]
    assert lam_t == pytest.approx(lam_d * np.sqrt(resid["A1"] / resid["A2"]), rel=1e-4)
    with pytest.raises(InputError, match="theta parameterization is for ordered items"):
        fit_cfa(bfi, model, estimator="ML", parameterization="theta")
