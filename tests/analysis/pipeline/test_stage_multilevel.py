"""The two-level stage of ``lospw analyze --cluster`` (issue 22.2): the two-level CFA of the
key's scales and Lai's (2021) reliabilities beside ICC(1)/ICC(2)/rwg, or a stated skip."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from lospw.analysis.core.criteria import load_criteria
from lospw.analysis.core.key import load_key
from lospw.analysis.pipeline.context import AnalysisOptions, Context, StageSkipped
from lospw.analysis.pipeline.stages import run_intake
from lospw.analysis.pipeline.stages_multilevel import run_multilevel, write_multilevel

DATA = Path(__file__).resolve().parents[2] / "reference" / "data"


def context(data: Path, key: Path, cluster: str | None, tmp_path: Path, **kw) -> Context:
    o = AnalysisOptions(data=str(data), key=str(key), cluster=cluster,
                        id_column="respondent_id", **kw)
    ctx = Context(o, load_key(key), load_criteria(None), tmp_path)
    ctx.results["intake"] = run_intake(ctx)
    return ctx


def test_stage_writes_reliability_beside_fit(tmp_path):
    ctx = context(DATA / "twolevel_likert.csv", DATA / "twolevel_likert_key.yaml",
                  "workplace", tmp_path, missing="fiml")
    res = run_multilevel(ctx)
    assert res.fit.converged and res.fit.n_clusters == 60
    t = res.reliability.set_index("scale")
    assert list(t.index) == ["P", "Q"]
    # the same model and data as multilevel_reliability.json's likert_cross_level_invariant_ml
    ref = json.loads((DATA.parent / "multilevel_reliability.json").read_text())
    case = ref["cases"]["likert_cross_level_invariant_ml"]
    for kind in ("config", "shared"):
        tab = case[kind]["value"][kind]
        for i, row in enumerate(tab["rownames"]):
            for j, f in enumerate(tab["colnames"]):
                assert t.loc[f, row] == pytest.approx(tab["values"][i][j], abs=0.005)
    assert "icc1" not in t.columns and res.notes        # no aggregation stage in this run
    write_multilevel(res, ctx, tmp_path)
    out = json.loads((tmp_path / "twolevel_cfa.json").read_text())
    assert out["structure"] == "same" and len(out["reliability"]) == 2
    assert pd.read_csv(tmp_path / "reliability.csv").shape[0] == 2


def test_stage_skipped_with_reason(tmp_path):
    ctx = context(DATA / "twolevel_likert.csv", DATA / "twolevel_likert_key.yaml", None,
                  tmp_path)
    with pytest.raises(StageSkipped, match="no --cluster"):
        run_multilevel(ctx)
    ft = Path(__file__).resolve().parents[3] / "data" / "raw" / "fieldtest"
    ctx = context(ft / "responses.csv", ft / "key.yaml", "workplace", tmp_path)
    with pytest.raises(StageSkipped, match=r"10 clusters.*needs at least"):
        run_multilevel(ctx)
