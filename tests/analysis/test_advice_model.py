"""The advice model on made-up traits: the physics of each strategy, and the GIL-held share
recovered from two threads against one."""

from __future__ import annotations

import math

import pytest

from bench.analysis import advice_model
from bench.analysis.advice_model import gil_seconds, predict, shared_seconds, tasks_seconds, threads_seconds
from bench.vocabulary.advice_records import Traits


def traits(*, wall: float = 0.1, cpu: float = 0.1, gil: float = 0.1, cores: int = 2, **more: float) -> Traits:
    """One call of ``wall`` seconds, ``cpu`` of CPU, ``gil`` of it holding the GIL, the same on a
    thread, and two threads as the model says they take (as a function of those traits would)."""
    two = threads_seconds(wall=wall, cpu=cpu, gil=gil, k=2, cores=cores)
    return Traits(wall_s=wall, cpu_s=cpu, thread_wall_s=wall, thread_cpu_s=cpu, two_threads_s=two, **more)  # type: ignore[arg-type]


def test_threads_take_turns_at_the_gil_share_the_cores_and_overlap_their_waits():
    assert threads_seconds(wall=0.1, cpu=0.1, gil=0.1, k=4, cores=2) == pytest.approx(0.4)  # pure Python
    assert threads_seconds(wall=0.1, cpu=0.1, gil=0.0, k=4, cores=2) == pytest.approx(0.2)  # BLAS: two cores' worth
    assert threads_seconds(wall=0.1, cpu=0.1, gil=0.0, k=2, cores=4) == pytest.approx(0.1)
    assert threads_seconds(wall=0.1, cpu=0.0, gil=0.0, k=8, cores=2) == pytest.approx(0.1)  # a sleep
    # Half a wait, half pure Python: the waits overlap, the Python takes turns.
    assert threads_seconds(wall=0.1, cpu=0.05, gil=0.05, k=4, cores=2) == pytest.approx(4 * 0.05 + 0.05)
    assert threads_seconds(wall=0.1, cpu=0.1, gil=0.3, k=1, cores=2) == pytest.approx(0.1)  # never more than all of it


@pytest.mark.parametrize("cores", [1, 2, 4])
@pytest.mark.parametrize("share", [0.0, 0.2, 0.5, 0.8, 1.0])
def test_the_gil_held_share_is_recovered_from_two_threads_against_one(share: float, cores: int):
    t = traits(wall=0.1, cpu=0.1, gil=0.1 * share, cores=cores)
    if cores == 1:  # CPU-bound on one core: two threads take twice as long whatever holds the GIL,
        # and so does every prediction made from it
        assert threads_seconds(wall=0.1, cpu=0.1, gil=gil_seconds(t, cores), k=3, cores=1) == pytest.approx(0.3)
        return
    assert gil_seconds(t, cores) == pytest.approx(0.1 * share, abs=1e-9)
    waits = traits(wall=0.1, cpu=0.1 * share, gil=0.1 * share, cores=cores)  # the rest of it waits
    assert advice_model.gil_share(waits, cores) == pytest.approx(share, abs=1e-9)


def test_two_threads_faster_or_slower_than_the_formula_allows_clamp_the_share():
    base = traits(wall=0.1, cpu=0.1, gil=0.0)
    assert gil_seconds(Traits(**{**base.__dict__, "two_threads_s": 0.09}), 2) == 0.0
    assert gil_seconds(Traits(**{**base.__dict__, "two_threads_s": 0.25}), 2) == pytest.approx(0.1)
    assert math.isnan(gil_seconds(Traits(**{**base.__dict__, "two_threads_s": math.nan}), 2))


def test_gather_overlaps_only_a_coroutine_s_awaits():
    plain = traits(wall=0.1, cpu=0.1, gil=0.1)
    assert tasks_seconds(plain, "gather", n=4, cores=2, workers=2) == pytest.approx(0.4)
    coroutine = traits(wall=0.1, cpu=0.05, gil=0.05, coroutine=True, async_wall_s=0.1, await_s=0.05)
    assert tasks_seconds(coroutine, "gather", n=4, cores=2, workers=2) == pytest.approx(4 * 0.05 + 0.05)
    assert tasks_seconds(coroutine, "sequential", n=4, cores=2, workers=2) == pytest.approx(0.4)


def test_processes_run_anything_at_once_up_to_the_workers_in_rounds_and_unpickle_each_task():
    python = traits(wall=0.1, cpu=0.1, gil=0.1, unpickle_s=0.001)
    assert tasks_seconds(python, "processes", n=2, cores=2, workers=2) == pytest.approx(0.101)
    assert tasks_seconds(python, "processes", n=4, cores=2, workers=2) == pytest.approx(0.202)
    assert tasks_seconds(python, "processes", n=3, cores=2, workers=2) == pytest.approx(0.202)
    # More workers than cores: the CPU shares the cores; a wait does not need them.
    assert tasks_seconds(python, "processes", n=4, cores=2, workers=4) == pytest.approx(0.201)
    sleep = traits(wall=0.1, cpu=0.0, gil=0.0)
    assert tasks_seconds(sleep, "processes", n=4, cores=2, workers=4) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="no model"):
        tasks_seconds(python, "fibers", n=2, cores=2, workers=2)


def test_a_prediction_adds_the_row_s_overhead_and_its_parallelism_is_at_most_the_cores():
    blas = traits(wall=0.1, cpu=0.1, gil=0.0)
    p = predict(blas, "threads", n=4, cores=2, workers=2, overhead_s=0.002)
    assert p.seconds == pytest.approx(0.202) and p.parallelism == pytest.approx(2.0)
    python = traits(wall=0.1, cpu=0.1, gil=0.1)
    assert predict(python, "threads", n=4, cores=2, workers=2, overhead_s=0).parallelism == pytest.approx(1.0)
    assert predict(python, "processes", n=2, cores=2, workers=2, overhead_s=0).parallelism == pytest.approx(2.0)


def test_what_two_processes_take_in_turns_is_shared_hardware_and_the_rest_of_the_threads_turns_is_the_gil():
    # Two threads take 40% of a call in turns, two processes 30%: the GIL holds 10%.
    threads_two = threads_seconds(wall=0.1, cpu=0.1, gil=0.04, k=2, cores=2)
    processes_two = threads_seconds(wall=0.1, cpu=0.1, gil=0.03, k=2, cores=2)
    t = Traits(
        wall_s=0.1,
        cpu_s=0.1,
        thread_wall_s=0.1,
        thread_cpu_s=0.1,
        two_threads_s=threads_two,
        process_wall_s=0.1,
        process_cpu_s=0.1,
        two_processes_s=processes_two,
    )
    assert shared_seconds(t, 2) == pytest.approx(0.03) and advice_model.gil_share(t, 2) == pytest.approx(0.1)
    assert tasks_seconds(t, "processes", n=4, cores=2, workers=2) == pytest.approx(2 * processes_two)
    unmeasured = Traits(**{**t.__dict__, "two_processes_s": math.nan})
    assert shared_seconds(unmeasured, 2) == 0.0 and advice_model.gil_share(unmeasured, 2) == pytest.approx(0.4)
    # In a worker, a call may take longer than on the calling thread: the worker's is the one a pool runs.
    slower = Traits(**{**t.__dict__, "process_wall_s": 0.12, "process_cpu_s": 0.12, "two_processes_s": 0.12})
    assert tasks_seconds(slower, "processes", n=2, cores=2, workers=2) == pytest.approx(0.12)


def test_calls_that_slow_each_other_beyond_taking_turns_are_predicted_as_slow_as_two_against_one_found():
    # A free-threaded build's threads sharing objects: two calls of 0.1 s took 0.3 s at once.
    t = Traits(**{**traits().__dict__, "two_threads_s": 0.3})
    assert advice_model.contention(wall=0.1, cpu=0.1, two=0.3, cores=2) == pytest.approx(1.5)
    assert tasks_seconds(t, "threads", n=2, cores=2, workers=2) == pytest.approx(0.3)
    assert tasks_seconds(t, "threads", n=3, cores=2, workers=2) == pytest.approx(0.3 * 2.0)
    assert advice_model.contention(wall=0.1, cpu=0.1, two=0.15, cores=2) == 1.0  # in turns or better: none
    assert advice_model.contention(wall=0.1, cpu=0.1, two=math.nan, cores=2) == 1.0
