"""csv_text writes float columns exactly as pandas' to_csv with the same float_format."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.core.csv_safe import csv_text, neutralise_frame


@pytest.mark.parametrize("float_format", ["%.10g", "%.3f", "%.17g"])
@pytest.mark.parametrize("sep", [",", ";"])
def test_floats_as_pandas_writes_them(float_format: str, sep: str) -> None:
    rng = np.random.default_rng(21)
    frame = pd.DataFrame({
        "answers": rng.integers(1, 6, 500).astype(float),
        "wide range": rng.standard_normal(500) * 10.0 ** rng.integers(-20, 20, 500),
        "text": rng.choice(["a", "=b", "c d"], 500),
        "int": rng.integers(0, 9, 500),
        "f32": (rng.standard_normal(500) / 7).astype(np.float32),
    })
    frame.loc[::7, "answers"] = np.nan
    frame.loc[:5, "wide range"] = [np.inf, -np.inf, -0.0, 0.0, np.nan, 1e300]
    frame["nullable"] = pd.array([1.5, None] * 250, dtype="Float64")
    expected = neutralise_frame(frame, sep).to_csv(sep=sep, index=False,
                                                   float_format=float_format)
    assert csv_text(frame, sep=sep, float_format=float_format) == expected
