"""Property test: a mutated scheme file either loads or gives one InputError, never a crash."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.errors import InputError
from analysis.scheme_io import scheme_from_dict
from tests.robustness._fuzz import apply_mutations

DEMO = json.loads((Path(__file__).parents[2] / "analysis" / "data" /
                   "demo_scheme.json").read_text())

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False)
    | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                max_size=3),
    max_leaves=6)


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:3]):
            yield from _paths(v, (*prefix, i))


PATHS = [p for p in _paths(DEMO) if p]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PATHS), st.booleans(), json_values),
                min_size=1, max_size=3))
def test_mutated_schemes_never_crash(mutations):
    d = apply_mutations(DEMO, mutations)
    try:
        scheme_from_dict(d, "fuzz.json")
    except InputError as exc:
        assert "\n" not in str(exc)
