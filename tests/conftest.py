"""Shared test fixtures: paths to the public reference data and the test fixtures."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

# The command line runs BLAS on one thread (lospw.cli._one_blas_thread), also in the
# subprocesses tests start; commands run in this process must too, or the last bits of sums
# differ between a command run here and the same command run as a subprocess. Set before
# numpy loads (BLAS reads it then); threadpoolctl covers a BLAS loaded earlier.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy  # noqa: E402
import pytest  # noqa: E402
import scipy.linalg  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

_ONE_BLAS_THREAD = threadpool_limits(limits=1, user_api="blas")
del numpy, scipy

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# R reference values: tests/reference/<topic>.R writes tests/reference/<topic>.json.
REFERENCE = Path(__file__).resolve().parent / "reference"
# Public reference data (../shared/data relative to the project root), with a copy under
# tests/data for machines where that folder is absent.
_SHARED = ROOT.parent / "shared" / "data"
_LOCAL = Path(__file__).resolve().parent / "data"


@cache
def reference(topic: str) -> dict:
    """The R reference values of ``topic`` (written by ``tests/reference/<topic>.R``)."""
    return json.loads((REFERENCE / f"{topic}.json").read_text(encoding="utf-8"))


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


# -- issue 12: how many malformed inputs each reader was given in this session -------------
# tests/robustness counts its own (tests.robustness._fuzz.TRIED); property tests elsewhere
# count their examples here when they pass (hypothesis runs max_examples of them).
_FUZZ_ELSEWHERE = {
    "test_intake_properties.py::test_random_csv_tables": "responses",
    "test_intake_properties.py::test_random_bytes": "responses",
    "test_intake_properties.py::test_random_frames": "responses",
    "test_scheme_fuzz.py::test_mutated_schemes_never_crash": "scheme",
    "test_simulate.py::test_population_reader_never_crashes": "population",
}
_FUZZ_COUNTS: dict[str, int] = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    outcome = yield
    reader = next((r for k, r in _FUZZ_ELSEWHERE.items() if item.nodeid.endswith(k)), None)
    if reader and outcome.excinfo is None:
        settings = getattr(item.obj, "_hypothesis_internal_use_settings", None)
        if settings is not None:
            _FUZZ_COUNTS[reader] = _FUZZ_COUNTS.get(reader, 0) + settings.max_examples


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    import sys

    fuzz = sys.modules.get("tests.robustness._fuzz")
    counts = dict(_FUZZ_COUNTS)
    for reader, n in (dict(fuzz.TRIED) if fuzz else {}).items():
        counts[reader] = counts.get(reader, 0) + n
    if not counts:
        return
    failed = len(terminalreporter.stats.get("failed", []))
    terminalreporter.write_sep("-", "malformed inputs tried per reader (issue 12)")
    for name in sorted(counts):
        terminalreporter.write_line(f"  {name:<14} {counts[name]:>6}")
    verdict = ("none produced a traceback or lost a row" if not failed
               else f"{failed} failed test(s): see above")
    terminalreporter.write_line(f"  {'total':<14} {sum(counts.values()):>6}  ({verdict})")
