"""Cross-check (test time only) of KMO and Bartlett's test against factor_analyzer 0.5.1.

factor_analyzer is not a dependency of lospw (docs/decisions/0002-dependencies.md): it is
in the ``dev`` extra for this comparison. The reference values of record are psych's
(tests/reference/efa.R); this test shows a second, independent implementation agrees.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.efa.dimensionality import bartlett_sphericity, kmo

fa = pytest.importorskip("factor_analyzer.factor_analyzer")

BFI = Path(__file__).resolve().parents[2] / "data" / "bfi.csv"


@pytest.fixture(scope="module")
def items():
    frame = pd.read_csv(BFI)
    return frame[[c for c in frame.columns if c[0] in "ACENO" and c[1:].isdigit()]].dropna()


def test_kmo_agrees_with_factor_analyzer(items):
    ours = kmo(np.corrcoef(items.to_numpy(dtype=float), rowvar=False), list(items.columns))
    per_item, overall = fa.calculate_kmo(items)
    assert ours.msa == pytest.approx(overall, abs=1e-10)
    assert list(ours.msa_items.values()) == pytest.approx(list(per_item), abs=1e-10)


def test_bartlett_agrees_with_factor_analyzer(items):
    ours = bartlett_sphericity(np.corrcoef(items.to_numpy(dtype=float), rowvar=False),
                               len(items))
    chisq, pvalue = fa.calculate_bartlett_sphericity(items)
    assert ours.chisq == pytest.approx(chisq, rel=1e-10)
    assert ours.pvalue == pytest.approx(pvalue, abs=1e-12)
