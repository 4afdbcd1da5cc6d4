"""Summaries of a Monte Carlo plan: the table per N, the loadings table, the recommended N.

What is computed, per sample size N (R replications):

* ``converged``: share of replications whose key-model fit converged; ``proper``: share
  converged *and* proper (no Heywood case, no non-positive-definite matrix, standard errors
  computed); ``alt_converged`` the same for the alternative;
* ``fit_<measure>``: share of the converged replications meeting each cut-off (Hu & Bentler,
  1999: CFI ≥ .95, TLI ≥ .95, RMSEA ≤ .06, SRMR ≤ .08; the estimator's robust or scaled
  versions, :data:`FIT_NAMES`), ``fit_all`` all four together;
* over the converged replications and every loading: bias of the standardized loading
  (mean estimate minus the population value) and relative bias (bias / population value),
  the same for the unstandardized estimate, SE bias ``(mean SE - SD of the estimates) / SD``,
  and the coverage of the 95% Wald interval ``est ± 1.96 SE`` of each *free unstandardized*
  loading for the population's unstandardized value (Muthén & Muthén, 2002), with the
  Monte Carlo standard error of a .95 coverage, ``coverage_mc_se = √(.95 · .05 / R)``;
* ``power``: share of the replications where both models converged whose χ² difference test
  rejects the alternative at α; ``power_normal_theory`` (ML only) the Satorra & Saris (1985)
  approximation ``P(χ²(df, λ) > χ²_(1-α)(df))`` with ``λ = N · ΔF`` from the population
  discrepancies;
* the criteria met; the recommended N is the smallest N tried that meets every computable
  criterion and after which every larger N tried meets them too, and at least COSMIN's
  ``max(7 × items, 100)``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.core.distributions import chi2_ppf, ncx2_cdf

__all__ = ["FIT_CUTOFFS", "Criteria", "PlanResult", "criteria_met", "summarise"]

#: (measure, direction, cut-off): Hu & Bentler (1999).
FIT_CUTOFFS = (("cfi", ">=", 0.95), ("tli", ">=", 0.95), ("rmsea", "<=", 0.06),
               ("srmr", "<=", 0.08))


#: Fit measures recorded per replication, per estimator: (name in the table, engine name).
FIT_NAMES = {
    "ML": {"chisq": "chisq", "df": "df", "pvalue": "pvalue", "cfi": "cfi", "tli": "tli",
           "rmsea": "rmsea", "srmr": "srmr"},
    "MLR": {"chisq": "chisq_scaled", "df": "df", "pvalue": "pvalue_scaled",
            "cfi": "cfi_robust", "tli": "tli_robust", "rmsea": "rmsea_robust", "srmr": "srmr"},
    "WLSMV": {"chisq": "chisq_scaled", "df": "df_scaled", "pvalue": "pvalue_scaled",
              "cfi": "cfi_scaled", "tli": "tli_scaled", "rmsea": "rmsea_scaled",
              "srmr": "srmr"},
}

#: What each replication records (:func:`lospw.analysis.planning.plan.replicate`): scalars,
#: and arrays with one value per loading.
REPLICATION_SCALARS = ("converged", "proper", "chisq", "df", "pvalue", "cfi", "tli", "rmsea",
                       "srmr", "alt_converged", "alt_proper", "alt_chisq", "alt_df",
                       "diff_chisq", "diff_df", "diff_pvalue")
REPLICATION_ARRAYS = ("est", "se", "ci_lower", "ci_upper", "std_all")


@dataclass(frozen=True)
class Criteria:
    """The criteria a sample size must meet (defaults: Muthén & Muthén, 2002; COSMIN).

    Attributes
    ----------
    convergence, proper : float
        Minimum shares of converged / proper solutions.
    power : float
        Minimum power of the χ² difference test at level ``alpha``.
    coverage : (float, float)
        The mean 95% CI coverage over the free loadings must lie in this range, and each
        loading's coverage in it widened by ``mc_allowance`` Monte Carlo standard errors
        ``√(.95 · .05 / R)`` (R converged replications), so that chance alone (the minimum
        of dozens of binomial proportions) does not fail a sample size.
    mc_allowance : float
    relative_bias : float
        Every standardized loading's |relative bias| must stay below this.
    fit_share : float or None
        If given: minimum share of converged replications meeting all four fit cut-offs.
    alpha : float
    cosmin_per_item, cosmin_minimum : int
        COSMIN: at least ``per_item × items`` and at least ``minimum`` respondents.
    """

    convergence: float = 0.95
    proper: float = 0.95
    power: float = 0.80
    coverage: tuple[float, float] = (0.91, 0.98)
    mc_allowance: float = 2.0
    relative_bias: float = 0.10
    fit_share: float | None = None
    alpha: float = 0.05
    cosmin_per_item: int = 7
    cosmin_minimum: int = 100

    def to_dict(self) -> dict[str, Any]:
        return {"convergence": self.convergence, "proper": self.proper, "power": self.power,
                "coverage": list(self.coverage),
                "mc_allowance": self.mc_allowance, "relative_bias": self.relative_bias,
                "fit_share": self.fit_share, "alpha": self.alpha,
                "cosmin_per_item": self.cosmin_per_item,
                "cosmin_minimum": self.cosmin_minimum}


def _meets(value: float, direction: str, cut: float) -> np.ndarray:
    v = np.asarray(value, float)
    with np.errstate(invalid="ignore"):
        return (v >= cut) if direction == ">=" else (v <= cut)


def criteria_met(row: dict[str, Any], criteria: Criteria) -> dict[str, bool | None]:
    """Which criteria a summary row meets (None: not computable, e.g. no test available).

    Examples
    --------
    >>> row = {"n": 300, "cosmin_minimum": 252, "converged": 1.0, "proper": 0.97,
    ...        "power": 0.9, "coverage_mean": 0.95, "coverage_min": 0.93,
    ...        "coverage_max": 0.96, "coverage_mc_se": 0.01,
    ...        "rel_bias_std_max": 0.02, "fit_all": 0.5}
    >>> criteria_met(row, Criteria())["proper"], criteria_met(row, Criteria())["power"]
    (True, True)
    """
    def ok(x: float, test) -> bool | None:
        return None if x is None or not math.isfinite(x) else bool(test(x))

    lo, hi = criteria.coverage
    out = {
        "convergence": ok(row["converged"], lambda x: x >= criteria.convergence),
        "proper": ok(row["proper"], lambda x: x >= criteria.proper),
        "power": ok(row["power"], lambda x: x >= criteria.power),
        "coverage": _coverage_ok(row, lo, hi, criteria.mc_allowance),
        "relative_bias": ok(row["rel_bias_std_max"], lambda x: x < criteria.relative_bias),
        "cosmin": bool(row["n"] >= row["cosmin_minimum"]),
    }
    if criteria.fit_share is not None:
        out["fit"] = ok(row["fit_all"], lambda x: x >= criteria.fit_share)
    return out


def _coverage_ok(row: dict[str, Any], lo: float, hi: float, allowance: float) -> bool | None:
    """Mean coverage in [lo, hi]; every loading's within it widened by the MC allowance."""
    if not math.isfinite(row["coverage_mean"]):
        return None
    slack = allowance * row["coverage_mc_se"]
    return bool(lo <= row["coverage_mean"] <= hi and row["coverage_min"] >= lo - slack
                and row["coverage_max"] <= hi + slack)


@dataclass(frozen=True)
class PlanResult:
    """A Monte Carlo sample-size plan.

    Attributes
    ----------
    summary : DataFrame
        One row per N (see the module docstring for the columns).
    loadings : DataFrame
        One row per N and loading: population values, mean estimates, bias, relative bias,
        SE bias, coverage.
    replications : DataFrame
        One row per N and replication: convergence, fit, the difference test.
    reference : dict
        Population values and the alternatives' population discrepancies
        (:func:`lospw.analysis.planning.plan.prepare`).
    recommended : dict
        ``n`` (or None), ``n_collect`` (N allowing for the population's unusable
        respondents) and ``reason``.
    config : dict
        Estimator, sizes, replications, seed and seed rule, alternative, criteria,
        population (file name, SHA-256, synthetic).
    """

    summary: pd.DataFrame
    loadings: pd.DataFrame
    replications: pd.DataFrame
    reference: dict[str, Any] = field(repr=False)
    recommended: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        return self.summary.copy()

    def to_dict(self) -> dict[str, Any]:
        ref = dict(self.reference)
        ref["loadings"] = self.reference["loadings"]
        return {"config": self.config, "recommended": self.recommended,
                "summary": self.summary, "loadings": self.loadings, "reference": ref,
                "notes": NOTES}


NOTES = {
    "synthetic": "Monte Carlo replications drawn from a written-down (SYNTHETIC) population "
                 "model; not real data.",
    "sample_size": "N counts usable, complete responses: the simulation has no careless "
                   "respondents and no missing answers; collect n_collect to allow for the "
                   "unusable share the population model expects.",
    "reference_values": "Population values of the loadings are the estimator's pseudo-true "
                        "values: for ML/MLR the key's model fitted to the exact population "
                        "covariance matrix of the category scores; for WLSMV the WLSMV fit "
                        "of one sample of 50,000 from the population (DWLS pseudo-true "
                        "values; the ML fit of the exact polychoric limit is given beside "
                        "them as limit_est / limit_std_all).",
    "coverage": "Coverage compares each free loading's unstandardized 95% Wald interval "
                "(est +- 1.96 SE, marker-variable scaling) with the population's "
                "unstandardized value in the same metric: the 1-C score metric for ML/MLR, "
                "the unit-variance latent-response (delta) metric for WLSMV.",
    "bias": "Bias compares standardized loadings (std.all) with the population's "
            "standardized values; for ML on Likert scores these are the attenuated "
            "loadings of the scores, not the latent-response loadings.",
    "power": "Power is the share of replications (both models converged) whose chi-square "
             "difference test rejects the alternative at alpha: plain for ML, "
             "Satorra-Bentler (2001) for MLR, the engine's scaled-shifted test for WLSMV.",
}


def _loading_stats(reference: pd.DataFrame, rec: dict[str, np.ndarray],
                   conv: np.ndarray) -> pd.DataFrame:
    true_std = reference["std_all"].to_numpy(float)
    true_est = reference["est"].to_numpy(float)
    free = reference["free"].to_numpy(bool)
    k = int(conv.sum())
    out = reference.rename(columns={"est": "pop_est", "std_all": "pop_std"}).copy()
    if k == 0:
        for c in ("mean_std", "bias_std", "rel_bias_std", "mean_est", "rel_bias_est",
                  "sd_est", "mean_se", "se_bias", "coverage"):
            out[c] = math.nan
        out["n_converged"] = 0
        return out
    std = rec["std_all"][conv]
    est = rec["est"][conv]
    se = rec["se"][conv]
    lo, hi = rec["ci_lower"][conv], rec["ci_upper"][conv]
    mean_std = std.mean(axis=0)
    mean_est = est.mean(axis=0)
    sd_est = est.std(axis=0, ddof=1) if k > 1 else np.full(est.shape[1], math.nan)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns (fixed markers)
        # a converged fit without standard errors (se_failed) has no interval: it is left
        # out of the SE mean and the coverage of that loading, not counted as a miss
        mean_se = np.nanmean(se, axis=0)
        has_ci = np.isfinite(lo) & np.isfinite(hi)
        cover = (((lo <= true_est) & (true_est <= hi) & has_ci).sum(axis=0)
                 / has_ci.sum(axis=0))
        out["mean_std"] = mean_std
        out["bias_std"] = mean_std - true_std
        out["rel_bias_std"] = (mean_std - true_std) / true_std
        out["mean_est"] = mean_est
        out["rel_bias_est"] = np.where(free, (mean_est - true_est) / true_est, math.nan)
        out["sd_est"] = np.where(free, sd_est, math.nan)
        out["mean_se"] = np.where(free, mean_se, math.nan)
        out["se_bias"] = np.where(free, (mean_se - sd_est) / sd_est, math.nan)
    out["coverage"] = np.where(free, cover, math.nan)
    out["n_converged"] = k
    return out


def _nanmax_abs(x: pd.Series) -> float:
    v = np.abs(x.to_numpy(float))
    return float(np.nanmax(v)) if np.isfinite(v).any() else math.nan


def _agg(x: pd.Series, how: str) -> float:
    v = x.to_numpy(float)
    v = v[np.isfinite(v)]
    if not len(v):
        return math.nan
    return float({"mean": np.mean, "min": np.min, "max": np.max}[how](v))


def summarise(setup: Any, reference: dict[str, Any], sizes: list[int], reps: int, seed: int,
              records: list[dict[str, Any]], criteria: Criteria,
              population: dict[str, Any]) -> PlanResult:
    """Build the :class:`PlanResult` from the replications (in task order: N, then r)."""
    n_items = len(setup.population.items)
    cosmin = max(criteria.cosmin_per_item * n_items, criteria.cosmin_minimum)
    alt = reference["alternatives"].set_index("model").loc[setup.alternative]
    rep_rows, summary_rows, loading_frames = [], [], []
    for i, n in enumerate(sizes):
        block = records[i * reps:(i + 1) * reps]
        for r, rec in enumerate(block):
            rep_rows.append({"n": n, "rep": r, **{k: rec[k] for k in REPLICATION_SCALARS},
                             "warnings": rec["warnings"], "error": rec["error"]})
        arr = {k: np.vstack([rec[k] for rec in block]) for k in REPLICATION_ARRAYS}
        conv = np.array([bool(rec["converged"]) for rec in block])
        scal = pd.DataFrame([{k: rec[k] for k in REPLICATION_SCALARS} for rec in block])
        lstats = _loading_stats(reference["loadings"], arr, conv)
        lstats.insert(0, "n", n)
        loading_frames.append(lstats)
        row: dict[str, Any] = {"n": n, "reps": reps,
                               "converged": float(conv.mean()),
                               "proper": float(scal["proper"].astype(bool).mean()),
                               "alt_converged": float(scal["alt_converged"].astype(bool).mean()),
                               "errors": int(sum(bool(rec["error"]) for rec in block))}
        c = scal[conv]
        all_ok = np.ones(len(c), dtype=bool)
        for name, direction, cut in FIT_CUTOFFS:
            ok = _meets(c[name], direction, cut) if len(c) else np.array([], bool)
            row[f"fit_{name}"] = float(ok.mean()) if len(c) else math.nan
            row[f"mean_{name}"] = float(c[name].mean()) if len(c) else math.nan
            all_ok &= ok
        row["fit_all"] = float(all_ok.mean()) if len(c) else math.nan
        both = conv & scal["alt_converged"].astype(bool).to_numpy() & np.isfinite(
            scal["diff_pvalue"].to_numpy(float))
        row["power_n"] = int(both.sum())
        row["power"] = (float((scal["diff_pvalue"].to_numpy(float)[both] < criteria.alpha)
                              .mean()) if both.any() else math.nan)
        row["power_normal_theory"] = (
            _normal_theory_power(n, float(alt["delta_F"]), float(alt["df_diff"]),
                                 criteria.alpha) if setup.estimator == "ML" else math.nan)
        row["rel_bias_std_mean"] = _agg(lstats["rel_bias_std"].abs(), "mean")
        row["rel_bias_std_max"] = _nanmax_abs(lstats["rel_bias_std"])
        row["rel_bias_est_max"] = _nanmax_abs(lstats["rel_bias_est"])
        row["se_bias_max"] = _nanmax_abs(lstats["se_bias"])
        row["coverage_mean"] = _agg(lstats["coverage"], "mean")
        row["coverage_min"] = _agg(lstats["coverage"], "min")
        row["coverage_max"] = _agg(lstats["coverage"], "max")
        k = int(conv.sum())
        row["coverage_mc_se"] = math.sqrt(0.95 * 0.05 / k) if k else math.nan
        row["cosmin_minimum"] = cosmin
        met = criteria_met(row, criteria)
        row["failed"] = ";".join(k for k, v in met.items() if v is False)
        row["not_computed"] = ";".join(k for k, v in met.items() if v is None)
        row["meets"] = all(v is not False for v in met.values())
        summary_rows.append(row)
    summary = pd.DataFrame(summary_rows)
    recommended = _recommend(summary, population.get("unusable_share", 0.0))
    config = {
        "estimator": setup.estimator, "sizes": sizes, "reps": reps, "seed": seed,
        "seed_rule": "replication r at size N uses numpy SeedSequence(seed, spawn_key=(N, r))",
        "key_model": reference["key_model"], "alternative": reference["alternative"],
        "alternatives": reference["alternatives"], "reference_moments": reference["moments"],
        "criteria": criteria.to_dict(),
        "fit_cutoffs": [{"measure": m, "engine_name": _fit_name(setup.estimator, m),
                         "direction": d, "cutoff": c} for m, d, c in FIT_CUTOFFS],
        "population": population,
    }
    return PlanResult(summary, pd.concat(loading_frames, ignore_index=True),
                      pd.DataFrame(rep_rows), reference, recommended, config)


def _fit_name(estimator: str, measure: str) -> str:
    return FIT_NAMES[estimator][measure]


def _normal_theory_power(n: int, delta_f: float, df: float, alpha: float) -> float:
    """Satorra & Saris (1985): power of the LR test with noncentrality ``n · ΔF``.

    Examples
    --------
    >>> round(_normal_theory_power(200, 0.05, 3, 0.05), 4)  # R: pchisq(qchisq(.95, 3), 3, 10, FALSE)
    0.7611
    """
    if not (math.isfinite(delta_f) and df > 0):
        return math.nan
    crit = float(chi2_ppf(1 - alpha, df))
    return 1.0 - float(ncx2_cdf(crit, df, max(n * delta_f, 1e-12)))


def _recommend(summary: pd.DataFrame, unusable: float) -> dict[str, Any]:
    meets = summary["meets"].to_numpy(bool)
    ns = summary["n"].to_numpy(int)
    n_rec = None
    for i in range(len(ns)):
        if meets[i:].all():
            n_rec = int(ns[i])
            break
    if n_rec is None:
        failed = summary["failed"].iloc[-1]
        return {"n": None, "n_collect": None,
                "reason": f"no N tried meets every criterion (at N = {int(ns[-1])}: "
                          f"{(failed or 'not met at a smaller N').replace(';', ', ')}); try larger sizes"}
    skipped = summary.loc[summary["n"] == n_rec, "not_computed"].iloc[0]
    n_collect = math.ceil(n_rec / (1 - unusable)) if unusable < 1 else None
    reason = ("smallest N tried meeting every criterion, as does every larger N tried"
              + (f" (not computed: {skipped})" if skipped else ""))
    return {"n": n_rec, "n_collect": n_collect, "unusable_share": unusable, "reason": reason}
