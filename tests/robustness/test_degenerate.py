"""Degenerate data: each condition of issue 12, in each stage where it applies, gives a named
code (analysis/core/warnings.py) in the result, the printed output and the --json output, or
a one-line refusal naming it. Never a crash, never a silently clean result.

Conditions (bfi items; ``tests/data/bfi.csv``): a zero-variance item, fewer respondents than
items, a non-positive-definite (singular) matrix, a fit that does not converge, a Heywood
case, and a group too small for invariance testing.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.cfa.modindices import modindices
from lospw.analysis.core.errors import InputError, LospwWarning
from lospw.analysis.core.key import key_from_dict, load_key
from lospw.analysis.core.warnings import DEGENERATE, WARNING_CODES
from tests.conftest import FIXTURES, reference_data
from tests.robustness.test_corpus import run_cli

BFI_KEY = FIXTURES / "keys" / "bfi.yaml"
ITEMS = [f"{s}{i}" for s in "ACENO" for i in range(1, 6)]


@pytest.fixture(scope="module")
def complete() -> pd.DataFrame:
    bfi = pd.read_csv(reference_data("bfi.csv"))
    return bfi.dropna(subset=ITEMS).head(400).reset_index(drop=True)


def _data(frame: pd.DataFrame, tmp_path, name: str) -> str:
    path = tmp_path / f"{name}.csv"
    frame.to_csv(path, index=False)
    return str(path)


@pytest.fixture
def zero_variance(complete, tmp_path) -> str:
    x = complete.copy()
    x["A2"] = 4
    return _data(x, tmp_path, "zero_variance")


@pytest.fixture
def few_rows(complete, tmp_path) -> str:
    return _data(complete.head(8), tmp_path, "few_rows")  # 8 respondents, 25 items


@pytest.fixture
def singular(complete, tmp_path) -> str:
    x = complete.copy()
    x["A3"] = x["A2"]  # two identical items: every correlation matrix is singular
    return _data(x, tmp_path, "singular")


@pytest.fixture
def small_group(complete, tmp_path) -> str:
    x = complete.copy()
    x["site"] = ["a"] * 390 + ["b"] * 10
    return _data(x, tmp_path, "small_group")


def _json(*args) -> dict:
    code, out, err = run_cli(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def _text(*args) -> str:
    code, out, err = run_cli(*args)
    assert code == 0, err
    return out


def _refused(*args) -> str:
    code, out, err = run_cli(*args)
    assert code == 2, (code, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    return lines[0]


def _has(code: str, obj) -> bool:
    return code in json.dumps(obj)


def test_the_registry_lists_the_six_conditions():
    assert set(DEGENERATE) <= set(WARNING_CODES)
    for code in DEGENERATE:
        entry = WARNING_CODES[code]
        assert entry.meaning and entry.stages and entry.action


# -- zero-variance item ------------------------------------------------------------------------
def test_zero_variance_reliability(zero_variance):
    out = _json("reliability", zero_variance, "--key", BFI_KEY)
    assert _has("zero_variance_item", out["warnings"])
    assert "zero_variance_item" in _text("reliability", zero_variance, "--key", BFI_KEY)
    assert out["scales"]["A"]["items"]["A2"]["item_rest"] is None  # undefined, not made up


@pytest.mark.parametrize("stage", ["efa", "cfa", "validity"])
def test_zero_variance_refused_by_factor_models(zero_variance, stage):
    extra = ["--estimator", "ML"] if stage == "cfa" else []
    line = _refused(stage, zero_variance, "--key", BFI_KEY, *extra)
    assert "zero_variance_item" in line and "A2" in line


def test_zero_variance_within_a_group_refused_by_invariance(complete, tmp_path):
    x = complete.copy()
    x["site"] = ["a"] * 200 + ["b"] * 200
    x.loc[x["site"] == "b", "A2"] = 3
    line = _refused("invariance", _data(x, tmp_path, "zv_group"), "--key", BFI_KEY,
                    "--group", "site")
    assert "zero_variance_item" in line and "'b'" in line


def test_zero_variance_scheme(zero_variance, tmp_path):
    out = _json("scheme", zero_variance, "--key", BFI_KEY, "-o", tmp_path / "s.json")
    assert _has("zero variance", out["warnings"]) or _has("no variance", out["warnings"])


# -- fewer respondents than items --------------------------------------------------------------
def test_few_rows_reliability(few_rows):
    out = _json("reliability", few_rows, "--key", BFI_KEY)
    # each bfi scale has 5 items and the data 8 rows: per scale that is fine, but the
    # polychoric matrices are not positive definite and omega is improper
    assert _has("nonpositive_definite", out["warnings"]) or _has("heywood_case", out["warnings"])


def test_fewer_rows_than_items_in_a_scale(complete, tmp_path):
    key = tmp_path / "one.yaml"
    key.write_text("response_scale: {min: 1, max: 6}\nscales:\n  all: [" + ", ".join(ITEMS)
                   + "]\n", encoding="utf-8")
    data = _data(complete.head(12), tmp_path, "twelve")
    out = _json("reliability", data, "--key", key)
    assert _has("fewer_rows_than_items", out["warnings"])
    assert "fewer_rows_than_items" in _text("reliability", data, "--key", key)


def test_few_rows_efa_refused(few_rows):
    assert "more rows than items" in _refused("efa", few_rows, "--key", BFI_KEY)


def test_few_rows_cfa_flagged(few_rows):
    out = _json("cfa", few_rows, "--key", BFI_KEY, "--estimator", "ML")
    codes = {w["code"] for w in out["warnings"]}
    assert {"nonpositive_definite", "not_converged"} <= codes
    assert not out["converged"]
    text = _text("cfa", few_rows, "--key", BFI_KEY, "--estimator", "ML")
    assert "[nonpositive_definite]" in text and "NOT converged" in text


def test_few_rows_validity_not_converged(few_rows):
    out = _json("validity", few_rows, "--key", BFI_KEY)
    assert _has("not_converged", out["warnings"])
    assert "not_converged" in _text("validity", few_rows, "--key", BFI_KEY)


# -- non-positive-definite matrix --------------------------------------------------------------
def test_singular_efa_flagged(singular):
    out = _json("efa", singular, "--key", BFI_KEY)
    assert _has("nonpositive_definite", out["warnings"])
    assert "nonpositive_definite" in _text("efa", singular, "--key", BFI_KEY)


def test_singular_cfa_flagged(singular):
    out = _json("cfa", singular, "--key", BFI_KEY, "--estimator", "ML")
    assert "nonpositive_definite" in {w["code"] for w in out["warnings"]}


def test_singular_reliability_flagged(singular):
    out = _json("reliability", singular, "--key", BFI_KEY)
    assert _has("nonpositive_definite", out["warnings"]) or _has("numerical_problem",
                                                                 out["warnings"])


def test_polychoric_smoothing_is_named(complete):
    from lospw.analysis.classical.polychoric import polychoric

    x = complete[["A1", "A2", "A3", "A4", "A5"]].head(8)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        polychoric(x)
    codes = {getattr(w.message, "code", None) for w in caught}
    assert codes & {"nonpositive_definite", "zero_variance_item", "not_converged"}
    assert "not_positive_definite" not in codes  # one spelling across stages


# -- not converged and Heywood case ------------------------------------------------------------
def test_not_identified_cfa():
    hs = reference_data("holzinger_swineford_1939.csv")
    out = _json("cfa", hs, "--model", "f =~ x1 + x2", "--estimator", "ML")
    codes = {w["code"] for w in out["warnings"]}
    assert "not_identified" in codes
    assert "modindices_top" not in out  # no numbers from a singular information matrix


def test_heywood_case_cfa(tmp_path):
    # lavaan's own Heywood example (tests/reference/cfa.R): the
    # first 27 rows of Holzinger-Swineford give a negative residual variance
    hs = pd.read_csv(reference_data("holzinger_swineford_1939.csv")).head(27)
    path = tmp_path / "hs27.csv"
    hs.to_csv(path, index=False)
    model = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
    out = _json("cfa", path, "--model", model, "--estimator", "ML")
    assert "heywood_case" in {w["code"] for w in out["warnings"]}
    assert "[heywood_case]" in _text("cfa", path, "--model", model, "--estimator", "ML")


def test_heywood_case_reliability(few_rows):
    out = _json("reliability", few_rows, "--key", BFI_KEY)
    assert _has("heywood_case", out["warnings"])


def test_not_converged_is_never_a_clean_fit(few_rows):
    out = _json("cfa", few_rows, "--key", BFI_KEY, "--estimator", "ML")
    assert not out["converged"]
    assert out["fit"]["cfi"] is None and out["fit"]["rmsea"] is None


# -- group too small ---------------------------------------------------------------------------
def test_group_too_small_invariance(small_group):
    out = _json("invariance", small_group, "--key", BFI_KEY, "--group", "site")
    assert _has("group_too_small", out["warnings"])
    assert all(not s["estimable"] for s in out["steps"])
    assert "group_too_small" in _text("invariance", small_group, "--key", BFI_KEY,
                                      "--group", "site")


# -- the Python API names the same conditions --------------------------------------------------
def test_reliability_api_warns_by_code(complete):
    from lospw.analysis.classical.reliability import reliability

    key = load_key(BFI_KEY)
    x = complete[ITEMS].astype(float).copy()
    x["A2"] = 4.0
    with pytest.warns(LospwWarning) as rec:
        res = reliability(x, key)
    assert "zero_variance_item" in {w.message.code for w in rec}
    assert any(w.code == "zero_variance_item" for w in res.warnings)


def test_efa_api_refuses_zero_variance_with_the_item(complete):
    from lospw.analysis.efa.efa import efa

    key = load_key(BFI_KEY)
    x = complete[ITEMS].astype(float).copy()
    x["C3"] = 2.0
    with pytest.raises(InputError, match=r"zero_variance_item.*C3"):
        efa(x, key)


def test_fit_cfa_api_refuses_zero_variance(complete):
    from lospw.analysis.cfa import fit_cfa
    from lospw.analysis.validation.models import correlated_factors

    key = key_from_dict({"response_scale": {"min": 1, "max": 6},
                         "scales": {"A": ["A1", "A2", "A3", "A4", "A5"]}})
    x = complete[["A1", "A2", "A3", "A4", "A5"]].astype(float).copy()
    x["A2"] = 4.0
    with pytest.raises(InputError):
        fit_cfa(x, correlated_factors(key), estimator="ML")


def test_modindices_of_an_unidentified_model():
    from lospw.analysis.cfa import fit_cfa

    hs = pd.read_csv(reference_data("holzinger_swineford_1939.csv"))
    res = fit_cfa(hs, "f =~ x1 + x2", estimator="ML")
    assert np.all(np.isnan(modindices(res)["mi"]))
