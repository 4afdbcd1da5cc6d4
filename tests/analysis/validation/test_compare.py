"""Model comparison (lospw.analysis.validation.compare) against lavaan (tests/reference/models.R).

The comparisons fit every model with lospw's engine; only the WLSMV rules test replays
lavaan's recorded fits (named so: the engine's WLSMV comparison is the slow
test_engine_wlsmv_matches_lavaan).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import lospw.analysis.cfa
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import load_key
from lospw.analysis.core.warnings import Note
from lospw.analysis.intake.responses import read_responses
from lospw.analysis.validation import compare as C
from lospw.analysis.validation.fitting import FitOutcome
from tests.conftest import reference

REF = reference("models")
needs_engine = pytest.mark.skipif(not hasattr(lospw.analysis.cfa, "fit_cfa"),
                                  reason="the CFA engine is not available")


class Replay:
    """lavaan's recorded fits, looked up by model syntax (no estimation)."""

    def __init__(self, part):
        self.by_syntax = {m["syntax"].strip(): m for m in REF[part]["models"].values()}

    def __call__(self, data, syntax, *, estimator, missing, **_):
        m = self.by_syntax[syntax]
        warnings = () if m["proper"] else ("[heywood_case] negative variance",)
        return FitOutcome({k.replace(".", "_"): v for k, v in m["fit"].items()},
                          m["converged"], warnings, 0)


@pytest.fixture
def hs(hs_path, hs_key_path):
    key = load_key(hs_key_path)
    return read_responses(hs_path, key).items, key


@pytest.fixture
def bfi(bfi_path, bfi_key_path):
    key = load_key(bfi_key_path)
    return read_responses(bfi_path, key).items, key


def _check_differences(res, part, rel=1e-6):
    ref = {(d["restricted"], d["general"]): d for d in REF[part]["differences"]}
    assert {(d["restricted"], d["general"]) for d in res.differences} == set(ref)
    for d in res.differences:
        r = ref[(d["restricted"], d["general"])]
        assert d["df_diff"] == r["df_diff"]
        if r["df_diff"] == 0:
            assert math.isnan(d["pvalue"]) and "equivalent" in d["note"]
            continue
        assert d["chisq_diff"] == pytest.approx(r["chisq_diff"], rel=rel)
        assert d["pvalue"] == pytest.approx(r["pvalue"], rel=max(rel, 1e-6) * 100, abs=1e-300)


@needs_engine
def test_hs_comparison_with_the_engine(hs):
    items, key = hs
    res = C.compare_models(items, key)
    _check_differences(res, "hs_ml", rel=1e-4)
    table = {r["model"]: r for r in res.table}
    assert table["bifactor"]["proper"] is False
    # the bifactor has the lowest BIC but a Heywood case: never the best
    assert res.best == "correlated"  # equal BIC with second_order: first in order wins
    assert res.contrast["alternative"] == "second_order"
    assert res.contrast["delta_bic"] == pytest.approx(0.0, abs=1e-6)
    assert "difference_test" in res.contrast
    frame = res.to_frame()
    assert list(frame["model"]) == ["one_factor", "correlated", "second_order", "bifactor"]
    d = res.to_dict()
    assert d["best_by"] == "bic" and len(d["models"]["models"]) == 4
    script = res.lavaan_script(key, "hs.csv")
    assert 'fit_bifactor <- cfa(model_bifactor, data = data, estimator = "ML"' in script


@needs_engine
@pytest.mark.parametrize(("part", "estimator", "missing"), [
    ("bfi_ml", "ML", "listwise"),
    pytest.param("bfi_ml_fiml", "ML", "fiml", marks=pytest.mark.slow),
    ("bfi_mlr", "MLR", "listwise")])
def test_bfi_comparison_with_the_engine(bfi, part, estimator, missing):
    items, key = bfi
    res = C.compare_models(items, key, estimator=estimator, missing=missing)
    _check_differences(res, part, rel=1e-4)
    assert res.best == "bifactor"
    assert res.contrast["alternative"] == "bifactor"
    assert res.contrast["preferred"] == "bifactor" and res.contrast["by"] == "bic"
    assert res.contrast["delta_bic"] > 0


def test_bfi_wlsmv_comparison_rules_on_replayed_lavaan_fits(bfi):
    items, key = bfi
    calls = []

    def fitter(data, syntax, **kw):
        calls.append(kw.get("ordered"))
        return Replay("bfi_wlsmv")(data, syntax, **kw)

    res = C.compare_models(items, key, estimator="WLSMV", fitter=fitter)
    assert calls == [True] * 4
    assert res.best_by == "rmsea_scaled" and res.best == "bifactor"
    assert res.best_aic is None and res.best_cfi == "bifactor"
    assert res.contrast["by"] == "rmsea_scaled" and "delta_bic" not in res.contrast
    # the scaled-shifted difference needs the engine's fitted models: not available here
    assert all(math.isnan(d["pvalue"]) and d["method"] == "satorra_2000"
               for d in res.differences)
    with pytest.raises(InputError, match="must be 'pairwise' or 'listwise' with estimator 'WLSMV'"):
        C.compare_models(items, key, estimator="WLSMV", missing="fiml", fitter=fitter)


@needs_engine
def test_non_converged_model_is_not_tested(hs):
    """The engine fits every model; the one-factor model's outcome is replaced by a
    non-converged one (injected: the engine converges on these data)."""
    from lospw.analysis.validation.fitting import engine_fitter

    items, key = hs

    def fitter(data, syntax, **kw):
        out = engine_fitter(data, syntax, **kw)
        if syntax.startswith("general =~ x1"):
            return FitOutcome({k: np.nan for k in out.fit}, False, (Note("not_converged", "x"),),
                              0)
        return out

    res = C.compare_models(items, key, fitter=fitter)
    untested = [d for d in res.differences if d["restricted"] == "one_factor"]
    assert untested and all(d["note"] == "model one_factor did not converge"
                            and d["warning"].code == "difference_test_unavailable"
                            for d in untested)
    assert {r["model"]: r["proper"] for r in res.table}["one_factor"] is False


def test_errors(hs):
    items, key = hs
    with pytest.raises(InputError, match="The 'estimator' option must be one of"):
        C.compare_models(items, key, estimator="GLS")
    with pytest.raises(InputError, match="The 'missing' option must be one of"):
        C.compare_models(items, key, missing="everything")
    with pytest.raises(InputError, match="item column\\(s\\) of the key are missing"):
        C.compare_models(pd.DataFrame({"x1": [1.0]}), key)


def test_pick_best_none():
    assert C.pick_best([{"model": "a", "converged": False, "proper": False, "bic": 1.0}]) is None


@needs_engine
@pytest.mark.parametrize(("part", "fixture", "estimator"), [
    ("hs_ml", "hs", "ML"), ("bfi_ml", "bfi", "ML"),
    pytest.param("bfi_mlr", "bfi", "MLR", marks=pytest.mark.slow)])
def test_engine_matches_lavaan(part, fixture, estimator, request):
    items, key = request.getfixturevalue(fixture)
    res = C.compare_models(items, key, estimator=estimator)
    for row in res.table:
        ref = REF[part]["models"][row["model"]]
        assert row["converged"] and row["proper"] == ref["proper"]
        assert row["chisq"] == pytest.approx(ref["fit"]["chisq"], rel=1e-4)
        assert row["df"] == ref["fit"]["df"]
        for k in ("cfi", "tli", "rmsea", "srmr") if estimator == "ML" else ("srmr",):
            assert row[k] == pytest.approx(ref["fit"][k], abs=1e-3)
        assert row["bic"] == pytest.approx(ref["fit"]["bic"], rel=1e-6)
        if estimator == "MLR":
            assert row["chisq_scaled"] == pytest.approx(ref["fit"]["chisq.scaled"], rel=1e-4)
            for k in ("cfi_robust", "tli_robust", "rmsea_robust"):
                assert row[k] == pytest.approx(ref["fit"][k.replace("_", ".")], abs=1e-4)
    _check_differences(res, part, rel=1e-6 if estimator == "ML" else 1e-4)


@needs_engine
@pytest.mark.slow
def test_engine_wlsmv_matches_lavaan(bfi):
    items, key = bfi
    res = C.compare_models(items, key, estimator="WLSMV")
    for row in res.table:
        ref = REF["bfi_wlsmv"]["models"][row["model"]]["fit"]
        assert row["chisq_scaled"] == pytest.approx(ref["chisq.scaled"], rel=1e-3)
        for k in ("cfi_scaled", "tli_scaled", "rmsea_scaled", "srmr"):
            assert row[k] == pytest.approx(ref[k.replace("_", ".")], abs=1e-3)
    assert res.best == "bifactor"


def test_a_model_the_engine_cannot_fit_is_listed_as_failed(bfi):
    """One rival never sinks the comparison (issue 17): it is listed as failed, the tests it
    is in are not made, the rest is compared as before."""
    from lospw.analysis.core.errors import LospwError

    items, key = bfi
    replay = Replay("bfi_mlr")
    bifactor = C.competing_models(key)["bifactor"].syntax

    def fitter(data, syntax, **kw):
        if syntax == bifactor:
            raise LospwError("The CFA engine could not compute the MLR corrections (x).")
        return replay(data, syntax, **kw)

    res = C.compare_models(items, key, estimator="MLR", fitter=fitter)
    table = {r["model"]: r for r in res.table}
    assert table["bifactor"]["status"] == "failed" and not table["bifactor"]["converged"]
    assert table["bifactor"]["warnings"][0].code == "model_failed"
    assert table["bifactor"]["warnings"][0].message.startswith("model bifactor")
    assert math.isnan(table["bifactor"]["bic"])
    assert {r["status"] for m, r in table.items() if m != "bifactor"} == {"ok"}
    for d in res.differences:
        if "bifactor" in (d["restricted"], d["general"]):
            assert d["note"] == "model bifactor could not be fitted" and math.isnan(d["pvalue"])
            assert d["warning"].code == "difference_test_unavailable"
        elif d["df_diff"]:
            assert d["pvalue"] >= 0 and d["method"] == "satorra_bentler_2001"
    assert res.best != "bifactor" and res.best is not None


def test_mlr_test_without_a_scaling_factor_is_not_made(bfi):
    """A converged model whose standard errors failed has no robust scaling factor: its MLR
    difference tests are listed as unavailable instead of raising (issue 17)."""
    items, key = bfi
    replay = Replay("bfi_mlr")
    second = C.competing_models(key)["second_order"].syntax

    def fitter(data, syntax, **kw):
        out = replay(data, syntax, **kw)
        if syntax == second:
            fit = {k: v for k, v in out.fit.items() if k != "chisq_scaling_factor"}
            return FitOutcome(fit, True, (Note("se_failed", "the information matrix"),), 0)
        return out

    res = C.compare_models(items, key, estimator="MLR", fitter=fitter)
    assert {r["model"]: r["status"] for r in res.table}["second_order"] == "improper"
    notes = [d["note"] for d in res.differences
             if "second_order" in (d["restricted"], d["general"])]
    assert notes and all("second_order has no chisq_scaling_factor" in n for n in notes)
