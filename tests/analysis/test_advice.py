"""Predicted against measured on made-up trials: each row's verdict, the prediction's error and
whether it holds, how the predictions held over the rows, and the advice."""

from __future__ import annotations

import numpy as np
import pytest

from bench.analysis import advice
from bench.analysis.advice_model import Prediction
from bench.vocabulary.advice_records import IN_PROCESS, AdviceRow

RNG = np.random.default_rng(34)


def times(median: float, k: int = 12, spread: float = 0.02) -> list[float]:
    return list(median * (1 + spread * RNG.standard_normal(k)))


BASE = times(0.2)


def row(
    name: str, strategy: str, measured: list[float] | None, predicted_s: float, where: str = IN_PROCESS
) -> AdviceRow:
    return advice.row(
        name,
        strategy=strategy,
        where=where,
        predicted=Prediction(predicted_s, 1.0),
        baseline_predicted_s=0.2,
        measured=advice.Measured(measured) if measured is not None else None,
        baseline_times=BASE,
        note="" if measured is not None else "not measured: none here",
    )


def test_each_row_is_faster_slower_or_unresolved_against_one_after_another_from_its_interval():
    rows = {
        "base": row("sequential", "sequential", BASE, 0.21),
        "faster": row("processes", "processes", times(0.1), 0.1),
        "slower": row("threads", "threads", times(0.3), 0.2),
        "same": row("gather", "gather", times(0.2, spread=0.1), 0.2),
        "few": row("threads, free-threaded", "threads", times(0.1, k=7), 0.1),
        "none": row("threads, free-threaded", "threads", None, 0.1),
    }
    assert {k: r["verdict"] for k, r in rows.items()} == {
        "base": "baseline",
        "faster": "faster",
        "slower": "slower",
        "same": "unresolved",
        "few": "too few",
        "none": "not measured",
    }
    f = rows["faster"]
    assert f["speedup"] == pytest.approx(2.0, rel=0.05) and f["speedup_low"] < 2 < f["speedup_high"]  # type: ignore[operator]
    assert f["trials"] == 12 and len(f["times"]) == 12 and f["predicted_speedup"] == pytest.approx(2.0)
    assert rows["few"]["speedup"] is not None and rows["few"]["speedup_low"] is None  # no interval from 7
    assert rows["base"]["speedup"] == 1.0 and rows["base"]["error"] == pytest.approx(0.21 / np.median(BASE) - 1)
    assert rows["none"]["speedup"] is None and rows["none"]["error"] is None and rows["none"]["within"] is None


def test_a_prediction_holds_within_the_tolerance_or_inside_the_measured_interval():
    near = row("threads", "threads", times(0.1), 0.2 / 2.4)  # predicted 2.4x, measured about 2x: +20%
    far = row("threads", "threads", times(0.1), 0.2 / 3)  # +50%
    wide = row("threads", "threads", times(0.1, spread=0.5), 0.2 / 3)  # +50%, but its interval holds 3x
    assert near["within"] and near["error"] == pytest.approx(0.2, abs=0.05)
    assert far["within"] is False and far["error"] == pytest.approx(0.5, abs=0.07)
    assert wide["speedup_high"] is not None and wide["speedup_high"] > 3 and wide["within"] is True


def test_the_summary_takes_every_judged_row_but_the_baseline():
    rows = [
        row("sequential", "sequential", BASE, 0.4),  # off by half: the baseline is not judged
        row("gather", "gather", times(0.2), 0.2),
        row("processes", "processes", times(0.1), 0.2 / 3),
        row("threads, free-threaded", "threads", None, 0.1),
    ]
    s = advice.summary(rows)
    assert s["rows"] == 2 and s["within"] == 1 and s["worst_row"] == "processes"
    assert s["worst_error"] == pytest.approx(0.5, abs=0.07) and s["median_error"] is not None


def test_the_advice_is_the_fastest_row_resolved_faster_and_says_how_it_stands_against_the_next():
    rows = [
        row("sequential", "sequential", BASE, 0.2),
        row("threads", "threads", times(0.105), 0.1),
        row("processes", "processes", times(0.1), 0.1),
        row("flask processes", "processes", times(0.05), 0.05, where="flask"),
    ]
    chosen = advice.advise(rows, served=("flask", "fastapi"))
    assert chosen.best is not None and chosen.best["row"] == "processes"  # a served row is not a strategy
    assert chosen.runner_up is not None and chosen.runner_up["row"] == "threads"
    assert chosen.versus is not None and chosen.versus.value == pytest.approx(0.1 / 0.105, rel=0.05)
    unresolved = [row("sequential", "sequential", BASE, 0.2), row("threads", "threads", times(0.2, spread=0.2), 0.2)]
    assert advice.advise(unresolved) == advice.Advice(None, None, None)
