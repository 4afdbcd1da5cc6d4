"""The frozen result of a CFA fit and its exports (dict / JSON shape, lavaan syntax)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.cfa.multistart import StartRecord
from lospw.analysis.cfa.residuals import RESIDUAL_TYPES, residual_moments, top_residuals
from lospw.analysis.cfa.state import FitState
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.warnings import Note

__all__ = ["PARAMETER_COLUMNS", "CFAResult"]

#: Columns of :attr:`CFAResult.parameters` (lavaan's parameterEstimates(standardized=TRUE)
#: with '.' written as '_').
PARAMETER_COLUMNS = ("lhs", "op", "rhs", "group", "label", "free", "est", "se", "z", "pvalue",
                     "ci_lower", "ci_upper", "std_lv", "std_all")


def _clean(v: Any) -> Any:
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return None if math.isnan(v) or math.isinf(v) else v
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    return v


@dataclass(frozen=True)
class CFAResult:
    """A fitted confirmatory factor model.

    Attributes
    ----------
    model : str
        The model syntax that was fitted (lavaan syntax).
    estimator : str
        ``"ML"``, ``"MLR"`` or ``"WLSMV"``.
    missing : str
        ``"listwise"`` or ``"fiml"``.
    converged : bool
    fit : dict
        Fit measures keyed by :data:`lospw.analysis.cfa.measures.FIT_MEASURES` names (NaN when not
        available; all NaN but ``npar``/``df``/``ntotal`` when the fit did not converge).
    parameters : DataFrame
        One row per parameter, columns :data:`PARAMETER_COLUMNS`; ``group`` is 1-based.
    n_obs : int
        Cases analysed (all groups).
    n_obs_per_group : dict
        Group label -> cases analysed (one entry ``""`` without groups).
    group_labels : tuple of str
        Group labels in lavaan's order (first appearance); ``("",)`` without groups.
    warnings : tuple of Note
    implied, sample : dict
        Group label -> ``{"cov": DataFrame, "mean": Series}`` (model-implied; observed or,
        under FIML, the EM estimates of the saturated model). For WLSMV ``cov`` holds
        correlations and there is ``"th"`` (thresholds) instead of ``"mean"``.
    excluded : DataFrame
        Input rows not analysed, with ``row`` and ``reason``.
    options : dict
        The options the model was fitted with.
    iterations : int
    starts : tuple of StartRecord
        Where each start of a multi-start fit ended (:mod:`lospw.analysis.cfa.multistart`);
        one record per start, the kept one marked.
    fit_state : FitState
        The estimation state behind the local-fit statistics (modification indices, score
        tests, difference tests; read by :mod:`lospw.analysis.cfa` only).

    Modification indices and score tests take a result:
    ``lospw.analysis.cfa.modindices.modindices(res)``, ``score_tests(res)``.
    """

    model: str
    estimator: str
    missing: str
    converged: bool
    fit: dict[str, float]
    parameters: pd.DataFrame
    n_obs: int
    n_obs_per_group: dict[str, int]
    group_labels: tuple[str, ...]
    warnings: tuple[Note, ...]
    implied: dict[str, dict[str, Any]]
    sample: dict[str, dict[str, Any]]
    excluded: pd.DataFrame
    options: dict[str, Any]
    iterations: int = 0
    starts: tuple[StartRecord, ...] = ()
    fit_state: FitState | None = field(default=None, repr=False, compare=False)

    # ---- local fit (modification indices and score tests: lospw.analysis.cfa.modindices) --
    def residuals(self, type: str = "cor") -> dict[str, dict[str, Any]]:
        """Residual covariances or correlations per group (lavaan ``residuals()``).

        Parameters
        ----------
        type : {"raw", "cor", "cor.bollen", "cor.bentler"}

        Returns
        -------
        dict
            Group label -> ``{"cov": DataFrame, "mean": Series or None}``.
        """
        if type not in RESIDUAL_TYPES:
            raise InputError(f"The residual 'type' must be one of {', '.join(RESIDUAL_TYPES)}; "
                             f"got {type!r}.")
        out = {}
        for g in self.group_labels:
            s, imp = self.sample[g], self.implied[g]
            names = list(s["cov"].index)
            has_mean = self.fit_state is not None and self.fit_state.meanstructure \
                and "mean" in s
            rc, rm = residual_moments(s["cov"].to_numpy(), imp["cov"].to_numpy(),
                                      s["mean"].to_numpy() if has_mean else None,
                                      imp["mean"].to_numpy() if has_mean else None, type)
            out[g] = {"cov": pd.DataFrame(rc, index=names, columns=names),
                      "mean": pd.Series(rm, index=names) if rm is not None else None}
        return out

    def top_residuals(self, n: int = 10, type: str = "cor") -> pd.DataFrame:
        """The ``n`` largest residual correlations (all groups), as a tidy table."""
        res = self.residuals(type)
        return top_residuals({g: r["cov"] for g, r in res.items()}, n)

    # ---- exports -----------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """The parameter table (a copy)."""
        return self.parameters.copy()

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of issue 7 (plus groups, warnings and exclusions)."""
        params = [{k: _clean(v) for k, v in row.items()}
                  for row in self.parameters.to_dict("records")]
        out: dict[str, Any] = {
            "estimator": self.estimator,
            "missing": self.missing,
            "n_obs": self.n_obs,
            "converged": self.converged,
            "fit": {k: _clean(v) for k, v in self.fit.items()},
            "parameters": params,
            "warnings": [w.to_dict() for w in self.warnings],
            "n_excluded": len(self.excluded),
            "starts": [s.to_dict() for s in self.starts],
            "options": {k: (list(v) if isinstance(v, tuple) else v)
                        for k, v in self.options.items()},
        }
        if len(self.group_labels) > 1:
            out["groups"] = [{"group": i + 1, "label": g, "n_obs": self.n_obs_per_group[g]}
                             for i, g in enumerate(self.group_labels)]
        return out

    def to_lavaan_syntax(self) -> str:
        """R code that refits this model with lavaan (the model plus the call)."""
        o = self.options
        args = ["model", "data = data"]
        if self.estimator != "ML":
            args.append(f'estimator = "{self.estimator}"')
        if self.missing == "fiml":
            args.append('missing = "ml"')
        elif self.missing == "pairwise":
            args.append('missing = "pairwise"')
        if o.get("group"):
            args.append(f'group = "{o["group"]}"')
        if o.get("group_equal"):
            args.append("group.equal = c(" + ", ".join(f'"{g}"' for g in o["group_equal"]) + ")")
        if o.get("group_partial"):
            args.append("group.partial = c(" +
                        ", ".join(f'"{g}"' for g in o["group_partial"]) + ")")
        if o.get("ordered"):
            args.append("ordered = c(" + ", ".join(f'"{v}"' for v in o["ordered"]) + ")")
        if o.get("std_lv"):
            args.append("std.lv = TRUE")
        if o.get("orthogonal"):
            args.append("orthogonal = TRUE")
        return ("library(lavaan)\nmodel <- '\n" + self.model.strip() + "\n'\nfit <- cfa(" +
                ", ".join(args) + ")\nsummary(fit, fit.measures = TRUE, standardized = TRUE)\n")
