"""The estimation state of a fitted CFA: what local-fit, robust and difference-test
computations need after estimation (the parameter table, the model, the data, the estimates,
the objective and the information).

A :class:`~lospw.analysis.cfa.result.CFAResult` carries it as ``fit_state``; the modules of
the engine read it (:mod:`.modindices`, :mod:`.difftest`, :mod:`.measures`), nothing outside
:mod:`lospw.analysis.cfa` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lospw.analysis.cfa.data import GroupData
from lospw.analysis.cfa.model import Implied, Model
from lospw.analysis.cfa.ordinal import OrdinalStats
from lospw.analysis.cfa.partable import ParTable

__all__ = ["FitState", "GroupStates"]

#: Per group: the model matrices and the implied moments (``Model.group_state``).
GroupStates = list[tuple[dict[str, np.ndarray], Implied]]


@dataclass
class FitState:
    """The state of one fit (filled in as estimation proceeds).

    Attributes
    ----------
    pt, model, groups
        Parameter table, model matrices, the groups' data.
    x : ndarray
        The estimates (the free-parameter vector).
    objective
        The discrepancy function (``MLObjective`` or ``DWLSObjective``).
    meanstructure : bool
    estimator : str
    fiml : bool
    vcov, info : ndarray or None
        Covariance of ``x``; the information per observation behind the standard errors.
    ntotal : int
    stats : list of OrdinalStats, optional
        WLSMV: each group's thresholds, polychorics and Gamma.
    e_inv : ndarray, optional
        WLSMV: the inverse of the expected information.
    deltas : list of ndarray, optional
        WLSMV: each group's Jacobian of the statistics.
    scaled_shifted : dict, optional
        WLSMV: the constants of the scaled-shifted test.
    fiml_c : dict, optional
        FIML: lavaan's FIML-corrected statistics (``XX3``, ``c_hat`` ...).
    """

    pt: ParTable
    model: Model
    groups: list[GroupData]
    x: np.ndarray
    objective: Any
    meanstructure: bool
    estimator: str
    fiml: bool
    vcov: np.ndarray | None
    info: np.ndarray | None
    ntotal: int
    stats: list[OrdinalStats] | None = None
    e_inv: np.ndarray | None = None
    deltas: list[np.ndarray] | None = None
    scaled_shifted: dict[str, float] | None = None
    fiml_c: dict[str, float] | None = None
