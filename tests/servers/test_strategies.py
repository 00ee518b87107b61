"""Each strategy on each workload, in-process, and the process pool's life cycle."""

import asyncio
import os

import psutil
import pytest

from servers import blas, memory, strategies, workloads
from servers.pool import TaskPool
from servers.strategies import Context

SMALL = {"article": 60, "matmul": 60, "python": 20, "sleep": 40}


@pytest.fixture(scope="module")
def pool():
    p = TaskPool(2).start()
    yield p
    p.shutdown()


def run_both_ways(strategy, workload, n, ctx):
    """The strategy from sync code and from a coroutine; both lists of spans."""
    size = SMALL[workload.name]
    sync = strategies.run_blocking(strategy, workload, n, size, ctx)
    asyn = asyncio.run(strategies.run_awaiting(strategy, workload, n, size, ctx))
    return sync, asyn


@pytest.mark.parametrize("workload", list(workloads.WORKLOADS))
@pytest.mark.parametrize("strategy", list(strategies.STRATEGIES))
def test_every_strategy_runs_every_workload(strategy, workload, pool):
    s, w = strategies.get(strategy), workloads.get(workload)
    for spans in run_both_ways(s, w, 3, Context(pool=pool)):
        assert [sp.index for sp in spans] == [0, 1, 2]
        assert all(sp.end >= sp.start for sp in spans)
        in_workers = {sp.pid for sp in spans} <= set(pool.pids)
        assert in_workers == (strategy == "processes")
        if strategy == "threads":
            assert all(sp.thread.startswith("task") for sp in spans)


def test_gather_overlaps_sleep_but_not_cpu_work():
    ctx = Context()
    sleeps = strategies.run_in_new_loop(strategies.gather(workloads.SLEEP, 4, 50, ctx))
    assert workloads.overlap(sleeps) > 3.0 and workloads.parallelism(sleeps) < 0.5
    cpu = strategies.run_in_new_loop(strategies.gather(workloads.PYTHON, 3, 20, ctx))
    assert workloads.overlap(cpu) <= 1.0 + 1e-6 and workloads.parallelism(cpu) <= 1.02  # two clocks, read apart


def test_threads_overlap_waits_and_processes_overlap_held_gil(pool):
    ctx = Context(pool=pool)
    # 200 ms sleeps: starting four threads takes a few ms, tens on a busy machine (50 ms ones read 2.87).
    assert workloads.overlap(strategies.threads(workloads.SLEEP, 4, 200, ctx)) > 3.0
    spans = strategies.processes(workloads.SLEEP, 2, 100, ctx)
    assert workloads.overlap(spans) > 1.5 and {sp.pid for sp in spans} == set(pool.pids)
    assert workloads.parallelism(spans) < 0.5, "waits in two processes: in progress at once, using no CPU"


def test_processes_need_the_apps_pool():
    with pytest.raises(RuntimeError, match="process pool"):
        strategies.processes(workloads.SLEEP, 1, 1, Context())


def test_async_forms_leave_the_loop_free(pool):
    """While threads or processes work, the event loop keeps running other coroutines."""
    ctx = Context(pool=pool)

    async def probe(strategy):
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.005)

        t = asyncio.create_task(ticker())
        await strategy(workloads.SLEEP, 2, 100, ctx)
        t.cancel()
        return ticks

    assert asyncio.run(probe(strategies.athreads)) > 5
    assert asyncio.run(probe(strategies.aprocesses)) > 5


def test_pool_start_and_shutdown_leave_no_worker():
    me = psutil.Process()
    p = TaskPool(2).start()
    assert len(p.pids) == 2
    workers = [psutil.Process(pid) for pid in p.pids]
    assert all(w.ppid() == os.getpid() for w in workers)
    p.shutdown()
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive
    assert not set(p.pids) & {c.pid for c in me.children(recursive=True)}
    p.shutdown()  # twice is harmless


def test_blas_threads_are_pinned_per_task(pool):
    if not blas.describe():
        pytest.skip("numpy has no BLAS that threadpoolctl can see")
    seen = []
    real = workloads.MATMUL.run

    def spy(size):
        seen.append(blas.threads_now())
        return real(size)

    w = workloads.Workload(**{**workloads.MATMUL.__dict__, "run": spy})
    before = blas.threads_now()
    strategies.sequential(w, 2, 30, Context(blas_threads=1))
    assert seen == [1, 1]
    assert blas.threads_now() == before  # restored afterwards
    # In the worker processes too: a worker reports the threads in force during its task.
    assert pool.probe_blas(1) == 1


def test_memory_estimate_follows_the_strategy():
    w, n, size = workloads.ARTICLE, 4, 1000
    serial = w.peak_bytes(size) + (n - 1) * w.result_bytes(size)
    assert memory.estimate_peak_bytes(w, strategies.SEQUENTIAL, n=n, size=size) == serial
    assert memory.estimate_peak_bytes(w, strategies.THREADS, n=n, size=size) == n * w.peak_bytes(size)
    assert memory.estimate_peak_bytes(w, strategies.PROCESSES, n=n, size=size, workers=2) == 2 * w.peak_bytes(size)
