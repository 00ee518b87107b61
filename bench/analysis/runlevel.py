"""The run level: how far separate runs of one preset land apart beyond their own intervals,
estimated from committed runs, and added to a run's cited intervals.

One run's interval covers what its own trials vary by. Runs made at different times on a
shared machine land further apart than that, and no repetition inside one run samples the
machine's state over hours and days. So the spread between runs is measured where it can be:
between the committed runs of the same preset (``data/reference``, each made at another time).

For a figure that ``K >= 2`` runs cite at the same n and size, with log estimates ``y_k`` and
standard errors ``s_k`` read from their own intervals (``(log high - log low) / (2 z)``, z the
normal 95% quantile), the variance between the runs beyond what their intervals explain is
``var(y) - mean(s^2)``. Pooled over a group of figures (weighted by ``K - 1``) and clipped at 0,
its square root is the group's **run spread** (:class:`Spread`). A group is one comparison
across the timed measures (:func:`group`: the three meanings of faster of the headline, or
of one step of the gap, move between runs together).

The estimate is a plain moment estimate: every run weighs fully, so one run shifted by 10-15%
while the others agree raises the spread instead of being discounted as an outlier (a robust
scale would shrink it, and the next shifted run would then fall outside every interval). Its
uncertainty is large with a handful of runs, and is carried two ways: the spread is added to a
run's interval with Student's t quantile on the runs' degrees of freedom (``runs - 1``: the
runs are the independent units; the figures of a group move together), and its own 95%
interval (:attr:`Spread.low`, :attr:`Spread.high`) comes from the chi-square distribution of
the between-run variance on the same degrees of freedom.

A run's figure then gets, on each side of its estimate ``v`` (log scale),
``sqrt(d^2 + (t * spread)^2)`` where ``d`` is its own interval's distance on that side: never
narrower than its own interval.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from bench.analysis.figure import Figure
from bench.vocabulary.stats import CONFIDENCE, Z95, chi2_quantile, t_quantile

#: Figures that are one configuration's median (absolute times follow the machine); the run
#: level is estimated and added for ratios only.
MEDIANS = ("cpu.", "parallelism.")

#: The timed measures, pooled in one group per comparison; the memory measure is its own.
TIMED_MEASURES = ("isolated", "back_to_back", "server_cpu")


def group(figure_id: str) -> str:
    """The group whose run spread a figure takes: its id with a timed measure written
    ``time`` (``gap.isolated.thread`` -> ``gap.time.thread``)."""
    return ".".join("time" if part in TIMED_MEASURES else part for part in figure_id.split("."))


def log_se(low: float, high: float) -> float:
    """The standard error on the log scale that a 95% interval [``low``, ``high``] implies;
    NaN without one."""
    if not (low > 0 and high > 0 and math.isfinite(low) and math.isfinite(high)):
        return math.nan
    return (math.log(high) - math.log(low)) / (2 * Z95)


@dataclass(frozen=True)
class Spread:
    """A group's run spread (relative, on the log scale), its 95% interval, and what it was
    estimated from: how many figures, and how many runs (its degrees of freedom are
    ``runs - 1``)."""

    group: str
    spread: float
    low: float
    high: float
    figures: int
    runs: int

    @property
    def df(self) -> int:
        return self.runs - 1

    @property
    def quantile(self) -> float:
        """Student's t quantile the spread is added with: wider the fewer the runs."""
        return t_quantile(1 - (1 - CONFIDENCE) / 2, self.df)


#: One run's estimates of a group's quantities: key -> (value, log standard error).
Estimates = Mapping[tuple[object, ...], tuple[float, float]]


def pooled(name: str, runs: Sequence[Estimates]) -> Spread | None:
    """The run spread of one group from several runs' estimates of its quantities (each a
    value with its own standard error): the quantities at least two runs estimate, pooled;
    None when there is none."""
    keys = sorted(set().union(*runs), key=str)
    between = within = weight = 0.0
    count, most = 0, 0
    for key in keys:
        seen = [r[key] for r in runs if key in r and r[key][0] > 0 and math.isfinite(r[key][1])]
        if len(seen) < 2:
            continue
        y = np.log([v for v, _ in seen])
        between += float(np.var(y, ddof=1)) * (len(seen) - 1)
        within += float(np.mean([se**2 for _, se in seen])) * (len(seen) - 1)
        weight += len(seen) - 1
        count += 1
        most = max(most, len(seen))
    if not count:
        return None
    v, w, df = between / weight, within / weight, most - 1
    tail = (1 - CONFIDENCE) / 2
    v_low, v_high = df * v / chi2_quantile(1 - tail, df), df * v / chi2_quantile(tail, df)
    return Spread(
        name,
        math.sqrt(max(0.0, v - w)),
        math.sqrt(max(0.0, v_low - w)),
        math.sqrt(max(0.0, v_high - w)),
        count,
        most,
    )


def spreads(runs: Sequence[Sequence[Figure]]) -> dict[str, Spread]:
    """Each group's run spread from several runs' own figures (their intervals as the runs
    computed them, without a run level): the ratios with an interval that at least two runs
    cite at the same n and size. Empty with fewer than two runs."""
    if len(runs) < 2:
        return {}
    by_group: dict[str, list[dict[tuple[object, ...], tuple[float, float]]]] = {}
    for k, found in enumerate(runs):
        for f in found:
            if f.id.startswith(MEDIANS):
                continue
            estimates = by_group.setdefault(group(f.id), [{} for _ in runs])
            estimates[k][(f.id, f.n, f.size)] = (f.value, log_se(f.low, f.high))
    out = {name: pooled(name, estimates) for name, estimates in sorted(by_group.items())}
    return {name: s for name, s in out.items() if s is not None}


def widen(value: float, low: float, high: float, spread: Spread) -> tuple[float, float]:
    """[``low``, ``high``] around ``value`` with ``spread`` added on each side on the log scale
    (with its t quantile): never narrower than it was."""
    add = (spread.quantile * spread.spread) ** 2
    v = math.log(value)
    return (
        math.exp(v - math.sqrt((v - math.log(low)) ** 2 + add)),
        math.exp(v + math.sqrt((math.log(high) - v) ** 2 + add)),
    )


def widened(found: Sequence[Figure], level: Mapping[str, Spread]) -> list[Figure]:
    """``found`` with each ratio's interval widened by its group's run spread (figures of a
    group without one, and medians, as they are); each keeps its own interval in
    ``own_low`` / ``own_high`` and the spread added in ``run_spread``."""
    out = []
    for f in found:
        s = level.get(group(f.id))
        if s is None or f.id.startswith(MEDIANS) or not math.isfinite(log_se(f.low, f.high)) or f.value <= 0:
            out.append(f)
            continue
        low, high = widen(f.value, f.low, f.high, s)
        out.append(replace(f, low=low, high=high, own_low=f.low, own_high=f.high, run_spread=s.spread, run_df=s.df))
    return out
