"""``lospw invariance --wave/--id`` (long) and ``--wave-suffix`` (wide): invariance across
waves and latent change, as the reference (longitudinal_invariance.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.lospw.test_cli import run

DATA = Path(__file__).resolve().parents[1] / "reference" / "data"
KEY = str(DATA / "sai_key.yaml")
REF = json.loads((DATA.parent / "longitudinal_invariance.json").read_text())


@pytest.mark.parametrize("args", [
    [str(DATA / "sai_long.csv"), "--wave", "wave", "--id", "pid"],
    [str(DATA / "sai_wide.csv"), "--wave-suffix", "1=_1,2=_2"],
])
def test_long_and_wide_match_lavaan(args):
    r = run("invariance", *args, "--key", KEY, "--estimator", "ML", "--missing-data",
            "listwise", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    ref = REF["analyses"]["ML_listwise"]["steps"]
    assert out["design"] == "longitudinal" and out["highest_level"] == "strict"
    for s in out["steps"]:
        assert s["fit"]["chisq"] == pytest.approx(ref[s["step"]]["fit_measures"]["chisq"],
                                                  rel=1e-6)
    lc = {(r["scale"], r["quantity"]): r for r in out["latent_change"]}
    for d in ref["scalar"]["latent_change"]["defined"]:
        scale, q = d["name"].split("_", 1)
        assert lc[(scale, q)]["est"] == pytest.approx(d["est"], abs=0.002)


@pytest.mark.parametrize("args, fragment", [
    (["--wave", "wave", "--id", "nosuch"], "nosuch"),
    (["--wave", "nosuch", "--id", "pid"], "no --wave column"),
    (["--wave-suffix", "1"], "WAVE=SUFFIX"),
    (["--wave", "wave", "--id", "pid", "--group", "study"], "not both"),
    ([], "Name the groups"),
])
def test_refusals(args, fragment):
    r = run("invariance", str(DATA / "sai_long.csv"), "--key", KEY, *args)
    assert r.returncode == 2 and fragment in r.stderr and "Traceback" not in r.stderr
