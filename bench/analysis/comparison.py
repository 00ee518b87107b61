"""One run against another after a change, as pyperf's ``compare_to`` sets a benchmark's runs
side by side: per configuration both runs measured, the new run's median time over the base
run's, with a 95% interval that includes the run level, read as faster, slower or unresolved;
and every figure both cite, the two estimates side by side.

Absolute times move with the machine: on this shared machine the same code's requests took
about half as long on one day as on another, every configuration alike. No change to one
server does that, and it would hide every change that does, so a comparison first divides out
the **machine factor** (:func:`machine_factor`): the median, over every configuration both runs
measured, of the new run's median time over the base run's. Each configuration's ratio is then
relative to it, and the factor is reported beside them (a change that slowed every
configuration alike would show there, not in the ratios). What is left still varies between
runs beyond the runs' own intervals (the run level, :mod:`bench.analysis.runlevel`): the
committed runs of the preset give its run spread (:func:`median_spreads`, each run's medians
with its own machine factor divided out), and a ratio's interval adds it once for each of the
two runs, ``sqrt(2)`` times it, with its t quantile. A configuration with fewer than 8 trials
on either side has no interval and is listed as not judged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from bench.analysis.figure import MEASURES, Figure
from bench.analysis.runlevel import Spread, log_se, pooled, widen
from bench.analysis.tables import KEYS, measured, project_only
from bench.vocabulary import stats

#: The times compared per configuration: one request after idle, and sent again back to back.
COMPARED = ("isolated", "back_to_back")
#: What a configuration is known by across runs.
CONFIG_KEYS = (*KEYS, "python", "clients")
#: The format of ``compare --json``'s record.
FORMAT = 1


def _configs(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The measured trials of the project's interpreter, one client, by configuration label."""
    ok = project_only(measured(df)) if len(df) else df
    if ok.empty:
        return {}
    ok = ok.assign(python=ok["python"] if "python" in ok else "", clients=ok["clients"] if "clients" in ok else 1)
    out = {}
    for key, g in ok.astype({"endpoint": str}).groupby(list(CONFIG_KEYS), sort=True):
        k = dict(zip(CONFIG_KEYS, key, strict=True))
        variant = f"[{k['variant']}]" if k["variant"] else ""
        out[
            f"{k['framework']}{variant}/{k['mode']}/{k['endpoint']} {k['workload']}/{k['strategy']} "
            f"n={k['n']} size={k['size']}"
        ] = g
    return out


def _medians(configs: Mapping[str, pd.DataFrame], column: str, *, least: int = 1) -> dict[str, float]:
    """Each configuration's median of ``column`` where it has ``least`` values or more."""
    return {
        label: float(g[column].median())
        for label, g in configs.items()
        if column in g and g[column].notna().sum() >= least and g[column].median() > 0
    }


def machine_factor(base: Mapping[str, float], new: Mapping[str, float]) -> float:
    """How much longer the machine took in the new run than in the base run, every
    configuration alike: the median over the configurations both have of new over base
    (NaN with none in common)."""
    common = sorted(base.keys() & new.keys())
    if not common:
        return math.nan
    return float(math.exp(np.median([math.log(new[k] / base[k]) for k in common])))


def median_spreads(runs: Sequence[pd.DataFrame]) -> dict[str, Spread]:
    """The run spread of each compared measure's configuration medians over several runs'
    trials (the committed runs of one preset), each run's machine factor divided out (against
    the runs' mean): how far one configuration lands apart between runs beyond its own
    interval and beyond the machine's speed. Empty with fewer than two runs."""
    if len(runs) < 2:
        return {}
    by_run = [_configs(df) for df in runs]
    out = {}
    for measure in COMPARED:
        column = MEASURES[measure]
        everything = [_medians(c, column) for c in by_run]
        labels = sorted(set().union(*everything))
        centre = {k: float(np.mean([math.log(m[k]) for m in everything if k in m])) for k in labels}
        estimates = []
        for configs, medians in zip(by_run, everything, strict=True):
            factor = float(np.median([math.log(medians[k]) - centre[k] for k in medians])) if medians else 0.0
            mine: dict[tuple[object, ...], tuple[float, float]] = {}
            for label, g in configs.items():
                if column in g and g[column].notna().sum() >= stats.MIN_TRIALS:
                    e = stats.median_ci(g[column])
                    mine[(label,)] = (e.value / math.exp(factor), log_se(e.low, e.high))
            estimates.append(mine)
        found = pooled(f"median.{measure}", estimates)
        if found is not None:
            out[measure] = found
    return out


@dataclass(frozen=True)
class Compared:
    """One configuration's time in the new run over the base run's, over the machine factor,
    with its interval (NaN where a side has too few trials) and how it reads."""

    config: str
    measure: str
    base_trials: int
    new_trials: int
    base_s: float
    new_s: float
    ratio: float
    low: float
    high: float
    #: "faster", "slower", "unresolved" or "not judged".
    reads: str
    run_spread: float

    def to_json(self) -> dict[str, Any]:
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in asdict(self).items()}

    def words(self) -> str:
        """``1.08x [1.02, 1.15] slower``, or what there is without an interval."""
        if not math.isfinite(self.low):
            return f"{self.ratio:.2f}x ({stats.TOO_FEW}: {self.base_trials} and {self.new_trials})"
        return f"{self.ratio:.2f}x [{self.low:.2f}, {self.high:.2f}] {self.reads}"


def compare(
    base: pd.DataFrame, new: pd.DataFrame, level: Mapping[str, Spread]
) -> tuple[dict[str, float], list[Compared]]:
    """Every configuration and compared measure both runs' trials have: new over base (a
    ratio of medians with its bootstrap interval, :func:`bench.vocabulary.stats.ratio_ci`),
    over the measure's machine factor (:func:`machine_factor`, returned first, per measure),
    the interval widened by ``level``'s run spread of that measure, once for each run."""
    b, n = _configs(base), _configs(new)
    factors = {m: machine_factor(_medians(b, MEASURES[m]), _medians(n, MEASURES[m])) for m in COMPARED}
    out = []
    for label in sorted(b.keys() & n.keys()):
        for measure in COMPARED:
            column = MEASURES[measure]
            if column not in b[label] or column not in n[label] or not math.isfinite(factors[measure]):
                continue
            x, y = n[label][column].dropna(), b[label][column].dropna()
            if x.empty or y.empty:
                continue
            e = stats.ratio_ci(x, y)
            f = factors[measure]
            value, low, high, added = e.value / f, e.low / f, e.high / f, 0.0
            spread = level.get(measure)
            if spread is not None and math.isfinite(low):
                both = replace(spread, spread=spread.spread * math.sqrt(2))
                low, high = widen(value, low, high, both)
                added = both.spread
            if not math.isfinite(low):
                reads = "not judged"
            else:
                reads = "slower" if low > 1 else ("faster" if high < 1 else "unresolved")
            out.append(
                Compared(
                    config=label,
                    measure=measure,
                    base_trials=len(y),
                    new_trials=len(x),
                    base_s=float(y.median()),
                    new_s=float(x.median()),
                    ratio=value,
                    low=low,
                    high=high,
                    reads=reads,
                    run_spread=added,
                )
            )
    return factors, out


def slower_than(found: Sequence[Compared], percent: float) -> list[Compared]:
    """The configurations resolved as slower by more than ``percent`` (their ratio above
    1 + percent / 100)."""
    return [c for c in found if c.reads == "slower" and c.ratio > 1 + percent / 100]


@dataclass(frozen=True)
class SideBySide:
    """One figure both runs cite: the base run's estimate and interval, and the new one's."""

    id: str
    base: tuple[float, float, float]
    new: tuple[float, float, float]

    def to_json(self) -> dict[str, Any]:
        def clean(t: tuple[float, float, float]) -> list[float | None]:
            return [v if math.isfinite(v) else None for v in t]

        return {"id": self.id, "base": clean(self.base), "new": clean(self.new)}


def side_by_side(base: Sequence[Figure], new: Sequence[Figure]) -> list[SideBySide]:
    """Every figure both cite at the same n and size, in the base run's order."""
    theirs = {(f.id, f.n, f.size): f for f in new}
    return [
        SideBySide(f.id, (f.value, f.low, f.high), (g.value, g.low, g.high))
        for f in base
        if (g := theirs.get((f.id, f.n, f.size))) is not None
    ]
