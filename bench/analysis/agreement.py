"""Agreement between separate runs: does each run's interval cover what the other runs found?

DESIGN's *agreement*: separate runs agree on a figure when every pair of their 95% intervals
overlaps and each run's estimate lies inside (at least ``inside_share`` of) the other runs'
intervals. One run's interval describes its own servers in its own minutes; only other runs
can say whether it also covers the effect. :func:`agree` judges every figure all the runs cite
(the same id, measured at the same n and size); a figure some run drew without an interval is
listed and not judged. The spread of the estimates (their standard deviation, relative to
their mean) is set beside the mean relative half-width: intervals that cover what the next
run finds are about twice as wide as that spread, or wider.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import combinations
from typing import Any

import numpy as np

from bench.analysis.figure import Figure

#: The share of the other runs' intervals each estimate must lie inside (issue #21's criterion).
INSIDE_SHARE = 0.9


@dataclass(frozen=True)
class RunEstimate:
    """One run's value of a figure, with its 95% interval."""

    run: str
    value: float
    low: float
    high: float
    n: int
    size: int

    @property
    def has_interval(self) -> bool:
        return math.isfinite(self.low) and math.isfinite(self.high)

    def covers(self, value: float) -> bool:
        return self.low <= value <= self.high

    def overlaps(self, other: RunEstimate) -> bool:
        return self.low <= other.high and other.low <= self.high


@dataclass(frozen=True)
class Agreement:
    """How one figure's estimates from several runs sit against each other's intervals."""

    id: str
    estimates: tuple[RunEstimate, ...]
    #: Pairs of runs, and how many of them have overlapping intervals.
    pairs: int
    pairs_overlapping: int
    #: Estimate-inside-another-run's-interval checks, and how many held.
    checks: int
    inside: int
    #: The smallest share, over the runs, of the other runs' intervals its estimate lies inside.
    worst_inside_share: float
    #: Standard deviation of the estimates over their mean, and the mean relative half-width.
    spread: float
    mean_half_width: float
    #: None when not judged (scopes differ, or a run has no interval); else whether the runs agree.
    agrees: bool | None
    why: str

    def to_json(self) -> dict[str, Any]:
        record = asdict(self)
        record["estimates"] = [asdict(e) for e in self.estimates]
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in record.items()}


def _inside_shares(estimates: Sequence[RunEstimate]) -> list[float]:
    """For each run, the share of the other runs' intervals its estimate lies inside."""
    shares = []
    for e in estimates:
        others = [o for o in estimates if o is not e]
        shares.append(sum(o.covers(e.value) for o in others) / len(others))
    return shares


def _judge(fid: str, estimates: tuple[RunEstimate, ...], *, inside_share: float) -> Agreement:
    values = np.array([e.value for e in estimates])
    spread = float(np.std(values, ddof=1) / np.mean(values))
    widths = [(e.high - e.low) / 2 / e.value for e in estimates if e.has_interval and e.value > 0]
    mean_hw = float(np.mean(widths)) if widths else math.nan
    scopes = sorted({(e.n, e.size) for e in estimates})
    missing = [e.run for e in estimates if not e.has_interval]
    pairs = list(combinations(estimates, 2))
    overlapping, shares, agrees = 0, [math.nan], None
    if len(scopes) > 1:
        said = ", ".join(f"n={n}, size {s}" for n, s in scopes)
        agrees, why = False, f"the runs measured it at different scopes ({said}): not the same quantity"
    elif missing:
        why = f"not judged: no interval in {', '.join(missing)}"
    else:
        overlapping = sum(a.overlaps(b) for a, b in pairs)
        shares = _inside_shares(estimates)
        agrees = overlapping == len(pairs) and min(shares) >= inside_share
        if agrees:
            why = "every pair of intervals overlaps and every estimate lies inside the others' intervals"
        elif overlapping < len(pairs):
            why = f"{len(pairs) - overlapping} of {len(pairs)} pairs of intervals do not overlap"
        else:
            why = (
                f"an estimate lies inside only {min(shares):.0%} of the other runs' intervals"
                f" (needed {inside_share:.0%})"
            )
    judged = agrees is not None and len(scopes) == 1
    k = len(estimates)
    return Agreement(
        id=fid,
        estimates=estimates,
        pairs=len(pairs),
        pairs_overlapping=overlapping,
        checks=k * (k - 1) if judged else 0,
        inside=round(sum(shares) * (k - 1)) if judged else 0,
        worst_inside_share=min(shares),
        spread=spread,
        mean_half_width=mean_hw,
        agrees=agrees,
        why=why,
    )


def agree(
    runs: Mapping[str, Sequence[Figure]],
    *,
    patterns: Sequence[str] = (),
    inside_share: float = INSIDE_SHARE,
) -> list[Agreement]:
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
            tuple(
                RunEstimate(run=run, value=f.value, low=f.low, high=f.high, n=f.n, size=f.size)
                for run, f in ((run, ids[fid]) for run, ids in by_run.items())
            ),
            inside_share=inside_share,
        )
        for fid in order
    ]


def disagreeing(found: Sequence[Agreement]) -> list[str]:
    """The ids of the figures on which the runs disagree."""
    return [a.id for a in found if a.agrees is False]
