"""Which items are not invariant: a backward search with constraint score tests.

A step of measurement invariance (metric: equal loadings; scalar: equal intercepts) can pass
a fit-index rule such as Chen (2007) while one item among many is biased: a threshold shift
in 1 of 48 items barely moves CFI. This module names such items with the backward method of
Jung & Yoon (2016): in the step's fitted multi-group model, take the univariate score test
(lavaan's ``lavTestScore``) of every equality constraint of the step's kind; if the largest
has p below ``alpha / k`` (Bonferroni over the k constraints tested at the start: with G
groups a parameter has G - 1 constraints), free that parameter in every group
(``group.partial``), refit, and test again; stop when none is significant, at
``max_free`` parameters, or when freeing would leave a factor with fewer than two
constrained items of that kind (identification; Byrne, Shavelson & Muthén, 1989).

One biased intercept shifts the factor mean and so inflates the score tests of the factor's
other intercepts in the fully constrained model; freeing one parameter at a time and
testing again is what keeps those from being named too (Yoon & Millsap, 2007).

The score tests and fits come from the CFA engine (through ``lospw.analysis.validation.fitting``); this
module only orders, thresholds and stops.

References
----------
Byrne, B. M., Shavelson, R. J., & Muthén, B. (1989). Testing for the equivalence of factor
covariance and mean structures. *Psychological Bulletin, 105*, 456-466.
Jung, E., & Yoon, M. (2016). Comparisons of three empirical methods for partial factorial
invariance: forward, backward, and factor-ratio tests. *Structural Equation Modeling, 23*,
567-584.
Yoon, M., & Millsap, R. E. (2007). Detecting violations of factorial invariance using
data-based specification searches. *Structural Equation Modeling, 14*, 435-463.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from lospw.analysis.core.key import Key

__all__ = ["KINDS", "ItemSearch", "backward_search", "constraint_tests"]

#: The constraint kind tested at each step (lavaan operator of the freed parameter); the
#: thresholds step exists for ordered items (WLSMV, Wu & Estabrook, 2016) only.
KINDS = {"thresholds": "|", "metric": "=~", "scalar": "~1"}


@dataclass(frozen=True)
class ItemSearch:
    """The backward search of one step.

    Attributes
    ----------
    step : str
    k : int
        Constraints tested at the start (the Bonferroni divisor; G - 1 per parameter).
    alpha : float
        The per-test level, ``noninvariance_alpha / k``.
    freed : tuple of dict
        In order: ``parameter, item, X2, pvalue`` when freed, and ``converged`` of the refit.
    tests : DataFrame
        The score tests of the first fit (``parameter, item, X2, df, pvalue``), best first.
    stopped : str
        ``none_significant``, ``max_free``, ``identification``, ``not_converged`` or
        ``no_tests``.
    group_partial : tuple of str
        All freed parameters at the end (the step's own plus this search's).
    """

    step: str
    k: int
    alpha: float
    freed: tuple[dict[str, Any], ...]
    tests: pd.DataFrame
    stopped: str
    group_partial: tuple[str, ...] = field(default=())

    @property
    def items(self) -> tuple[str, ...]:
        return tuple(f["item"] for f in self.freed if f["item"] is not None)

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "k": self.k, "alpha": self.alpha,
                "freed": [dict(f) for f in self.freed], "stopped": self.stopped,
                "group_partial": list(self.group_partial)}


def _item(parameter: str, kind: str) -> str:
    if kind == "|":
        return parameter.split("|")[0]
    return parameter.split("=~")[-1] if kind == "=~" else parameter[: -len("~1")]


def constraint_tests(scores: pd.DataFrame, kind: str, exclude: Sequence[str] = ()
                     ) -> pd.DataFrame:
    """The score tests of one kind, one row per parameter (its largest over groups), best
    first, with the number of constraints behind each (``n_constraints``).

    ``scores`` has the columns ``parameter op X2 df pvalue`` (``_bridge.SCORE_COLUMNS``).

    Examples
    --------
    >>> s = pd.DataFrame({"parameter": ["a~1", "b~1", "b~1", "F=~c"], "op": ["~1"] * 3 + ["=~"],
    ...                   "X2": [1.0, 9.0, 4.0, 7.0], "df": [1.0] * 4,
    ...                   "pvalue": [.3, .003, .04, .008]})
    >>> constraint_tests(s, "~1")[["parameter", "item", "X2", "n_constraints"]].values.tolist()
    [['b~1', 'b', 9.0, 2], ['a~1', 'a', 1.0, 1]]
    """
    s = scores[(scores["op"] == kind) & ~scores["parameter"].isin(list(exclude))]
    counts = s["parameter"].value_counts()
    s = (s.sort_values("X2", ascending=False, kind="stable")
          .drop_duplicates("parameter").reset_index(drop=True))
    out = s[["parameter", "X2", "df", "pvalue"]].copy()
    out.insert(1, "item", [_item(p, kind) for p in out["parameter"]])
    out["n_constraints"] = [int(counts[p]) for p in out["parameter"]]
    return out


def _identified(parameter: str, kind: str, freed: Sequence[str], key: Key) -> bool:
    """Would the factor keep two constrained items of this kind after freeing? (Any
    threshold may be freed: the Wu & Estabrook steps keep factor means and variances
    identified without them.)"""
    item = _item(parameter, kind)
    if item not in key.items:
        return False
    if kind == "|":
        return True
    scale = key.scale(key.scale_of(item))
    name = (lambda i: f"{scale.name}=~{i}") if kind == "=~" else (lambda i: f"{i}~1")
    still = [i for i in scale.items if name(i) not in (*freed, parameter)]
    return len(still) >= 2


def backward_search(step: str, first: Any, refit: Callable[[Sequence[str]], Any], key: Key,
                    *, alpha: float = 0.05, partial: Sequence[str] = (),
                    max_free: int = 10) -> ItemSearch:
    """Free the step's most significant constraint until none is significant.

    Parameters
    ----------
    step : {"thresholds", "metric", "scalar"}
    first : FitOutcome
        The step's fitted model (with ``score_tests``), with ``partial`` already free.
    refit : callable
        ``refit(group_partial) -> FitOutcome`` of the same step.
    key : Key
    alpha : float
        Family-wise level; each test uses ``alpha / k``.
    partial : sequence of str
        Parameters free before the search (e.g. from the step-level partial search).
    max_free : int
    """
    kind = KINDS[step]
    freed: list[dict[str, Any]] = []
    names = list(partial)
    if first.score_tests is None or not first.converged:
        return ItemSearch(step, 0, float("nan"), (), pd.DataFrame(), "no_tests", tuple(names))
    tests = constraint_tests(first.score_tests(), kind, names)
    k = int(tests["n_constraints"].sum()) if len(tests) else 0
    if k == 0:
        return ItemSearch(step, 0, float("nan"), (), tests, "no_tests", tuple(names))
    level = alpha / k
    current, stopped = first, "none_significant"
    current_tests = tests
    while True:
        cands = current_tests[[_identified(p, kind, names, key)
                               for p in current_tests["parameter"]]]
        if not len(current_tests) or current_tests["pvalue"].iloc[0] >= level:
            break
        if not len(cands) or cands["pvalue"].iloc[0] >= level:
            stopped = "identification"
            break
        if len(freed) >= max_free:
            stopped = "max_free"
            break
        top = cands.iloc[0]
        names.append(str(top["parameter"]))
        current = refit(tuple(names))
        freed.append({"parameter": str(top["parameter"]), "item": str(top["item"]),
                      "X2": float(top["X2"]), "pvalue": float(top["pvalue"]),
                      "converged": bool(current.converged)})
        if not current.converged or current.score_tests is None:
            stopped = "not_converged"
            break
        current_tests = constraint_tests(current.score_tests(), kind, names)
    return ItemSearch(step, k, level, tuple(freed), tests, stopped, tuple(names))
