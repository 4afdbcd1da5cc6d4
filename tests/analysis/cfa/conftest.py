"""Fixtures for the CFA engine tests: the reference data, models and lavaan references."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import reference, reference_data

REF = Path(__file__).resolve().parent / "reference"

HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
BFI_MODEL = "\n".join(f"{f} =~ " + " + ".join(f"{f}{i}" for i in range(1, 6)) for f in "ACENO")


#: The reference topics of the engine (tests/reference/<topic>.R, one entry per case).
CFA_TOPICS = ("cfa", "cfa_robust", "cfa_fiml_multigroup", "cfa_local_fit")


@cache
def ref(name: str) -> dict:
    """A lavaan reference case written by one of the tests/reference/cfa*.R scripts."""
    for topic in CFA_TOPICS:
        cases = reference(topic)
        if name in cases:
            return cases[name]
    raise KeyError(f"no lavaan reference case {name!r} in tests/reference/cfa*.json")


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
