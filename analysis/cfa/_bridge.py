"""The one place where the validity, invariance and comparison stages call the CFA engine.

Everything these stages need from a fitted model passes through :class:`FitOutcome`, so the
stages are tested with any fitter (the engine, or lavaan's recorded results) and an engine
change touches this file only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd

__all__ = ["SCORE_COLUMNS", "FitOutcome", "Fitter", "engine_fitter"]

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
    warnings : tuple of str
        The engine's warnings (non-convergence, Heywood cases, ...).
    n_obs : int
    score_tests : callable or None
        Returns the univariate score tests of the model's equality constraints as a
        DataFrame with :data:`SCORE_COLUMNS` (computed on demand: it costs time).
    result : object
        The engine's own result, for anything else.
    """

    fit: dict[str, float]
    converged: bool
    warnings: tuple[str, ...] = ()
    n_obs: int = 0
    score_tests: Callable[[], pd.DataFrame] | None = field(default=None, repr=False)
    result: Any = field(default=None, repr=False, compare=False)


class Fitter(Protocol):
    def __call__(self, data: pd.DataFrame, syntax: str, *, estimator: str, missing: str,
                 group: str | None = None, group_equal: Sequence[str] = (),
                 group_partial: Sequence[str] = ()) -> FitOutcome: ...


def engine_fitter(data: pd.DataFrame, syntax: str, *, estimator: str = "ML",
                  missing: str = "listwise", group: str | None = None,
                  group_equal: Sequence[str] = (),
                  group_partial: Sequence[str] = ()) -> FitOutcome:
    """Fit with lospw's CFA engine (:func:`analysis.cfa.fit_cfa`)."""
    from analysis.cfa import engine  # noqa: F401  (the engine; imported on use)

    raise NotImplementedError("the CFA engine adapter is not wired yet")
