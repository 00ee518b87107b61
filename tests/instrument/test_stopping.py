"""The stopping rule keeps its intervals honest: checked on simulated trials whose true ratio
is known."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pytest

from bench.instrument import presets, stopping
from bench.vocabulary import stats
from bench.vocabulary.config import Config
from bench.vocabulary.records import TrialRow

#: Two configurations, and how their trials are drawn: lognormal times with the spread
#: measured here (14%), FastAPI's 1.3 times faster.
A = Config("flask", "process", "article", "gather", 5, 1000, back_to_back=True)
B = Config("fastapi", "process", "article", "gather", 5, 1000, back_to_back=True)
TRUE_RATIO, SPREAD = 1.3, 0.14
MINIMUM, TARGET, MOST = 16, 0.10, 48


def run_rule(rng: np.random.Generator, *, sequential: bool) -> tuple[stats.Estimate, int]:
    """One simulated run: the minimum of trials each, then (if ``sequential``) a round of one
    trial each while the interval is wider than the target, as the run's stopping rule does."""
    draws = {A: math.log(TRUE_RATIO), B: 0.0}
    samples = {c: list(rng.lognormal(mu, SPREAD, MINIMUM)) for c, mu in draws.items()}
    while True:
        e = stats.ratio_ci(samples[A], samples[B], resamples=400)
        unmet = {A, B} if sequential and stats.half_width(e) > TARGET else set()
        wanted = stopping.next_round(unmet, {c: len(v) for c, v in samples.items()}, MOST)
        if not wanted:
            return e, len(samples[A])
        for c in wanted:
            samples[c].append(float(rng.lognormal(draws[c], SPREAD)))


@pytest.mark.slow  # seconds of resampling: make test, not make test-fast
def test_the_final_interval_covers_the_true_ratio_as_a_fixed_size_one_does():
    rng = np.random.default_rng(20261126)
    runs = 200
    sequential = [run_rule(rng, sequential=True) for _ in range(runs)]
    fixed = [run_rule(rng, sequential=False) for _ in range(runs)]

    def coverage(results: list[tuple[stats.Estimate, int]]) -> float:
        return sum(e.low <= TRUE_RATIO <= e.high for e, _ in results) / len(results)

    met = sum(stats.half_width(e) <= TARGET for e, _ in sequential) / runs
    print(
        f"coverage: sequential {coverage(sequential):.3f}, fixed {coverage(fixed):.3f}; met {met:.2f}; "
        f"trials {np.mean([k for _, k in sequential]):.1f} on average"
    )
    assert coverage(sequential) >= 0.90 and coverage(sequential) >= coverage(fixed) - 0.04
    assert met >= 0.95  # and the rule reaches its target within its cap nearly always


def test_next_round_gives_a_trial_to_what_is_short_of_its_target_and_not_at_its_cap():
    assert stopping.next_round({A, B}, {A: 48, B: 20}, 48) == [B]
    assert stopping.next_round(set(), {A: 1}, 48) == []
    assert stopping.next_round({A}, {}, 48) == [A]


def test_a_round_that_does_not_fit_the_budget_measures_the_furthest_from_its_target_first():
    c = Config("ideal", "inprocess", "python", "sequential", 1, 1200)
    far = {A: 3.0, B: 1.2, c: 2.0}
    cost = {A: 1.0, B: 1.0, c: 2.0}
    assert stopping.within_budget([A, B, c], far, cost, 10.0) == [A, B, c]  # it fits: all, as they were
    assert stopping.within_budget([A, B, c], far, cost, 3.0) == [A, c]
    assert stopping.within_budget([A, B, c], far, cost, 2.5) == [A, B]  # c no longer fits; B does
    assert stopping.within_budget([A, B, c], far, cost, 0.5) == []


@dataclass(frozen=True)
class Judged:
    """A figure as the rule reads it: whether it met its target, and what it is made of."""

    id: str
    half_width: float
    target: float | None
    met: bool | None
    configs: tuple[Config, ...]


@dataclass
class Trials:
    """A run's trials as the rule reads and extends them (:class:`bench.instrument.stopping.Measuring`)."""

    rows: list[TrialRow] = field(default_factory=list)
    took: dict[Config, list[float]] = field(default_factory=dict)
    counts: dict[Config, int] = field(default_factory=dict)

    def measured(self) -> dict[Config, int]:
        return dict(self.counts)

    def more(self, configs: Sequence[Config]) -> None:
        for c in configs:
            self.counts[c] = self.counts.get(c, 0) + 1
            self.took.setdefault(c, []).append(0.01)


def test_the_rule_adds_rounds_until_the_judge_it_is_given_says_every_target_is_met():
    """The rule knows no figure: what it is given to judge the targets decides."""
    looks: list[int] = []

    def judge_of(trials: Trials) -> stopping.Judge:
        def judge(rows: Sequence[TrialRow]) -> list[Judged]:
            looks.append(trials.counts[A])
            met = trials.counts[A] >= 5
            return [Judged("x", 0.05 if met else 0.2, TARGET, met, (A,))]

        return judge

    preset = replace(presets.get("smoke"), targets=(("x", TARGET),), max_repeats=MOST, budget_s=60.0)
    trials = Trials(counts={A: 3, B: 3})
    said = stopping.added_rounds(
        trials, judge_of(trials), preset=preset, rng=random.Random(1), started=time.monotonic()
    )
    assert said["added_rounds"] == 2 and said["stopped"] == "met" and said["unmet"] == []
    assert trials.counts == {A: 5, B: 3} and looks == [3, 4, 5]
    capped = Trials(counts={A: 0})
    said = stopping.added_rounds(
        capped, judge_of(capped), preset=replace(preset, max_repeats=0), rng=random.Random(1), started=time.monotonic()
    )
    assert said["stopped"] == "max_repeats" and said["unmet"] == ["x"] and capped.counts == {A: 0}
