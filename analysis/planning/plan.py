"""Monte Carlo sample-size planning on an instrument's own population model.

For every planned sample size N and every replication r, :func:`plan_sample_size`

1. draws a data set of N respondents from the population model (:func:`lospw.analysis.planning.simulate.
   simulate`; the measurement model only: careless respondents and missing answers are
   switched off, so N counts usable, complete responses);
2. fits the key's model (every scale a factor, factors correlated: for LOS-PW the six-factor
   model) and one alternative nested in it (:mod:`lospw.analysis.validation.models`) with the chosen
   estimator;
3. records convergence, whether the solution is proper, the fit measures, the loadings with
   their standard errors and 95% confidence intervals, and the χ² difference test of the
   alternative against the key's model.

:mod:`lospw.analysis.planning.summary` turns the replications into the table per N (convergence,
proper solutions, fit criteria met, bias and coverage of the loadings, power) and the
recommended N.

Seeds: replication r at sample size N draws from ``SeedSequence(seed, spawn_key=(N, r))``
(the r-th child of the N-th child of the root seed; keyed by the value of N, so a run with
fewer or more sizes gives the same replications for the sizes it shares). Every replication
is computed from its own seed alone, so the results are identical on one worker, on K local
workers and on a Dask cluster.

Reference ("population") values of the loadings are the estimator's pseudo-true values: the
key's model fitted to the population moments the estimator targets (exact, from
:mod:`lospw.analysis.planning.population_moments`): for ML and MLR the covariance matrix of the 1-C scores;
for WLSMV the engine's WLSMV fit of one sample of 50,000 (DWLS weights have no closed form;
the ML fit of the exact polychoric limit is kept beside it). For a correctly specified model these are
the true values; where the population has flaws the model omits (a cross-loading, a
non-invariant item), they are what the estimator can at best recover. See DESIGN.md.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from lospw.analysis.cfa import fit_cfa
from lospw.analysis.cfa.difftest import difference_test
from lospw.analysis.core.artifacts import sha256_file
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.options import check_estimator
from lospw.analysis.core.parallel import run_tasks, start_workers
from lospw.analysis.planning.population import MAX_SIMULATED_N
from lospw.analysis.planning.population_moments import polychoric_limit, score_moments
from lospw.analysis.planning.simulate import simulate
from lospw.analysis.planning.summary import (
    FIT_NAMES,
    REPLICATION_ARRAYS,
    REPLICATION_SCALARS,
    Criteria,
    summarise,
)
from lospw.analysis.validation.models import competing_models

__all__ = ["ALTERNATIVES", "PlanSetup", "plan_sample_size", "prepare", "replicate",
           "replication_seed"]

log = logging.getLogger(__name__)

KEY_MODEL = "correlated"
#: Alternatives nested in the key's model that :func:`prepare` can test it against.
ALTERNATIVES = ("grouped", "one_factor", "second_order")
#: Sample size used when fitting to population moments (only the χ² scales with it).
_POP_N = 1_000_000
#: Size and workplaces of the sample giving WLSMV's pseudo-true values (:func:`prepare`).
_DWLS_N = 50_000
_DWLS_WORKPLACES = 5_000
_IMPROPER = ("heywood_case", "nonpositive_definite", "se_failed", "not_converged")


def replication_seed(seed: int, n: int, rep: int) -> np.random.SeedSequence:
    """The seed of replication ``rep`` at sample size ``n``.

    Equal to ``SeedSequence(seed).spawn(n + 1)[n].spawn(rep + 1)[rep]``.

    Examples
    --------
    >>> a = replication_seed(7, 300, 2)
    >>> b = np.random.SeedSequence(7).spawn(301)[300].spawn(3)[2]
    >>> bool((a.generate_state(4) == b.generate_state(4)).all())
    True
    """
    return np.random.SeedSequence(int(seed), spawn_key=(int(n), int(rep)))


@dataclass(frozen=True)
class PlanSetup:
    """Everything a replication needs (sent to every worker once).

    Attributes
    ----------
    population : PopulationModel
        The clean measurement model (no careless respondents, no missing answers).
    estimator : str
    key_syntax, alt_syntax : str
        lavaan syntax of the key's model and of the alternative.
    alternative : str
        The alternative's name (:data:`ALTERNATIVES`).
    loadings : tuple of (factor, item)
        The key model's loadings in parameter-table order.
    """

    population: Any
    estimator: str
    key_syntax: str
    alt_syntax: str
    alternative: str
    loadings: tuple[tuple[str, str], ...]


def _clean(pop: Any) -> Any:
    """The population's measurement model: nuisances (careless, missing answers) off."""
    return dataclasses.replace(pop, mcar=0.0, mar=(), empty_rows=0.0, dont_know_rate=0.0,
                               careless_random=0.0, careless_straightline=0.0)


def _dwls_reference(pop: Any, syntax: str, items_order: list[str], seed: int
                    ) -> tuple[np.ndarray, np.ndarray]:
    """WLSMV's pseudo-true loadings, from one large sample of the population.

    The DWLS estimate of a misspecified model converges to the minimiser of the population
    DWLS discrepancy, whose weights (the asymptotic variances of the polychorics) have no
    closed form here; a sample of :data:`_DWLS_N` respondents gives it to about ±0.003. The
    sample has :data:`_DWLS_WORKPLACES` workplaces (same ICC), so that its workplace effects
    represent the population rather than one draw of a few workplaces.
    """
    big = dataclasses.replace(pop, n_workplaces=max(pop.n_workplaces, _DWLS_WORKPLACES))
    gen = np.random.Generator(np.random.PCG64(replication_seed(seed, 0, 0)))
    key = pop.key
    items = key.reverse_score(simulate(big, n=_DWLS_N, rng=gen).data[list(key.items)]
                              .astype(float))
    with threadpool_limits(limits=1, user_api="blas"):
        res = fit_cfa(items, syntax, estimator="WLSMV")
    lo = res.parameters[res.parameters["op"] == "=~"]
    if not res.converged or list(lo["rhs"]) != list(items_order):
        raise InputError("The WLSMV reference fit on the large population sample did not "
                         "converge; check the population model (or use estimator 'ML').")
    return lo["est"].to_numpy(float), lo["std_all"].to_numpy(float)


def _population_fit(syntax: str, moments: pd.DataFrame):

    n = _POP_N
    return fit_cfa(None, syntax, estimator="ML", sample_cov=moments * (n / (n - 1)),
                   sample_nobs=n)


def prepare(pop: Any, *, estimator: str = "ML", alternative: str | None = None,
            seed: int = 1, dwls_reference: bool = True) -> tuple[PlanSetup, dict[str, Any]]:
    """The setup of a plan and its population values.

    Parameters
    ----------
    pop : PopulationModel
    estimator : {"ML", "MLR", "WLSMV"}
    alternative : str, optional
        One of :data:`ALTERNATIVES` that the key allows. Default: ``grouped`` (the key's
        ``higher_order`` groups as factors: fewer factors, the theory-driven rival of the
        key's structure) when the key has groups, else ``one_factor``.
    seed : int
    dwls_reference : bool
        WLSMV: compute the pseudo-true values now (default). ``False`` leaves them out
        (``limit_*`` columns absent): :func:`plan_sample_size` computes them on a worker
        beside the first replications.

    Returns
    -------
    setup : PlanSetup
    reference : dict
        ``loadings`` (DataFrame: factor, item, free, est, std_all: the pseudo-true values),
        ``alternatives`` (DataFrame: each candidate's population discrepancy F against the
        key's), ``moments`` (which matrix they come from), ``alternative`` (name, why).
        For WLSMV the loadings are the DWLS pseudo-true values (:func:`_dwls_reference`,
        from ``seed``); ``limit_est`` / ``limit_std_all`` keep the ML fit of the exact
        polychoric limit (equal where the model is correctly specified).
    """

    check_estimator(estimator)
    key = pop.key
    models = competing_models(key)
    if KEY_MODEL not in models.names:
        raise InputError("The key's correlated-factors model could not be generated: "
                         f"{dict(models.skipped).get(KEY_MODEL, 'unknown reason')}.")
    nested = [m.name for m in models.models if KEY_MODEL in m.nested_in]
    if alternative is None:
        alternative = "grouped" if "grouped" in nested else "one_factor"
        why = ("default: the key's higher-order groups as factors, the theory-driven rival "
               "with fewer factors" if alternative == "grouped" else
               "default: the key has no higher-order groups, so the one-factor model")
    else:
        why = "chosen by the user"
    if alternative not in nested:
        raise InputError(f"The alternative model must be one nested in the key's model: "
                         f"{', '.join(nested)}; got {alternative!r}.")
    clean = _clean(pop)
    if estimator == "WLSMV":
        moments, _ = polychoric_limit(clean)
        source = ("limit of the polychoric correlations (two-step ML on the pooled expected "
                  "tables)")
    else:
        _, moments = score_moments(clean)
        source = "covariance matrix of the category scores (divisor N)"
    items = list(key.items)
    moments = moments.loc[items, items]
    key_fit = _population_fit(models[KEY_MODEL].syntax, moments)
    par = key_fit.parameters
    lo = par[par["op"] == "=~"]
    loadings = pd.DataFrame({"factor": lo["lhs"].to_numpy(), "item": lo["rhs"].to_numpy(),
                             "free": lo["free"].to_numpy() > 0,
                             "est": lo["est"].to_numpy(float),
                             "std_all": lo["std_all"].to_numpy(float)})
    f_key = key_fit.fit["chisq"] / _POP_N
    rows = []
    for name in nested:
        res = _population_fit(models[name].syntax, moments)
        f = res.fit["chisq"] / _POP_N
        codes = {w.code for w in res.warnings}
        rows.append({"model": name, "description": models[name].description,
                     "df": res.fit["df"], "df_diff": res.fit["df"] - key_fit.fit["df"],
                     "F": f, "delta_F": f - f_key, "converged": res.converged,
                     "proper": res.converged and not codes & set(_IMPROPER)})
    setup = PlanSetup(clean, estimator, models[KEY_MODEL].syntax, models[alternative].syntax,
                      alternative, tuple(zip(loadings["factor"], loadings["item"], strict=True)))
    reference = {
        "loadings": loadings,
        "alternatives": pd.DataFrame(rows),
        "key_model": {"name": KEY_MODEL, "description": models[KEY_MODEL].description,
                      "df": key_fit.fit["df"], "F": f_key,
                      "converged": key_fit.converged,
                      "warnings": [w.code for w in key_fit.warnings]},
        "alternative": {"name": alternative, "why": why,
                        "description": models[alternative].description,
                        "syntax": models[alternative].syntax},
        "moments": source,
    }
    if estimator == "WLSMV" and dwls_reference:
        _attach_dwls(reference, *_dwls_reference(clean, setup.key_syntax,
                                                 list(loadings["item"]), seed))
    return setup, reference


def _attach_dwls(reference: dict[str, Any], est: np.ndarray, std: np.ndarray) -> None:
    """Make WLSMV's pseudo-true values (:func:`_dwls_reference`) the reference loadings."""
    # DWLS weights the misfit of a misspecified model differently from ML: keep the exact
    # ML fit of the polychoric limit beside it, use the DWLS values as the reference
    loadings = reference["loadings"]
    loadings["limit_est"] = loadings["est"]
    loadings["limit_std_all"] = loadings["std_all"]
    loadings["est"], loadings["std_all"] = est, std
    reference["moments"] += ("; values: WLSMV fitted to one sample of "
                             f"{_DWLS_N:,} respondents (seed spawn_key (0, 0), "
                             f"{_DWLS_WORKPLACES} workplaces)")


def _proper(res: Any) -> bool:
    return bool(res.converged) and not {w.code for w in res.warnings} & set(_IMPROPER)


def _difference(alt: Any, key: Any, estimator: str) -> tuple[float, float, float]:

    if not (alt.converged and key.converged):
        return math.nan, math.nan, math.nan
    if estimator == "WLSMV":
        return _wlsmv_difference(alt, key)
    test = difference_test(alt.fit, key.fit, estimator=estimator)
    return float(test.chisq_diff), float(test.df_diff), float(test.pvalue)


def _wlsmv_difference(alt: Any, key: Any) -> tuple[float, float, float]:
    """The engine's scaled-shifted (Satorra, 2000) test of the two WLSMV fits
    (:func:`lospw.analysis.cfa.difference_test` on the results)."""
    out = difference_test(alt, key)
    return float(out.chisq_diff), float(out.df_diff), float(out.pvalue)


def replicate(setup: PlanSetup, n: int, rep: int, seed: int) -> dict[str, Any]:
    """One replication: simulate N respondents, fit both models, record the outcome.

    Returns
    -------
    dict
        The scalars of ``REPLICATION_SCALARS`` (NaN / False where a fit failed), ``warnings``
        (the key model's warning codes, ``;``-joined), ``error`` (an unexpected failure's
        message, else ""), and per loading (in ``setup.loadings`` order) the arrays
        ``est``, ``se``, ``ci_lower``, ``ci_upper``, ``std_all``.
    """

    out: dict[str, Any] = {k: math.nan for k in REPLICATION_SCALARS}
    out.update(converged=False, proper=False, alt_converged=False, alt_proper=False,
               warnings="", error="")
    m = len(setup.loadings)
    for k in REPLICATION_ARRAYS:
        out[k] = np.full(m, math.nan)
    gen = np.random.Generator(np.random.PCG64(replication_seed(seed, n, rep)))
    key = setup.population.key
    try:
        sim = simulate(setup.population, n=n, rng=gen)
        items = key.reverse_score(sim.data[list(key.items)].astype(float))
        res = fit_cfa(items, setup.key_syntax, estimator=setup.estimator)
        alt = fit_cfa(items, setup.alt_syntax, estimator=setup.estimator)
    except Exception as exc:  # a failed fit is an outcome of the replication, not a crash
        out["error"] = f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
        return out
    names = FIT_NAMES[setup.estimator]
    out.update(converged=bool(res.converged), proper=_proper(res),
               warnings=";".join(sorted({w.code for w in res.warnings})),
               alt_converged=bool(alt.converged), alt_proper=_proper(alt),
               alt_chisq=float(alt.fit.get(names["chisq"], math.nan)),
               alt_df=float(alt.fit.get(names["df"], math.nan)))
    for k, engine_name in names.items():
        out[k] = float(res.fit.get(engine_name, math.nan))
    par = res.parameters
    lo = par[par["op"] == "=~"]
    if list(zip(lo["lhs"], lo["rhs"], strict=True)) != list(setup.loadings):
        raise RuntimeError("the key model's loadings came out in another order")
    for k in REPLICATION_ARRAYS:
        out[k] = lo[k].to_numpy(dtype=float)
    out["diff_chisq"], out["diff_df"], out["diff_pvalue"] = _difference(alt, res,
                                                                         setup.estimator)
    return out


def plan_sample_size(pop: Any, ns: list[int] | tuple[int, ...], reps: int, *,
                     estimator: str = "ML", alternative: str | None = None, seed: int = 1,
                     jobs: int = 1, scheduler: str | None = None, criteria: Any = None,
                     progress: Any = None, population_file: str | Path | None = None,
                     meanwhile: Callable[[], Any] | None = None):
    """Monte Carlo sample-size plan (see the module docstring).

    Parameters
    ----------
    pop : PopulationModel
    ns : sequence of int
        Sample sizes (each at least 10; sorted and deduplicated).
    reps : int
        Replications per sample size.
    estimator : {"ML", "MLR", "WLSMV"}
    alternative : str, optional
        See :func:`prepare`.
    seed : int
        The root seed (recorded).
    jobs, scheduler
        Local worker processes, or a Dask scheduler's address (:func:`lospw.analysis.core.parallel.
        run_tasks`). The result does not depend on them.
    criteria : lospw.analysis.planning.summary.Criteria, optional
    progress : callable, optional
        ``progress(done, total)``.
    population_file : path, optional
        Recorded by name with its SHA-256.
    meanwhile : callable, optional
        ``meanwhile()``: the caller's own work, run in this process while the workers
        compute (e.g. loading what writing the results needs); before the replications on
        one worker.

    Returns
    -------
    lospw.analysis.planning.summary.PlanResult
    """

    sizes = _check_sizes(ns)
    if isinstance(reps, bool) or not isinstance(reps, (int, np.integer)) or reps < 2:
        raise InputError(f"The number of replications must be a whole number >= 2; got "
                         f"{reps!r}.")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"The seed must be a whole number >= 0; got {seed!r}.")
    criteria = Criteria() if criteria is None else criteria
    parallel = scheduler is not None or jobs > 1
    if scheduler is None:
        start_workers(jobs, warm=_warm)  # they start up while the population values are fitted
    setup, reference = prepare(pop, estimator=estimator, alternative=alternative,
                               seed=int(seed), dwls_reference=not parallel)
    tasks, weights = _tasks(sizes, int(reps), int(seed), jobs if scheduler is None else 8)
    if parallel and estimator == "WLSMV":  # the DWLS reference fit: a task beside the others
        tasks.insert(0, ("dwls", (), int(seed)))
        weights.insert(0, 0)
    log.info("plan: %d sizes x %d replications, estimator %s", len(sizes), reps, estimator)
    # the preflight runs while the workers start on the replications (a failure stops them)
    results = run_tasks(_plan_task, tasks, shared=setup, jobs=jobs, scheduler=scheduler,
                        progress=progress, weights=weights,
                        meanwhile=partial(_preflight, setup, sizes[0], int(seed), meanwhile))
    if parallel and estimator == "WLSMV":
        _attach_dwls(reference, *results.pop(0))
    records = [record for chunk in results for record in chunk]
    info = {"description": pop.description, "synthetic": True,
            "n_items": len(pop.items), "n_factors": len(pop.factors),
            "unusable_share": pop.careless_random + pop.careless_straightline
            + pop.empty_rows,
            "item_missing": {"mcar": pop.mcar, "dont_know": pop.dont_know_rate,
                             "mar_rules": len(pop.mar)}}
    if population_file is not None:
        info["file"] = Path(population_file).name
        info["sha256"] = sha256_file(population_file)
    return summarise(setup, reference, sizes, int(reps), int(seed), records, criteria, info)


#: Guided chunks: each chunk is 1 / (_GUIDED x workers) of the replications still to hand
#: out, so the first chunks are large (few messages) and the last ones single replications
#: (the workers finish together).
_GUIDED = 2


def _tasks(sizes: list[int], reps: int, seed: int, workers: int
           ) -> tuple[list[tuple[Any, ...]], list[int]]:
    """The replications as tasks ``("reps", ((n, r), ...), seed)`` in the order of the
    results, and their sizes: one replication each in this process; on workers, guided
    chunks (``ceil(left / (2 workers))`` replications, down to 1). The chunking does not
    change any result: every replication draws from its own seed.

    Examples
    --------
    >>> [len(t[1]) for t in _tasks([100, 200], 10, 1, 2)[0]]
    [5, 4, 3, 2, 2, 1, 1, 1, 1]
    """
    pairs = [(n, r) for n in sizes for r in range(reps)]
    tasks: list[tuple[Any, ...]] = []
    start = 0
    while start < len(pairs):
        size = 1 if workers <= 1 else math.ceil((len(pairs) - start) / (_GUIDED * workers))
        tasks.append(("reps", tuple(pairs[start:start + size]), seed))
        start += size
    return tasks, [len(t[1]) for t in tasks]


def _plan_task(setup: PlanSetup, kind: str, pairs: tuple[tuple[int, int], ...],
               seed: int) -> Any:
    """One task of a plan: a chunk of replications ``(n, r)``, or (``"dwls"``) WLSMV's
    reference fit."""
    if kind == "dwls":
        return _dwls_reference(setup.population, setup.key_syntax,
                               [item for _, item in setup.loadings], seed)
    return [replicate(setup, n, r, seed) for n, r in pairs]


def _warm(shared: Any) -> None:
    """Run by each new worker: unpickling it imports this module (and the engine with it)."""
    return None


def _preflight(setup: PlanSetup, n: int, seed: int,
               then: Callable[[], Any] | None = None) -> None:
    """Fit both models once here, so that bad options fail at once with their own error;
    then run ``then()``."""

    gen = np.random.Generator(np.random.PCG64(replication_seed(seed, n, 0)))
    key = setup.population.key
    items = key.reverse_score(simulate(setup.population, n=n, rng=gen)
                              .data[list(key.items)].astype(float))
    for syntax in (setup.key_syntax, setup.alt_syntax):
        fit_cfa(items, syntax, estimator=setup.estimator)
    if then is not None:
        then()


def _check_sizes(ns: Any) -> list[int]:

    try:
        sizes = list(ns)
    except TypeError:
        raise InputError(f"The sample sizes must be a list of whole numbers; got {ns!r}."
                         ) from None
    if not sizes:
        raise InputError("Give at least one sample size, e.g. --n 150 300 600.")
    for n in sizes:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 10:
            raise InputError(f"Each sample size must be a whole number >= 10; got {n!r}.")
        if n > MAX_SIMULATED_N:
            raise InputError(f"Each sample size must be at most {MAX_SIMULATED_N:,}; got "
                             f"{n:,}.")
    return sorted({int(n) for n in sizes})
