"""Cross-check (test time only) of Cronbach's alpha against pingouin.

pingouin is not a dependency of lospw (docs/decisions/0002-dependencies.md): it is in the
``dev`` extra for this comparison. The reference values of record are psych's
(tests/reference/reliability.R); this test shows a second implementation agrees.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lospw.analysis.classical.reliability import cronbach_alpha

pg = pytest.importorskip("pingouin")

BFI = Path(__file__).resolve().parents[2] / "data" / "bfi.csv"


@pytest.mark.parametrize("scale", ["A", "C", "E", "N", "O"])
def test_alpha_agrees_with_pingouin(scale):
    frame = pd.read_csv(BFI)
    items = frame[[f"{scale}{i}" for i in range(1, 6)]].dropna()
    ours = cronbach_alpha(items.cov().to_numpy())
    theirs, _ = pg.cronbach_alpha(items)
    assert ours == pytest.approx(theirs, abs=1e-12)
