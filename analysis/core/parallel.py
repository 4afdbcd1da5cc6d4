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

How local workers start (:func:`local_start`): where ``fork`` is the platform's default start
method (Linux), :func:`run_tasks` forks its K workers from the caller when the tasks start,
so each is a copy of the warm caller (its imports done, ``shared`` in memory: nothing to
import, nothing to send) and start-up costs milliseconds, not a second of CPU per worker.
The fork happens before the progress bar starts (no thread of ours is running) and the
workers reset the caller's SIGTERM handler, so a terminated worker ends. Elsewhere (macOS,
Windows) the workers are fresh interpreters of loky's reusable executor, started once and
reused: :func:`start_workers` starts them early, without waiting, so that their start-up
(importing numpy, pandas, scipy and lospw: about a second each) overlaps the caller's own
preparation. Either way all tasks are submitted at once and handed out as workers free up;
a caller with many short tasks groups them into chunks (``weights`` keeps the progress in
the caller's units), and ``meanwhile`` runs in the caller while the workers compute.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from threadpoolctl import threadpool_limits

from lospw.analysis.core.errors import InputError

__all__ = ["DASK_CONNECT_TIMEOUT", "WORKER_ENV", "local_start", "run_tasks", "start_workers"]

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
#: Seconds between a forked worker's checks that the caller still runs.
PARENT_POLL = 1.0
#: How local workers start: "fork" or "loky"; None: :func:`local_start` decides.
LOCAL_START: str | None = None

#: The ``shared`` argument of the running forked tasks: each worker inherits it at the fork.
_SHARED: Any = None
#: A forked worker's BLAS limit (kept for the worker's life).
_WORKER_LIMITS: Any = None


def local_start() -> str:
    """How :func:`run_tasks` starts local workers: ``"fork"`` where fork is the platform's
    default start method of :mod:`multiprocessing` (Linux; the first method listed is the
    default) and no other method was chosen, else ``"loky"``.

    Examples
    --------
    >>> local_start() in ("fork", "loky")
    True
    """
    if LOCAL_START is not None:
        return LOCAL_START
    method = multiprocessing.get_start_method(allow_none=True)
    if method is None:
        method = multiprocessing.get_all_start_methods()[0]
    return "fork" if method == "fork" else "loky"


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
              weights: Sequence[int] | None = None,
              meanwhile: Callable[[], Any] | None = None) -> list[Any]:
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
    meanwhile : callable, optional
        ``meanwhile()``, run in this process once the tasks are handed to the workers (before
        them when there are none), before ``progress(0, total)``: work of the caller's that
        the tasks do not need overlaps them. If it raises, the workers are stopped and the
        error is raised.

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
    counter = _Counter(progress, weights, meanwhile)
    out: list[Any] = [None] * len(tasks)
    if scheduler is not None:
        return _run_dask(func, tasks, shared, scheduler, counter, out)
    if jobs == 1 or len(tasks) <= 1:
        counter.start()
        with threadpool_limits(limits=1, user_api="blas"):
            for i, t in enumerate(tasks):
                out[i] = func(shared, *t)
                counter.done(i)
        return out
    if local_start() == "fork":
        return _run_fork(func, tasks, shared, min(jobs, len(tasks)), counter, out)
    return _run_loky(func, tasks, shared, jobs, counter, out)


class _Counter:
    """Progress in units of work: ``progress(done, total)`` as tasks finish; :meth:`start`
    first runs the caller's ``meanwhile`` and reports ``progress(0, total)``."""

    def __init__(self, progress: Progress | None, weights: list[int],
                 meanwhile: Callable[[], Any] | None = None) -> None:
        self.progress, self.weights, self.meanwhile = progress, weights, meanwhile
        self.total, self.units = sum(weights), 0

    def start(self) -> None:
        if self.meanwhile is not None:
            self.meanwhile()
        if self.progress is not None:
            self.progress(0, self.total)

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
    """Start ``jobs`` loky workers now and return at once; each runs ``warm(None)`` (a
    module-level function: unpickling it imports its module, and so what the tasks need).
    :func:`run_tasks` with the same ``jobs`` reuses them. Nothing happens for ``jobs < 2``
    or where workers are forked (:func:`local_start`): they are copies of the caller,
    started when the tasks come.
    """
    if jobs < 2 or local_start() == "fork":
        return  # forked workers start, warm, when the tasks come
    with _sigint_ignored():
        executor = _executor(jobs)
        for _ in range(jobs):
            executor.submit(_call, warm or _nothing, 0, None, (), True)


def _forked_worker(parent: int) -> None:
    """Initialiser of a forked worker: Ctrl-C is the caller's to handle, SIGTERM ends the
    worker (the caller's handler, copied by the fork, would turn it into an interrupt), BLAS
    runs on one thread, and the worker ends when ``parent`` does (a killed command leaves no
    worker behind, holding its files and output lock open)."""
    global _WORKER_LIMITS
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _WORKER_LIMITS = threadpool_limits(limits=1, user_api="blas")
    threading.Thread(target=_end_with, args=(parent,), name="lospw-parent-watch",
                     daemon=True).start()


def _end_with(parent: int) -> None:
    """End this process when it is no longer ``parent``'s child."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL)
    os.kill(os.getpid(), signal.SIGKILL)


def _call_forked(func: Callable[..., Any], index: int, task: Sequence[Any]) -> tuple[int, Any]:
    """Run one task in a forked worker, with the ``shared`` it inherited."""
    return index, func(_SHARED, *task)


def _run_fork(func, tasks, shared, jobs, counter, out) -> list[Any]:
    """The tasks on ``jobs`` workers forked from this process (see the module docstring)."""
    global _SHARED
    executor = None
    finished = False
    try:
        with _sigint_ignored():
            _SHARED = shared
            executor = ProcessPoolExecutor(max_workers=jobs, initializer=_forked_worker,
                                           initargs=(os.getpid(),),
                                           mp_context=multiprocessing.get_context("fork"))
            # the first submit forks all the workers
            futures = [executor.submit(_call_forked, func, i, t) for i, t in enumerate(tasks)]
        _SHARED = None
        _collect(futures, counter, out)
        finished = True
    finally:
        _SHARED = None
        if executor is not None:
            if not finished:
                _kill(executor)
            executor.shutdown(wait=True, cancel_futures=True)
    return out


def _collect(futures: list, counter: _Counter, out: list[Any]) -> None:
    """Put each task's value in its place in ``out`` as it ends, counting it."""
    counter.start()
    for fut in as_completed(futures):
        index, value = fut.result()
        out[index] = value
        counter.done(index)


def _kill(executor: Any) -> None:
    """Terminate the forked workers of ``executor`` (after an interrupt or error)."""
    log.info("stopping the local worker processes")
    for proc in list((getattr(executor, "_processes", None) or {}).values()):
        proc.terminate()


def _run_loky(func, tasks, shared, jobs, counter, out) -> list[Any]:
    finished = False
    try:
        with _sigint_ignored():
            executor = _executor(jobs)
            futures = [executor.submit(_call, func, i, shared, t, True)
                       for i, t in enumerate(tasks)]
        _collect(futures, counter, out)
        finished = True
    finally:
        if not finished:
            _stop_loky()
    return out


def _start_workers(jobs: int) -> None:
    """Start the loky workers and wait until they run (benchmarks: start-up untimed)."""
    if local_start() == "fork":
        return
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
        counter.start()
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
