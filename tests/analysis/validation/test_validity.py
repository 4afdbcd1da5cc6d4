"""Validity (lospw.analysis.validation.validity) against semTools 0.5-6 (tests/reference/validity.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import key_from_dict, load_key
from lospw.analysis.intake.responses import read_responses
from lospw.analysis.validation import validity as V
from tests.conftest import reference

REF = reference("validity")


def _frame(m):
    return pd.DataFrame(np.array(m["values"], dtype=float), index=m["rows"], columns=m["cols"])


@pytest.fixture
def bfi(bfi_path, bfi_key_path):
    key = load_key(bfi_key_path)
    return read_responses(bfi_path, key).items, key


@pytest.fixture
def hs(hs_path, hs_key_path):
    key = load_key(hs_key_path)
    return read_responses(hs_path, key).items, key


@pytest.mark.parametrize(("name", "method", "absolute"), [
    ("htmt2_abs", "htmt2", True), ("htmt_abs", "htmt", True), ("htmt_signed", "htmt", False)])
def test_htmt_bfi_matches_semtools(bfi, name, method, absolute):
    items, key = bfi
    table, n = V.htmt(items, key, method=method, absolute=absolute)
    ref = _frame(REF["bfi"]["htmt"][name])
    assert n == REF["bfi"]["listwise"]["n_obs"] == 2436
    assert np.max(np.abs(table.to_numpy() - ref.to_numpy())) < 1e-10


def test_htmt_pairwise_matches_semtools(bfi):
    """Issue 24: HTMT from pairwise-complete correlations (semTools::htmt(missing =
    "pairwise"), tests/reference/validity.R), for planned missingness."""
    items, key = bfi
    table, n = V.htmt(items, key, missing="pairwise")
    ref = _frame(REF["bfi"]["htmt_pairwise"])
    assert np.max(np.abs(table.to_numpy() - ref.to_numpy())) < 1e-10
    assert 2436 < n < len(items)
    with pytest.raises(InputError, match="'listwise' or 'pairwise'"):
        V.htmt(items, key, missing="fiml")


def test_htmt_absolute_does_not_depend_on_reversing(bfi):
    items, key = bfi
    table, _ = V.htmt(items, key, reverse=False)
    assert np.allclose(table.to_numpy(), _frame(REF["bfi"]["htmt_raw_abs"]).to_numpy())


@pytest.mark.parametrize("name", ["htmt2_abs", "htmt_abs", "htmt_signed"])
def test_htmt_hs_matches_semtools(hs, name):
    items, key = hs
    method = "htmt2" if name == "htmt2_abs" else "htmt"
    table, n = V.htmt(items, key, method=method, absolute=name != "htmt_signed")
    assert n == 301
    assert np.allclose(table.to_numpy(), _frame(REF["hs"]["htmt"][name]).to_numpy(),
                       atol=1e-10)


def _estimates(part):
    return V.FactorEstimates(_frame(part["lambda"]), _frame(part["phi"]),
                             _frame(part["sampstat_cov"]))


@pytest.mark.parametrize(("data", "part"), [("bfi", "listwise"), ("bfi", "fiml"),
                                            ("hs", "listwise")])
def test_cr_ave_formulas_match_semtools_on_lavaan_estimates(data, part):
    ref = REF[data][part]
    est = _estimates(ref)
    table = _frame(REF[data]["htmt"]["htmt2_abs"])
    res = V.validity_from_estimates(est, table, n_obs=ref["n_obs"], n_htmt=ref["n_obs"],
                                    missing=part)
    for f, value in ref["comp_rel"].items():
        assert res.composite_reliability[f] == pytest.approx(value, abs=1e-10)
    for f, value in ref["ave"].items():
        assert res.ave[f] == pytest.approx(value, abs=1e-10)
    # Fornell-Larcker: off-diagonal = lavaan's cor.lv
    cor = _frame(ref["cor_lv"])
    fl = res.fornell_larcker
    off = ~np.eye(len(cor), dtype=bool)
    assert np.allclose(fl.to_numpy()[off], cor.to_numpy()[off], atol=1e-10)
    assert np.allclose(np.diag(fl.to_numpy()), np.sqrt(list(ref["ave"].values())))


def test_flags_from_lavaans_bfi_estimates():
    ref = REF["bfi"]["listwise"]
    res = V.validity_from_estimates(_estimates(ref), _frame(REF["bfi"]["htmt"]["htmt_abs"]),
                                    n_obs=2436, n_htmt=2436, missing="listwise")
    codes = {(f["code"], tuple(f["scales"])) for f in res.flags}
    # every bfi scale has AVE < .50; O has CR .57 < .70; no HTMT reaches .85
    assert {("low_ave", (s,)) for s in "ACENO"} <= codes
    assert ("low_composite_reliability", ("O",)) in codes
    assert not any(c.startswith("htmt_at_or_above") for c, _ in codes)
    d = res.to_dict()
    assert d["htmt_method"] == "htmt2" and set(d["composite_reliability"]) == set("ACENO")
    frame = res.to_frame()
    assert list(frame["scale"]) == list("ACENO")
    assert frame["max_htmt"].iloc[0] == pytest.approx(REF["bfi"]["htmt"]["htmt_abs"]
                                                      ["values"][0][2])


def test_htmt_and_fornell_larcker_flags():
    lam = pd.DataFrame({"a": [1.0, 1.0, 0, 0], "b": [0, 0, 1.0, 1.0]},
                       index=["x1", "x2", "y1", "y2"])
    phi = pd.DataFrame([[0.5, 0.49], [0.49, 0.5]], index=["a", "b"], columns=["a", "b"])
    s = lam.to_numpy() @ phi.to_numpy() @ lam.to_numpy().T + np.eye(4) * 0.5
    est = V.FactorEstimates(lam, phi, pd.DataFrame(s, index=lam.index, columns=lam.index))
    h = pd.DataFrame([[1, 0.95], [0.95, 1]], index=["a", "b"], columns=["a", "b"])
    res = V.validity_from_estimates(est, h, n_obs=10, n_htmt=10, missing="listwise")
    codes = [f["code"] for f in res.flags]
    assert codes[:3] == ["htmt_at_or_above_85", "htmt_at_or_above_90",
                         "fornell_larcker_violation"]


def test_single_item_and_cross_loading_scales_are_nan_with_warning():
    lam = pd.DataFrame({"a": [1.0, 1.0, 0.3], "b": [0, 0, 1.0]}, index=["x1", "x2", "y1"])
    phi = pd.DataFrame(np.eye(2), index=["a", "b"], columns=["a", "b"])
    s = pd.DataFrame(np.eye(3) + 0.3, index=lam.index, columns=lam.index)
    h = pd.DataFrame(np.eye(2), index=["a", "b"], columns=["a", "b"])
    res = V.validity_from_estimates(V.FactorEstimates(lam, phi, s), h, n_obs=5, n_htmt=5,
                                    missing="listwise")
    assert np.isnan(res.ave["a"]) and not np.isnan(res.composite_reliability["a"])
    assert np.isnan(res.composite_reliability["b"])
    assert any(w.code == "cross_loading" for w in res.warnings)
    assert any(w.code == "single_item_scale" for w in res.warnings)


def test_htmt_single_item_block_is_nan():
    r = np.array([[1, .5, .2], [.5, 1, .2], [.2, .2, 1]])
    out = V.htmt_matrix(r, [[0, 1], [2]], method="htmt")
    assert np.isnan(out[0, 1]) and out[0, 0] == 1


def test_htmt_errors():
    key = key_from_dict({"response_scale": {"min": 1, "max": 5},
                         "scales": {"A": ["a1", "a2"], "B": ["b1", "b2"]}})
    with pytest.raises(InputError, match="The 'method' option must be one of"):
        V.htmt_matrix(np.eye(2), [[0], [1]], method="mean")
    with pytest.raises(InputError, match="item column\\(s\\) of the key are missing"):
        V.htmt(pd.DataFrame({"a1": [1.0]}), key)
    few = pd.DataFrame({"a1": [1, 2, np.nan], "a2": [1, 2, 3], "b1": [2, 1, 3],
                        "b2": [3, 3, 1]}, dtype=float)
    with pytest.raises(InputError, match="at least 3 complete rows"):
        V.htmt(few, key)


def test_validity_refuses_bad_missing(bfi):
    items, key = bfi
    with pytest.raises(InputError, match="The 'missing' option must be one of"):
        V.validity(items, key, missing="drop")
    with pytest.raises(InputError, match="pairwise' is for WLSMV"):
        V.validity(items, key, missing="pairwise")
