"""The advice model: how long n calls of a function take with each strategy, from its traits.

A call's wall time is made of what holds the GIL (``gil``), and what does not: its own CPU
work off the GIL, and waiting (a sleep, I/O, a lock of its own). From that physics:

- **one after another** (``sequential``): n calls, n wall times;
- **gather**: a coroutine's running steps take turns on the one event loop, its awaits
  overlap: ``n x running + awaiting``; a plain function has no await point, and runs as one
  after another;
- **threads**: the GIL-held parts run one at a time, the CPU off the GIL shares the cores,
  waits overlap freely: ``k x gil + max(off the GIL, k x CPU off the GIL / cores)``
  (:func:`threads_seconds`); under a free-threaded Python the GIL-held part is what its own
  two threads against one measure there (nothing, unless the function serializes itself);
- where two calls at once took longer than one call's time twice over, they slowed each other
  beyond taking turns (:func:`contention`), and k calls at once are slowed k - 1 times as much;
- **processes**: anything at once, each worker with its own GIL, in rounds of as many calls as
  the pool has workers, each round sharing the cores as threads do, what the processes share
  of the machine (caches, memory bandwidth) taken in turns as the GIL is; each task
  unpickles the workload in its worker (:func:`tasks_seconds`).

Every prediction adds the measured overhead of its row: the same trial of a call that does
nothing (pinning BLAS, starting threads, a fresh event loop, the pool's round trip, HTTP).
What the calls take in turns is not assumed: across threads it is the one value that makes
the threads formula give the measured time of two calls on two threads (:func:`gil_seconds`),
across processes the same from two calls in two workers (:func:`shared_seconds`); the
difference is the time a call holds the GIL (:func:`gil_share`). So the model has no parameter
fitted to the functions it is judged on: each function's own two against one calibrate it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bench.vocabulary.advice_records import Traits

#: Bisection steps of :func:`gil_seconds` (a relative precision far below any timing's).
_STEPS = 60


@dataclass(frozen=True)
class Prediction:
    """A row's predicted time for n calls (overhead included) and its parallelism: the
    calls' CPU time over the time they spanned."""

    seconds: float
    parallelism: float


def threads_seconds(*, wall: float, cpu: float, gil: float, k: int, cores: int) -> float:
    """k calls on k threads at once, each ``wall`` long with ``cpu`` seconds of CPU of which
    ``gil`` hold the GIL: the GIL-held parts one at a time, then what is left of the longest
    call, or of the CPU off the GIL spread over the cores, whichever is longer."""
    gil = min(max(gil, 0.0), wall)
    off_cpu = max(0.0, cpu - gil)
    return k * gil + max(wall - gil, k * off_cpu / max(cores, 1))


def serial_seconds(*, wall: float, cpu: float, two: float, cores: int) -> float:
    """What of one call (``wall`` long, ``cpu`` seconds of CPU) two calls at once take in turns:
    the value in [0, ``wall``] for which :func:`threads_seconds` of two calls is ``two``, their
    measured time (0 when they took no longer than the formula allows with nothing taken in
    turns; all of it when they took twice one call or more). NaN where one is not measured."""
    if not all(math.isfinite(x) for x in (wall, cpu, two)) or wall <= 0:
        return float("nan")

    def at_once(serial: float) -> float:
        return threads_seconds(wall=wall, cpu=cpu, gil=serial, k=2, cores=cores)

    low, high = 0.0, wall
    if two <= at_once(low):
        return 0.0
    if two >= at_once(high):
        return wall
    for _ in range(_STEPS):
        middle = (low + high) / 2
        low, high = (middle, high) if at_once(middle) < two else (low, middle)
    return (low + high) / 2


def contention(*, wall: float, cpu: float, two: float, cores: int) -> float:
    """How much longer two calls at once took than all of one call taken in turns allows:
    ``two`` over twice one call's time, at least 1 (1 where one is not measured). Above 1 the
    calls slow each other down beyond waiting their turn: a free-threaded build's threads that
    share objects (reference counts, a dict) do, and caches or memory bandwidth can."""
    if not all(math.isfinite(x) for x in (wall, cpu, two)) or wall <= 0:
        return 1.0
    return max(1.0, two / threads_seconds(wall=wall, cpu=cpu, gil=wall, k=2, cores=cores))


def _contended(seconds: float, *, factor: float, k: int) -> float:
    """``seconds`` of k calls at once, slowed by each call beyond the first as two calls'
    :func:`contention` ``factor`` says one other call does."""
    return seconds * (1.0 + (factor - 1.0) * max(k - 1, 0))


def gil_seconds(traits: Traits, cores: int) -> float:
    """What two calls on two threads take in turns (:func:`serial_seconds`): the GIL-held part,
    and whatever else they share (caches, memory bandwidth), which threads wait for alike."""
    return serial_seconds(wall=traits.thread_wall_s, cpu=traits.thread_cpu_s, two=traits.two_threads_s, cores=cores)


def shared_seconds(traits: Traits, cores: int) -> float:
    """What two calls in two processes take in turns: the machine's hardware they share (each
    has a GIL of its own); 0 where it was not measured."""
    found = serial_seconds(
        wall=traits.process_wall_s, cpu=traits.process_cpu_s, two=traits.two_processes_s, cores=cores
    )
    return found if math.isfinite(found) else 0.0


def gil_share(traits: Traits, cores: int) -> float:
    """The share of one call's time on a thread that holds the GIL: what two threads take in
    turns beyond what two processes do (both from two against one)."""
    if not traits.thread_wall_s > 0:
        return float("nan")
    return max(0.0, gil_seconds(traits, cores) - shared_seconds(traits, cores)) / traits.thread_wall_s


def tasks_seconds(traits: Traits, strategy: str, *, n: int, cores: int, workers: int) -> float:
    """n calls' time with ``strategy`` (no overhead), from ``traits`` (see the module's docstring)."""
    if strategy == "sequential":
        return n * traits.wall_s
    if strategy == "gather":
        if not traits.coroutine:
            return n * traits.wall_s
        running = max(0.0, traits.async_wall_s - traits.await_s)
        return n * running + traits.await_s
    if strategy == "threads":
        gil = gil_seconds(traits, cores)
        wall, cpu = traits.thread_wall_s, traits.thread_cpu_s
        alone = threads_seconds(wall=wall, cpu=cpu, gil=gil, k=n, cores=cores)
        factor = contention(wall=wall, cpu=cpu, two=traits.two_threads_s, cores=cores)
        return _contended(alone, factor=factor, k=n)
    if strategy == "processes":
        at_once = max(1, min(n, workers))
        rounds = math.ceil(n / max(workers, 1))
        wall, cpu = _in_a_worker(traits)
        shared = shared_seconds(traits, cores)
        one_round = threads_seconds(wall=wall, cpu=cpu, gil=shared, k=at_once, cores=cores)
        factor = contention(wall=wall, cpu=cpu, two=traits.two_processes_s, cores=cores)
        return rounds * (_contended(one_round, factor=factor, k=at_once) + traits.unpickle_s)
    raise ValueError(f"no model for the strategy {strategy!r}")


def _in_a_worker(traits: Traits) -> tuple[float, float]:
    """One call's wall and CPU time in a pool's worker, or on the calling thread where that was
    not measured."""
    if math.isfinite(traits.process_wall_s) and math.isfinite(traits.process_cpu_s):
        return traits.process_wall_s, traits.process_cpu_s
    return traits.wall_s, traits.cpu_s


def predict(traits: Traits, strategy: str, *, n: int, cores: int, workers: int, overhead_s: float) -> Prediction:
    """n calls with ``strategy``: :func:`tasks_seconds` plus the row's measured overhead, and
    the parallelism the calls would have (their CPU over their span, at most the cores)."""
    work = tasks_seconds(traits, strategy, n=n, cores=cores, workers=workers)
    cpu = {"threads": traits.thread_cpu_s, "processes": _in_a_worker(traits)[1]}.get(strategy, traits.cpu_s)
    parallelism = min(n * cpu / work, float(cores)) if work > 0 else float("nan")
    return Prediction(seconds=overhead_s + work, parallelism=parallelism)
