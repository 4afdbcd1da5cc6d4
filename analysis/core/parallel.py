"""Run many independent tasks in-process, on local worker processes, or on a Dask cluster.

:func:`run_tasks` calls ``func(shared, *task)`` for every task and returns the results in
task order, whatever order they finish in, so a computation whose tasks carry their own
seeds gives the same result on one worker, on K local workers (joblib's loky backend) or on
a Dask distributed cluster (``scheduler`` = the scheduler's address). ``shared`` is sent to
each worker once (Dask: scattered) rather than with every task where the backend allows.

Each task runs with BLAS limited to one thread (threadpoolctl; joblib's
``inner_max_num_threads=1`` also sets the loky workers' ``OMP_NUM_THREADS`` and the like), so
K workers on K cores do not oversubscribe them. Dask is imported only when a scheduler is
given. A ``KeyboardInterrupt`` (Ctrl-C) in the caller stops the local workers (the loky
executor is shut down with its processes killed) or cancels the cluster's futures, and is
then raised again; local workers are started with SIGINT ignored, so a terminal's Ctrl-C
reaches the caller only and no worker prints a traceback.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Sequence
from typing import Any

from threadpoolctl import threadpool_limits

from lospw.analysis.core.errors import InputError

__all__ = ["DASK_CONNECT_TIMEOUT", "run_tasks"]

log = logging.getLogger(__name__)


#: How long to wait for a Dask scheduler to answer.
DASK_CONNECT_TIMEOUT = "10s"

Progress = Callable[[int, int], None]


def _call(func: Callable[..., Any], index: int, shared: Any, task: Sequence[Any],
          quiet_sigint: bool) -> tuple[int, Any]:
    """Run one task with single-threaded BLAS (in whatever process the backend chose)."""
    if quiet_sigint and threading.current_thread() is threading.main_thread():
        # a worker process of ours: Ctrl-C is the caller's to handle
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    with threadpool_limits(limits=1, user_api="blas"):
        return index, func(shared, *task)


def run_tasks(func: Callable[..., Any], tasks: Sequence[Sequence[Any]], *, shared: Any = None,
              jobs: int = 1, scheduler: str | None = None,
              progress: Progress | None = None) -> list[Any]:
    """``[func(shared, *t) for t in tasks]``, computed in parallel.

    Parameters
    ----------
    func : callable
        A module-level function (it is pickled by reference for worker processes).
    tasks : sequence of argument tuples
    shared : object, optional
        The first argument of every call (sent to each worker once where possible).
    jobs : int
        Local worker processes (1: in this process, no workers).
    scheduler : str, optional
        Address of a Dask distributed scheduler (``tcp://host:8786``); then ``jobs`` is
        ignored and the cluster's workers run the tasks.
    progress : callable, optional
        ``progress(done, total)`` after every finished task (and once at the start).

    Returns
    -------
    list
        The results in the order of ``tasks``.

    Examples
    --------
    >>> def add(shared, a, b):
    ...     return shared + a + b
    >>> run_tasks(add, [(1, 2), (3, 4)], shared=10)
    [13, 17]
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise InputError(f"The number of jobs must be a whole number >= 1; got {jobs!r}.")
    tasks = [tuple(t) for t in tasks]
    total = len(tasks)
    out: list[Any] = [None] * total
    if progress is not None:
        progress(0, total)
    if scheduler is not None:
        return _run_dask(func, tasks, shared, scheduler, progress, out)
    if jobs == 1 or total <= 1:
        for i, t in enumerate(tasks):
            out[i] = _call(func, i, shared, t, False)[1]
            if progress is not None:
                progress(i + 1, total)
        return out
    return _run_loky(func, tasks, shared, jobs, progress, out)


def _run_loky(func, tasks, shared, jobs, progress, out) -> list[Any]:
    from joblib import Parallel, delayed, parallel_config

    done = 0
    total = len(tasks)
    finished = False
    try:
        with parallel_config(backend="loky", n_jobs=jobs, inner_max_num_threads=1):
            _start_workers(jobs)
            results = Parallel(return_as="generator_unordered", batch_size=1,
                               pre_dispatch="2*n_jobs")(
                delayed(_call)(func, i, shared, t, True) for i, t in enumerate(tasks))
            for index, value in results:
                out[index] = value
                done += 1
                if progress is not None:
                    progress(done, total)
        finished = True
    finally:
        if not finished:
            _stop_loky()
    return out


def _start_workers(jobs: int) -> None:
    """Start the loky workers with SIGINT ignored, so that they never receive Ctrl-C.

    A terminal's Ctrl-C goes to the whole process group; a worker interrupted while it
    starts up would print a traceback. An ignored signal stays ignored across fork and exec
    (and Python keeps it so), so SIGINT is ignored here only while the workers are spawned
    (joblib's generator output returns once the first tasks are submitted, i.e. the
    processes forked), then restored; the workers' start-up is waited for afterwards.
    """
    from joblib import Parallel, delayed

    main = threading.current_thread() is threading.main_thread()
    old = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        started = Parallel(return_as="generator")(delayed(os.getpid)() for _ in range(jobs))
    finally:
        if main:
            signal.signal(signal.SIGINT, old)
    list(started)


def _stop_loky() -> None:
    """Kill the reusable loky executor's worker processes (after an interrupt or error)."""
    try:
        from joblib.externals.loky import reusable_executor
    except ImportError:  # pragma: no cover - joblib internals moved
        return
    executor = getattr(reusable_executor, "_executor", None)
    if executor is not None:
        log.info("stopping the local worker processes")
        executor.shutdown(wait=True, kill_workers=True)


def _run_dask(func, tasks, shared, scheduler, progress, out) -> list[Any]:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise InputError("--scheduler needs Dask distributed, which is not installed; "
                         "install it with: pip install 'dask[distributed]'.") from None
    try:
        client = Client(scheduler, timeout=DASK_CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"Could not connect to the Dask scheduler at {scheduler!r} "
                         f"({type(exc).__name__}). Start one (`dask scheduler`) or check the "
                         "address, e.g. tcp://127.0.0.1:8786.") from None
    futures = []
    finished = False
    try:
        shared_f = client.scatter(shared, broadcast=True, hash=False)
        futures = [client.submit(_call, func, i, shared_f, t, False, pure=False)
                   for i, t in enumerate(tasks)]
        done = 0
        for fut in as_completed(futures, loop=client.loop):
            index, value = fut.result()
            out[index] = value
            done += 1
            if progress is not None:
                progress(done, len(tasks))
        finished = True
    finally:
        if futures and not finished:
            log.info("cancelling the tasks on the Dask cluster")
            client.cancel(futures)
        client.close()
    return out
