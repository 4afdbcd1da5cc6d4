"""Option values several wings share, defined once.

The missing-data policies are in :mod:`lospw.analysis.core.missing`
(:data:`~lospw.analysis.core.missing.MISSING_POLICIES` for the item-level analyses,
:data:`~lospw.analysis.core.missing.MODEL_MISSING` for the factor models and
:data:`~lospw.analysis.core.missing.RUN_MISSING` for ``lospw analyze``).
"""

from __future__ import annotations

from lospw.analysis.core.errors import InputError

__all__ = ["ESTIMATORS", "SCREEN_MODES", "check_estimator"]

#: CFA estimators (lavaan's names): normal-theory ML, ML with robust (Huber-White) standard
#: errors and the Yuan-Bentler scaled test, and DWLS on polychorics for ordered items.
ESTIMATORS = ("ML", "MLR", "WLSMV")
#: Careless-responding screening in ``lospw analyze``: flag only, exclude flagged
#: respondents, or skip.
SCREEN_MODES = ("flag", "exclude", "off")


def check_estimator(estimator: object) -> str:
    """Return ``estimator`` if it is one of :data:`ESTIMATORS`; else raise a one-line
    InputError.

    Examples
    --------
    >>> check_estimator("MLR")
    'MLR'
    >>> check_estimator("GLS")
    Traceback (most recent call last):
    ...
    lospw.analysis.core.errors.InputError: The 'estimator' option must be one of 'ML', 'MLR', 'WLSMV'; got 'GLS'.
    """
    if estimator not in ESTIMATORS:
        raise InputError(f"The 'estimator' option must be one of "
                         f"{', '.join(map(repr, ESTIMATORS))}; got {estimator!r}.")
    return str(estimator)
