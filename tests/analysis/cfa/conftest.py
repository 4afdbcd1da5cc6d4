"""Fixtures for the CFA engine tests: the reference data, models and lavaan references."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import reference_data

REF = Path(__file__).resolve().parent / "reference"

HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
BFI_MODEL = "\n".join(f"{f} =~ " + " + ".join(f"{f}{i}" for i in range(1, 6)) for f in "ACENO")


@cache
def ref(name: str) -> dict:
    """A lavaan reference case written by reference/make_reference.R."""
    return json.loads((REF / f"{name}.json").read_text())


def ref_params(name: str) -> pd.DataFrame:
    p = pd.DataFrame(ref(name)["parameters"])
    return p[p["op"] != "=="].rename(columns={"std.lv": "std_lv", "std.all": "std_all"})


def ref_fit(name: str, key: str) -> float:
    """A lavaan fit measure by our registry name ('_' for '.')."""
    fit = ref(name)["fit"]
    for cand in (key, key.replace("_", "."), key.replace("_", ".", 1)):
        if cand in fit:
            v = fit[cand]
            return np.nan if v is None else float(v)
    raise KeyError(key)


def merged(res, name: str) -> pd.DataFrame:
    """Our parameter table joined to lavaan's (suffix _r)."""
    r = ref_params(name)
    m = res.parameters.merge(r, on=["lhs", "op", "rhs", "group"], suffixes=("", "_r"),
                             how="outer", indicator=True)
    assert (m["_merge"] == "both").all(), m[m["_merge"] != "both"]
    return m


@pytest.fixture(scope="session")
def hs() -> pd.DataFrame:
    return pd.read_csv(reference_data("holzinger_swineford_1939.csv"))


@pytest.fixture(scope="session")
def bfi() -> pd.DataFrame:
    return pd.read_csv(reference_data("bfi.csv"))
