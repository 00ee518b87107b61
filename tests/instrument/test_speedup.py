"""Speed-up, defined once: the one-after-another time over the wall time, not the overlap; the
one-after-another times measured after a warm-up and cached, under another interpreter in
its runner."""

import math

import pytest

from bench.instrument import speedup as speedup_module
from bench.instrument.speedup import EXPLAINED, BaselineRefused, Baselines, in_runner, speedup
from servers import harness
from servers.harness import overlap, parallelism


def test_speed_up_is_the_one_after_another_time_over_the_wall_time_not_the_overlap_nor_the_parallelism():
    def spans(*windows: tuple[float, float, float]) -> list[dict[str, float | str]]:
        """Tasks, each on a thread of its own that used ``cpu`` seconds while it ran."""
        return [
            {"start": s, "end": e, "pid": 1, "thread": f"t{i}", "cpu_start": 0.0, "cpu_end": c}
            for i, (s, e, c) in enumerate(windows)
        ]

    # Threads running pure Python: four 0.1 s tasks take turns at the GIL, each stretched to
    # 0.4 s; all four overlap, one core's worth runs at a time, and the request ends when they
    # would have one after another.
    gil = spans(*[(0.0, 0.4, 0.1)] * 4)
    assert overlap(gil) == pytest.approx(4.0) and parallelism(gil) == pytest.approx(1.0)
    assert speedup(0.4, 0.4) == pytest.approx(1.0)
    # Sleeps awaited together: overlap and speed-up agree; nothing runs.
    sleeps = spans(*[(0.0, 0.1, 0.0)] * 4)
    assert overlap(sleeps) == pytest.approx(4.0) and parallelism(sleeps) == 0.0
    assert speedup(0.4, 0.1) == pytest.approx(4.0)
    # The article's gather: a staircase, neither overlap nor speed-up, and a wall time with
    # serving's own cost in it (a speed-up a little under 1).
    stairs = spans((0.0, 0.1, 0.1), (0.1, 0.2, 0.1), (0.2, 0.3, 0.1), (0.3, 0.4, 0.1))
    assert overlap(stairs) == pytest.approx(1.0) and speedup(0.4, 0.42) == pytest.approx(0.952, abs=1e-3)
    assert math.isnan(speedup(float("nan"), 0.4)) and math.isnan(speedup(0.4, 0.0))
    assert {"parallelism", "overlap", "speed-up"} <= set(EXPLAINED.lower().replace(".", " ").split())


def test_baselines_are_measured_after_a_warm_up_and_cached():
    calls: list[tuple[str, int, int]] = []
    times = iter([9.0, 0.5, 0.3, 0.4])  # the warm-up (slow, not counted), then three

    def measure(workload: str, *, n: int, size: int) -> float:
        calls.append((workload, n, size))
        return next(times)

    b = Baselines(measure=measure, repeats=3, budget_s=60)
    assert b.seconds("python", n=4, size=10) == 0.3  # the fastest of the three after the warm-up
    assert b.seconds("python", n=4, size=10) == 0.3
    assert calls == [("python", 1, 10)] + [("python", 4, 10)] * 3, "measured once, then cached"

    long = Baselines(measure=lambda workload, *, n, size: 0.01, repeats=5, budget_s=0.0)
    long.seconds("sleep", n=2, size=5)
    assert long.cache == {("sleep", 2, 5): 0.01}


class FakeRunner:
    """Answers as an ideal runner does, with a made-up wall time."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str, int, int]] = []

    def run(self, workload: str, strategy: str, *, n: int, size: int) -> dict[str, float]:
        self.asked.append((workload, strategy, n, size))
        return {"wall_s": 0.25 * n}


def test_another_interpreter_s_one_after_another_time_is_measured_in_its_runner_under_the_memory_rule(monkeypatch):
    runner = FakeRunner()
    measure = in_runner(runner)  # type: ignore[arg-type]  # a stand-in with run()
    assert measure("python", n=2, size=100) == 0.5 and runner.asked == [("python", "sequential", 2, 100)]

    def refuse(estimate: int):
        raise harness.MemoryRefused(10 * 2**30, 2**30)

    monkeypatch.setattr(speedup_module.harness, "reserved", refuse)
    with pytest.raises(BaselineRefused, match="does not fit"):
        measure("python", n=2, size=100)
    assert len(runner.asked) == 1, "refused before it ran"
