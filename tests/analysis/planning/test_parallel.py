"""The same plan on 1 worker, 2 local workers and a Dask cluster; interrupting a run."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from lospw.analysis.core import parallel
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.parallel import run_tasks
from lospw.analysis.planning.plan import plan_sample_size

ROOT = Path(__file__).resolve().parents[3]


def _square_plus(shared, x):
    return shared + x * x


def _sleepy(shared, x):
    time.sleep(shared)
    return x


@pytest.mark.parametrize("start", ["fork", "loky"])
def test_run_tasks_keeps_task_order_on_workers(monkeypatch, start):
    """Both ways of starting local workers (forked copies, loky's fresh interpreters)."""
    if start == "fork" and "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    monkeypatch.setattr(parallel, "LOCAL_START", start)
    seen = []
    out = run_tasks(_square_plus, [(i,) for i in range(12)], shared=1, jobs=2,
                    progress=lambda done, total: seen.append((done, total)),
                    meanwhile=lambda: seen.append("meanwhile"))
    assert out == [1 + i * i for i in range(12)]
    assert seen[:2] == ["meanwhile", (0, 12)] and seen[-1] == (12, 12) and len(seen) == 14


def test_local_start_is_fork_where_it_is_the_default(monkeypatch):
    monkeypatch.setattr(multiprocessing, "get_start_method", lambda allow_none=False: None)
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["fork", "spawn"])
    assert parallel.local_start() == "fork"
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn", "fork"])
    assert parallel.local_start() == "loky"
    monkeypatch.setattr(multiprocessing, "get_start_method", lambda allow_none=False: "spawn")
    assert parallel.local_start() == "loky"


@pytest.mark.skipif(parallel.local_start() != "fork", reason="workers are not forked here")
def test_an_error_meanwhile_stops_the_forked_workers():
    """The caller's own work fails while the workers compute: its error, no worker left."""

    def refuse():
        raise InputError("bad option")

    before = set(multiprocessing.active_children())  # e.g. idle loky workers of other tests
    with pytest.raises(InputError, match="bad option"):
        run_tasks(_sleepy, [(i,) for i in range(20)], shared=0.5, jobs=2, meanwhile=refuse)
    assert set(multiprocessing.active_children()) <= before


def test_one_and_two_workers_write_the_same_files(population, tmp_path):
    """A small plan on two (forked) workers: the same tables, and write_plan's figures drawn
    side by side are the same bytes."""
    from lospw.analysis.planning.report import write_plan

    one = plan_sample_size(population, [100], 3, jobs=1, seed=5)
    two = plan_sample_size(population, [100], 3, jobs=2, seed=5)
    for a, b in zip(_tables(one), _tables(two), strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    files = [{p.name: p.read_bytes() for p in write_plan(two, tmp_path / str(jobs), jobs=jobs)}
             for jobs in (1, 2)]
    assert files[0] == files[1] and len(files[0]) == 6


def test_unreachable_scheduler_is_an_input_error(monkeypatch):
    import lospw.analysis.core.parallel

    monkeypatch.setattr(lospw.analysis.core.parallel, "DASK_CONNECT_TIMEOUT", "1s")
    with pytest.raises(InputError, match="Could not connect to the Dask scheduler"):
        run_tasks(_square_plus, [(1,)], shared=0, scheduler="tcp://127.0.0.1:9")


def _tables(res):
    return res.summary, res.loadings, res.replications


@pytest.mark.slow
@pytest.mark.parametrize("estimator", ["ML", "WLSMV"])
def test_identical_tables_on_one_two_workers_and_dask(population, tmp_path, estimator):
    """Acceptance: 2 sizes x 4 replications give identical tables (and files) everywhere."""
    from distributed import LocalCluster

    from lospw.analysis.planning.report import write_plan

    kw = {"seed": 11, "estimator": estimator}
    one = plan_sample_size(population, [100, 150], 4, jobs=1, **kw)
    two = plan_sample_size(population, [100, 150], 4, jobs=2, **kw)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        dask = plan_sample_size(population, [100, 150], 4, scheduler=cluster.scheduler_address,
                                **kw)
    for other in (two, dask):
        for a, b in zip(_tables(one), _tables(other), strict=True):
            pd.testing.assert_frame_equal(a, b, check_exact=True)
    files = {}
    for name, res in (("one", one), ("two", two), ("dask", dask)):
        files[name] = {p.name: p.read_bytes() for p in write_plan(res, tmp_path / name)}
    assert files["one"] == files["two"] == files["dask"]


def _session_processes(sid: int) -> list[str]:
    """Live (non-zombie) processes of a session, from /proc."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        state, session = fields[0], int(fields[3])
        if session == sid and state not in ("Z", "X"):
            out.append(f"{d.name} {stat[:stat.rindex(')') + 1]}")
    return out


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_ctrl_c_stops_workers_with_a_clear_message(population_path):
    """SIGINT to the whole process group, as a terminal's Ctrl-C sends it."""
    cmd = [sys.executable, "-m", "lospw", "plan", "--population", str(population_path),
           "--n", "100", "200", "--reps", "200", "--estimator", "ML", "--jobs", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, cwd=ROOT)
    sid = proc.pid
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and len(_session_processes(sid)) < 3:
        time.sleep(0.2)  # the CLI and its two loky workers (plus resource trackers)
    assert len(_session_processes(sid)) >= 3, "the workers did not start"
    time.sleep(2)
    os.killpg(sid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted after" in err and "nothing was written" in err
    assert "Traceback" not in err
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _session_processes(sid):
        time.sleep(0.2)
    assert _session_processes(sid) == []


@pytest.mark.skipif(not Path("/proc").is_dir() or parallel.local_start() != "fork",
                    reason="needs /proc and forked workers")
def test_forked_workers_end_with_a_killed_caller():
    """SIGKILL leaves the caller no chance to stop its workers: they notice and end."""
    code = ("import time; from lospw.analysis.core.parallel import run_tasks; "
            "run_tasks(time.sleep, [()] * 4, shared=60, jobs=2)")
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True, cwd=ROOT)
    sid = proc.pid
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(_session_processes(sid)) < 3:
        time.sleep(0.1)
    assert len(_session_processes(sid)) >= 3, "the workers did not start"
    proc.kill()
    proc.wait(timeout=10)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _session_processes(sid):
        time.sleep(0.2)
    assert _session_processes(sid) == []
