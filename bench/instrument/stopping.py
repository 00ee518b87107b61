"""The stopping rule: after a run's scheduled rounds, more rounds of the configurations whose
figures are not at their precision targets yet, within the preset's budget.

The rule is given a :data:`Judge`: a function from the trials so far to the figures that
have a target (:class:`Judged`: whether each met it, how far it is, the configurations it
is made of). It knows no figure itself: the run's caller passes the judge in (the article's
is :func:`bench.analysis.cited_figures.judge`).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from bench.vocabulary.config import Config, Preset
from bench.vocabulary.records import TrialRow


class Judged(Protocol):
    """A figure as the stopping rule reads it."""

    @property
    def id(self) -> str: ...
    @property
    def half_width(self) -> float: ...
    @property
    def target(self) -> float | None: ...
    @property
    def met(self) -> bool | None: ...
    @property
    def configs(self) -> tuple[Config, ...]: ...


#: From a run's trial rows so far, the figures that have a target, each judged.
Judge = Callable[[Sequence[TrialRow]], Sequence[Judged]]


class Measuring(Protocol):
    """A run's trials as they happen, as the stopping rule reads and extends them."""

    @property
    def rows(self) -> list[TrialRow]: ...
    @property
    def took(self) -> dict[Config, list[float]]: ...
    def measured(self) -> dict[Config, int]: ...
    def more(self, configs: Sequence[Config]) -> None: ...


def next_round(unmet: set[Config], measured: dict[Config, int], max_repeats: int) -> list[Config]:
    """The configurations of figures not at their targets yet, that may still have a trial more."""
    return sorted(c for c in unmet if measured.get(c, 0) < max_repeats)


def _urgency(unmet: Sequence[Judged]) -> dict[Config, float]:
    """How far each configuration's widest figure is from its target: the half-width over the
    target (infinite where a figure has no interval yet)."""
    out: dict[Config, float] = {}
    for f in unmet:
        far = f.half_width / f.target if f.target and np.isfinite(f.half_width) else math.inf
        for c in f.configs:
            out[c] = max(out.get(c, 0.0), far)
    return out


def within_budget(
    wanted: Sequence[Config], far: dict[Config, float], cost: dict[Config, float], left_s: float
) -> list[Config]:
    """The configurations of the next round that fit in ``left_s`` seconds: all of them if
    they do; else, the furthest from their targets first (``far``), each taken while its
    ``cost`` still fits, so that the trials left go where the variance is."""
    if sum(cost[c] for c in wanted) <= left_s:
        return list(wanted)
    chosen, spent = [], 0.0
    for c in sorted(wanted, key=lambda c: far.get(c, 0.0), reverse=True):
        if spent + cost[c] <= left_s:
            chosen.append(c)
            spent += cost[c]
    return chosen


def added_rounds(m: Measuring, judge: Judge, *, preset: Preset, rng: random.Random, started: float) -> dict[str, Any]:
    """The stopping rule: after the scheduled rounds, while some figure with a target is not at
    it, one more round (shuffled) of the configurations it is made of; until every target is
    met, no configuration may have more (``max_repeats``), or not one more trial fits in the
    preset's budget. A round that does not fit whole measures what does, the configurations
    furthest from their targets first (:func:`within_budget`). ``judge`` says, from the trials
    so far, which figures have a target and whether each met it: the rule knows no figure."""
    rounds, stopped = 0, "met"
    unmet: list[Judged] = []
    while preset.targets:
        unmet = [f for f in judge(m.rows) if f.met is False]
        if not unmet:
            break
        wanted = next_round({c for f in unmet for c in f.configs}, m.measured(), preset.max_repeats)
        if not wanted:
            stopped = "max_repeats"
            break
        cost = {c: float(np.mean(m.took.get(c, [1.0]))) for c in wanted}
        wanted = within_budget(wanted, _urgency(unmet), cost, preset.budget_s - (time.monotonic() - started))
        if not wanted:
            stopped = "budget"
            break
        rng.shuffle(wanted)
        m.more(wanted)
        rounds += 1
    return {
        "added_rounds": rounds,
        "stopped": stopped,
        "unmet": [f.id for f in unmet],
        "measuring_s": round(time.monotonic() - started, 1),
        "budget_s": preset.budget_s,
    }
