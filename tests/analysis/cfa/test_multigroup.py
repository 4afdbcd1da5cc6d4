"""Multi-group ML with equality constraints (group.equal / group.partial) against lavaan."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.cfa import fit_cfa
from lospw.analysis.core.errors import InputError
from tests.analysis.cfa.conftest import HS_MODEL, merged, ref, ref_fit
from tests.analysis.cfa.test_ml import check_fit, check_params

STEPS = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
    "strict": ("loadings", "intercepts", "residuals"),
}


@pytest.fixture(scope="module")
def steps(hs):
    return {k: fit_cfa(hs, HS_MODEL, estimator="ML", group="school", group_equal=ge)
            for k, ge in STEPS.items()}


@pytest.mark.parametrize("step", list(STEPS))
def test_invariance_steps_match_lavaan(steps, step):
    res = steps[step]
    name = f"hs_mg_{step}"
    # acceptance: chi-square and df within 0.1 % (we hold 0.01 % and the full fit)
    check_fit(res, name)
    check_params(res, name)
    assert res.group_labels == ("Pasteur", "Grant-White")
    assert res.n_obs_per_group == {"Pasteur": 156, "Grant-White": 145}
    assert list(ref(name)["nobs"]) == [156, 145]


def test_equal_parameters_are_equal(steps):
    p = steps["scalar"].parameters
    load = p[(p["op"] == "=~")].pivot_table(index=["lhs", "rhs"], columns="group",
                                              values="est")
    assert np.allclose(load[1], load[2])
    ints = p[p["op"] == "~1"].set_index(["lhs", "group"])["est"]
    assert ints[("x1", 1)] == ints[("x1", 2)]
    # latent means: fixed 0 in group 1, free in group 2 (lavaan's default with intercepts)
    assert ints[("visual", 1)] == 0 and ints[("visual", 2)] != 0
    assert p.loc[(p["op"] == "=~") & (p["group"] == 2) & (p["rhs"] == "x2"), "label"].item() \
        == ".p2."


def test_group_partial(hs):
    res = fit_cfa(hs, HS_MODEL, estimator="ML", group="school",
                  group_equal=["loadings", "intercepts"], group_partial=["x3 ~ 1", "x7~1"])
    check_fit(res, "hs_mg_scalar_partial")
    check_params(res, "hs_mg_scalar_partial")


def test_latent_equalities(hs):
    res = fit_cfa(hs, HS_MODEL, estimator="ML", group="school",
                  group_equal=["loadings", "intercepts", "means", "lv.variances",
                               "lv.covariances"])
    check_fit(res, "hs_mg_lv")
    check_params(res, "hs_mg_lv")


def test_groups_json_part(steps):
    d = steps["metric"].to_dict()
    assert [g["label"] for g in d["groups"]] == ["Pasteur", "Grant-White"]
    assert d["n_obs"] == 301


def test_missing_group_values_are_listed(hs):
    data = hs.copy()
    data.loc[[0, 5], "school"] = np.nan
    res = fit_cfa(data, HS_MODEL, estimator="ML", group="school")
    assert res.n_obs == 299
    assert list(res.excluded["reason"]) == ["missing group", "missing group"]


@pytest.mark.parametrize("kw, fragment", [
    ({"group": "nope"}, "group column 'nope'"),
    ({"group_equal": ["loadings"]}, "need a 'group'"),
    ({"group": "school", "group_equal": ["slopes"]}, "'group_equal' option takes"),
])
def test_bad_group_options(hs, kw, fragment):
    with pytest.raises(InputError, match=fragment):
        fit_cfa(hs, HS_MODEL, estimator="ML", **kw)


def test_one_group_only_is_refused(hs):
    with pytest.raises(InputError, match="at least 2"):
        fit_cfa(hs.assign(g="a"), HS_MODEL, estimator="ML", group="g")


def test_merged_helper_sees_both_groups(steps):
    m = merged(steps["configural"], "hs_mg_configural")
    assert set(m["group"]) == {1, 2}
    assert isinstance(m, pd.DataFrame)
    assert ref_fit("hs_mg_configural", "df") == 48
