"""Degenerate data in ``lospw analyze``: every stage computes, or is skipped with a one-line
reason that names the condition (analysis/core/warnings.py); no stage fails on a data
condition and none shows "unexpected error". A run with nothing to analyse is refused in one
line (exit 2).

The cases come from the adversarial corpus of issue 17 (family "crash": F09, F10, F24, F25,
F32, F40). Every data set here is SYNTHETIC: two correlated factors, 1-5 answers, seeded.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.robustness.test_corpus import run_cli

KEY = ("instrument: synthetic\nresponse_scale: {min: 1, max: 5}\nscales:\n"
       "  S: [a, b, c]\n  T: [d, e, f]\n")
ITEMS = list("abcdef")


def synthetic(n: int = 200, seed: int = 1) -> pd.DataFrame:
    """n SYNTHETIC respondents: items a-c load on one factor, d-f on another (r = .4)."""
    rng = np.random.default_rng(seed)
    f = rng.multivariate_normal([0, 0], [[1, .4], [.4, 1]], size=n)
    cols: dict[str, object] = {"id": [f"r{i}" for i in range(n)]}
    for j, item in enumerate(ITEMS):
        x = 0.8 * f[:, j // 3] + rng.normal(0, .6, n)
        cols[item] = np.clip(np.round(3 + 1.2 * x), 1, 5).astype(int)
    return pd.DataFrame(cols)


def analyze(tmp_path, data: pd.DataFrame, *options: str, key: str = KEY
            ) -> tuple[int, str, str]:
    data.to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "k.yaml").write_text(key, encoding="utf-8")
    return run_cli("analyze", tmp_path / "d.csv", "--key", tmp_path / "k.yaml", "-o",
                   tmp_path / "out", "--json", *options)


def stages_of(tmp_path, data: pd.DataFrame, *options: str, key: str = KEY
              ) -> dict[str, dict]:
    """Run analyze; check the contract (exit 0, no failed stage, no "unexpected error");
    return stage name -> its manifest record."""
    code, out, err = analyze(tmp_path, data, *options, key=key)
    assert code == 0, err
    manifest = (tmp_path / "out" / "manifest.json").read_text(encoding="utf-8")
    assert "unexpected error" not in manifest
    stages = {s["name"]: s for s in json.loads(manifest)["stages"]}
    assert not [s for s in stages.values() if s["status"] == "failed"], stages
    assert json.loads(out)["stages"]
    return stages


def skipped_by(stages: dict[str, dict], name: str, code: str) -> str:
    rec = stages[name]
    assert rec["status"] == "skipped", rec
    assert rec["reason"].startswith(f"[{code}] ") and "\n" not in rec["reason"], rec
    return rec["reason"]


def refused(tmp_path, data: pd.DataFrame, *options: str, key: str = KEY) -> str:
    code, _, err = analyze(tmp_path, data, *options, key=key)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, (code, err)
    assert not (tmp_path / "out").exists()
    return lines[0]


def test_every_item_constant_skips_the_factor_models_and_the_scheme(tmp_path):  # F10
    data = synthetic().assign(**{i: 3 for i in ITEMS})
    stages = stages_of(tmp_path, data)
    for name in ("dimensionality", "cfa", "validity"):
        assert "a, b, c, d, e, f" in skipped_by(stages, name, "zero_variance_item")
    assert "S (nan), T (nan)" in skipped_by(stages, "scoring", "reliability_undefined")
    assert stages["reduction"]["reason"] == "needs the cfa stage, which was skipped"
    verdict = pd.read_csv(tmp_path / "out" / "verdict" / "verdict.csv")
    assert verdict["result"].str.contains("zero_variance_item").any()


def test_duplicated_item_columns_are_fitted_and_flagged(tmp_path):  # F40
    data = synthetic()
    data["a"], data["d"] = data["b"], data["e"]
    stages = stages_of(tmp_path, data)
    for name in ("dimensionality", "cfa", "validity"):
        assert stages[name]["status"] == "ok"
        assert "nonpositive_definite" in {w["code"] for w in stages[name]["warnings"]}, name
    efa = json.loads((tmp_path / "out" / "dimensionality" / "efa.json").read_text())
    assert efa["kmo"]["msa"] is None  # R^-1 does not exist; psych's .5 would mean nothing


def test_six_single_item_scales(tmp_path):  # F24
    key = ("response_scale: {min: 1, max: 5}\nscales:\n"
           + "".join(f"  S{i}: [{i}]\n" for i in ITEMS))
    stages = stages_of(tmp_path, synthetic(), key=key)
    assert "6 scales for 6 items" in skipped_by(stages, "dimensionality", "too_many_factors")
    skipped_by(stages, "scoring", "reliability_undefined")
    assert stages["cfa"]["status"] == "ok"


def test_ninety_percent_missing_under_fiml(tmp_path):  # F25
    data = synthetic(300)
    mask = np.random.default_rng(5).random((300, 6)) < 0.9
    data[ITEMS] = data[ITEMS].astype(float).mask(mask)
    stages = stages_of(tmp_path, data, "--missing", "fiml")
    skipped_by(stages, "reliability", "too_few_rows")
    skipped_by(stages, "dimensionality", "fewer_rows_than_items")
    skipped_by(stages, "cfa", "nonpositive_definite")
    skipped_by(stages, "validity", "too_few_rows")


def test_too_few_complete_rows_under_listwise(tmp_path):
    data = synthetic()
    mask = np.random.default_rng(3).random((200, 6)) < 0.6
    data[ITEMS] = data[ITEMS].astype(float).mask(mask)
    stages = stages_of(tmp_path, data, "--missing", "listwise")
    skipped_by(stages, "cfa", "too_few_rows")


def test_a_group_column_with_one_group_left(tmp_path):  # F32
    data = synthetic(400).assign(g=["x", ""] * 200)
    stages = stages_of(tmp_path, data, "--group", "g", "--estimator", "ML")
    assert "got 1 (x)" in skipped_by(stages, "invariance", "too_few_groups")


def test_no_row_left_is_refused_in_one_line(tmp_path):  # F09
    line = refused(tmp_path, synthetic().assign(**{i: 9 for i in ITEMS}))
    assert "no row is left to analyse" in line and "out_of_range 1200" in line


def test_wlsmv_on_answers_that_are_not_whole_numbers_is_refused(tmp_path):
    data = synthetic()
    data[ITEMS] = data[ITEMS] + np.random.default_rng(2).uniform(0, .9, (200, 6))
    key = KEY.replace("max: 5}", "max: 6, continuous: true}")
    line = refused(tmp_path, data, "--estimator", "WLSMV", key=key)
    assert "--estimator WLSMV needs ordered answers" in line and "ML or MLR" in line


def test_an_item_named_f_gets_its_ordinal_omega(tmp_path):
    """The one-factor model of ordinal omega names its factor unlike every item."""
    from lospw.analysis.core.key import key_from_dict
    from lospw.analysis.validation.model_reliability import ordinal_omega

    key = key_from_dict({"response_scale": {"min": 1, "max": 5},
                         "scales": {"S": ["d", "e", "f"]}})
    omega = ordinal_omega(synthetic(400)[["d", "e", "f"]], key)["S"]
    assert omega.omega is not None and 0 < omega.omega < 1, omega.note


@pytest.mark.parametrize("command", ["efa", "cfa", "validity"])
def test_single_commands_refuse_the_same_conditions_in_one_line(tmp_path, command):
    """A DegenerateDataError is an InputError: outside analyze it is the usual exit 2."""
    data = synthetic().assign(**{i: 3 for i in ITEMS})
    data.to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "k.yaml").write_text(KEY, encoding="utf-8")
    extra = ["--estimator", "ML"] if command == "cfa" else []
    code, _, err = run_cli(command, tmp_path / "d.csv", "--key", tmp_path / "k.yaml", *extra)
    assert code == 2 and err.count("\n") == 1 and "[zero_variance_item]" in err
