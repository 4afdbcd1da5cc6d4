"""WLSMV with missing="pairwise" against lavaan 0.6.14 (tests/reference/wlsmv_pairwise.R):
every respondent kept by default for ordered items (issue 20)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.cfa import fit_cfa
from lospw.analysis.core.errors import InputError

ROOT = Path(__file__).parents[3]
REF = json.loads((ROOT / "tests" / "reference" / "wlsmv_pairwise.json").read_text())
ITEMS = [f"A{i}" for i in range(1, 6)] + [f"C{i}" for i in range(1, 6)]


@pytest.fixture(scope="module")
def bfi():
    return pd.read_csv(ROOT / "tests" / "data" / "bfi.csv")


def _check(res, ref):
    assert res.converged and res.missing == "pairwise"
    assert res.n_obs == (sum(ref["n"]) if isinstance(ref["n"], list) else ref["n"])
    for k in ("chisq", "chisq_scaled", "cfi_scaled", "tli_scaled", "rmsea_scaled", "srmr"):
        assert res.fit[k] == pytest.approx(ref["fit"][k.replace("_", ".")], rel=1e-5,
                                           abs=1e-6), k
    assert res.fit["df"] == ref["fit"]["df"] and res.fit["npar"] == ref["fit"]["npar"]
    r = pd.DataFrame(ref["params"])
    p = res.parameters.merge(r, on=["lhs", "op", "rhs", "group"], suffixes=("", "_r"))
    assert len(p) == len(r)
    assert np.allclose(p["est"], p["est_r"], atol=1e-5)
    free = p["se_r"] > 0
    assert np.allclose(p.loc[free, "se"], p.loc[free, "se_r"], rtol=1e-4)


def test_pairwise_wlsmv_matches_lavaan(bfi):
    assert REF["n_incomplete"] > 100
    _check(fit_cfa(bfi[ITEMS], REF["model"], estimator="WLSMV", missing="pairwise"),
           REF["bfi"])


def test_pairwise_wlsmv_two_groups_matches_lavaan(bfi):
    res = fit_cfa(bfi[[*ITEMS, "gender"]], REF["model"], estimator="WLSMV",
                  missing="pairwise", group="gender")
    _check(res, REF["bfi_gender"])


def test_pairwise_is_for_wlsmv_only(bfi):
    with pytest.raises(InputError, match="'pairwise' is for WLSMV"):
        fit_cfa(bfi[ITEMS], REF["model"], estimator="ML", missing="pairwise")
