"""The machine's state on record: the check before a run, the sampler through it, what is busy,
and how the report names it."""

from __future__ import annotations

import threading
import time

import psutil
import pytest

from bench.instrument import machine_state
from bench.presentation import report
from bench.vocabulary.records import StartState, upgrade_meta


def start(**changed: object) -> StartState:
    quiet = StartState(load_1min=0.1, others_cores=0.0, busiest=None, busy=False, reasons=[])
    return StartState(**{**quiet, **changed})  # type: ignore[typeddict-item]


def test_busy_is_a_load_above_half_the_cores_or_others_above_a_quarter_of_a_core():
    assert machine_state._busy_reasons(load_1min=0.9, others_cores=0.2, cores=2) == []
    (load,) = machine_state._busy_reasons(load_1min=1.2, others_cores=0.0, cores=2)
    assert load.startswith("load average 1.20 on 2 cores")
    (others,) = machine_state._busy_reasons(load_1min=0.1, others_cores=0.4, cores=2)
    assert "0.40 of a core" in others


def test_the_check_watches_while_this_process_works_and_does_not_count_its_own_work(monkeypatch):
    """The machine's busy CPU is this process's tree's and a known 0.4 of a core of others'
    (made up): the check finds the others' alone, and calls it busy."""
    started = time.monotonic()
    monkeypatch.setattr(
        machine_state,
        "_busy_cpu_seconds",
        lambda: machine_state._tree_cpu_seconds(psutil.Process()) + 0.4 * (time.monotonic() - started),
    )

    def work() -> int:
        end = time.process_time() + 0.3
        while time.process_time() < end:  # this process's own CPU: not another process's
            pass
        return 7

    value, state = machine_state.check(work, seconds=0.5)
    assert value == 7 and state["others_cores"] == pytest.approx(0.4, abs=0.1) and state["busy"]
    assert "other processes used" in str(machine_state.warning(state))


def test_the_sampler_reads_through_a_run_and_stops_with_it():
    before = threading.active_count()
    with machine_state.Sampler(start(), every_s=0.05) as sampler:
        time.sleep(0.3)
    assert threading.active_count() == before
    state = sampler.state()
    assert state["samples"] >= 3 and state["others_cores_mean"] is not None and state["load_1min_max"] is not None


def test_a_lagging_load_average_at_the_start_is_warned_of_but_others_cpu_decides():
    lagging = start(load_1min=1.3, busy=True, reasons=["load average 1.30 on 2 cores (above 50% of them)"])
    sampler = machine_state.Sampler(lagging)
    sampler.others, sampler.loads = [0.01, 0.02], [1.3, 1.2]
    state = sampler.state()
    assert state["busy"] is False and state["at_start"]["busy"] is True
    assert "quiet" in report._machine_state_line({"machine_state": state})  # type: ignore[typeddict-item]
    sampler.others = [0.6, 0.7]
    busy = sampler.state()
    assert busy["busy"] is True and "0.65 of a core on average" in busy["reasons"][0]
    line = report._machine_state_line({"machine_state": busy})  # type: ignore[typeddict-item]
    assert line.startswith("machine state: BUSY")


@pytest.mark.parametrize("fmt", [5, 6])
def test_a_run_folder_older_than_format_7_has_no_machine_state(fmt):
    meta = upgrade_meta({"format": fmt, "cpu": {"model": "x"}, "servers": []}, "old")
    assert meta["machine_state"] is None and meta["cpu"]["governor"] is None and meta["format"] == 8
    assert "not recorded" in report._machine_state_line(meta)
