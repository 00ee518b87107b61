"""bench advise's trials: each row's configuration, every row measured in rounds (under another
Python too), a failing trial said with the function's exception, and nothing left running."""

from __future__ import annotations

import multiprocessing
import sys

import pytest

from bench.instrument import traits
from bench.instrument.advice_trials import Bench, Row, TrialFailed
from bench.vocabulary.advice_records import IN_PROCESS, STRATEGIES
from bench.vocabulary.config import FREE_THREADED, IDEAL
from servers import workloads
from tests.conftest import assert_no_new_threads, children, live_threads


def crunch(k: int = 20_000) -> int:
    acc = 0
    for i in range(k):
        acc = (acc + i * i) % 1_000_003
    return acc


def fails_in_a_pool() -> int:
    """Fine in the process that made it; raises in any other (a pool's worker)."""
    if multiprocessing.parent_process() is None:
        return crunch(1000)
    raise RuntimeError("not here")


def test_each_row_s_trial_is_the_ideal_here_or_under_another_python_or_a_request_to_a_server():
    here = Row("threads", "threads", IN_PROCESS).config(traits.NAME, 4)
    assert (here.framework, here.strategy, here.n, here.size, here.python) == (IDEAL, "threads", 4, 1, "")
    there = Row("threads, free-threaded", "threads", "/a/python", python=FREE_THREADED).config(traits.NAME, 4)
    assert there.framework == IDEAL and there.python == FREE_THREADED
    served = Row("flask gather", "gather", "flask", framework="flask").config(traits.NAME, 2)
    assert (served.framework, served.mode, served.endpoint, served.workload) == ("flask", "process", "sync", "advised")


@pytest.mark.slow
def test_a_bench_measures_every_row_in_rounds_under_another_python_too_and_leaves_nothing_running():
    threads, processes = live_threads(), children()
    subject = traits.from_spec("tests.instrument.test_advice_trials:crunch", "[20000]")
    with Bench(subject, n=2, python=sys.executable) as b:
        names = [r.name for r in b.rows]
        assert names[:4] == list(STRATEGIES) and names[4].startswith("threads, 3."), names
        there = b.spans_there()
        assert there is not None and b.other_said["registered"] == traits.NAME
        t = traits.traits(subject, there, said=b.other_said, here=False, repeats=3)
        assert t.repeats == 3 and t.wall_s > 0 and t.interpreter == b.other_said["interpreter"]
        found = b.rounds(traits.NOOP, rounds=2, seed=1)
        assert {k: len(v) for k, v in found.items()} == dict.fromkeys(names, 2)
        assert all(m.status == 200 and m.client_wall_s > 0 for v in found.values() for m in v)
        assert b.pool_start_s > 0 and b.workers >= 1
    assert traits.NAME not in workloads.WORKLOADS and traits.NOOP not in workloads.WORKLOADS
    assert_no_new_threads(threads)
    assert children() <= processes


@pytest.mark.slow
def test_a_trial_that_fails_is_said_with_the_function_s_own_exception():
    subject = traits.from_spec("tests.instrument.test_advice_trials:fails_in_a_pool")
    with (
        Bench(subject, n=2) as b,
        pytest.raises(TrialFailed, match="failed in a trial of processes: RuntimeError: not here"),
    ):
        b.rounds(traits.NAME, rounds=1, seed=1, warmup=0)
