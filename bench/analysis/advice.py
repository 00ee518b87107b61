"""Predicted against measured: each row's speed-up with its interval, the prediction's error,
and the advice.

A row's measured **speed-up** is the in-process one-after-another median time over the row's
median time, with a bootstrap 95% interval (:func:`bench.vocabulary.stats.ratio_ci`; none from
fewer than 8 trials a side). Its **verdict** against one after another is ``faster`` where the
interval lies above 1, ``slower`` below, and ``unresolved`` where it includes 1. The
prediction's **error** is the predicted speed-up over the measured one, less 1 (for the
baseline, whose speed-up is 1 by definition, its predicted time over its measured median); a
prediction **holds** when its error is within :data:`TOLERANCE` or the measured interval holds
it. The **advice** is the row measured fastest among those resolved faster than one after
another (served rows are not strategies, and are left out of it), set against the next
fastest (:class:`Advice`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bench.analysis.advice_model import Prediction
from bench.vocabulary.advice_records import BASELINE, IN_PROCESS, AccuracySummary, AdviceRow, number
from bench.vocabulary.stats import Estimate, median_ci, ratio_ci

#: How far a prediction may be from its measurement and still hold (relative), where the
#: measurement's interval does not hold it: issue 34's goal.
TOLERANCE = 0.25


#: No estimate at all.
_NONE = Estimate(math.nan, math.nan, math.nan)


@dataclass(frozen=True)
class Measured:
    """What a row's trials measured: each trial's wall time, parallelism and overlap."""

    times: Sequence[float]
    parallelism: Sequence[float] = ()
    overlap: Sequence[float] = ()


def _median(values: Sequence[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return float(np.median(finite)) if finite else float("nan")


def row(
    name: str,
    *,
    strategy: str,
    where: str,
    predicted: Prediction | None,
    baseline_predicted_s: float,
    measured: Measured | None,
    baseline_times: Sequence[float],
    note: str = "",
) -> AdviceRow:
    """One row of the advice: ``predicted`` (None: not predicted) against ``measured`` (None:
    not measured, ``note`` says why), both against one after another in this process."""
    is_baseline = strategy == BASELINE and where == IN_PROCESS
    times = [float(t) for t in (measured.times if measured else ())]
    median = median_ci(times) if times else _NONE
    if is_baseline:
        speed = Estimate(1.0, math.nan, math.nan) if times else _NONE
    else:
        speed = ratio_ci(baseline_times, times) if times and len(baseline_times) else _NONE
    predicted_s = predicted.seconds if predicted else math.nan
    predicted_speedup = baseline_predicted_s / predicted_s if predicted_s > 0 else math.nan
    if is_baseline:
        error, holds = predicted_s / median.value - 1, median.contains(predicted_s)
    else:
        error, holds = predicted_speedup / speed.value - 1, speed.contains(predicted_speedup)
    judged = math.isfinite(error)
    return AdviceRow(
        row=name,
        strategy=strategy,
        where=where,
        predicted_s=number(predicted_s),
        predicted_speedup=number(predicted_speedup),
        predicted_parallelism=number(predicted.parallelism) if predicted else None,
        median_s=number(median.value),
        median_low=number(median.low),
        median_high=number(median.high),
        speedup=number(speed.value),
        speedup_low=number(speed.low),
        speedup_high=number(speed.high),
        trials=len(times),
        parallelism=number(_median(measured.parallelism)) if measured else None,
        overlap=number(_median(measured.overlap)) if measured else None,
        error=number(error),
        within=(abs(error) <= TOLERANCE or holds) if judged else None,
        verdict=_verdict(speed, measured=bool(times), baseline=is_baseline),
        note=note,
        times=times,
    )


def _verdict(speed: Estimate, *, measured: bool, baseline: bool) -> str:
    if not measured:
        return "not measured"
    if baseline:
        return "baseline"
    if math.isnan(speed.low):
        return "too few"
    if speed.low > 1:
        return "faster"
    if speed.high < 1:
        return "slower"
    return "unresolved"


def summary(rows: Sequence[AdviceRow]) -> AccuracySummary:
    """How the predictions held over every measured row but the baseline: how many held,
    the median and the worst absolute error, and which row that was."""
    judged = [r for r in rows if r["verdict"] != "baseline" and r["error"] is not None]
    errors = [abs(r["error"]) for r in judged if r["error"] is not None]
    worst = max(judged, key=lambda r: abs(r["error"] or 0.0), default=None)
    return AccuracySummary(
        rows=len(judged),
        within=sum(1 for r in judged if r["within"]),
        median_error=number(float(np.median(errors))) if errors else None,
        worst_error=number(max(errors)) if errors else None,
        worst_row=worst["row"] if worst else "",
    )


@dataclass(frozen=True)
class Advice:
    """The row measured fastest among those resolved faster than one after another (None: no
    row is), and the next fastest of the rows measured, with the best's time over its time."""

    best: AdviceRow | None
    runner_up: AdviceRow | None
    versus: Estimate | None


def advise(rows: Sequence[AdviceRow], *, served: Sequence[str] = ()) -> Advice:
    """The advice over ``rows``, leaving out the rows served by a framework (``served``: the
    places they were served from)."""
    strategies = [r for r in rows if r["where"] not in served and r["speedup"] is not None]
    faster = [r for r in strategies if r["verdict"] == "faster"]
    if not faster:
        return Advice(None, None, None)
    best = max(faster, key=lambda r: r["speedup"] or 0.0)
    others = [r for r in strategies if r is not best and r["verdict"] != "baseline"]
    runner_up = max(others, key=lambda r: r["speedup"] or 0.0, default=None)
    versus = ratio_ci(best["times"], runner_up["times"]) if runner_up else None
    return Advice(best, runner_up, versus)
