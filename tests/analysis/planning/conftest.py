"""Fixtures of the plan tests: the small SYNTHETIC population and the R reference values."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import reference as load_reference

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
    """Values from tests/reference/plan.R (lavaan 0.6.14, pbivnorm)."""
    return load_reference("plan")
