"""Shared test fixtures: paths to the public reference data and the test fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Public reference data (../shared/data relative to the project root), with a copy under
# tests/data for machines where that folder is absent.
_SHARED = ROOT.parent / "shared" / "data"
_LOCAL = Path(__file__).resolve().parent / "data"


def reference_data(name: str) -> Path:
    """Path to a public reference dataset (bfi.csv, holzinger_swineford_1939.csv)."""
    for folder in (_LOCAL, _SHARED):
        if (folder / name).is_file():
            return folder / name
    pytest.skip(f"reference dataset {name} not found in tests/data or ../shared/data")


@pytest.fixture
def bfi_path() -> Path:
    return reference_data("bfi.csv")


@pytest.fixture
def hs_path() -> Path:
    return reference_data("holzinger_swineford_1939.csv")


@pytest.fixture
def bfi_key_path() -> Path:
    return FIXTURES / "keys" / "bfi.yaml"


@pytest.fixture
def hs_key_path() -> Path:
    return FIXTURES / "keys" / "holzinger.yaml"
