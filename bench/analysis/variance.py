"""Variance components: how much each level a run repeats adds to the spread of log time.

A run repeats trials within **instances** (one start of a server process) within **blocks**
(stretches of the run's time; each block starts its servers afresh, so that an instance is
its block's); runs repeat the whole. Following Kalibera and Jones ("Rigorous benchmarking in
reasonable time", ISMM 2013), with ``S_k`` the mean, over the units of level k+1, of the
variance (n-1) of their level-k means (``S_1``: of the trials themselves) and ``n_k`` the
units of level k per unit above it, each level's component is
``T_1 = S_1`` and ``T_k = S_k - S_{k-1} / n_{k-1}``: what level k adds beyond what the
levels below it already explain (clipped at 0 when sampling noise drives it negative). On
log times, the square root of a component is about the relative spread it adds.

Each component's interval is a bootstrap over the top level (instances within one run, runs
across several): the top units resampled whole, the components computed again
(:func:`bench.vocabulary.stats.percentile_interval`). :func:`hierarchical_ratio` gives a ratio of two
sides an interval from a two-stage bootstrap: blocks resampled (the same ones for both sides:
a block is a stretch of time both were measured in), then trials within each.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from bench.analysis.families import gap
from bench.analysis.figure import MEASURES, article_trials
from bench.vocabulary import stats
from bench.vocabulary.records import json_safe
from bench.vocabulary.sides import Side

#: The levels, from the bottom up.
LEVELS = ("trial", "instance", "run")
#: The sides the variance preset measures (bench.instrument.presets.VARIANCE_GRIDS), and the headline's
#: ratios with a hierarchical interval.
SIDES: tuple[Side, ...] = (gap.FLASK_DEBUG, gap.FLASK, gap.FASTAPI_SETTLE, gap.FASTAPI)
RATIOS: tuple[tuple[str, Side, Side], ...] = (
    ("headline", gap.FLASK, gap.FASTAPI),
    ("debug", gap.FLASK_DEBUG, gap.FLASK),
    ("settle", gap.FASTAPI_SETTLE, gap.FASTAPI),
)
#: Resamples of the bootstraps here (each recomputes the components, not a vectorized median).
RESAMPLES = 1000

#: One unit of each level: a list of runs, each a list of instances, each an array of log times.
Nested = Sequence[Sequence[npt.NDArray[np.float64]]]


@dataclass(frozen=True)
class Component:
    """One level's variance component of log time, with a bootstrap 95% interval (NaN where
    it cannot be estimated), and how many units of that level the data has."""

    level: str
    variance: float
    low: float
    high: float
    units: int

    @property
    def spread(self) -> float:
        """About the relative spread the level adds: the component's square root."""
        return math.sqrt(self.variance) if self.variance >= 0 else math.nan

    def to_json(self) -> dict[str, Any]:
        return json_safe(
            {
                "level": self.level,
                "variance": self.variance,
                "low": self.low,
                "high": self.high,
                "units": self.units,
                "spread": self.spread,
            }
        )


def components(nested: Nested) -> list[float]:
    """Each level's component (:data:`LEVELS`, bottom up; the run level only when there are
    several runs) from log times nested as runs > instances > trials. NaN for a level with
    fewer than two units under every unit above it. ValueError for no trials at all."""
    instances = [np.asarray(i, dtype=float) for run in nested for i in run]
    if not instances or all(len(i) == 0 for i in instances):
        raise ValueError("no trials to estimate variance components from")
    within = [float(np.var(i, ddof=1)) for i in instances if len(i) >= 2]
    s1 = float(np.mean(within)) if within else math.nan
    n1 = float(np.mean([len(i) for i in instances if len(i)]))
    run_means, between = [], []
    for run in nested:
        means = [float(np.mean(i)) for i in run if len(i)]
        if len(means) >= 2:
            between.append(float(np.var(means, ddof=1)))
        if means:
            run_means.append(float(np.mean(means)))
    s2 = float(np.mean(between)) if between else math.nan
    out = [s1, max(0.0, s2 - s1 / n1) if not math.isnan(s2) else math.nan]
    if len(nested) >= 2:
        n2 = float(np.mean([sum(1 for i in run if len(i)) for run in nested]))
        s3 = float(np.var(run_means, ddof=1)) if len(run_means) >= 2 else math.nan
        out.append(max(0.0, s3 - s2 / n2) if not math.isnan(s3 + s2) else math.nan)
    return out


def _percentile_bootstrap(units: int, statistic: Callable[[npt.NDArray[np.int64]], Any]) -> tuple[Any, Any]:
    """A percentile bootstrap 95% interval of ``statistic`` of resampled unit indices."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # degenerate resamples: a point interval
        return stats.percentile_interval((np.arange(units),), statistic, resamples=RESAMPLES, vectorized=False)


def with_intervals(nested: Nested) -> list[Component]:
    """:func:`components` with intervals: the top level's units (runs if there are several,
    else the one run's instances) resampled whole. A level is left without an interval when
    the top level has fewer than three units."""
    point = components(nested)
    several = len(nested) >= 2
    top = list(nested) if several else list(nested[0])
    units = [sum(len(i) for run in nested for i in run), sum(len(run) for run in nested), len(nested)]
    if len(top) >= 3:

        def again(idx: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
            picked = [top[k] for k in idx]
            return np.asarray(components(picked if several else [picked]), dtype=float)

        low, high = _percentile_bootstrap(len(top), again)
    else:
        low = high = np.full(len(point), math.nan)
    return [Component(LEVELS[k], point[k], float(low[k]), float(high[k]), units[k]) for k in range(len(point))]


def _nested_of(trials: Sequence[pd.DataFrame], column: str) -> list[list[npt.NDArray[np.float64]]]:
    """Log ``column`` of each run's trials (one frame per run), split by instance: block, then
    server process; positive, finite values only."""
    out = []
    for df in trials:
        v = df[np.isfinite(df[column]) & (df[column] > 0)]
        out.append([np.log(g[column].to_numpy(dtype=float)) for _, g in v.groupby(["block", "server_pid"])])
    return out


@dataclass(frozen=True)
class SideComponents:
    """One side's components of one measure."""

    side: Side
    measure: str
    levels: tuple[Component, ...]

    @property
    def dominant(self) -> str:
        """The level with the largest component (a level without an estimate aside)."""
        known = [c for c in self.levels if not math.isnan(c.variance)]
        return max(known, key=lambda c: c.variance).level if known else ""

    def to_json(self) -> dict[str, Any]:
        return {
            "side": self.side.label,
            "measure": self.measure,
            "dominant": self.dominant,
            "levels": [c.to_json() for c in self.levels],
        }


def side_components(
    runs: Sequence[pd.DataFrame], *, n: int, size: int, measure: str = "isolated"
) -> list[SideComponents]:
    """Each of :data:`SIDES`' components of ``measure`` over ``runs`` (each run's measured
    trials, :func:`bench.analysis.tables.measured`) at ``n`` and ``size``; sides without trials are left out."""
    column = MEASURES[measure]
    out = []
    for side in SIDES:
        per_run = [side.of(at[at["size"] == size]) for at in (article_trials(ok, n) for ok in runs)]
        if sum(len(t) for t in per_run) < 2:
            continue
        out.append(SideComponents(side, measure, tuple(with_intervals(_nested_of(per_run, column)))))
    return out


@dataclass(frozen=True)
class BlockedRatio:
    """A ratio of two sides with the usual interval (trials resampled as if independent) and
    the hierarchical one (blocks, then trials within them)."""

    name: str
    measure: str
    plain: stats.Estimate
    hierarchical: stats.Estimate
    blocks: int
    #: The variance of one block's log ratio from its trials alone, and what the blocks add
    #: beyond it (:func:`ratio_components`).
    within: float = math.nan
    between: float = math.nan

    def to_json(self) -> dict[str, Any]:
        """The record of ``report --json``'s ``"variance"``; null where there is no number (an
        interval from fewer than 8 trials a side, a component with too few units)."""
        return json_safe(
            {
                "name": self.name,
                "measure": self.measure,
                "blocks": self.blocks,
                "ratio": self.plain.value,
                "plain": [self.plain.low, self.plain.high],
                "hierarchical": [self.hierarchical.low, self.hierarchical.high],
                "within": self.within,
                "between": self.between,
            }
        )


def ratio_components(a: Sequence[npt.ArrayLike], b: Sequence[npt.ArrayLike]) -> tuple[float, float]:
    """Whether a ratio itself moves from block to block: ``(within, between)``, where each
    block's log ratio is the difference of its two sides' mean log times, ``within`` is the
    mean over blocks of that difference's variance from the block's trials alone
    (``var(log a)/n_a + var(log b)/n_b``) and ``between`` the variance of the blocks' log
    ratios less ``within`` (clipped at 0): what the blocks add. NaN with fewer than two blocks
    of at least two trials on each side. A shift of the machine that slows both sides alike
    cancels in the ratio and adds nothing here."""
    xs = [np.log(np.asarray(x, dtype=float)) for x in a]
    ys = [np.log(np.asarray(y, dtype=float)) for y in b]
    pairs = [(x, y) for x, y in zip(xs, ys, strict=True) if len(x) >= 2 and len(y) >= 2]
    if len(pairs) < 2:
        return math.nan, math.nan
    d = [float(np.mean(x) - np.mean(y)) for x, y in pairs]
    within = float(np.mean([np.var(x, ddof=1) / len(x) + np.var(y, ddof=1) / len(y) for x, y in pairs]))
    return within, max(0.0, float(np.var(d, ddof=1)) - within)


def hierarchical_ratio(a: Sequence[npt.ArrayLike], b: Sequence[npt.ArrayLike]) -> stats.Estimate:
    """The ratio of medians of ``a`` to ``b`` (each a list of one sample per block, the
    same blocks in the same order) with a two-stage bootstrap 95% interval: blocks resampled
    with replacement, the same for both sides, then each side's trials resampled within each
    block drawn. NaN interval with fewer than two blocks, or fewer than
    :data:`~bench.vocabulary.stats.MIN_TRIALS` trials a side. ValueError if the sides' blocks differ in number."""
    if len(a) != len(b):
        raise ValueError(f"both sides need the same blocks, not {len(a)} and {len(b)}")
    xs = [np.asarray(x, dtype=float) for x in a]
    ys = [np.asarray(y, dtype=float) for y in b]
    value = float(stats.median_ratio(np.concatenate(xs), np.concatenate(ys)))
    keep = [k for k in range(len(xs)) if len(xs[k]) and len(ys[k])]
    if len(keep) < 2 or min(sum(len(xs[k]) for k in keep), sum(len(ys[k]) for k in keep)) < stats.MIN_TRIALS:
        return stats.Estimate(value, math.nan, math.nan)
    inner = np.random.default_rng(stats.SEED + 1)

    def again(idx: npt.NDArray[np.int64]) -> float:
        x = np.concatenate([inner.choice(xs[keep[k]], size=len(xs[keep[k]])) for k in idx])
        y = np.concatenate([inner.choice(ys[keep[k]], size=len(ys[keep[k]])) for k in idx])
        return float(stats.median_ratio(x, y))

    low, high = _percentile_bootstrap(len(keep), again)
    return stats.Estimate(value, float(low), float(high))


def blocked_ratios(ok: pd.DataFrame, *, n: int, size: int) -> list[BlockedRatio]:
    """Each of :data:`RATIOS` of each timed measure in one run's measured trials ``ok``, with
    both intervals; those without trials on both sides are left out."""
    at = article_trials(ok, n)
    at = at[at["size"] == size]
    out = []
    for measure in ("isolated", "back_to_back", "server_cpu"):
        column = MEASURES[measure]
        for name, top, bottom in RATIOS:
            x, y = top.of(at), bottom.of(at)
            x, y = x[np.isfinite(x[column])], y[np.isfinite(y[column])]
            if len(x) < 2 or len(y) < 2:
                continue
            blocks = sorted(set(x["block"]) & set(y["block"]))
            xa = [x.loc[x["block"] == k, column].to_numpy(dtype=float) for k in blocks]
            ya = [y.loc[y["block"] == k, column].to_numpy(dtype=float) for k in blocks]
            plain = stats.ratio_ci(x[column], y[column])
            within, between = ratio_components(xa, ya)
            out.append(BlockedRatio(name, measure, plain, hierarchical_ratio(xa, ya), len(blocks), within, between))
    return out
