"""Benchmark: Monte Carlo sample-size planning, replications per second and worker speed-up.

A LOS-PW population model for a 36-item key (the six elements x 6 items, 5-point) built by
``lospw.instrument.fieldtest.lospw_population`` (seed 1: loadings U(.60, .80), the planted weak,
cross-loading and non-invariant items, ten workplaces, four groups). Each replication
simulates N = 300 respondents and fits the six-factor model and the grouped (three role
factors) alternative.

Timed: the replications of ``lospw.analysis.planning.plan.plan_sample_size(pop, [300], REPS, jobs=K)``
for K = 1 and 2, per estimator, in the steady state (the population values, computed once per
plan, and the workers' start-up, about a second, are done before the clock starts).
The note gives replications per second (wall clock), CPU seconds per replication (this
process and its worker processes: the cost independent of other load), the machine's load
average, and the speed-up from 1 to 2 workers. There is no R
counterpart in the same run (``r_s`` is None): lavaan has no built-in Monte Carlo driver.
"""

from __future__ import annotations

import os
import time

REPS = int(os.environ.get("LOSPW_BENCH_PLAN_REPS", "40"))
N = 300
ESTIMATORS = ("ML", "WLSMV")


def population():
    """The 36-item LOS-PW population (SYNTHETIC)."""
    from lospw.analysis.core.key import key_from_dict
    from lospw.analysis.planning.population import population_from_dict
    from lospw.instrument.fieldtest import lospw_population

    scales = {e: [f"{e}item{k}" for k in range(1, 7)]
              for e in ("LOS", "GOC", "SRI", "VMM", "LeA", "VOR")}
    key = key_from_dict({"instrument": "LOS-PW bench (36 items)",
                         "response_scale": {"min": 1, "max": 5}, "missing_codes": [9],
                         "scales": scales,
                         "higher_order": {"core": ["LOS", "GOC"],
                                          "instrumental": ["SRI", "VMM"],
                                          "interpersonal": ["LeA", "VOR"]}})
    return population_from_dict(lospw_population(key, seed=1, n=N), key=key)


def _cpu_seconds() -> float:
    """CPU seconds used so far by this process, its live children (the loky workers) and its
    ended ones (forked workers end with each run)."""
    import resource

    import psutil

    me = psutil.Process()
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = sum(me.cpu_times()[:2]) + ended.ru_utime + ended.ru_stime
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.Error:
            pass
    return total


def _time(setup, jobs: int) -> tuple[float, float]:
    """Wall-clock and CPU seconds (all processes) of REPS replications on ``jobs`` workers.

    Steady state: the population values are computed beforehand. Loky workers (macOS,
    Windows) are started and warmed up (their imports done) beforehand: about a second
    each, once per plan; forked workers (Linux) are copies of this warm process, forked
    inside the timed call in milliseconds."""
    from lospw.analysis.core.parallel import _start_workers, run_tasks
    from lospw.analysis.planning.plan import replicate

    if jobs > 1:
        from joblib import parallel_config

        with parallel_config(backend="loky", n_jobs=jobs, inner_max_num_threads=1):
            _start_workers(jobs)
    # warm-up, untimed: each worker imports the CFA engine on its first task (about a
    # second of CPU), which a real plan of hundreds of replications amortises
    run_tasks(replicate, [(N, REPS + r, 1) for r in range(2 * jobs)], shared=setup, jobs=jobs)
    tasks = [(N, r, 1) for r in range(REPS)]
    c0, t0 = _cpu_seconds(), time.perf_counter()
    run_tasks(replicate, tasks, shared=setup, jobs=jobs)
    return time.perf_counter() - t0, _cpu_seconds() - c0


def run() -> list[dict]:
    from lospw.analysis.core.errors import InputError
    from lospw.analysis.planning.plan import _preflight, prepare

    pop = population()
    rows = []
    for estimator in ESTIMATORS:
        try:
            setup, _ = prepare(pop, estimator=estimator)
            _preflight(setup, N, 1)
            t1, c1 = _time(setup, 1)
        except InputError as exc:
            rows.append({"name": f"plan {estimator} N={N} 36 items", "lospw_s": None,
                         "r_s": None, "ratio": None, "note": f"not run: {exc}"})
            continue
        t2, c2 = _time(setup, 2)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        for jobs, t, c in ((1, t1, c1), (2, t2, c2)):
            note = (f"{REPS / t:.2f} reps/s ({REPS} reps; {c / REPS:.3f} CPU s/rep; "
                    f"load {load:.1f} on {os.cpu_count()} cores)")
            if jobs == 2:
                note += f"; speed-up 1 -> 2 workers {t1 / t:.2f}x"
            rows.append({"name": f"plan {estimator} N={N} 36 items, {jobs} worker(s)",
                         "lospw_s": t, "r_s": None, "ratio": None, "note": note})
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
