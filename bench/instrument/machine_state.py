"""The machine's state while a run measures, as pyperf records it: how loaded it was at the
start and through the run, so that a run made on a busy machine says so.

Two readings: the load average (the kernel's, over a minute: it counts this run's own servers
too, so it is recorded, not judged, once the run has started), and the CPU that *other*
processes used: the machine's busy CPU time less that of this process and every process
below it (its servers, their pools), over each window, in cores. At the start, before this
run starts anything, :func:`check` also names the busiest other process.

A machine is **busy** (:func:`_busy_reasons`) when its load average exceeds half its cores, or
other processes use more than a quarter of a core: a timing then shares the cores it measures.
``bench run`` warns at the start; meta.json keeps what :class:`Sampler` read through the run
(:class:`~bench.vocabulary.records.MachineState`), and the report, ``bench agree`` and
``bench compare`` name the runs made on a busy machine.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import TypeVar

import psutil

from bench.instrument.environment import usable_cores
from bench.vocabulary.records import MachineState, StartState

T = TypeVar("T")

#: How often the sampler reads, in seconds.
SAMPLE_EVERY_S = 5.0
#: Busy: a load average above this share of the cores ...
BUSY_LOAD_SHARE = 0.5
#: ... or other processes using more than this many cores.
BUSY_OTHERS_CORES = 0.25
#: How long the check at the start watches, at least, in seconds.
CHECK_S = 0.5


def _busy_cpu_seconds() -> float:
    """The machine's CPU seconds spent on anything but idling, so far, over every core."""
    t = psutil.cpu_times()
    return float(sum(t) - t.idle - getattr(t, "iowait", 0.0))


def _tree(me: psutil.Process) -> list[psutil.Process]:
    try:
        return [me, *me.children(recursive=True)]
    except psutil.Error:
        return [me]


def _tree_cpu_seconds(me: psutil.Process) -> float:
    """CPU seconds of this process and every process below it, so far: each live one's own and
    those of the processes it has reaped (which the kernel adds to their parent's)."""
    total = 0.0
    for p in _tree(me):
        try:
            t = p.cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


def _busy_reasons(*, load_1min: float, others_cores: float, cores: int) -> list[str]:
    """Why the machine counts as busy (none: it does not)."""
    reasons = []
    if load_1min > BUSY_LOAD_SHARE * cores:
        reasons.append(f"load average {load_1min:.2f} on {cores} cores (above {BUSY_LOAD_SHARE:.0%} of them)")
    if others_cores > BUSY_OTHERS_CORES:
        reasons.append(f"other processes used {others_cores:.2f} of a core (more than {BUSY_OTHERS_CORES})")
    return reasons


def check(during: Callable[[], T], seconds: float = CHECK_S) -> tuple[T, StartState]:
    """``during()`` (this process's own work: its CPU is not counted), and the machine over the
    same time, at least ``seconds``, before a run starts anything: the load average, the cores
    other processes used, the busiest of them, and whether it is busy."""
    me = psutil.Process(os.getpid())
    mine = {p.pid for p in _tree(me)}
    others = [p for p in psutil.process_iter(["name"]) if p.pid not in mine]
    for p in others:
        try:
            p.cpu_percent(None)  # starts each process's window
        except psutil.Error:
            continue
    busy_before, tree_before, start = _busy_cpu_seconds(), _tree_cpu_seconds(me), time.monotonic()
    value = during()
    time.sleep(max(0.0, seconds - (time.monotonic() - start)))
    took = time.monotonic() - start
    others_cores = max(0.0, (_busy_cpu_seconds() - busy_before - (_tree_cpu_seconds(me) - tree_before)) / took)
    busiest: tuple[float, int, str] = (0.0, 0, "")
    for p in others:
        try:
            busiest = max(busiest, (p.cpu_percent(None) / 100, p.pid, str(p.info["name"])))
        except psutil.Error:
            continue
    cores = usable_cores() or 1
    load = os.getloadavg()[0]
    reasons = _busy_reasons(load_1min=load, others_cores=others_cores, cores=cores)
    if busiest[0] > BUSY_OTHERS_CORES:
        reasons.append(f"process {busiest[1]} ({busiest[2]}) used {busiest[0]:.2f} of a core")
    return value, StartState(
        load_1min=round(load, 2),
        others_cores=round(others_cores, 3),
        busiest={"pid": busiest[1], "name": busiest[2], "cores": round(busiest[0], 3)} if busiest[1] else None,
        busy=bool(reasons),
        reasons=reasons,
    )


def warning(state: StartState) -> str | None:
    """What ``bench run`` says at the start of a run on a busy machine (None on a quiet one)."""
    if not state["busy"]:
        return None
    return (
        "warning: the machine is busy (" + "; ".join(state["reasons"]) + "): this run's timings share the cores "
        "they measure and will spread wider; meta.json records it, and the report names it"
    )


class Sampler:
    """Reads the load average and the cores other processes use every ``every_s`` seconds
    while a run measures, in a thread of its own: ``with Sampler(start) as s: ...``, then
    :meth:`state`."""

    def __init__(self, start: StartState, every_s: float = SAMPLE_EVERY_S) -> None:
        self.start, self.every_s = start, every_s
        self.loads: list[float] = []
        self.others: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="machine-state", daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        me = psutil.Process(os.getpid())
        busy, tree, at = _busy_cpu_seconds(), _tree_cpu_seconds(me), time.monotonic()
        while not self._stop.wait(self.every_s):
            busy_now, tree_now, now = _busy_cpu_seconds(), _tree_cpu_seconds(me), time.monotonic()
            # A process of the tree that ended unreaped takes its seconds with it: never below 0.
            self.others.append(max(0.0, (busy_now - busy - (tree_now - tree)) / (now - at)))
            self.loads.append(os.getloadavg()[0])
            busy, tree, at = busy_now, tree_now, now

    def state(self) -> MachineState:
        """The start's check and what the samples read: means and highs, and whether the run
        was made on a busy machine: other processes above :data:`BUSY_OTHERS_CORES` at the
        start or on average through it. A load average above half the cores at the start is
        warned of but not counted by itself: it lags by a minute, so it still holds work that
        has just ended, which the cores other processes used then would show."""
        at_start = self.start
        reasons = [f"at the start: {r}" for r in at_start["reasons"] if not r.startswith("load average")]
        others = sum(self.others) / len(self.others) if self.others else None
        if others is not None and others > BUSY_OTHERS_CORES:
            reasons.append(f"through the run: other processes used {others:.2f} of a core on average")
        return MachineState(
            at_start=self.start,
            every_s=self.every_s,
            samples=len(self.others),
            load_1min_mean=round(sum(self.loads) / len(self.loads), 2) if self.loads else None,
            load_1min_max=round(max(self.loads), 2) if self.loads else None,
            others_cores_mean=round(others, 3) if others is not None else None,
            others_cores_max=round(max(self.others), 3) if self.others else None,
            busy=bool(reasons),
            reasons=reasons,
        )
