"""Shared pieces of the robustness tests: mutation strategies and the count of inputs tried.

Every property test and the corpus test add to :data:`TRIED` (reader -> number of malformed
inputs thrown at it); ``tests/robustness/conftest.py`` prints the counts at the end of the
session, so a run of ``pytest tests/robustness`` reports them (issue 12 asks for them).
"""

from __future__ import annotations

import copy
import os
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st

from lospw.analysis.core.errors import InputError

__all__ = [
    "FULL",
    "JSON_VALUES",
    "SETTINGS",
    "TRIED",
    "apply_mutations",
    "expect_one_line",
    "mutations",
    "paths",
    "scaled",
    "text_edits",
]

TRIED: Counter[str] = Counter()

# The full run (LOSPW_FUZZ=full, as `make fuzz` does) tries every example count written in the
# tests; the default run (make test) a fifth of them, to keep the suite fast.
FULL = os.environ.get("LOSPW_FUZZ", "") == "full"


def scaled(n: int) -> int:
    """The number of examples to try: ``n`` in the full run, ``n // 5`` (at least 10) else."""
    return n if FULL else max(10, n // 5)


SETTINGS = settings(max_examples=scaled(200), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture,
                                           HealthCheck.filter_too_much])

# Values a hand-edited YAML / JSON file may hold where something else belongs.
SCALARS = (st.none() | st.booleans() | st.integers(-3, 12)
           | st.floats(allow_nan=True, allow_infinity=True)
           | st.sampled_from(["", " ", "yes", "no", "on", "=1+1", "-A1", "A1", "1.5", "nan",
                              "x" * 300, "é€", "\t", "null", "~"])
           | st.text(max_size=5))
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["min", "max", "id", "items", "x", "", "1"]) | st.text(max_size=3),
        inner, max_size=3),
    max_leaves=6)


def paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (tuple of keys / indices) into a nested dict / list, the root excluded."""
    out: list[tuple] = [prefix] if prefix else []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:4]):
            out += paths(v, (*prefix, i))
    return out


def mutations(base: Any) -> st.SearchStrategy:
    """1-3 (path, delete?, new value) edits of a parsed document."""
    return st.lists(st.tuples(st.sampled_from(paths(base)), st.booleans(), JSON_VALUES),
                    min_size=1, max_size=3)


def apply_mutations(base: Any, edits: list) -> Any:
    """A deep copy of ``base`` with ``edits`` applied (edits that no longer fit are skipped)."""
    doc = copy.deepcopy(base)
    for path, delete, value in edits:
        parent = doc
        try:
            for part in path[:-1]:
                parent = parent[part]
            if delete and isinstance(parent, dict):
                parent.pop(path[-1], None)
            elif delete and isinstance(parent, list) and path[-1] < len(parent):
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    return doc


def text_edits(text: str) -> st.SearchStrategy[str]:
    """Character-level damage to a text file: deletions, insertions, truncation."""
    chars = st.sampled_from([*list(":-[]{}#'\"\n \t,;=|&*!%@`\\"), "\x00", "\ufeff", "é"])

    def edit(draw_ops: list) -> str:
        out = text
        for kind, pos, ch, n in draw_ops:
            i = pos % (len(out) + 1)
            if kind == "delete":
                out = out[:i] + out[i + n:]
            elif kind == "insert":
                out = out[:i] + ch * n + out[i:]
            elif kind == "truncate":
                out = out[:i]
            else:  # duplicate a line
                lines = out.splitlines(keepends=True)
                if lines:
                    j = pos % len(lines)
                    lines.insert(j, lines[j])
                out = "".join(lines)
        return out

    op = st.tuples(st.sampled_from(["delete", "insert", "truncate", "dupline"]),
                   st.integers(0, 10**6), chars, st.integers(1, 4))
    return st.lists(op, min_size=1, max_size=4).map(edit)


def expect_one_line(reader: str, fn, *args: Any, **kwargs: Any) -> Any:
    """Call ``fn``; an :class:`InputError` must be one line. Returns the result or None.

    Any other exception propagates and fails the test: that is the bug being looked for.
    """
    TRIED[reader] += 1
    try:
        out = fn(*args, **kwargs)
    except InputError as exc:
        msg = str(exc)
        assert msg and "\n" not in msg and "Traceback" not in msg, msg
        _event(f"{reader}: refused in one line")
        return None
    _event(f"{reader}: accepted")
    return out


def _event(text: str) -> None:
    try:
        event(text)
    except Exception:  # outside a hypothesis test (the corpus test): nothing to record
        pass
