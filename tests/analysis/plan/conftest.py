"""Fixtures of the plan tests: the small SYNTHETIC population and the R reference values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
POPULATION = HERE.parents[1] / "fixtures" / "plan" / "population.yaml"


@pytest.fixture(scope="session")
def population_path() -> Path:
    return POPULATION


@pytest.fixture(scope="session")
def population():
    from lospw.analysis.planning.population import load_population

    return load_population(POPULATION)


@pytest.fixture(scope="session")
def reference() -> dict:
    """Values from tests/analysis/plan/reference.R (lavaan 0.6.14, pbivnorm)."""
    return json.loads((HERE / "reference.json").read_text())
