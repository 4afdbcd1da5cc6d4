"""The missing-data policies, each defined once (and imported everywhere it is used).

:data:`MISSING_DATA` / :data:`RUN_MISSING`
    the treatment of a run (``lospw analyze``, every command reading responses):
    ``available`` uses every answer, ``listwise`` complete rows only; each analysis turns
    it into its own policy (:func:`lospw.analysis.intake.reading.treatment`);
:data:`MODEL_MISSING`
    a factor model's treatment (CFA, model comparison, invariance): ``listwise``, ``fiml``
    (ML / MLR) or ``pairwise`` (WLSMV), as lavaan;
:data:`MISSING_POLICIES`
    the item-level analyses' policy (item statistics, reliability, polychoric, EFA):

``listwise``
    use the rows that answered every item in the analysis (for reliability: every item of
    the scale);
``pairwise``
    use, for each pair of items, the rows that answered both; a statistic that needs one n
    (the Feldt CI of alpha, Bartlett's test, parallel analysis) then uses the harmonic mean
    of the pairwise counts (:func:`harmonic_mean_count`), computed exactly.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from lospw.analysis.core.errors import InputError

__all__ = ["MISSING_DATA", "MISSING_POLICIES", "MODEL_MISSING", "RUN_MISSING", "check_missing",
           "check_model_missing", "harmonic_mean_count"]

#: The treatments of a run: every answer (FIML / pairwise) or complete rows only.
MISSING_DATA = ("available", "listwise")
#: What a run's options take: :data:`MISSING_DATA` and ``fiml``, the earlier name of
#: ``available`` that asks for FIML by name (the estimator must support it).
RUN_MISSING = (*MISSING_DATA, "fiml")
#: The item-level analyses' policies (see the module docstring).
MISSING_POLICIES = ("listwise", "pairwise")
#: The treatments of a factor model: FIML for ML/MLR, pairwise for WLSMV (as lavaan).
MODEL_MISSING = ("listwise", "fiml", "pairwise")


def check_missing(missing: object) -> str:
    """Return ``missing`` if it is a known policy; else raise a one-line InputError.

    Examples
    --------
    >>> check_missing("pairwise")
    'pairwise'
    """
    if missing not in MISSING_POLICIES:
        raise InputError(
            f"The 'missing' option must be one of {', '.join(map(repr, MISSING_POLICIES))}; "
            f"got {missing!r}."
        )
    return str(missing)


def check_model_missing(estimator: str, missing: object) -> str:
    """Return ``missing`` if it is a treatment ``estimator`` takes (lavaan's pairings:
    ``fiml`` for ML/MLR, ``pairwise`` for WLSMV, ``listwise`` for all); else raise a
    one-line InputError.

    Examples
    --------
    >>> check_model_missing("WLSMV", "pairwise")
    'pairwise'
    """
    if missing not in MODEL_MISSING:
        raise InputError(f"The 'missing' option must be one of "
                         f"{', '.join(map(repr, MODEL_MISSING))}; got {missing!r}.")
    if estimator == "WLSMV" and missing == "fiml":
        raise InputError("WLSMV uses pairwise or complete rows; the 'missing' option must be "
                         "'pairwise' or 'listwise' with estimator 'WLSMV' (FIML is for ML and "
                         "MLR).")
    if estimator != "WLSMV" and missing == "pairwise":
        raise InputError(f"'pairwise' is for WLSMV; with {estimator} the 'missing' option "
                         "must be 'fiml' or 'listwise'.")
    return str(missing)


def harmonic_mean_count(counts: Any) -> Fraction:
    """The harmonic mean of pairwise counts, in exact rational arithmetic.

    ``H = m / sum(1 / n_i)`` over the ``m`` counts. In floating point, ``300 / (300 *
    (1 / 1248))`` is 1247.9999999999998, and rounding it down loses a respondent; here
    equal counts give exactly their value and ``math.floor(H)`` is the true floor. The
    counts are grouped by value first, so the cost grows with the number of distinct
    counts, not of pairs.

    Parameters
    ----------
    counts : array of float
        Non-negative counts (whole numbers, or the integer-valued floats of
        :func:`lospw.analysis.classical.reliability.pairwise_cov`).

    Returns
    -------
    Fraction
        0 when a count is 0 or there are none (some pair was never answered together).

    Examples
    --------
    >>> harmonic_mean_count([1248.0] * 300)
    Fraction(1248, 1)
    >>> import math
    >>> math.floor(harmonic_mean_count([3, 6])), float(harmonic_mean_count([2, 3]))
    (4, 2.4)
    """
    c = np.asarray(counts, dtype=float).ravel()
    if c.size == 0 or not np.all(c > 0) or not np.all(np.isfinite(c)):
        return Fraction(0)
    values, k = np.unique(c, return_counts=True)
    total = sum((Fraction(int(n), 1) / Fraction(float(v)) for v, n in zip(values, k,
                                                                            strict=True)),
                Fraction(0))
    return Fraction(c.size, 1) / total
