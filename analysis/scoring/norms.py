"""Norm tables and interpretation bands of a scoring scheme.

A norm table is the **frequency table of the distinct scale scores** of the norm sample
(value, count). From it the mid-rank percentile of any score is exact
(:func:`lospw.analysis.scoring.scores.midrank_percentile`), the table is small for Likert-type scales
(a mean of at most ``k`` items on a ``c``-point scale takes a few dozen values) and it holds
no individual respondent. Continuous instruments get up to ``n`` entries.

Interpretation bands cut the percentile rank: by default *low* below 25, *average* from 25
up to 75, *high* from 75 on (the quartiles of the norm group).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lospw.analysis.core.errors import InputError
from lospw.analysis.scoring.scores import midrank_percentile

__all__ = ["Bands", "NormTable"]


@dataclass(frozen=True)
class NormTable:
    """Distinct norm scores (ascending) with their counts.

    Examples
    --------
    >>> t = NormTable.from_scores(np.array([2.0, 3.0, 3.0, np.nan, 4.0]))
    >>> t.values, t.counts, t.n
    ((2.0, 3.0, 4.0), (1, 2, 1), 4)
    >>> t.percentile(np.array([3.0, 4.0])).tolist()
    [50.0, 87.5]
    """

    values: tuple[float, ...]
    counts: tuple[int, ...]

    @classmethod
    def from_scores(cls, scores: np.ndarray) -> NormTable:
        """The table of the non-missing ``scores``."""
        s = np.asarray(scores, dtype=float)
        v, c = np.unique(s[~np.isnan(s)], return_counts=True)
        return cls(tuple(float(x) for x in v), tuple(int(x) for x in c))

    @property
    def n(self) -> int:
        return int(sum(self.counts))

    @property
    def mean(self) -> float:
        v, c = np.array(self.values), np.array(self.counts, dtype=float)
        return float(v @ c / c.sum()) if self.n else float("nan")

    @property
    def sd(self) -> float:
        """Sample SD (n - 1) of the norm scores."""
        if self.n < 2:
            return float("nan")
        v, c = np.array(self.values), np.array(self.counts, dtype=float)
        return float(np.sqrt(((v - self.mean) ** 2) @ c / (c.sum() - 1)))

    def percentile(self, x: np.ndarray) -> np.ndarray:
        """Mid-rank percentile rank of ``x`` in this norm group."""
        return midrank_percentile(x, np.array(self.values), np.array(self.counts))

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "values": list(self.values), "counts": list(self.counts)}


@dataclass(frozen=True)
class Bands:
    """Interpretation bands on the norm percentile rank.

    ``cuts`` are increasing percentile ranks; a score whose rank is below ``cuts[0]`` is in
    ``labels[0]``, from ``cuts[i-1]`` up to (not including) ``cuts[i]`` in ``labels[i]``, and
    from the last cut on in the last label. The default: low (PR < 25), average
    (25 <= PR < 75), high (PR >= 75).

    Examples
    --------
    >>> Bands().label(np.array([10.0, 25.0, 75.0, 90.0, np.nan])).tolist()
    ['low', 'average', 'high', 'high', '']
    """

    cuts: tuple[float, ...] = (25.0, 75.0)
    labels: tuple[str, ...] = ("low", "average", "high")
    method: str = "norm_percentile_rank"

    def __post_init__(self) -> None:
        cuts = self.cuts
        if (len(self.labels) != len(cuts) + 1 or not all(0 <= c <= 100 for c in cuts)
                or list(cuts) != sorted(set(cuts))):
            raise InputError(
                f"Interpretation bands need increasing cuts between 0 and 100 and one label "
                f"more than cuts; got cuts {list(cuts)} and labels {list(self.labels)}."
            )
        if self.method != "norm_percentile_rank":
            raise InputError(
                f"The bands' method must be 'norm_percentile_rank'; got {self.method!r}."
            )

    def codes(self, pct: np.ndarray) -> np.ndarray:
        """Index of each percentile rank's band in ``labels`` (-1 where it is NaN)."""
        pct = np.asarray(pct, dtype=float)
        idx = np.searchsorted(np.array(self.cuts), pct, side="right").astype(np.int8)
        idx[np.isnan(pct)] = -1
        return idx

    def label(self, pct: np.ndarray) -> np.ndarray:
        """The band of each percentile rank ('' where it is NaN)."""
        idx = self.codes(pct)
        out = np.asarray([*self.labels, ""], dtype=object)
        return out[idx]

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "cuts": list(self.cuts), "labels": list(self.labels)}
