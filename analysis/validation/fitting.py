"""The key-to-engine adapter: the one place where the comparison, invariance and DIF code
calls the CFA engine.

Everything these stages need from a fitted model passes through :class:`FitOutcome`, so the
stages are tested with any fitter (the engine, or lavaan's recorded results) and an engine
change touches this file only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd

from lospw.analysis.cfa import CFAResult, fit_cfa
from lospw.analysis.cfa.difftest import DiffTest, difference_test
from lospw.analysis.cfa.modindices import fixed_score_tests, score_tests
from lospw.analysis.cfa.multistart import StartRecord
from lospw.analysis.core.warnings import Note

__all__ = ["SCORE_COLUMNS", "FitOutcome", "Fitter", "engine_difference_test", "engine_fitter",
           "outcome", "score_table"]

#: Columns of a score-test table: one row per equality constraint (lavTestScore, univariate);
#: ``parameter`` is the constrained parameter in ``group.partial`` form (``x3~1``,
#: ``visual=~x2``, ``x3~~x3``).
SCORE_COLUMNS = ("parameter", "op", "X2", "df", "pvalue")


@dataclass(frozen=True)
class FitOutcome:
    """What the stages read from one fitted model.

    Attributes
    ----------
    fit : dict
        Fit measures, lavaan ``fitMeasures`` names with ``_``.
    converged : bool
    warnings : tuple of Note
        The engine's warnings (non-convergence, Heywood cases, ...).
    n_obs : int
    score_tests : callable or None
        Returns the univariate score tests of the model's equality constraints as a
        DataFrame with :data:`SCORE_COLUMNS` (computed on demand: it costs time).
    result : object
        The engine's own result, for anything else.
    starts : tuple
        Where each start of a multi-start fit ended (``StartRecord``; empty for a fitter
        that does not report them).
    """

    fit: dict[str, float]
    converged: bool
    warnings: tuple[Note, ...] = ()
    n_obs: int = 0
    score_tests: Callable[[], pd.DataFrame] | None = field(default=None, repr=False)
    result: CFAResult | None = field(default=None, repr=False, compare=False)
    starts: tuple[StartRecord, ...] = field(default=(), repr=False, compare=False)


class Fitter(Protocol):
    def __call__(self, data: pd.DataFrame, syntax: str, *, estimator: str, missing: str,
                 group: str | None = None, group_equal: Sequence[str] = (),
                 group_partial: Sequence[str] = (), **options: Any) -> FitOutcome: ...


def score_table(result: CFAResult) -> pd.DataFrame:
    """The engine's ``score_tests()`` with the freed parameter named as in group.partial.

    Values fixed alike in every group under one shared label (``measEq.syntax``'s
    intercepts and residual variances of ordered items) are equality constraints too: their
    tests are the score tests for freeing the fixed row in groups 2.. (``fixed_score_tests``).
    """
    st = score_tests(result)
    fixed = _fixed_label_rows(result)
    if fixed:
        extra = fixed_score_tests(result, fixed)
        st = pd.concat([st, extra], ignore_index=True) if len(st) else extra

    def name(row: Any) -> str:
        if row["op"] == "~1":
            return f"{row['lhs']}~1"
        return f"{row['lhs']}{row['op']}{row['rhs']}"

    out = st.copy()
    out["parameter"] = [name(r) for _, r in st.iterrows()] if len(st) else []
    return out[[*SCORE_COLUMNS, *[c for c in st.columns if c not in SCORE_COLUMNS]]]


def _fixed_label_rows(result: CFAResult) -> list[int]:
    """Rows of groups 2.. that are fixed and share their label with a fixed row of another
    group (an equality written as a common fixed value)."""
    p = result.parameters
    if len(result.group_labels) < 2:
        return []
    fixed = (p["free"] == 0) & (p["label"] != "")
    groups_per_label = p[fixed].groupby("label")["group"].nunique()
    shared = set(groups_per_label.index[groups_per_label > 1])
    return [int(i) for i in p.index[fixed & p["label"].isin(shared) & (p["group"] > 1)]]


def outcome(result: CFAResult) -> FitOutcome:
    """A :class:`FitOutcome` from the engine's ``CFAResult``."""
    return FitOutcome(
        fit={k: float(v) for k, v in result.fit.items()},
        converged=bool(result.converged),
        warnings=tuple(result.warnings),
        n_obs=int(result.n_obs),
        score_tests=lambda: score_table(result),
        result=result,
        starts=tuple(getattr(result, "starts", ())),
    )


def engine_fitter(data: pd.DataFrame, syntax: str, *, estimator: str = "ML",
                  missing: str = "listwise", group: str | None = None,
                  group_equal: Sequence[str] = (), group_partial: Sequence[str] = (),
                  ordered: bool | None = None, start: FitOutcome | None = None,
                  parameterization: str | None = None) -> FitOutcome:
    """Fit with lospw's CFA engine (:func:`lospw.analysis.cfa.fit_cfa`).

    ``start``: a previous outcome whose solution is one of the starts (lospw's multi-start
    policy, :mod:`lospw.analysis.cfa.multistart`).
    """
    extra: dict[str, Any] = {} if ordered is None else {"ordered": ordered}
    if start is not None and start.result is not None:
        extra["start"] = start.result
    if parameterization is not None:
        extra["parameterization"] = parameterization
    return outcome(fit_cfa(data, syntax, estimator=estimator, missing=missing, group=group,
                           group_equal=tuple(group_equal), group_partial=tuple(group_partial),
                           **extra))


def engine_difference_test(restricted: FitOutcome, general: FitOutcome) -> DiffTest:
    """The engine's scaled-shifted (Satorra, 2000) difference test of two WLSMV models
    (:func:`lospw.analysis.cfa.difference_test` on their results); NaN with the reason when
    a model was not fitted by the engine (a recorded fit has no result)."""
    if restricted.result is None or general.result is None:
        return DiffTest(math.nan, math.nan, math.nan, "satorra_2000",
                        note="the WLSMV difference test needs both models fitted by the CFA "
                             "engine")
    out = difference_test(restricted.result, general.result)
    return DiffTest(out.chisq_diff, out.df_diff, out.pvalue, "satorra_2000")
