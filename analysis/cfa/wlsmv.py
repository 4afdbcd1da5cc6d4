"""WLSMV for ordered items (thresholds, polychorics, DWLS, scaled-shifted test)."""

from __future__ import annotations

from analysis.errors import InputError

__all__ = ["fit_wlsmv"]


def fit_wlsmv(*args, **kwargs):
    """Not available yet."""
    raise InputError("estimator 'WLSMV' is not available yet in this version; use "
                     "estimator 'ML' or 'MLR'.")
