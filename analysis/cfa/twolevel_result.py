"""The frozen result of a two-level CFA fit (lavaan ``cfa(..., cluster =)``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.core.warnings import Note

__all__ = ["TWOLEVEL_FIT_MEASURES", "TWOLEVEL_PARAMETER_COLUMNS", "TwoLevelResult"]

#: lavaan 0.6-14's fitMeasures() of a two-level ML fit ('.' written as '_').
TWOLEVEL_FIT_MEASURES: tuple[str, ...] = (
    "npar", "fmin", "chisq", "df", "pvalue", "baseline_chisq", "baseline_df",
    "baseline_pvalue", "cfi", "tli", "nnfi", "rfi", "nfi", "pnfi", "ifi", "rni", "logl",
    "unrestricted_logl", "aic", "bic", "ntotal", "bic2", "rmsea", "rmsea_ci_lower",
    "rmsea_ci_upper", "rmsea_ci_level", "rmsea_pvalue", "rmsea_close_h0",
    "rmsea_notclose_pvalue", "rmsea_notclose_h0", "srmr", "srmr_within", "srmr_between",
)

#: Columns of :attr:`TwoLevelResult.parameters`: lavaan's parameterEstimates() with
#: ``level`` (1 = within, 2 = between) in place of ``group``.
TWOLEVEL_PARAMETER_COLUMNS = ("lhs", "op", "rhs", "level", "label", "free", "est", "se", "z",
                              "pvalue", "ci_lower", "ci_upper", "std_lv", "std_all")


def _clean(v: Any) -> Any:
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return None if math.isnan(v) or math.isinf(v) else v
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def _matrix(m: pd.DataFrame) -> dict[str, Any]:
    return {"names": list(m.index), "values": [[_clean(v) for v in row]
                                               for row in m.to_numpy()]}


@dataclass(frozen=True)
class TwoLevelResult:
    """A fitted two-level confirmatory factor model.

    Attributes
    ----------
    model : str
        The fitted lavaan syntax (with ``level: 1`` / ``level: 2`` blocks).
    missing : {"listwise", "fiml"}
    converged : bool
    fit : dict
        :data:`TWOLEVEL_FIT_MEASURES` (NaN when unavailable; all NaN but ``npar``, ``df``
        and ``ntotal`` when the fit did not converge).
    parameters : DataFrame
        :data:`TWOLEVEL_PARAMETER_COLUMNS`; standardized values use the level's own
        implied variances, as lavaan's.
    n_obs, n_clusters : int
    cluster : str
        The cluster column.
    cluster_sizes : dict
        ``min``, ``max``, ``mean`` and ``harmonic_mean`` of the analysed cluster sizes.
    icc : Series
        Per item, between variance / (within + between variance) of the unrestricted
        model (lavaan's ``lavInspect(fit, "icc")``); NaN for within-only variables.
    implied, h1 : dict
        ``{"within": {"cov", "mean"}, "between": {"cov", "mean"}}``: model-implied and
        unrestricted (h1) moments (lavaan's ``lavInspect(fit, "implied")`` / ``"h1"``).
    warnings : tuple of Note
    excluded : DataFrame
        Input rows not analysed (``row``, ``reason``).
    options : dict
    iterations : int
    fit_state : dict
        ``pt``, ``model``, ``x``, ``vcov``, ``data``: the fitted model, for what is computed
        from it afterwards (multilevel reliability).
    """

    model: str
    missing: str
    converged: bool
    fit: dict[str, float]
    parameters: pd.DataFrame
    n_obs: int
    n_clusters: int
    cluster: str
    cluster_sizes: dict[str, float]
    icc: pd.Series
    implied: dict[str, dict[str, Any]]
    h1: dict[str, dict[str, Any]]
    warnings: tuple[Note, ...]
    excluded: pd.DataFrame
    options: dict[str, Any]
    iterations: int = 0
    fit_state: Any = field(default=None, repr=False, compare=False)

    @property
    def estimator(self) -> str:
        return "ML"

    def to_frame(self) -> pd.DataFrame:
        """The parameter table (a copy)."""
        return self.parameters.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON shape: fit, parameters, ICC, cluster sizes, warnings, moments."""
        params = [{k: _clean(v) for k, v in row.items()}
                  for row in self.parameters.to_dict("records")]

        def moments(d: dict[str, dict[str, Any]]) -> dict[str, Any]:
            return {lvl: {"cov": _matrix(m["cov"]),
                          "mean": {k: _clean(v) for k, v in m["mean"].items()}}
                    for lvl, m in d.items()}

        return {
            "estimator": "ML", "missing": self.missing, "levels": 2,
            "cluster": self.cluster, "n_obs": self.n_obs, "n_clusters": self.n_clusters,
            "cluster_sizes": {k: _clean(v) for k, v in self.cluster_sizes.items()},
            "converged": self.converged,
            "fit": {k: _clean(v) for k, v in self.fit.items()},
            "parameters": params,
            "icc": {k: _clean(v) for k, v in self.icc.items()},
            "warnings": [w.to_dict() for w in self.warnings],
            "n_excluded": len(self.excluded),
            "implied": moments(self.implied), "h1": moments(self.h1),
            "options": {k: (list(v) if isinstance(v, tuple) else v)
                        for k, v in self.options.items()},
        }

    def to_lavaan_syntax(self) -> str:
        """R code that refits this model with lavaan."""
        args = ["model", "data = data", f'cluster = "{self.cluster}"']
        if self.missing == "fiml":
            args.append('missing = "ml"')
        if self.options.get("std_lv"):
            args.append("std.lv = TRUE")
        if self.options.get("orthogonal"):
            args.append("orthogonal = TRUE")
        return ("library(lavaan)\nmodel <- '\n" + self.model.strip() + "\n'\nfit <- cfa(" +
                ", ".join(args) + ")\nsummary(fit, fit.measures = TRUE, standardized = TRUE)\n")
