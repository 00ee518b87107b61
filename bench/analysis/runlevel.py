"""The run level: how far separate runs of one preset land apart beyond their own intervals,
estimated from committed runs, and added to a run's cited intervals.

One run's interval covers what its own trials vary by. Runs made at different times on a
shared machine land further apart than that (issue #21: two quick runs of the same code
disagreed on 29 of 48 figures), and no repetition inside one run samples the machine's state
over tens of minutes. So the spread between runs is measured where it can be: between the
committed runs of the same preset (``data/reference``), figure by figure.

For a figure that ``K >= 2`` runs cite at the same n and size, with log estimates ``y_k`` and
standard errors ``s_k`` read from their own intervals (``(log high - log low) / (2 z)``, z the
normal 95% quantile), the variance between the runs beyond what their intervals explain is
``var(y) - mean(s^2)``. Pooled over a group of figures, weighted by ``K - 1`` and clipped at 0,
its square root is the group's **run spread**: the relative spread a run adds on top of its own
precision. A group is one comparison across the timed measures (:func:`group`: the three
meanings of faster of the headline, or of one step of the gap, move between runs together),
so that each comparison gets its own spread and several measures' degrees of freedom. A run's figure then
gets, on each side of its estimate ``v`` (log scale), ``sqrt(d^2 + (z * spread)^2)`` where
``d`` is its own interval's distance on that side: never narrower than its own interval.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from bench.analysis.figure import Figure
from bench.vocabulary.stats import Z95

#: Figures that are one configuration's median (absolute times follow the machine); the run
#: level is estimated and added for ratios only.
MEDIANS = ("cpu.", "parallelism.")


#: The timed measures, pooled in one group per comparison; the memory measure is its own.
TIMED_MEASURES = ("isolated", "back_to_back", "server_cpu")


def group(figure_id: str) -> str:
    """The group whose run spread a figure takes: its id with a timed measure written
    ``time`` (``gap.isolated.thread`` -> ``gap.time.thread``)."""
    return ".".join("time" if part in TIMED_MEASURES else part for part in figure_id.split("."))


def _log_se(f: Figure) -> float:
    """The standard error of ``log f.value`` its own interval implies; NaN without one."""
    if not (f.low > 0 and f.high > 0 and math.isfinite(f.low) and math.isfinite(f.high)):
        return math.nan
    return (math.log(f.high) - math.log(f.low)) / (2 * Z95)


@dataclass(frozen=True)
class Spread:
    """A group's run spread (relative, on the log scale) and what it was estimated from."""

    group: str
    spread: float
    #: How many figures, and how many degrees of freedom (sum of runs - 1 over them).
    figures: int
    df: int
    runs: int


def spreads(runs: Sequence[Sequence[Figure]]) -> dict[str, Spread]:
    """Each group's run spread from several runs' own figures (their intervals as the runs
    computed them, without a run level): the figures every run of at least two cites at the
    same n and size, ratios with an interval only. Empty with fewer than two runs."""
    if len(runs) < 2:
        return {}
    keyed = [{(f.id, f.n, f.size): f for f in found} for found in runs]
    keys = sorted(set().union(*keyed))
    sums: dict[str, list[float]] = {}
    for key in keys:
        if key[0].startswith(MEDIANS):
            continue
        seen = [k[key] for k in keyed if key in k]
        seen = [f for f in seen if f.value > 0 and math.isfinite(_log_se(f))]
        if len(seen) < 2:
            continue
        y = np.log([f.value for f in seen])
        extra = float(np.var(y, ddof=1)) - float(np.mean([_log_se(f) ** 2 for f in seen]))
        acc = sums.setdefault(group(key[0]), [0.0, 0.0, 0.0])
        acc[0] += extra * (len(seen) - 1)
        acc[1] += len(seen) - 1
        acc[2] += 1
    return {
        name: Spread(name, math.sqrt(max(0.0, total / df)), int(count), int(df), len(runs))
        for name, (total, df, count) in sums.items()
    }


def widened(found: Sequence[Figure], level: Mapping[str, Spread]) -> list[Figure]:
    """``found`` with each ratio's interval widened by its group's run spread (figures of a
    group without one, and medians, as they are); each keeps its own interval in
    ``own_low`` / ``own_high`` and the spread added in ``run_spread``."""
    out = []
    for f in found:
        s = level.get(group(f.id))
        if s is None or f.id.startswith(MEDIANS) or not math.isfinite(_log_se(f)) or f.value <= 0:
            out.append(f)
            continue
        add = (Z95 * s.spread) ** 2
        v = math.log(f.value)
        low = math.exp(v - math.sqrt((v - math.log(f.low)) ** 2 + add))
        high = math.exp(v + math.sqrt((math.log(f.high) - v) ** 2 + add))
        out.append(replace(f, low=low, high=high, own_low=f.low, own_high=f.high, run_spread=s.spread))
    return out
