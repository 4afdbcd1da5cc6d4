"""Measurement invariance of ordered items (WLSMV), fitted by lospw's engine, against lavaan.

Every step is fitted here (Wu & Estabrook's syntax → parser → parameter table → WLSMV) and
compared with lavaan 0.6.14 + semTools 0.5-6 values from tests/reference/invariance_wlsmv.R:
fit measures, difference tests, score tests and the whole partial search (criterion
``chisq``, at most 3 parameters per step), on bfi (A, C, E across gender) and on the SPI
facets (Anxiety, Sociability, Order across sex); binary items on the ability test across
an artificial odd/even split. Tolerances are the WLSMV ones: 1% for chi-squares and score
tests, .003 for the indices.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import key_from_dict, load_key
from lospw.analysis.intake.responses import read_responses
from lospw.analysis.validation import invariance as I
from tests.conftest import FIXTURES, ROOT, reference_data

REF = json.loads((ROOT / "tests" / "reference" / "invariance_wlsmv.json").read_text())
RELATIVE = ("chisq", "chisq_scaled", "chisq_scaling_factor")
ABSOLUTE = ("cfi_scaled", "tli_scaled", "rmsea_scaled", "rmsea_ci_lower_scaled",
            "rmsea_ci_upper_scaled", "srmr", "cfi_robust", "tli_robust", "rmsea_robust",
            "rmsea_ci_lower_robust", "rmsea_ci_upper_robust")
STEPS = [s for s, _ in I.ORDINAL_STEPS]


def _r(d):
    return {k.replace(".", "_"): (math.nan if v is None else v) for k, v in d.items()}


def _names(x):
    return [x] if isinstance(x, str) else list(x)


def check_fit(got, ref, where):
    ref = _r(ref)
    assert got["df"] == ref["df"] and got["npar"] == ref["npar"], where
    for k in RELATIVE:
        assert got[k] == pytest.approx(ref[k], rel=0.01), (where, k)
    for k in ABSOLUTE:
        assert abs(got[k] - ref[k]) < 0.003, (where, k, got[k], ref[k])


def _sizes(sizes):
    """Group sizes by label; '1.0' (a group column with blanks is read as float) is '1'."""
    return {str(k).removesuffix(".0"): v for k, v in sizes.items()}


def check_run(res, ref):
    assert _sizes(res.group_sizes) == _sizes(ref["n"])
    assert [s["model"] for s in res.steps] == STEPS
    for s in res.steps:
        r = ref["steps"][s["model"]]
        assert s["converged"], s["model"]
        assert s["group_partial"] == _names(r["partial"]), s["model"]
        check_fit(s["fit"], r["fit"], s["model"])
        if "score_tests" in r:
            top = pd.DataFrame(r["score_tests"])
            assert [t["parameter"] for t in s["score_tests"]] == list(top["parameter"])
            assert [t["X2"] for t in s["score_tests"]] == pytest.approx(list(top["X2"]),
                                                                         rel=0.01)
    for d in res.decisions:
        r = ref["differences"][d["step"]]
        assert d["df_diff"] == r["df_diff"], d["step"]
        assert d["chisq_diff"] == pytest.approx(r["chisq_diff"], rel=0.01), d["step"]
        assert d["pvalue"] == pytest.approx(r["pvalue"], rel=0.01, abs=1e-4), d["step"]
        assert d["verdict"] == ("non-invariant" if r["pvalue"] < 0.05 else "invariant")
    searched = {p["step"]: p for p in res.partial}
    assert set(searched) == set(ref["searches"] or {})
    for step, r in (ref["searches"] or {}).items():
        got = searched[step]
        assert [f["parameter"] for f in got["freed"]] == [f["parameter"] for f in r["freed"]]
        assert got["stopped"] == r["stopped"]
        for g, f in zip(got["freed"], r["freed"], strict=True):
            assert g["X2"] == pytest.approx(f["X2"], rel=0.01), (step, g["parameter"])
            assert g["acceptable"] == f["acceptable"]
            assert g["chisq_diff"] == pytest.approx(f["chisq_diff"], rel=0.01)
            check_fit(g["fit"], f["fit"], (step, g["parameter"]))


def _invariance(items, groups, key, group_name, **kw):
    return I.measurement_invariance(items, groups, key, estimator="WLSMV",
                                    criterion="chisq", max_free=3, top_scores=5,
                                    group_name=group_name, **kw)


@pytest.mark.slow
def test_bfi_steps_decisions_and_partial_search_match_lavaan(bfi_path):
    key = key_from_dict({"instrument": "bfi", "response_scale": {"min": 1, "max": 6},
                         "scales": {"A": ["-A1", "A2", "A3", "A4", "A5"],
                                    "C": ["C1", "C2", "C3", "-C4", "-C5"],
                                    "E": ["-E1", "-E2", "E3", "E4", "E5"]}})
    intake = read_responses(bfi_path, key)
    res = _invariance(intake.items, intake.meta["gender"], key, "gender")
    check_run(res, REF["bfi"])


@pytest.mark.slow
def test_spi_steps_decisions_and_partial_search_match_lavaan():
    key = load_key(FIXTURES / "keys" / "spi_facets.yaml")
    intake = read_responses(reference_data("spi_facets.csv"), key)
    res = _invariance(intake.items, intake.meta["sex"], key, "sex")
    check_run(res, REF["spi"])
    assert res.excluded == {"missing_group": 54}


def test_binary_items_steps_match_lavaan():
    key = key_from_dict({"response_scale": {"min": 0, "max": 1},
                         "scales": {"reason": ["reason_4", "reason_16", "reason_17",
                                               "reason_19"],
                                    "letter": ["letter_7", "letter_33", "letter_34",
                                               "letter_58"]}})
    intake = read_responses(reference_data("ability_underscored.csv"), key)
    half = ["odd" if row % 2 == 1 else "even" for row in intake.items.index]  # file row, 1-based
    res = _invariance(intake.items, half, key, "half", search=False)
    ref = REF["ability"]
    assert _sizes(res.group_sizes) == _sizes(ref["n"])
    for s in res.steps:
        check_fit(s["fit"], ref["steps"][s["model"]]["fit"], s["model"])
    # one threshold per item: the thresholds step only moves the scale to the intercepts
    assert res.steps[1]["fit"]["df"] == res.steps[0]["fit"]["df"]
    assert math.isnan(res.decisions[0]["pvalue"])


def test_reference_robust_fix_changes_nothing_where_lavaan_gives_them():
    """lavaan 0.6.14 gives the catML robust indices for the configural step only (NA once
    thresholds are equal); the reference's fit holds them with lavaan's constraint fix."""
    for name in ("bfi", "spi", "ability"):
        steps = REF[name]["steps"]
        raw = _r(steps["configural"]["robust_lavaan"])
        fixed = _r(steps["configural"]["fit"])
        for k, v in raw.items():
            assert v == pytest.approx(fixed[k], rel=1e-12)
        assert all(v is None for v in steps["metric"]["robust_lavaan"].values())


def test_a_model_lospw_cannot_read_is_its_bug_not_the_users_syntax_error(monkeypatch):
    key = load_key(FIXTURES / "keys" / "spi_facets.yaml")
    intake = read_responses(reference_data("spi_facets.csv"), key)
    monkeypatch.setattr(I, "wu_estabrook_syntax", lambda *a, **k: "F =~ q_4252\nF <~ q_808")
    with pytest.raises(RuntimeError, match=r"configural model that lospw writes .* refused by "
                                           r"its own CFA engine") as exc:
        I.measurement_invariance(intake.items, intake.meta["sex"], key, estimator="WLSMV")
    assert not isinstance(exc.value, InputError)


def test_cli_wlsmv_invariance_exits_0_with_five_steps():
    from click.testing import CliRunner

    from lospw.cli import cli
    r = CliRunner().invoke(cli, ["invariance", str(reference_data("spi_facets.csv")), "--key",
                                 str(FIXTURES / "keys" / "spi_facets.yaml"), "--group", "sex",
                                 "--estimator", "WLSMV", "--no-search", "--top-scores", "0",
                                 "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert [s["model"] for s in out["steps"]] == STEPS
    check_fit(out["steps"][0]["fit"], REF["spi"]["steps"]["configural"]["fit"], "configural")
    assert [d["test"] for d in out["decisions"]] == ["satorra_2000"] * 4
    text = CliRunner().invoke(cli, ["invariance", str(reference_data("spi_facets.csv")),
                                    "--key", str(FIXTURES / "keys" / "spi_facets.yaml"),
                                    "--group", "sex", "--estimator", "WLSMV", "--no-search",
                                    "--top-scores", "0"], catch_exceptions=False)
    assert text.exit_code == 0 and "thresholds" in text.output and "strict" in text.output


@pytest.mark.slow
def test_item_level_backward_search_runs_for_ordered_items():
    """lospw analyze's item-level search (lospw.analysis.validation.dif) refits Wu & Estabrook steps with
    more parameters free; its first score tests are the step's own (checked above)."""
    from lospw.analysis.pipeline.stages_model import _item_searches
    from lospw.analysis.validation.fitting import engine_fitter

    key = load_key(FIXTURES / "keys" / "spi_facets.yaml")
    intake = read_responses(reference_data("spi_facets.csv"), key)
    calls = {}

    def keep(*args, **kwargs):
        out = I.memo_score_tests(engine_fitter(*args, **kwargs))
        partial = tuple(kwargs.pop("group_partial", ()))
        calls[(tuple(kwargs.get("group_equal", ())), partial, args[1])] = (
            args, {**kwargs, "_fitter": engine_fitter}, out)
        return out

    res = I.measurement_invariance(intake.items, intake.meta["sex"], key, estimator="WLSMV",
                                   search=False, top_scores=0, group_name="sex", fitter=keep)
    searches = _item_searches(res, calls, key, 0.05, ("metric", "scalar"))
    assert [s.step for s in searches] == ["thresholds", "metric", "scalar"]
    ref = REF["spi"]["steps"]
    for s in searches:
        if s.step == "thresholds":  # no partial before it in the reference either
            top = ref["thresholds"]["score_tests"][0]
            assert s.tests["parameter"].iloc[0] == top["parameter"]
            assert s.tests["X2"].iloc[0] == pytest.approx(top["X2"], rel=0.01)
        assert s.k > 0 and s.stopped in ("none_significant", "max_free", "identification")
    scalar = searches[-1]
    assert scalar.freed and all(f["parameter"].endswith("~1") and f["converged"]
                                for f in scalar.freed)
