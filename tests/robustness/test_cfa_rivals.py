"""One rival model never sinks the CFA stage (issue 17, point 9).

Before, a competing model that did not converge or had no robust scaling factor (its
standard errors failed) made the MLR difference test raise "A MLR difference test needs ...
chisq_scaling_factor": the whole CFA stage failed, the key's converged model was lost and the
reduction was skipped (2 of 8 random data sets with weakly correlated factors, binary items,
a 1-999 scale). Now every model has a status in ``cfa/fits.json`` (``ok``, ``improper``,
``not_converged``, ``failed``), a test that cannot be made is listed with its reason, the
stage warns with a named code, and the key's model, the other models and the reduction go
on. Only a failure of the key's own model fails the stage.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import lospw.analysis.validation.fitting as bridge
from lospw.analysis.core.errors import LospwError
from lospw.analysis.core.key import load_key
from lospw.analysis.pipeline.runner import AnalysisOptions, run_analysis
from lospw.analysis.validation.models import competing_models

STATUSES = {"ok", "improper", "not_converged", "failed"}


def _weak_factors(tmp: Path, kind: str, seed: int, n: int = 300) -> tuple[Path, Path]:
    """Three scales of four items on factors correlated .05: the one-factor, second-order
    and bifactor rivals are (empirically) under-identified on such data."""
    rng = np.random.default_rng(seed)
    phi = 0.05 * np.ones((3, 3)) + 0.95 * np.eye(3)
    f = rng.multivariate_normal(np.zeros(3), phi, size=n)
    cols, scales = {}, {}
    for j in range(3):
        scales[f"F{j + 1}"] = [f"x{j + 1}_{i + 1}" for i in range(4)]
        for item in scales[f"F{j + 1}"]:
            x = rng.uniform(0.4, 0.8) * f[:, j] + rng.normal(0, 0.7, n)
            if kind == "binary":
                cols[item] = (x > rng.normal(0, 0.3)).astype(int)
            else:  # a 1-999 response scale
                cols[item] = np.clip(np.round(500 + 150 * x), 1, 999).astype(int)
    scale = {"binary": {"min": 0, "max": 1}, "wide": {"min": 1, "max": 999}}[kind]
    data, key = tmp / f"{kind}{seed}.csv", tmp / f"{kind}{seed}.yaml"
    frame = pd.DataFrame(cols)
    frame.insert(0, "id", range(n))
    frame.to_csv(data, index=False)
    key.write_text(yaml.safe_dump({"instrument": "weak", "response_scale": scale,
                                   "scales": scales}), encoding="utf-8")
    return data, key


def _stages(out: Path) -> dict[str, dict]:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {s["name"]: s for s in manifest["stages"]}


def _check_cfa_went_on(out: Path) -> dict:
    stages = _stages(out)
    assert stages["cfa"]["status"] == "ok", stages["cfa"]["reason"]
    assert stages["reduction"]["status"] == "ok", stages["reduction"]["reason"]
    fits = json.loads((out / "cfa" / "fits.json").read_text(encoding="utf-8"))
    models = json.loads((out / "cfa" / "models.json").read_text(encoding="utf-8"))
    assert {m["name"] for m in models["models"]} == set(fits["models"])
    assert all(f["status"] in STATUSES for f in fits["models"].values())
    assert fits["models"]["correlated"]["status"] == "ok"
    cmp = json.loads((out / "cfa" / "comparison.json").read_text(encoding="utf-8"))
    codes = {w["code"] for w in stages["cfa"]["warnings"]}
    for d in cmp["differences"]:
        tested = d["pvalue"] is not None and not math.isnan(d["pvalue"])
        assert tested or d["note"], d
        if d.get("warning"):
            assert d["warning"]["code"] == "difference_test_unavailable"
            assert "difference_test_unavailable" in codes
    table = {r["model"]: r["status"] for r in cmp["table"]}
    assert table == {m: f["status"] for m, f in fits["models"].items()}
    return fits


@pytest.mark.parametrize(("kind", "seed"), [("binary", 6), ("wide", 1)])
def test_a_rival_that_does_not_converge_or_has_no_scaling_factor(tmp_path, kind, seed):
    data, key = _weak_factors(tmp_path, kind, seed)
    out = tmp_path / "out"
    run_analysis(AnalysisOptions(str(data), str(key), estimator="MLR"), out)
    fits = _check_cfa_went_on(out)
    # on these data a rival is not a proper solution (the case that sank the stage)
    assert {f["status"] for m, f in fits["models"].items() if m != "correlated"} - {"ok"}


def _failing_engine(monkeypatch, key_path: Path, model: str) -> None:
    """The real engine, except that fitting ``model`` raises as the engine does when its
    robust corrections fail."""
    bad = competing_models(load_key(key_path))[model].syntax
    real = bridge.engine_fitter

    def engine(data, syntax, **kw):
        if syntax == bad:
            raise LospwError("The CFA engine could not compute the MLR corrections (test).")
        return real(data, syntax, **kw)

    monkeypatch.setattr(bridge, "engine_fitter", engine)


def test_a_rival_the_engine_cannot_fit_is_listed_as_failed(tmp_path, monkeypatch, hs_path,
                                                           hs_key_path):
    _failing_engine(monkeypatch, hs_key_path, "bifactor")
    out = tmp_path / "out"
    run_analysis(AnalysisOptions(str(hs_path), str(hs_key_path), estimator="MLR"), out)
    fits = _check_cfa_went_on(out)
    assert fits["models"]["bifactor"]["status"] == "failed"
    assert fits["models"]["bifactor"]["warnings"][0]["code"] == "model_failed"
    assert {f["status"] for m, f in fits["models"].items() if m != "bifactor"} <= {
        "ok", "improper"}
    assert "model_failed" in {w["code"] for w in _stages(out)["cfa"]["warnings"]}
    cmp = json.loads((out / "cfa" / "comparison.json").read_text(encoding="utf-8"))
    for d in cmp["differences"]:
        if "bifactor" in (d["restricted"], d["general"]):
            assert "bifactor could not be fitted" in d["note"]
        elif d["df_diff"]:
            assert d["pvalue"] is not None and d["pvalue"] >= 0
    assert cmp["best"] in ("correlated", "second_order")
    rows = pd.read_csv(out / "cfa" / "fit_measures.csv")
    assert rows.set_index("model").loc["bifactor", "status"] == "failed"


def test_the_key_model_failing_fails_the_stage(tmp_path, monkeypatch, hs_path, hs_key_path):
    _failing_engine(monkeypatch, hs_key_path, "correlated")
    out = tmp_path / "out"
    run_analysis(AnalysisOptions(str(hs_path), str(hs_key_path), estimator="MLR"), out)
    stages = _stages(out)
    assert stages["cfa"]["status"] == "failed"
    assert "could not compute the MLR corrections" in stages["cfa"]["reason"]
    assert stages["reduction"]["status"] == "skipped"
