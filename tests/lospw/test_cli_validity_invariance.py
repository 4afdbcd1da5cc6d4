"""``lospw validity`` and ``lospw invariance`` (JSON shape, errors)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import lospw.analysis.cfa
from lospw.cli import cli

needs_engine = pytest.mark.skipif(not hasattr(lospw.analysis.cfa, "fit_cfa"),
                                  reason="the CFA engine is not available")


def _run(args):
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def test_invariance_unknown_group_column_exits_2(hs_path, hs_key_path):
    from lospw.cli import main
    with pytest.raises(SystemExit) as exc:
        main(["invariance", str(hs_path), "--key", str(hs_key_path), "--group", "nope"])
    assert exc.value.code == 2


@needs_engine
def test_invariance_json(hs_path, hs_key_path):
    r = _run(["invariance", str(hs_path), "--key", str(hs_key_path), "--group", "school",
              "--no-search", "--json", "--estimator", "ML", "--missing-data", "listwise"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert [s["model"] for s in out["steps"]] == ["configural", "metric", "scalar", "strict"]
    assert out["steps"][0]["fit"]["df"] == 48
    assert [d["verdict"] for d in out["decisions"]] == ["invariant", "non-invariant",
                                                        "invariant"]
    assert out["partial"] == [] and out["intake"]["n_analysed"] == 301
    scalar = out["decisions"][1]
    assert scalar["decided_by"] == ["delta_cfi", "delta_srmr"]
    assert scalar["delta_cfi_alone"] == "non-invariant" and scalar["cutoffs"]["delta_srmr"] == .01
    assert [s["label"] for s in out["steps"][1]["starts"]][:2] == ["previous", "default"]


@needs_engine
def test_invariance_text(hs_path, hs_key_path):
    r = _run(["invariance", str(hs_path), "--key", str(hs_key_path), "--group", "school",
              "--no-search", "--estimator", "ML", "--missing-data", "listwise"])
    assert r.exit_code == 0 and "highest level: metric" in r.output
    assert "scalar: non-invariant, decided by ΔCFI -0.0385 (cut-off -0.010) and ΔSRMR" in r.output
    assert "ΔCFI alone (-0.0385 vs -0.010): non-invariant" in r.output


@needs_engine
def test_validity_json_and_text(hs_path, hs_key_path):
    r = _run(["validity", str(hs_path), "--key", str(hs_key_path), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert set(out["composite_reliability"]) == {"visual", "textual", "speed"}
    assert out["htmt_method"] == "htmt2"
    r = _run(["validity", str(hs_path), "--key", str(hs_key_path), "--htmt", "htmt"])
    assert r.exit_code == 0 and "HTMT (htmt)" in r.output
