"""Speed-up, parallelism and overlap: three numbers that are easy to confuse, defined once.

*Speed-up* is the time of the same n tasks run one after another in this process, divided
by the request's wall time: how much sooner the answer came. *Parallelism* is how many tasks
ran *at once*: the CPU time of the threads that ran them, while they ran, over the time from
the first start to the last end; at most the cores (:func:`servers.harness.parallelism`).
*Overlap* is how many were *in progress* at once: their summed wall time over the same span
(:func:`servers.harness.overlap`); the point for waits, which use no CPU. Threads running pure
Python under the GIL overlap (overlap near n) but run one core's worth at a time (parallelism
near 1) and finish no sooner (speed-up near 1). Every figure, table and check of the project
that says "speed-up" means :func:`speedup`; the servers report parallelism and overlap with
each answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from servers import harness

#: One sentence for every place that shows both numbers (explorer, workshop, article).
EXPLAINED = (
    "Speed-up is how much sooner the request answered than the same tasks run one after "
    "another in this process (1: no gain). Parallelism is how many tasks ran at once: the CPU "
    "time of the threads that ran them over their span (1: one core's worth at a time; at "
    "most the cores). Overlap is how many were in progress at once, working or waiting: their "
    "summed wall time over the same span. Threads running pure Python overlap without running "
    "at once, and finish no sooner; waits overlap with no parallelism at all."
)

#: A baseline is measured up to this many times (the fastest kept) ...
BASELINE_REPEATS = 3
#: ... and no further repeat starts once this much time has gone into it (one always runs).
BASELINE_BUDGET_S = 2.0


def speedup(one_after_another_s: float, wall_s: float) -> float:
    """``one_after_another_s / wall_s``; NaN when either is missing or not positive."""
    if not (one_after_another_s > 0 and wall_s > 0):  # also False for NaN
        return float("nan")
    return one_after_another_s / wall_s


class BaselineRefused(RuntimeError):
    """The baseline's tasks would not fit in memory now (the memory guard's rule)."""


def _one_after_another(workload: str, *, n: int, size: int) -> float:
    """Seconds this process takes to run ``n`` tasks of ``workload`` at ``size`` in a plain
    loop, keeping their results until the last is done as a request does (BLAS pinned to one
    thread per task, as the servers' strategies pin it), and freeing them at the end, as a
    program that runs them does. A server that answers before it frees the results (FastAPI's
    async endpoint, see the article) leaves that out of its wall time, and can show a speed-up
    a little above 1 with no overlap at all. Guarded by the servers' memory rule: raises
    :class:`BaselineRefused` rather than run what would not fit."""
    estimate = harness.estimate_peak_bytes(workload, "sequential", n=n, size=size)
    try:
        with harness.reserved(estimate):
            t0 = time.perf_counter()
            harness.run_ideal(workload, "sequential", n=n, size=size)
            return time.perf_counter() - t0
    except harness.MemoryRefused as e:
        raise BaselineRefused(str(e)) from e


Measure = Callable[..., float]


def in_runner(runner: harness.IdealRunner) -> Measure:
    """A measure of :func:`_one_after_another`'s contract, taken in ``runner``'s process (a
    Python other than this one, such as the free-threaded build) and timed inside it, as the
    ideal of a gil run is; guarded by the same memory rule."""

    def measure(workload: str, *, n: int, size: int) -> float:
        estimate = harness.estimate_peak_bytes(workload, "sequential", n=n, size=size)
        try:
            with harness.reserved(estimate):
                return float(runner.run(workload, "sequential", n=n, size=size)["wall_s"])
        except harness.MemoryRefused as e:
            raise BaselineRefused(str(e)) from e

    return measure


@dataclass
class Baselines:
    """One-after-another times measured in this process and cached by (workload, n, size).

    Each is the fastest of up to :data:`BASELINE_REPEATS` measurements (interference only
    adds time), fewer when one already takes :data:`BASELINE_BUDGET_S` (a long task is
    measured once), after one untimed task: a process's first task of a kind is slower
    (imports, caches, the CPU's clock coming up), by half again for ``python`` on this
    project's machine.
    """

    measure: Measure = _one_after_another
    repeats: int = BASELINE_REPEATS
    budget_s: float = BASELINE_BUDGET_S
    cache: dict[tuple[str, int, int], float] = field(default_factory=dict)

    def seconds(self, workload: str, *, n: int, size: int) -> float:
        """The cached time of ``n`` tasks of ``workload`` at ``size`` one after another."""
        key = (workload, n, size)
        if key not in self.cache:
            self.measure(workload, n=1, size=size)  # the warm-up, not counted
            times: list[float] = []
            started = time.perf_counter()
            while len(times) < max(self.repeats, 1):
                times.append(self.measure(workload, n=n, size=size))
                if time.perf_counter() - started >= self.budget_s:
                    break
            self.cache[key] = min(times)
        return self.cache[key]
