"""Deciding each distinct cell once gives what deciding every cell gives."""

from __future__ import annotations

import math

import numpy as np

from lospw.analysis.intake.cells import CellRules, Verdict, cell_verdict, column_verdicts

RULES = CellRules(codes={"a1": 1.0, "dk": math.nan}, num_codes={8.0: 5.0},
                  miss_texts=frozenset({"na", "weet niet"}), miss_nums=frozenset({9.0}),
                  decimal=".", labels={7: "Weet niet"}, ranges=[(90.0, 99.0)], low=1, high=5,
                  continuous=False, non_numeric="exclude", out_of_range="missing")


def _same(a: Verdict, b: Verdict) -> bool:
    return (a.missing, a.logs, a.text, a.bad) == (b.missing, b.logs, b.text, b.bad) and (
        a.value == b.value or (math.isnan(a.value) and math.isnan(b.value)))


def test_grouped_verdicts_equal_cell_by_cell_verdicts() -> None:
    cells = ["1", " 2 ", "A1", "dk", "NA", "x", 3, 3.0, True, 1, -0.0, 0.0, 8, 9, 95.0, 7,
             "6", "2.5", float("nan"), None, ["unhashable"], np.float64(4.0), "1", 3, None]
    verdicts, inverse = column_verdicts(cells, RULES)
    assert inverse.shape == (len(cells),)
    for k, cell in enumerate(cells):
        got = verdicts[inverse[k]]
        if cell is None:
            assert inverse[k] == 0 and math.isnan(got.value) and not got.logs
        else:
            assert _same(got, cell_verdict(cell, RULES)), (cell, got)


def test_cells_equal_in_value_but_not_in_type_stay_apart() -> None:
    verdicts, inverse = column_verdicts([1, 1.0, True, 0.0, -0.0, "1"], RULES)
    assert len(set(inverse.tolist())) == 6
    assert verdicts[inverse[2]].text  # True is not a number
    assert verdicts[inverse[0]].value == 1.0


def test_each_distinct_cell_is_decided_once() -> None:
    verdicts, inverse = column_verdicts(["1", "2"] * 5000 + [None], RULES)
    assert len(verdicts) == 3 and inverse[-1] == 0


class _Text(str):
    """Text that is not exactly ``str``: takes the general (cell by cell) paths."""


def test_text_column_fast_paths_equal_the_general_paths() -> None:
    import pandas as pd

    from lospw.analysis.intake.responses import _meta_column

    columns = [["1", "2", None, "3", "2"], ["007", "8", None], ["a", "b", None, "a"],
               ["1.5", "2", None], ["3,5", "4"], [None, None], ["-1", "+2", "1e3"],
               ["2024-01-01", "x"]]
    for cells in columns:
        for decimal in (".", ","):
            fast = _meta_column(cells, decimal)
            slow = _meta_column([None if c is None else _Text(c) for c in cells], decimal)
            pd.testing.assert_series_equal(fast, slow)
        got, inverse = column_verdicts(cells, RULES)
        slow_v, slow_inv = column_verdicts([None if c is None else _Text(c) for c in cells],
                                           RULES)
        for k in range(len(cells)):
            assert _same(got[inverse[k]], slow_v[slow_inv[k]])
