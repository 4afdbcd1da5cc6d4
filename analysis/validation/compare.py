"""Compare the competing CFA models of a key: fit table, difference tests, the best model.

Every model of :func:`lospw.analysis.validation.models.competing_models` is fitted to the reverse-scored
items with the same estimator and missing-data option. The comparison reports

* one row of fit measures per model (lavaan's ``fitMeasures`` names), with its warnings and
  whether the solution is proper;
* a χ² difference test for every nested pair (plain for ML, Satorra–Bentler 2001 for MLR;
  pairs with equal df are reported as equivalent, not tested);
* the best model: the lowest BIC among converged, proper solutions (ML, MLR; for WLSMV,
  which has no likelihood, the lowest scaled RMSEA); lowest AIC and highest CFI are listed
  beside it;
* the contrast of the key's own model (``correlated``: for LOS-PW the six-factor model)
  with the best alternative: ΔBIC, ΔAIC (ML, MLR), ΔCFI, ΔRMSEA and the difference test
  when nested (WLSMV: the engine's scaled-shifted test, reported as not available until the
  engine provides it).

A solution is *improper* when the engine reports a Heywood case, a non-positive-definite
matrix or failed standard errors; such a model stays in the table (flagged) but is never
chosen as best.

One model never sinks the comparison (issue 17): a model the engine cannot fit (it raises
a :class:`~lospw.analysis.core.errors.LospwError` or a numerical error) is listed with ``status``
``"failed"`` and the warning ``model_failed``; a difference test that cannot be made (a
model failed or did not converge, or has no robust scaling factor because its standard
errors failed) is listed with NaN, the reason (``note``) and the warning
``difference_test_unavailable`` (``warning``). Warnings are
:class:`~lospw.analysis.core.warnings.Note` objects in the result and
``{"code", "message", "context"}`` records in :meth:`ComparisonResult.to_dict`. Every row has a ``status``: ``ok``, ``improper``,
``not_converged`` or ``failed``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.cfa.difftest import difference_test
from lospw.analysis.core.errors import InputError, LospwError
from lospw.analysis.core.key import Key
from lospw.analysis.core.missing import check_model_missing
from lospw.analysis.core.options import check_estimator
from lospw.analysis.core.warnings import Note, notes_to_dicts
from lospw.analysis.validation.fitting import (
    FitOutcome,
    Fitter,
    engine_difference_test,
    engine_fitter,
)
from lospw.analysis.validation.models import ModelSet, competing_models, lavaan_script

__all__ = ["IMPROPER_CODES", "TABLE_MEASURES", "ComparisonResult", "compare_models",
           "pick_best"]

log = logging.getLogger(__name__)

#: Engine warning codes that make a solution improper.
IMPROPER_CODES = ("heywood_case", "nonpositive_definite", "se_failed", "not_converged",
                  "numerical_problem")
#: The fit measures of the comparison table, per estimator.
TABLE_MEASURES = {
    "ML": ("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower",
           "rmsea_ci_upper", "srmr", "aic", "bic"),
    "MLR": ("npar", "chisq", "df", "chisq_scaled", "df_scaled", "pvalue_scaled",
            "chisq_scaling_factor", "cfi_robust", "tli_robust", "rmsea_robust", "srmr",
            "aic", "bic"),
    "WLSMV": ("npar", "chisq", "df", "chisq_scaled", "df_scaled", "pvalue_scaled",
              "chisq_scaling_factor", "cfi_scaled", "tli_scaled", "rmsea_scaled", "srmr"),
}
#: What picks the best model: BIC where there is a likelihood, else the scaled RMSEA (which
#: carries a parsimony correction; CFI alone would always pick the largest model).
BEST_BY = {"ML": "bic", "MLR": "bic", "WLSMV": "rmsea_scaled"}
_CFI_RMSEA = {"ML": ("cfi", "rmsea"), "MLR": ("cfi_robust", "rmsea_robust"),
              "WLSMV": ("cfi_scaled", "rmsea_scaled")}
KEY_MODEL = "correlated"
#: What a model's fit may raise without stopping the comparison: the engine's refusals and
#: numerical failures. The model is listed as failed.
FIT_FAILURES = (LospwError, ArithmeticError, np.linalg.LinAlgError, ValueError)
#: The fit measures a difference test needs, per estimator.
_TEST_NEEDS = {"ML": ("chisq", "df"), "MLR": ("chisq", "df", "chisq_scaling_factor")}


def _status(converged: bool, codes: list[str]) -> str:
    if not converged:
        return "not_converged"
    return "improper" if set(codes) & set(IMPROPER_CODES) else "ok"


def _untestable(name: str, fit: FitOutcome | None, estimator: str) -> str | None:
    """Why model ``name`` cannot enter a difference test (None: it can)."""
    if fit is None:
        return f"model {name} could not be fitted"
    if not fit.converged:
        return f"model {name} did not converge"
    lacking = [k for k in _TEST_NEEDS.get(estimator, ())
               if not math.isfinite(float(fit.fit.get(k, math.nan)))]
    if lacking:
        return (f"model {name} has no {', '.join(lacking)} (its standard errors or robust "
                "correction failed)")
    return None


def pick_best(rows: list[dict[str, Any]], by: str = "bic") -> str | None:
    """Name of the converged, proper model with the lowest ``by`` (None if there is none).

    Values within 1e-6 of the lowest tie (equivalent models); the first in table order wins.

    Examples
    --------
    >>> pick_best([{"model": "a", "converged": True, "proper": True, "bic": 10.0},
    ...            {"model": "b", "converged": True, "proper": False, "bic": 5.0},
    ...            {"model": "c", "converged": True, "proper": True, "bic": 12.0}])
    'a'
    """
    ok = [r for r in rows if r["converged"] and r["proper"]
          and r.get(by) is not None and not math.isnan(r[by])]
    if not ok:
        return None
    low = min(r[by] for r in ok)
    return next(r["model"] for r in ok if r[by] - low <= 1e-6)


@dataclass(frozen=True)
class ComparisonResult:
    """The model comparison.

    Attributes
    ----------
    estimator, missing : str
    table : tuple of dict
        One row per model: ``model``, ``description``, ``status`` (``ok``, ``improper``,
        ``not_converged``, ``failed``), ``converged``, ``proper``, ``warnings`` (tuple of
        Note) and the fit measures of :data:`TABLE_MEASURES` (NaN for a failed model).
    differences : tuple of dict
        ``restricted``, ``general`` and the :class:`~lospw.analysis.cfa.difftest.DiffTest` fields
        (NaN, the reason in ``note`` and the Note in ``warning`` when the test cannot be
        made).
    best : str or None
        Lowest BIC among converged, proper models.
    best_by : str
        ``"bic"`` (ML, MLR) or ``"rmsea_scaled"`` (WLSMV).
    best_aic, best_cfi : str or None
    contrast : dict or None
        The key's model against the best alternative.
    models : ModelSet
    skipped : tuple of (str, str)
    """

    estimator: str
    missing: str
    table: tuple[dict[str, Any], ...]
    differences: tuple[dict[str, Any], ...]
    best: str | None
    best_by: str
    best_aic: str | None
    best_cfi: str | None
    contrast: dict[str, Any] | None
    models: ModelSet = field(repr=False)
    n_obs: int = 0

    def to_frame(self) -> pd.DataFrame:
        rows = [{**r, "warnings": "; ".join(map(str, r["warnings"]))} for r in self.table]
        return pd.DataFrame(rows)

    def lavaan_script(self, key: Key, data_file: str = "data.csv") -> str:
        """An R script that fits every compared model as lospw did."""
        return lavaan_script(self.models, key, data_file=data_file, estimator=self.estimator,
                             missing=self.missing)

    def to_dict(self) -> dict[str, Any]:
        return {"estimator": self.estimator, "missing": self.missing, "n_obs": self.n_obs,
                "table": [{**r, "warnings": notes_to_dicts(r["warnings"])} for r in self.table],
                "differences": [{k: (v.to_dict() if isinstance(v, Note) else v)
                                 for k, v in d.items()} for d in self.differences],
                "best": self.best, "best_by": self.best_by, "best_aic": self.best_aic,
                "best_cfi": self.best_cfi, "contrast": self.contrast,
                "models": self.models.to_dict()}


def compare_models(items: pd.DataFrame, key: Key, *, estimator: str = "ML",
                   missing: str = "listwise", models: ModelSet | None = None,
                   fitter: Fitter | None = None) -> ComparisonResult:
    """Fit and compare the competing models of ``key`` (see the module docstring).

    Parameters
    ----------
    items : DataFrame
        Canonical responses (``IntakeResult.items``); reverse-keyed items are reversed here.
    key : Key
    estimator : {"ML", "MLR"}
    missing : {"listwise", "fiml"}
    models : ModelSet, optional
        Defaults to ``competing_models(key)``.
    fitter : callable, optional
        Defaults to lospw's CFA engine.

    Raises
    ------
    InputError
        Bad options or missing item columns.
    """
    check_estimator(estimator)
    check_model_missing(estimator, missing)
    absent = [i for i in key.items if i not in items.columns]
    if absent:
        raise InputError(f"{len(absent)} item column(s) of the key are missing from the data: "
                         f"{', '.join(absent[:10])}. Check the column names against the key.")
    if fitter is None:
        fitter = engine_fitter
    models = competing_models(key) if models is None else models
    data = key.reverse_score(items[list(key.items)].astype(float))
    fits: dict[str, FitOutcome] = {}
    rows: list[dict[str, Any]] = []
    extra = {"ordered": True} if estimator == "WLSMV" else {}
    for m in models.models:
        try:
            out = fitter(data, m.syntax, estimator=estimator, missing=missing, **extra)
        except FIT_FAILURES as exc:
            log.warning("model %s could not be fitted: %s", m.name, exc)
            rows.append({"model": m.name, "description": m.description, "status": "failed",
                         "converged": False, "proper": False,
                         "warnings": (Note("model_failed", f"model {m.name} could not be "
                                           f"fitted: {exc}", {"model": m.name}),),
                         **{k: math.nan for k in TABLE_MEASURES[estimator]}})
            continue
        fits[m.name] = out
        status = _status(out.converged, [w.code for w in out.warnings])
        row: dict[str, Any] = {"model": m.name, "description": m.description,
                               "status": status, "converged": out.converged,
                               "proper": status == "ok", "warnings": tuple(out.warnings)}
        row.update({k: float(out.fit.get(k, math.nan)) for k in TABLE_MEASURES[estimator]})
        rows.append(row)
        log.info("model %s: converged %s, chisq %.3f", m.name, out.converged,
                 out.fit.get("chisq", math.nan))
    diffs = [_difference(r, g, fits, estimator) for r, g in models.nested_pairs()]
    best = pick_best(rows, BEST_BY[estimator])
    best_aic = pick_best(rows, "aic") if estimator != "WLSMV" else None
    cfi_name = _CFI_RMSEA[estimator][0]
    best_cfi = pick_best([dict(r, neg_cfi=-r[cfi_name]) for r in rows], "neg_cfi")
    contrast = _contrast(rows, diffs, estimator)
    n_obs = max((f.n_obs for f in fits.values()), default=0)
    return ComparisonResult(estimator, missing, tuple(rows), tuple(diffs), best,
                            BEST_BY[estimator], best_aic, best_cfi, contrast, models, n_obs)


def _difference(restricted: str, general: str, fits: dict[str, FitOutcome],
                estimator: str) -> dict[str, Any]:
    """The difference test of a nested pair, or NaN and why it cannot be made."""
    entry: dict[str, Any] = {"restricted": restricted, "general": general}
    why = (_untestable(restricted, fits.get(restricted), estimator)
           or _untestable(general, fits.get(general), estimator))
    if why is None:
        r, g = fits[restricted], fits[general]
        try:
            if estimator == "WLSMV":
                return {**entry, **engine_difference_test(r, g).to_dict()}
            return {**entry, **difference_test(r.fit, g.fit, estimator=estimator).to_dict()}
        except FIT_FAILURES as exc:
            why = f"the test failed: {exc}"
    log.warning("no difference test of %s against %s: %s", restricted, general, why)
    return {**entry, "chisq_diff": math.nan, "df_diff": math.nan, "pvalue": math.nan,
            "method": None, "note": why,
            "warning": Note("difference_test_unavailable", f"{restricted} vs {general}: {why}",
                            {"restricted": restricted, "general": general})}


def _contrast(rows: list[dict[str, Any]], diffs: list[dict[str, Any]],
              estimator: str) -> dict[str, Any] | None:
    """The key's model against the best alternative (by the estimator's best-by measure)."""
    by_name = {r["model"]: r for r in rows}
    if KEY_MODEL not in by_name:
        return None
    by = BEST_BY[estimator]
    alt = pick_best([r for r in rows if r["model"] != KEY_MODEL], by)
    if alt is None:
        return None
    k, a = by_name[KEY_MODEL], by_name[alt]
    cfi, rmsea = _CFI_RMSEA[estimator]
    out: dict[str, Any] = {
        "model": KEY_MODEL, "alternative": alt, "by": by,
        "delta_cfi": k[cfi] - a[cfi], "delta_rmsea": k[rmsea] - a[rmsea],
        "preferred": KEY_MODEL if k[by] <= a[by] else alt,
        "key_model_proper": k["proper"],
    }
    if by == "bic":
        out.update(delta_bic=k["bic"] - a["bic"], delta_aic=k["aic"] - a["aic"])
    for d in diffs:
        if {d["restricted"], d["general"]} == {KEY_MODEL, alt}:
            out["difference_test"] = dict(d)
    return out
