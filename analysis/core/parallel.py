"""Run many independent tasks in-process, on local worker processes, or on a Dask cluster.

:func:`run_tasks` calls ``func(shared, *task)`` for every task and returns the results in
task order, whatever order they finish in, so a computation whose tasks carry their own
seeds gives the same result on one worker, on K local workers (joblib's loky backend) or on
a Dask distributed cluster (``scheduler`` = the scheduler's address). ``shared`` is sent to
each worker once (Dask: scattered) rather than with every task where the backend allows.

Each task runs with BLAS limited to one thread (threadpoolctl; the local workers are also
started with ``OMP_NUM_THREADS=1`` and the like), so K workers on K cores do not
oversubscribe them. Dask is imported only when a scheduler is given. A ``KeyboardInterrupt``
(Ctrl-C) in the caller stops the local workers (the loky executor is shut down with its
processes killed) or cancels the cluster's futures, and is then raised again; local workers
are started with SIGINT ignored, so a terminal's Ctrl-C reaches the caller only and no
worker prints a traceback.

Local workers are started once and reused (loky's reusable executor): :func:`start_workers`
starts them early, without waiting, so that their start-up (a fresh interpreter importing
numpy, pandas, scipy and lospw: about a second each) overlaps the caller's own preparation;
:func:`run_tasks` with the same number of jobs then finds them warm. All tasks are submitted
at once and collected as they finish; a caller with many short tasks groups them into chunks
(``weights`` keeps the progress in the caller's units).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import as_completed
from typing import Any

from threadpoolctl import threadpool_limits

from lospw.analysis.core.errors import InputError

__all__ = ["DASK_CONNECT_TIMEOUT", "WORKER_ENV", "run_tasks", "start_workers"]

log = logging.getLogger(__name__)


#: How long to wait for a Dask scheduler to answer.
DASK_CONNECT_TIMEOUT = "10s"

Progress = Callable[[int, int], None]

#: Environment of the local worker processes: one BLAS / OpenMP thread each.
WORKER_ENV = dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                            "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
                            "NUMEXPR_NUM_THREADS"), "1")
#: Seconds an idle local worker waits for more tasks before it exits.
WORKER_IDLE_TIMEOUT = 300


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
              progress: Progress | None = None,
              weights: Sequence[int] | None = None) -> list[Any]:
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
    weights : sequence of int, optional
        The units of work of each task (default 1 each): ``progress`` then counts units, e.g.
        replications when a task is a chunk of them.

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
    weights = [1] * len(tasks) if weights is None else [int(w) for w in weights]
    if len(weights) != len(tasks):
        raise InputError(f"run_tasks: {len(weights)} weights for {len(tasks)} tasks.")
    counter = _Counter(progress, weights)
    out: list[Any] = [None] * len(tasks)
    if scheduler is not None:
        return _run_dask(func, tasks, shared, scheduler, counter, out)
    if jobs == 1 or len(tasks) <= 1:
        for i, t in enumerate(tasks):
            out[i] = _call(func, i, shared, t, False)[1]
            counter.done(i)
        return out
    return _run_loky(func, tasks, shared, jobs, counter, out)


class _Counter:
    """Progress in units of work: ``progress(done, total)`` as tasks finish."""

    def __init__(self, progress: Progress | None, weights: list[int]) -> None:
        self.progress, self.weights = progress, weights
        self.total, self.units = sum(weights), 0
        if progress is not None:
            progress(0, self.total)

    def done(self, index: int) -> None:
        self.units += self.weights[index]
        if self.progress is not None:
            self.progress(self.units, self.total)


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """SIGINT ignored while local workers are spawned: an ignored signal stays ignored across
    fork and exec (and Python keeps it so), so the workers never receive a terminal's Ctrl-C
    (the whole process group gets it) and never print a traceback; the caller handles it."""
    main = threading.current_thread() is threading.main_thread()
    old = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        yield
    finally:
        if main:
            signal.signal(signal.SIGINT, old)


def _executor(jobs: int) -> Any:
    """loky's reusable executor with ``jobs`` workers (the running one when it matches)."""
    # joblib (with its bundled loky) only on this path: a run on one worker never loads it
    from joblib.externals.loky import get_reusable_executor

    return get_reusable_executor(max_workers=jobs, timeout=WORKER_IDLE_TIMEOUT,
                                 env=WORKER_ENV)


def _nothing(shared: Any) -> None:
    return None


def start_workers(jobs: int, warm: Callable[[Any], Any] | None = None) -> None:
    """Start ``jobs`` local workers now and return at once; each runs ``warm(None)`` (a
    module-level function: unpickling it imports its module, and so what the tasks need).
    :func:`run_tasks` with the same ``jobs`` reuses them. Nothing happens for ``jobs < 2``.
    """
    if jobs < 2:
        return
    with _sigint_ignored():
        executor = _executor(jobs)
        for _ in range(jobs):
            executor.submit(_call, warm or _nothing, 0, None, (), True)


def _run_loky(func, tasks, shared, jobs, counter, out) -> list[Any]:
    finished = False
    try:
        with _sigint_ignored():
            executor = _executor(jobs)
            futures = [executor.submit(_call, func, i, shared, t, True)
                       for i, t in enumerate(tasks)]
        for fut in as_completed(futures):
            index, value = fut.result()
            out[index] = value
            counter.done(index)
        finished = True
    finally:
        if not finished:
            _stop_loky()
    return out


def _start_workers(jobs: int) -> None:
    """Start the local workers and wait until they run (benchmarks: start-up untimed)."""
    with _sigint_ignored():
        executor = _executor(jobs)
        started = [executor.submit(_call, _nothing, 0, None, (), True) for _ in range(jobs)]
    for fut in started:
        fut.result()


def _quiet_loky_threads(args: threading.ExceptHookArgs) -> None:
    """After an interrupt the executor's manager thread sees its workers die and raises;
    that is the stop we asked for, so it is logged, not printed as a traceback."""
    if args.thread is not None and "ManagerThread" in args.thread.name:
        log.debug("loky %s stopped: %s", args.thread.name, args.exc_type.__name__)
        return
    _DEFAULT_EXCEPTHOOK(args)


_DEFAULT_EXCEPTHOOK = threading.excepthook


def _stop_loky() -> None:
    """Kill the reusable loky executor's worker processes (after an interrupt or error)."""
    try:
        from joblib.externals.loky import reusable_executor
    except ImportError:  # pragma: no cover - joblib internals moved
        return
    executor = getattr(reusable_executor, "_executor", None)
    if executor is not None:
        log.info("stopping the local worker processes")
        threading.excepthook = _quiet_loky_threads
        executor.shutdown(wait=True, kill_workers=True)


def _run_dask(func, tasks, shared, scheduler, counter, out) -> list[Any]:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
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
        for fut in dask_completed(futures, loop=client.loop):
            index, value = fut.result()
            out[index] = value
            counter.done(index)
        finished = True
    finally:
        if futures and not finished:
            log.info("cancelling the tasks on the Dask cluster")
            client.cancel(futures)
        client.close()
    return out
