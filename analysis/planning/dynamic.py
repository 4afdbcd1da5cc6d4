"""Dynamic fit index cutoffs (McNeish & Wolf, 2023) for a fitted CFA model.

Fixed cutoffs (CFI > .95, RMSEA < .06, SRMR < .08; Hu & Bentler, 1999) were derived for
particular models and continuous data. McNeish & Wolf instead simulate, for the model at
hand and its sample size, how the fit indices are distributed when the model is right and
when it omits parameters of a stated size, and take as cutoff the value that separates the
two distributions:

1. The population is the fitted model's standardized solution
   (:func:`lospw.analysis.planning.misspecification.standardized_population`); the
   misspecified populations add omitted residual correlations (one factor) or
   cross-loadings (several factors), level by level
   (:func:`~lospw.analysis.planning.misspecification.misspecification_levels`).
2. For the correct population (level 0) and each level, ``reps`` data sets of the analysed
   N are drawn and the *analysed* model is fitted to each with the estimator of the fit:

   ========  ===========================================  ==================================
   ML        multivariate normal (``cfaOne`` / ``cfaHB``)  srmr, rmsea, cfi
   MLR       the analysed complete rows transformed to     srmr, rmsea_robust, cfi_robust
             the population covariance (Bollen & Stine,
             1992; ``semTools::bsBootMiss``
             transformation 1), N rows resampled with
             replacement (``nnorOne`` / ``nnorHB``): keeps
             the data's non-normality
   WLSMV     normal latent responses cut at the fitted     srmr, rmsea_scaled, cfi_scaled
             standardized thresholds (``catOne`` /
             ``catHB``; McNeish, 2023)
   ========  ===========================================  ==================================

3. Per level and index, :func:`cutoff_rule`: the 95/5 rule, else 90/10, else none
   (:data:`None`): the distributions overlap too much to separate.

Replications are independent tasks seeded ``SeedSequence(seed, spawn_key=(level, rep))``
(:func:`lospw.analysis.planning.plan.replication_seed`) and run by
:func:`lospw.analysis.core.parallel.run_tasks`, so the result is the same on one worker, on
K local workers or on a Dask cluster. A replication whose fit fails or does not converge is
dropped from the distributions and counted.

Departures from the ``dynamic`` package: N is the analysed N (``dynamic`` caps it at
2000); ties between factors' H are broken by model order (``dynamic``: a random jitter);
MLR and WLSMV go with the fit's estimator (``cfaHB`` refuses MLR, ``catHB`` exists
separately). Tested against an independent R implementation and the ``dynamic``
vignette's published cutoffs (``tests/reference/dynamic_cutoffs.R``).

References
----------
McNeish, D., & Wolf, M. G. (2023a). Dynamic fit index cutoffs for confirmatory factor
analysis models. Psychological Methods, 28(1), 61-88.
McNeish, D., & Wolf, M. G. (2023b). Dynamic fit index cutoffs for one-factor models.
Behavior Research Methods, 55, 1157-1174.
McNeish, D. (2023). Dynamic fit index cutoffs for categorical factor analysis with
Likert-type, ordinal, or binary responses. American Psychologist, 78(9), 1061-1075.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.cfa import fit_cfa
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.parallel import run_tasks
from lospw.analysis.planning.misspecification import (
    MisspecificationLevel,
    misspecification_levels,
    standardized_population,
)
from lospw.analysis.planning.plan import FIT_NAMES, replication_seed

__all__ = ["DYNAMIC_INDICES", "DynamicFitResult", "DynamicLevel", "cutoff_rule",
           "dynamic_cutoffs", "judge_dynamic"]

log = logging.getLogger(__name__)

#: The indices given cutoffs, in the interface's names.
DYNAMIC_INDICES = ("srmr", "rmsea", "cfi")
_HIGHER_IS_BETTER = {"srmr": False, "rmsea": False, "cfi": True}
_RULES = ((0.95, "95/5"), (0.90, "90/10"))


def cutoff_rule(correct: Any, misspecified: Any, index: str
                ) -> tuple[float | None, str]:
    """McNeish & Wolf's cutoff for one index and one misspecification level.

    Parameters
    ----------
    correct, misspecified : array
        The index over the replications of the correct and the misspecified population
        (NaN dropped).
    index : {"srmr", "rmsea", "cfi"}

    Returns
    -------
    cutoff : float or None
        None when neither rule holds.
    rule : {"95/5", "90/10", "none"}

    Notes
    -----
    For SRMR and RMSEA (lower is better) the 95/5 rule takes ``c = q_.05(misspecified)`` and
    holds when ``q_.95(correct) < c``: 95% of the misspecified replications fit worse than
    ``c`` while 95% of the correct ones fit better. Else the 90/10 rule (``q_.10`` /
    ``q_.90``); else none. For CFI the mirror image (``c = q_.95(misspecified)``, holds when
    ``q_.05(correct) > c``). Quantiles as R's ``quantile(type = 7)`` (numpy's default).

    Examples
    --------
    >>> correct = np.linspace(0.00, 0.04, 101)
    >>> cut, rule = cutoff_rule(correct, correct + 0.05, "srmr")
    >>> round(cut, 6), rule
    (0.052, '95/5')
    >>> cutoff_rule(correct, correct + 0.001, "srmr")
    (None, 'none')
    """
    if index not in _HIGHER_IS_BETTER:
        raise InputError(f"The index must be one of {', '.join(DYNAMIC_INDICES)}; got {index!r}.")
    c = np.asarray(correct, dtype=float)
    m = np.asarray(misspecified, dtype=float)
    c, m = c[np.isfinite(c)], m[np.isfinite(m)]
    if c.size == 0 or m.size == 0:
        return None, "none"
    for p, name in _RULES:
        if _HIGHER_IS_BETTER[index]:
            cut = float(np.quantile(m, p))
            holds = float(np.quantile(c, 1.0 - p)) > cut
        else:
            cut = float(np.quantile(m, 1.0 - p))
            holds = float(np.quantile(c, p)) < cut
        if holds:
            return cut, name
    return None, "none"


# -- replications ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Setup:
    """What every replication needs (sent to each worker once)."""

    syntax: str
    estimator: str
    n: int
    items: tuple[str, ...]
    chol: tuple[np.ndarray, ...]           # lower Cholesky factor of each level's Sigma
    thresholds: dict[str, np.ndarray] | None
    resample: tuple[np.ndarray, ...] | None  # MLR: the transformed rows per level
    options: dict[str, Any]


def _draw(setup: _Setup, level: int, gen: np.random.Generator) -> np.ndarray:
    if setup.resample is not None:
        rows = setup.resample[level]
        return rows[gen.integers(0, rows.shape[0], size=setup.n)]
    z = gen.standard_normal((setup.n, len(setup.items))) @ setup.chol[level].T
    if setup.thresholds is not None:
        for j, item in enumerate(setup.items):
            z[:, j] = 1.0 + np.searchsorted(setup.thresholds[item], z[:, j], side="left")
    return z


def _replicate(setup: _Setup, level: int, rep: int, seed: int) -> tuple[float, ...]:
    """One replication: (srmr, rmsea, cfi, converged, error flag); NaN where it failed."""
    gen = np.random.Generator(np.random.PCG64(replication_seed(seed, level, rep)))
    x = _draw(setup, level, gen)
    names = FIT_NAMES[setup.estimator]
    try:
        if setup.estimator == "ML":
            cov = pd.DataFrame(np.cov(x, rowvar=False), index=setup.items, columns=setup.items)
            res = fit_cfa(None, setup.syntax, estimator="ML", sample_cov=cov,
                          sample_nobs=setup.n, **setup.options)
        else:
            frame = pd.DataFrame(x, columns=list(setup.items))
            res = fit_cfa(frame, setup.syntax, estimator=setup.estimator,
                          ordered=list(setup.items) if setup.thresholds is not None else None,
                          **setup.options)
    except Exception as exc:  # a failed fit is an outcome of the replication, not a crash
        log.debug("dynamic replication (%d, %d) failed: %s", level, rep, exc)
        return (math.nan, math.nan, math.nan, 0.0, 1.0)
    if not res.converged:
        return (math.nan, math.nan, math.nan, 0.0, 0.0)
    return (*(float(res.fit.get(names[i], math.nan)) for i in DYNAMIC_INDICES), 1.0, 0.0)


def _bollen_stine(x: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Rows ``x`` (complete) transformed to covariance ``sigma`` and mean 0:
    ``Xc U_S^-1 U_Sigma`` with ``U`` upper Cholesky factors, ``S = Xc'Xc / N``
    (``semTools``' transformation 1)."""
    xc = x - x.mean(axis=0)
    s = xc.T @ xc / xc.shape[0]
    u_s = np.linalg.cholesky(s).T
    u_sigma = np.linalg.cholesky(sigma).T
    return np.linalg.solve(u_s.T, xc.T).T @ u_sigma


# -- results ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class DynamicLevel:
    """Cutoffs of one misspecification level.

    ``cutoffs`` / ``rules`` map each index to its cutoff (None: no cutoff) and the rule that
    gave it (``95/5``, ``90/10``, ``none``).
    """

    level: int
    misspecification: str
    added: tuple[dict[str, Any], ...]
    cutoffs: dict[str, float | None]
    rules: dict[str, str]
    converged: int
    failed: int

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "misspecification": self.misspecification,
                **{i: self.cutoffs[i] for i in DYNAMIC_INDICES},
                "rule": dict(self.rules), "added": [dict(a) for a in self.added],
                "converged": self.converged, "failed": self.failed}


@dataclass(frozen=True)
class DynamicFitResult:
    """Dynamic fit cutoffs of one fitted model.

    Attributes
    ----------
    estimator : str
    reps, seed, n : int
    model_type : {"one_factor", "multi_factor"}
    indices : dict
        Interface name -> the engine's fit-measure name (``rmsea`` -> ``rmsea_robust`` ...).
    observed : dict
        The fitted model's values of the indices.
    levels : tuple of DynamicLevel
    correct : dict
        ``converged`` and ``failed`` counts of the correct population's replications.
    replications : DataFrame
        ``population`` (0 = correct, L = level L), ``rep``, the indices, ``converged``.
    """

    estimator: str
    reps: int
    seed: int
    n: int
    model_type: str
    indices: dict[str, str]
    observed: dict[str, float]
    levels: tuple[DynamicLevel, ...]
    correct: dict[str, int]
    replications: pd.DataFrame = field(repr=False)
    model: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The ``"dynamic"`` block of ``lospw cfa --dynamic --json``."""
        return {"estimator": self.estimator, "reps": self.reps, "seed": self.seed,
                "n": self.n, "model_type": self.model_type, "indices": dict(self.indices),
                "observed": dict(self.observed),
                "levels": [lv.to_dict() for lv in self.levels],
                "correct": dict(self.correct),
                "distributions": self.distributions(),
                "method": "McNeish & Wolf (2023): 95/5 rule, else 90/10, else none"}

    def distributions(self) -> dict[str, dict[str, dict[str, float]]]:
        """Per population (``correct``, ``level1`` ...) and index: mean, SD and quantiles."""
        out: dict[str, dict[str, dict[str, float]]] = {}
        rep = self.replications
        for pop, frame in rep.groupby("population", sort=True):
            name = "correct" if pop == 0 else f"level{pop}"
            out[name] = {}
            for i in DYNAMIC_INDICES:
                v = frame[i].to_numpy(float)
                v = v[np.isfinite(v)]
                if v.size == 0:
                    continue
                qs = np.quantile(v, [0.05, 0.10, 0.5, 0.90, 0.95])
                out[name][i] = {"mean": float(v.mean()), "sd": float(v.std(ddof=1))
                                if v.size > 1 else math.nan,
                                **{k: float(q) for k, q in zip(
                                    ("q05", "q10", "q50", "q90", "q95"), qs, strict=True)}}
        return out

    def to_frame(self) -> pd.DataFrame:
        """The replications (one row per data set)."""
        return self.replications.copy()

    def meets(self, level: int = 1) -> dict[str, bool | None]:
        """Whether the observed value of each index is better than the level's cutoff
        (None where the level has no cutoff for it)."""
        lv = next((x for x in self.levels if x.level == level), None)
        if lv is None:
            raise InputError(f"There is no misspecification level {level}; the model has "
                             f"{len(self.levels)}.")
        out: dict[str, bool | None] = {}
        for i in DYNAMIC_INDICES:
            cut, obs = lv.cutoffs[i], self.observed.get(i)
            if cut is None or obs is None or not math.isfinite(obs):
                out[i] = None
            else:
                out[i] = obs > cut if _HIGHER_IS_BETTER[i] else obs < cut
        return out


def judge_dynamic(block: dict[str, Any], level: int = 1, require: str = "any"
                  ) -> tuple[str, str, dict[str, Any]]:
    """Structural validity by the dynamic cutoffs of one level: (verdict, text, values).

    Parameters
    ----------
    block : dict
        :meth:`DynamicFitResult.to_dict` (``dynamic/dynamic.json``).
    level : int
        The misspecification level whose cutoffs apply.
    require : {"any", "all"}
        Sufficient when one (``any``) or every (``all``) index that has a cutoff is better
        than it.

    Returns
    -------
    verdict : {"sufficient", "insufficient", "indeterminate"}
        Indeterminate when the level does not exist or has no cutoff at all.
    text : str
    values : dict
        ``<index>`` observed value and ``<index>_cutoff`` per index.

    Examples
    --------
    >>> block = {"indices": {"srmr": "srmr", "rmsea": "rmsea", "cfi": "cfi"},
    ...          "observed": {"srmr": .04, "rmsea": .07, "cfi": .97},
    ...          "levels": [{"level": 1, "srmr": .05, "rmsea": .06, "cfi": None}]}
    >>> judge_dynamic(block, 1)[0], judge_dynamic(block, 1, "all")[0]
    ('sufficient', 'insufficient')
    >>> judge_dynamic(block, 2)[0]
    'indeterminate'
    """
    lv = next((x for x in block.get("levels", []) if x.get("level") == level), None)
    if lv is None:
        n = len(block.get("levels", []))
        return ("indeterminate", f"the model has {n} misspecification level(s), not level "
                f"{level}", {})
    names = block.get("indices", {})
    parts, met, values = [], [], {}
    for i in DYNAMIC_INDICES:
        obs, cut = block.get("observed", {}).get(i), lv.get(i)
        name = names.get(i, i)
        values[name], values[f"{name}_cutoff"] = obs, cut
        if cut is None or obs is None or not math.isfinite(obs):
            parts.append(f"{name} {_fmt(obs)} (no cutoff)" if cut is None
                         else f"{name} absent")
            continue
        ok = obs > cut if _HIGHER_IS_BETTER[i] else obs < cut
        met.append(ok)
        sign = ">" if _HIGHER_IS_BETTER[i] else "<"
        parts.append(f"{name} {_fmt(obs)} {'' if ok else 'not '}{sign} {_fmt(cut)}")
    if not met:
        verdict = "indeterminate"
    elif require == "any":
        verdict = "sufficient" if any(met) else "insufficient"
    else:
        verdict = "sufficient" if all(met) else "insufficient"
    return verdict, "; ".join(parts) + f" (level {level}: {lv.get('misspecification', '')})", \
        values


def _fmt(x: float | None) -> str:
    return "NA" if x is None or not math.isfinite(x) else f"{x:.3f}"


Progress = Callable[[int, int], None]


def _check_int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise InputError(f"The {name} must be a whole number >= {low}; got {value!r}.")
    return int(value)


def dynamic_cutoffs(result: Any, data: pd.DataFrame | None = None, *, reps: int = 500,
                    seed: int = 1, jobs: int = 1, scheduler: str | None = None,
                    progress: Progress | None = None) -> DynamicFitResult:
    """McNeish & Wolf's dynamic fit cutoffs for a fitted model (module docstring).

    Parameters
    ----------
    result : CFAResult
        A converged one-group CFA (ML, MLR or WLSMV).
    data : DataFrame, optional
        The data it was fitted to (columns named as the model's items); needed for MLR,
        whose replications resample its complete rows.
    reps : int
        Replications per population (the ``dynamic`` package and its app use 500).
    seed : int
        Root seed (recorded).
    jobs, scheduler
        Local worker processes or a Dask scheduler's address
        (:func:`lospw.analysis.core.parallel.run_tasks`); the result does not depend on them.
    progress : callable, optional
        ``progress(done, total)``.

    Returns
    -------
    DynamicFitResult

    Raises
    ------
    InputError
        A model the procedure does not cover (several groups, regressions, higher-order
        factors, just identified, too few eligible items, an improper solution), bad
        options, or MLR without its data.
    """
    reps = _check_int("number of replications", reps, 10)
    seed = _check_int("seed", seed, 0)
    estimator = str(result.estimator).upper()
    if estimator not in FIT_NAMES:
        raise InputError(f"Dynamic fit cutoffs support the estimators ML, MLR and WLSMV; the "
                         f"model was fitted with {estimator}.")
    pop = standardized_population(result)
    if estimator == "WLSMV" and pop.thresholds is None:
        raise InputError("A WLSMV fit without thresholds: dynamic cutoffs for WLSMV need "
                         "ordered items.")
    levels: tuple[MisspecificationLevel, ...] = misspecification_levels(
        pop, df=result.fit.get("df"))
    sigmas = [pop.sigma(), *(lv.population.sigma() for lv in levels)]
    resample = None
    if estimator == "MLR":
        resample = tuple(_bollen_stine(_complete_rows(result, data, pop.items), s)
                         for s in sigmas)
    opts = {k: result.options[k] for k in ("std_lv", "orthogonal") if k in result.options}
    setup = _Setup(syntax=result.model, estimator=estimator, n=int(result.n_obs),
                   items=pop.items, chol=tuple(np.linalg.cholesky(s) for s in sigmas),
                   thresholds=pop.thresholds if estimator == "WLSMV" else None,
                   resample=resample, options=opts)
    tasks = [(level, r, seed) for level in range(len(sigmas)) for r in range(reps)]
    log.info("dynamic fit cutoffs: %d populations x %d replications, %s, N = %d",
             len(sigmas), reps, estimator, setup.n)
    out = run_tasks(_replicate, tasks, shared=setup, jobs=jobs, scheduler=scheduler,
                    progress=progress)
    reps_frame = pd.DataFrame(
        [(lv, r, *v) for (lv, r, _), v in zip(tasks, out, strict=True)],
        columns=["population", "rep", *DYNAMIC_INDICES, "converged", "error"])
    reps_frame["converged"] = reps_frame["converged"].astype(bool)
    reps_frame["error"] = reps_frame["error"].astype(bool)
    correct = reps_frame[reps_frame["population"] == 0]
    done = []
    for lv in levels:
        miss = reps_frame[reps_frame["population"] == lv.level]
        cuts, rules = {}, {}
        for i in DYNAMIC_INDICES:
            cuts[i], rules[i] = cutoff_rule(correct[i], miss[i], i)
        done.append(DynamicLevel(lv.level, lv.misspecification, lv.added, cuts, rules,
                                 int(miss["converged"].sum()), int(miss["error"].sum())))
    names = FIT_NAMES[estimator]
    return DynamicFitResult(
        estimator=estimator, reps=reps, seed=seed, n=setup.n,
        model_type="one_factor" if len(pop.factors) == 1 else "multi_factor",
        indices={i: names[i] for i in DYNAMIC_INDICES},
        observed={i: float(result.fit.get(names[i], math.nan)) for i in DYNAMIC_INDICES},
        levels=tuple(done),
        correct={"converged": int(correct["converged"].sum()),
                 "failed": int(correct["error"].sum())},
        replications=reps_frame.drop(columns="error"), model=result.model)


def _complete_rows(result: Any, data: pd.DataFrame | None, items: tuple[str, ...]
                   ) -> np.ndarray:
    if data is None:
        raise InputError("Dynamic cutoffs for MLR resample the analysed data; pass the data "
                         "the model was fitted to.")
    absent = [i for i in items if i not in data.columns]
    if absent:
        raise InputError(f"The data lack the model's item(s) {', '.join(absent[:5])}.")
    x = data[list(items)].apply(pd.to_numeric, errors="coerce").dropna().to_numpy(float)
    if x.shape[0] <= len(items):
        raise InputError(f"Dynamic cutoffs for MLR need more complete rows ({x.shape[0]}) than "
                         f"items ({len(items)}).")
    return x
