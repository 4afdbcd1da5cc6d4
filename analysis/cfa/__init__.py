"""Confirmatory factor analysis with lavaan parity: the engine only (model syntax and data in,
a fitted model out; it knows nothing of keys).

The path of a fit: :mod:`.syntax` (lavaan model syntax) -> :mod:`.partable` (the parameter
table) -> :mod:`.model` (model matrices, implied moments) -> estimation (:mod:`.ml`,
:mod:`.fiml`, :mod:`.patterns`, :mod:`.robust` for ML / MLR; :mod:`.ordinal`, :mod:`.wlsmv`,
:mod:`.catml` for WLSMV; :mod:`.optimizer`, :mod:`.start`, :mod:`.multistart`) ->
:mod:`.assemble` (parameter table, improper solutions) -> :mod:`.measures` (fit measures) ->
:mod:`.result`. After a fit: :mod:`.difftest` (difference tests), :mod:`.modindices`
(modification indices, score tests), :mod:`.residuals`, :mod:`.standardize`. Two-level ML
(``fit_cfa(..., cluster =)``): :mod:`.twolevel` and its ``twolevel_*`` modules.

Public API::

    from lospw.analysis.cfa import fit_cfa, difference_test, CFAResult, FIT_MEASURES
    from lospw.analysis.cfa.modindices import modindices, score_tests
    res = fit_cfa(items, "visual =~ x1 + x2 + x3", estimator="ML")
    res.fit["cfi"], res.parameters, modindices(res), res.residuals("cor")

See docs/methods/cfa.md for the estimator defaults and the departures from lavaan.
"""

from lospw.analysis.cfa.difftest import DiffTest, difference_test
from lospw.analysis.cfa.engine import default_estimator, fit_cfa
from lospw.analysis.cfa.measures import FIT_MEASURES
from lospw.analysis.cfa.partable import GROUP_EQUAL
from lospw.analysis.cfa.result import PARAMETER_COLUMNS, CFAResult
from lospw.analysis.cfa.twolevel import MIN_CLUSTERS, fit_twolevel
from lospw.analysis.cfa.twolevel_result import TwoLevelResult

__all__ = [
    "FIT_MEASURES",
    "GROUP_EQUAL",
    "MIN_CLUSTERS",
    "PARAMETER_COLUMNS",
    "CFAResult",
    "DiffTest",
    "TwoLevelResult",
    "default_estimator",
    "difference_test",
    "fit_cfa",
    "fit_twolevel",
]
