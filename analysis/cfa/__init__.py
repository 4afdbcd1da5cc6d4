"""Confirmatory factor analysis: estimation (lavaan parity), competing models, comparison.

The engine: ML, FIML, MLR, WLSMV, multi-group with equality constraints, two-level ML
(``cluster =``, :mod:`lospw.analysis.cfa.twolevel`).

Public API::

    from lospw.analysis.cfa import fit_cfa, CFAResult, FIT_MEASURES
    res = fit_cfa(items, "visual =~ x1 + x2 + x3", estimator="ML")
    res.fit["cfi"], res.parameters, res.modindices(), res.residuals("cor")

See DESIGN.md ("CFA engine") for the estimator defaults and the departures from lavaan.
"""

from lospw.analysis.cfa.engine import ESTIMATORS, MISSING, default_estimator, fit_cfa
from lospw.analysis.cfa.fit import FIT_MEASURES
from lospw.analysis.cfa.lrt import difference_test
from lospw.analysis.cfa.partable import GROUP_EQUAL
from lospw.analysis.cfa.result import PARAMETER_COLUMNS, CFAResult, FitWarning
from lospw.analysis.cfa.twolevel import MIN_CLUSTERS, fit_twolevel
from lospw.analysis.cfa.twolevel_result import TwoLevelResult

__all__ = [
    "ESTIMATORS",
    "FIT_MEASURES",
    "GROUP_EQUAL",
    "MIN_CLUSTERS",
    "MISSING",
    "PARAMETER_COLUMNS",
    "CFAResult",
    "FitWarning",
    "TwoLevelResult",
    "default_estimator",
    "difference_test",
    "fit_cfa",
    "fit_twolevel",
]
