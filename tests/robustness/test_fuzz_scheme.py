"""Property tests: damaged scoring-scheme files (text and values, NaN and infinities too)
load or give one InputError; a loaded scheme scores a small table without a crash.

Extends tests/analysis/scoring/test_scheme_fuzz.py (structure edits with finite values)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from lospw.analysis.scoring.scheme_io import demo_scheme_path, load_scheme
from tests.robustness._fuzz import (
    SETTINGS,
    apply_mutations,
    expect_one_line,
    mutations,
    scaled,
    text_edits,
)

TEXT = demo_scheme_path().read_text(encoding="utf-8")
DOC = json.loads(TEXT)


def _usable(scheme) -> None:
    key = scheme.key
    rs = key.response_scale
    rng = np.random.default_rng(0)
    values = rng.integers(int(rs.min), int(rs.max) + 1, size=(4, key.n_items)).astype(float)
    values[0] = np.nan
    frame = pd.DataFrame(values, columns=list(key.items))
    res = expect_one_line("scheme", scheme.score_items, frame)
    if res is not None:
        assert len(res.scores) == 4  # every row kept


@settings(SETTINGS, max_examples=scaled(150))
@given(edits=mutations(DOC))
def test_mutated_scheme_values(tmp_path_factory, edits):
    path = tmp_path_factory.mktemp("s") / "scheme.json"
    # allow_nan: a hand-edited file may well hold NaN or Infinity, which json.loads accepts
    path.write_text(json.dumps(apply_mutations(DOC, edits), allow_nan=True), encoding="utf-8")
    scheme = expect_one_line("scheme", load_scheme, path)
    if scheme is not None:
        _usable(scheme)


@settings(SETTINGS, max_examples=scaled(150))
@given(data=st.data())
def test_damaged_scheme_text(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("s") / "scheme.json"
    path.write_bytes(data.draw(text_edits(TEXT)).encode("utf-8", "surrogatepass"))
    scheme = expect_one_line("scheme", load_scheme, path)
    if scheme is not None:
        _usable(scheme)
