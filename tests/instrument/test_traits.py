"""A function to advise on: made from a spec or a callable (what cannot be, refused in one line),
and its traits: timed from the strategies' spans, a coroutine's awaiting outside its steps."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bench.instrument import traits
from servers import harness

NOT_CALLABLE = 42


def crunch(k: int = 20_000) -> int:
    """Pure Python: holds the GIL."""
    acc = 0
    for i in range(k):
        acc = (acc + i * i) % 1_000_003
    return acc


async def waits_then_works(ms: float = 40) -> int:
    """An await, then a little pure Python."""
    await asyncio.sleep(ms / 1000)
    return crunch(20_000)


def add(a: int = 1, b: int = 2) -> int:
    return a + b


def raises() -> None:
    raise ValueError("boom")


HERE = "tests.instrument.test_traits"


@pytest.fixture(autouse=True)
def unregistered() -> Iterator[None]:
    yield
    harness.unregister_own(traits.NAME)


@pytest.mark.parametrize(
    ("spec", "args", "said"),
    [
        ("no_such_module_for_advice:f", "", "no module named 'no_such_module_for_advice'"),
        (f"{HERE}:nothing", "", "has no attribute 'nothing'"),
        (f"{HERE}:NOT_CALLABLE", "", "is a int, not a function"),
        (f"{HERE}:crunch", "[1, 2, 3]", "raised TypeError: crunch() takes from 0 to 1 positional arguments"),
        (f"{HERE}:crunch", "[1,", "arguments are JSON"),
        (f"{HERE}:crunch", "7", "a JSON list or object"),
        (f"{HERE}:raises", "", "raised ValueError: boom"),
        (f"x={HERE}:crunch", "", "is not MODULE:FUNCTION"),
        ("crunch", "", "is not MODULE:FUNCTION"),
    ],
)
def test_a_spec_that_cannot_be_advised_on_is_refused_in_one_line(spec: str, args: str, said: str):
    with pytest.raises(harness.SpecError) as e:
        traits.from_spec(spec, args)
    assert said in str(e.value) and "\n" not in str(e.value), str(e.value)


def test_a_module_s_function_has_a_spec_another_process_can_import_and_a_lambda_has_none():
    made = traits.from_spec(f"{HERE}:crunch", "[100]")
    assert (made.label, made.spec, made.args, made.portable) == (f"{HERE}:crunch", f"{HERE}:crunch", "[100]", True)
    given = traits.from_callable(crunch, args=(100,))
    assert (given.spec, given.args) == (f"{HERE}:crunch", "[100]") and given.workload.run(1) == crunch(100)
    assert traits.from_callable(crunch, kwargs={"k": 100}).args == json.dumps({"k": 100})
    assert traits.from_callable(add, args=(1,), kwargs={"b": 2}).spec == ""  # a list or an object, not both
    local = traits.from_callable(lambda: crunch(100))
    assert local.spec == "" and not local.portable and local.workload.portable  # the pool gets it by value


def test_calls_are_timed_from_their_spans_after_one_untimed_call_of_each():
    asked: list[tuple[str, int]] = []
    durations = iter([0.1, 0.3, 0.2, 0.1, 0.1] * 10)

    def spans(strategy: str, n: int) -> list[dict[str, Any]]:
        asked.append((strategy, n))
        d = next(durations)
        return [{"start": 0.0, "end": d * (i + 1), "cpu_start": 1.0, "cpu_end": 1.0 + d / 2} for i in range(n)]

    found = traits._timed_calls(spans, repeats=3)
    each = [("sequential", 1), ("threads", 1), ("threads", 2)]
    assert asked == each * 4  # the first of each untimed
    assert traits._timed_calls(spans, repeats=1, processes=True)["repeats"] == 1
    assert asked[-5:] == [*each, ("processes", 1), ("processes", 2)]
    assert found["repeats"] == 3 and found["wall_s"] == pytest.approx(0.1) and found["cpu_s"] == pytest.approx(0.05)
    assert found["two_threads_s"] > 0


def test_a_coroutine_s_awaiting_is_its_time_outside_its_steps():
    w = traits.from_callable(waits_then_works).workload
    wall, awaiting = traits._awaiting(w, repeats=3)
    t0 = time.perf_counter()
    crunch(20_000)
    running = time.perf_counter() - t0
    assert awaiting == pytest.approx(0.04, abs=0.015) and wall >= awaiting + running * 0.5


@pytest.mark.slow
def test_traits_in_this_process_come_with_its_pool_s_the_result_pickled_and_the_workload_as_a_worker_gets_it():
    subject = traits.from_callable(crunch, args=(2000,))
    harness.register_made(subject.workload)
    pool = harness.TaskPool(2).start()
    try:
        t = traits.traits(subject, traits.in_process(pool=pool), said=harness.interpreter_report(), repeats=3)
    finally:
        pool.shutdown()
    assert t.repeats == 3 and t.wall_s > 0 and t.cpu_s > 0 and t.two_threads_s > 0 and not t.coroutine
    assert t.process_wall_s > 0 and t.process_cpu_s > 0 and t.two_processes_s > 0
    assert t.result_bytes > 0 and t.sent_bytes == len(subject.workload.portable or b"") > 0
    assert t.interpreter == harness.interpreter_report()["interpreter"] and t.gil_enabled
