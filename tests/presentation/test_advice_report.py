"""What bench advise shows, on a made-up record: every interval with its trials, unresolved
never said as no difference, the advice in words, the DataFrame, the figure's scope, and the
accuracy table bench docs renders."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

from bench.analysis import advice
from bench.analysis.advice_model import Prediction
from bench.presentation import advice_report
from bench.vocabulary.advice_records import (
    ACCURACY_FORMAT,
    ADVICE_FORMAT,
    IN_PROCESS,
    AccuracyRecord,
    AdviceRecord,
    TraitsRecord,
    UnknownFormat,
    read_accuracy,
)

RNG = np.random.default_rng(7)
BASE = list(0.2 * (1 + 0.02 * RNG.standard_normal(10)))


def made_row(name: str, strategy: str, median: float, predicted_s: float, *, k: int = 10, where: str = IN_PROCESS):
    measured = list(median * (1 + 0.02 * RNG.standard_normal(k)))
    return advice.row(
        name,
        strategy=strategy,
        where=where,
        predicted=Prediction(predicted_s, 1.5),
        baseline_predicted_s=0.2,
        measured=advice.Measured(BASE if strategy == "sequential" and where == IN_PROCESS else measured),
        baseline_times=BASE,
    )


TRAITS = TraitsRecord(
    wall_s=0.1,
    cpu_s=0.1,
    thread_wall_s=0.1,
    thread_cpu_s=0.1,
    two_threads_s=0.2,
    process_wall_s=0.1,
    process_cpu_s=0.1,
    two_processes_s=0.1,
    threads_serial_share=1.0,
    processes_serial_share=0.0,
    gil_share=1.0,
    coroutine=False,
    async_wall_s=0.0,
    await_s=0.0,
    result_bytes=17,
    result_pickle_s=1e-6,
    sent_bytes=2000,
    unpickle_s=1e-5,
    peak_bytes=180,
    repeats=5,
    interpreter="3.11.7",
    gil_enabled=True,
)


def record(rows: list[Any]) -> AdviceRecord:
    chosen = advice.advise(rows, served=("flask",))
    return AdviceRecord(
        format=ADVICE_FORMAT,
        kind="advice",
        function="examples.tasks:crunch",
        args="",
        n=2,
        cores=2,
        workers=2,
        seed=1,
        rounds=10,
        started_at="2026-12-07T10:00:00+00:00",
        ended_at="2026-12-07T10:00:40+00:00",
        elapsed_s=40.0,
        traits=TRAITS,
        other_traits=None,
        other_python="",
        pool_start_s=0.6,
        overhead_s={"sequential": 0.001},
        rows=rows,
        advice=advice_report.words(chosen),
        advised=chosen.best["row"] if chosen.best else None,
        accuracy=advice.summary(rows),
    )


ROWS = [
    made_row("sequential", "sequential", 0.2, 0.2),
    made_row("gather", "gather", 0.2, 0.2),
    made_row("threads", "threads", 0.2, 0.2),
    made_row("processes", "processes", 0.1, 0.1),
    made_row("flask processes", "processes", 0.11, 0.105, where="flask"),
    made_row("threads, free-threaded", "threads", 0.1, 0.1, k=6),
]


def test_the_report_says_each_interval_with_its_trials_and_the_advice():
    said = advice_report.text(record(ROWS))
    lines = said.splitlines()
    assert lines[0].startswith("advise examples.tasks:crunch(): n=2 calls, 2 usable cores")
    assert "holds the GIL 100% of its time" in said and "medians of 5 calls" in said
    assert "on two threads 0.2 s (100% of a call in turns), in two processes 0.1 s (0% in turns)" in said
    (processes,) = [line for line in lines if line.startswith("processes ")]
    assert "(10 a side)" in processes and "faster" in processes and "holds" in processes
    (gather,) = [line for line in lines if line.startswith("gather ")]
    assert "unresolved" in gather and "no difference" not in said
    (few,) = [line for line in lines if line.startswith("threads, free-threaded ")]
    assert "too few trials for an interval: 6" in few and "too few" in few
    advice_line = next(line for line in lines if line.startswith("advice: "))
    assert re.match(
        r"advice: processes: \d\.\d\dx \[\d\.\d\d, \d\.\d\d\] \(10 a side\) as fast as one after", advice_line
    )
    assert advice_line.endswith("against threads, free-threaded, too few trials for an interval"), advice_line
    assert "flask" not in advice_line  # a served row is not advised


def test_no_row_resolved_faster_is_said_so():
    rows = [made_row("sequential", "sequential", 0.2, 0.2), made_row("threads", "threads", 0.2, 0.2)]
    assert record(rows)["advice"] == advice_report.NONE_FASTER == "none is resolved faster than one after another"


def test_the_frame_and_the_figure_hold_every_row_and_the_figure_says_its_scope():
    rec = record(ROWS)
    table = advice_report.frame(rec)
    assert list(table["row"]) == [r["row"] for r in ROWS] and {"speedup_low", "trials", "error"} <= set(table)
    fig = advice_report.figure(rec)
    (ax,) = fig.axes
    title = ax.get_title()
    assert "examples.tasks:crunch" in title and "2 calls on 2 cores" in title and "this machine" in title
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert {t.get_text() for t in ax.texts} >= {"processes (10)", "threads, free-threaded (6)"}


def accuracy(functions: list[AdviceRecord]) -> AccuracyRecord:
    rows = [r for f in functions for r in f["rows"]]
    cpu = {"model": "a CPU", "usable_cores": 2}
    return AccuracyRecord(
        format=ACCURACY_FORMAT,
        kind="advice-accuracy",
        n=2,
        started_at="2026-12-07T10:00:00+00:00",
        ended_at="2026-12-07T10:05:00+00:00",
        environment={"cpu": cpu},  # type: ignore[typeddict-item]
        machine_state=None,
        functions=functions,
        summary=advice.summary(rows),
    )


def test_the_accuracy_table_has_a_line_per_function_and_row_and_the_median_and_worst_error():
    text = advice_report.accuracy_markdown(accuracy([record(ROWS)]))
    rows = [line for line in text.splitlines() if line.startswith("| `examples.tasks:crunch` |")]
    assert len(rows) == len(ROWS) - 1  # the baseline is not a prediction of a speed-up
    assert "holds the GIL 100%, two processes take 0% in turns" in rows[0] and "(10 a side)" in text
    assert (
        "predictions hold" in text and "error median" in text and "worst" in text and "a CPU (2 usable cores)" in text
    )
    by_row = text[text.index("By row: ") :].split(". ")[0]
    assert by_row.startswith("By row: gather: 1 of 1 hold (worst ") and "; processes: 1 of 1 hold" in by_row, by_row
    assert "flask processes: " in by_row and "baseline" not in by_row and "sequential" not in by_row


def test_an_accuracy_record_of_another_format_is_refused():
    good = dict(accuracy([record(ROWS)]))
    assert read_accuracy(good, "here")["n"] == 2
    for bad in ({**good, "format": ACCURACY_FORMAT + 1}, {**good, "kind": "advice"}, {**good, "format": True}):
        with pytest.raises(UnknownFormat, match="here: not an advice accuracy record"):
            read_accuracy(bad, "here")
