"""MLR: Huber-White standard errors and the Yuan-Bentler (Mplus) scaled test."""

from __future__ import annotations

from analysis.errors import InputError

__all__ = ["mlr_corrections"]


def mlr_corrections(state):
    """Not available yet."""
    raise InputError("estimator 'MLR' is not available yet in this version; use 'ML'.")
