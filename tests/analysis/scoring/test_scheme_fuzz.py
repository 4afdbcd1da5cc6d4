"""Property test: a mutated scheme file either loads or gives one InputError, never a crash."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from lospw.analysis.core.errors import InputError
from lospw.analysis.scoring.scheme_io import scheme_from_dict
from tests.robustness._fuzz import apply_mutations, mutations

DEMO = json.loads((Path(__file__).parents[3] / "analysis" / "data" /
                   "demo_scheme.json").read_text())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations(DEMO))
def test_mutated_schemes_never_crash(edits):
    d = apply_mutations(DEMO, edits)
    try:
        scheme_from_dict(d, "fuzz.json")
    except InputError as exc:
        assert "\n" not in str(exc)
