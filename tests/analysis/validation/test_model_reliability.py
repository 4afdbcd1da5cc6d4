"""The bifactor adapter of lospw.analysis.validation.model_reliability: a key's bifactor
model fitted (CFA) or solved (Schmid-Leiman), against R (tests/reference/bifactor.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.cfa import fit_cfa
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import key_from_dict, load_key
from lospw.analysis.validation.model_reliability import (
    bifactor_from_fit,
    bifactor_reliability,
    schmid_leiman_indices,
)
from lospw.analysis.validation.models import bifactor
from tests.conftest import FIXTURES, reference_data

REF = json.loads((Path(__file__).resolve().parents[2] / "reference" / "bifactor.json")
                 .read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def bfi():
    return pd.read_csv(reference_data("bfi.csv"))


@pytest.fixture(scope="module")
def bfi_key():
    return load_key(FIXTURES / "keys" / "bfi.yaml")


def test_cfa_method_matches_r(bfi, bfi_key):
    res = bifactor_reliability(bfi, bfi_key, method="cfa", estimator="ML")
    ref = REF["cfa_bifactor"]["bfi"]["indices"]
    assert res.n == REF["cfa_bifactor"]["bfi"]["nobs"] and res.converged
    ind = res.indices
    assert ind.omega_h == pytest.approx(ref["omega_h"], abs=1e-4)
    assert ind.ecv == pytest.approx(ref["ecv_general"], abs=1e-4)
    assert ind.puc == pytest.approx(ref["puc"])
    for s in "ACENO":
        assert ind.h[s] == pytest.approx(ref["h"][s], abs=1e-4)
        assert ind.omega_hs[s] == pytest.approx(ref["per_scale"][s]["omega_hs"], abs=1e-4)
    d = res.to_dict()
    assert d["method"] == "cfa" and d["estimator"] == "ML" and d["general_factor"] == "general"


def test_schmid_leiman_method_matches_psych(bfi, bfi_key):
    res = bifactor_reliability(bfi, bfi_key, method="schmid_leiman", missing="listwise")
    ref = REF["psych_omega"]["bfi_keyed_listwise"]
    ind = res.indices
    assert ind.method == "schmid_leiman"
    assert ind.omega_h == pytest.approx(ref["omega_h"], abs=1e-4)
    assert ind.omega_total == pytest.approx(ref["omega_total"], abs=1e-4)
    assert ind.ecv == pytest.approx(ref["ECV"], abs=1e-4)
    rows = {r["factor"]: r for r in ref["omega_group"]}
    by_items = {frozenset(v): k for k, v in ref["group_items"].items()}
    for scale in bfi_key.scales:
        label = by_items[frozenset(scale.items)]
        assert ind.omega_hs[scale.name] == pytest.approx(rows[label]["group"], abs=1e-4)
        assert ind.omega_s[scale.name] == pytest.approx(rows[label]["total"], abs=1e-4)


def test_heywood_case_keeps_its_indices_with_a_warning(hs_path, hs_key_path):
    hs = pd.read_csv(hs_path)
    res = bifactor_reliability(hs, load_key(hs_key_path), estimator="ML")
    ref = REF["cfa_bifactor"]["hs"]["indices"]
    assert any(w.code == "heywood_case" for w in res.warnings)
    assert res.indices.fd["visual"] == pytest.approx(ref["fd_model"]["visual"], abs=1e-3)


def test_scale_without_specific_factor(bfi):
    key = key_from_dict({"response_scale": {"min": 1, "max": 6},
                         "scales": {"A": ["A2", "A3", "A4"], "C": ["C1", "C2", "C3"],
                                    "E": ["E3", "E4", "E5"], "N": ["N1", "N2"]}})
    res = bifactor_reliability(bfi, key, estimator="ML")
    assert res.indices.specific["N"] is None and res.indices.omega_hs["N"] == 0.0
    assert "N" not in res.indices.h and res.indices.notes


def test_from_fit_refuses_a_model_without_general_factor(bfi, bfi_key):
    items = list(bfi_key.items)
    x = bfi_key.reverse_score(bfi[items].astype(float)).dropna()
    res = fit_cfa(x, "\n".join(f"{s.name} =~ {' + '.join(s.items)}" for s in bfi_key.scales))
    with pytest.raises(InputError, match="not a bifactor model"):
        bifactor_from_fit(res, bfi_key)
    assert bifactor(bfi_key).startswith("general =~")


def test_errors(bfi, bfi_key):
    with pytest.raises(InputError, match="bifactor method"):
        bifactor_reliability(bfi, bfi_key, method="omega")
    one = key_from_dict({"response_scale": {"min": 1, "max": 6},
                         "scales": {"A": ["A1", "A2", "A3"]}})
    with pytest.raises(InputError, match="at least two scales"):
        schmid_leiman_indices(bfi, one)
    with pytest.raises(InputError, match="three scales"):
        bifactor_reliability(bfi, one)
    empty = bfi.copy()
    empty.loc[:, "A1"] = np.nan
    with pytest.raises(InputError, match="common answers"):
        schmid_leiman_indices(empty, bfi_key)
