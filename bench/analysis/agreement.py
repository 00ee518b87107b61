"""Agreement between separate runs: does each run land where the others predict it will?

DESIGN's *agreement*, two rules (docs/method.md, "What agreement can promise"):

- every pair of the runs' 95% confidence intervals of a figure overlaps (:attr:`Agreement.pairs_overlapping`);
- each run's estimate lies inside the other run's 95% *prediction* interval for a new run's
  estimate, in at least :data:`PREDICTION_SHARE` of the checks over every figure judged
  (:attr:`Agreement.held`). A prediction interval combines both runs' own uncertainty and the
  run level of each (:mod:`bench.analysis.runlevel`): on the log scale,
  ``|log a - log b| <= q sqrt(s_a^2 + s_b^2 + r_a^2 + r_b^2)``, with ``s`` the standard error
  a run's own interval implies, ``r`` the run spread its preset's committed runs give, and
  ``q`` Student's t quantile on the spread's degrees of freedom (the normal one where there is
  no run level). Two calibrated 95% confidence intervals hold each other's estimates only
  about five times in six; a prediction interval holds the other run's estimate 19 times in 20.

:func:`agree` judges every figure all the runs cite (the same id, measured at the same n and
size); a figure measured at different scopes is a disagreement (not the same quantity); a
figure some run has no interval for (fewer than 8 trials a side), and a median of one
configuration (an absolute level, which follows the machine), are listed and not judged.
:func:`verdict` pools the figures into the answer ``bench agree`` exits with.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import combinations, permutations
from typing import Any

import numpy as np

from bench.analysis.figure import Figure
from bench.analysis.runlevel import MEDIANS, log_se
from bench.vocabulary.records import json_safe
from bench.vocabulary.stats import CONFIDENCE, Z95, t_quantile

#: The share of prediction checks that must hold, over every figure judged.
PREDICTION_SHARE = 0.9


@dataclass(frozen=True)
class RunEstimate:
    """One run's value of a figure, with its cited 95% interval (NaN where it has none), the
    log standard error of its own interval, and the run level its preset adds (the run spread
    and its degrees of freedom; 0 and 0 where none)."""

    run: str
    value: float
    low: float
    high: float
    n: int
    size: int
    trials: int = 0
    own_se: float = math.nan
    run_spread: float = 0.0
    run_df: int = 0

    @classmethod
    def of(cls, run: str, f: Figure) -> RunEstimate:
        own = (f.own_low, f.own_high) if math.isfinite(f.own_low) else (f.low, f.high)
        return cls(run, f.value, f.low, f.high, f.n, f.size, f.trials, log_se(*own), f.run_spread, f.run_df)

    @property
    def has_interval(self) -> bool:
        return math.isfinite(self.low) and math.isfinite(self.high)

    def overlaps(self, other: RunEstimate) -> bool:
        return self.low <= other.high and other.low <= self.high

    def prediction(self, other: RunEstimate) -> tuple[float, float]:
        """This run's 95% prediction interval for ``other``'s estimate: both runs' own
        uncertainty and run level combined, with the t quantile of the fewer degrees of freedom."""
        dfs = [e.run_df for e in (self, other) if e.run_df > 0]
        q = t_quantile(1 - (1 - CONFIDENCE) / 2, min(dfs)) if dfs else Z95
        half = q * math.sqrt(self.own_se**2 + other.own_se**2 + self.run_spread**2 + other.run_spread**2)
        return math.exp(math.log(self.value) - half), math.exp(math.log(self.value) + half)

    def predicts(self, other: RunEstimate) -> bool:
        """Whether ``other``'s estimate lies inside this run's 95% prediction interval for it."""
        low, high = self.prediction(other)
        return low <= other.value <= high


@dataclass(frozen=True)
class Agreement:
    """How one figure's estimates from several runs sit against each other."""

    id: str
    estimates: tuple[RunEstimate, ...]
    #: Pairs of runs, and how many of them have overlapping confidence intervals.
    pairs: int
    pairs_overlapping: int
    #: Estimate-inside-another-run's-prediction-interval checks (each ordered pair), and how
    #: many held.
    checks: int
    held: int
    #: Standard deviation of the estimates over their mean, and the mean relative half-width.
    spread: float
    mean_half_width: float
    #: None when not judged; else whether every pair overlaps and every check held.
    agrees: bool | None
    why: str

    @property
    def judged(self) -> bool:
        return self.checks > 0 or self.agrees is False

    def to_json(self) -> dict[str, Any]:
        record: dict[str, Any] = json_safe(asdict(self))
        return record


def _judge(fid: str, estimates: tuple[RunEstimate, ...]) -> Agreement:
    values = np.array([e.value for e in estimates])
    spread = float(np.std(values, ddof=1) / np.mean(values))
    widths = [(e.high - e.low) / 2 / e.value for e in estimates if e.has_interval and e.value > 0]
    mean_hw = float(np.mean(widths)) if widths else math.nan
    scopes = sorted({(e.n, e.size) for e in estimates})
    missing = [f"{e.run} ({e.trials} trials)" for e in estimates if not e.has_interval]
    pairs = list(combinations(estimates, 2))
    overlapping = checks = held = 0
    agrees: bool | None = None
    if fid.startswith(MEDIANS):
        why = "not judged: a median of one configuration, not a ratio: its level follows the machine"
    elif len(scopes) > 1:
        said = ", ".join(f"n={n}, size {s}" for n, s in scopes)
        agrees, why = False, f"the runs measured it at different scopes ({said}): not the same quantity"
    elif missing:
        why = f"not judged: too few trials for an interval in {', '.join(missing)}"
    else:
        overlapping = sum(a.overlaps(b) for a, b in pairs)
        ordered = list(permutations(estimates, 2))
        checks, held = len(ordered), sum(a.predicts(b) for a, b in ordered)
        agrees = overlapping == len(pairs) and held == checks
        if agrees:
            why = "every pair of intervals overlaps and every estimate lies inside the others' predictions"
        elif overlapping < len(pairs):
            apart = [f"{a.run} and {b.run}" for a, b in pairs if not a.overlaps(b)]
            why = f"{len(pairs) - overlapping} of {len(pairs)} pairs of intervals do not overlap ({'; '.join(apart)})"
        else:
            outside = sorted({b.run for a, b in ordered if not a.predicts(b)})
            why = f"{checks - held} of {checks} estimates lie outside another run's prediction ({', '.join(outside)})"
    return Agreement(
        id=fid,
        estimates=estimates,
        pairs=len(pairs),
        pairs_overlapping=overlapping,
        checks=checks,
        held=held,
        spread=spread,
        mean_half_width=mean_hw,
        agrees=agrees,
        why=why,
    )


def agree(runs: Mapping[str, Sequence[Figure]], *, patterns: Sequence[str] = ()) -> list[Agreement]:
    """Every figure all ``runs`` (run id -> its cited figures) cite, judged across the runs;
    ``patterns`` (globs on the figure id) narrows them. Needs at least two runs."""
    if len(runs) < 2:
        raise ValueError(f"agreement needs at least two runs, got {len(runs)}")
    by_run = {run: {f.id: f for f in found} for run, found in runs.items()}
    common = set.intersection(*(set(ids) for ids in by_run.values()))
    if patterns:
        common = {i for i in common if any(fnmatch.fnmatchcase(i, p) for p in patterns)}
    first = next(iter(runs.values()))
    order = [f.id for f in first if f.id in common]
    return [
        _judge(
            fid,
            tuple(RunEstimate.of(run, ids[fid]) for run, ids in by_run.items()),
        )
        for fid in order
    ]


@dataclass(frozen=True)
class Verdict:
    """The runs' agreement over every figure judged: whether they agree, by both rules, and
    the counts behind it."""

    agrees: bool | None
    #: Figures judged and not; those with a pair of intervals apart (or measured at different
    #: scopes); those with an estimate outside another run's prediction.
    judged: int
    not_judged: tuple[str, ...]
    apart: tuple[str, ...]
    outside: tuple[str, ...]
    checks: int
    held: int
    share: float
    why: str

    def to_json(self) -> dict[str, Any]:
        return dict(json_safe(asdict(self)))


def verdict(found: Sequence[Agreement], *, share: float = PREDICTION_SHARE) -> Verdict:
    """Whether the runs agree: every pair of intervals of every judged figure overlaps (at one
    scope), and at least ``share`` of the prediction checks over them all hold. None when no
    figure could be judged."""
    judged = [a for a in found if a.judged]
    apart = tuple(a.id for a in judged if a.pairs_overlapping < a.pairs or (a.agrees is False and not a.checks))
    outside = tuple(a.id for a in judged if a.held < a.checks)
    checks, held = sum(a.checks for a in judged), sum(a.held for a in judged)
    got = held / checks if checks else math.nan
    not_judged = tuple(a.id for a in found if not a.judged)
    if not judged:
        agrees, why = None, "no figure could be judged: too few trials for an interval"
    elif apart:
        agrees, why = False, f"intervals apart, or different scopes, on {len(apart)} figure(s): {', '.join(apart)}"
    elif checks and got < share:
        agrees, why = (
            False,
            f"only {held} of {checks} estimates ({got:.0%}) inside the others' predictions ({share:.0%} needed)",
        )
    else:
        agrees = True
        why = f"every pair of intervals overlaps, and {held} of {checks} estimates lie inside the others' predictions"
    return Verdict(agrees, len(judged), not_judged, apart, outside, checks, held, got, why)
