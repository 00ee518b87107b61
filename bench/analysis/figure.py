"""The figure record: a number the article cites, with its 95% interval, an id, and, where
the preset sets one, a precision target it met or not (:class:`Figure`); how one is
computed from a run's measured trials (:class:`Spec`, :func:`evaluate`); and how a target
is judged (:func:`judged`).

A *figure* (DESIGN's word) is a ratio of two configurations' measures, or one configuration's median, as
:mod:`bench.vocabulary.stats` computes them; its *half-width* is half its interval's width relative to the
number. Each family of figures makes its own: the headline (:mod:`bench.analysis.families.headline`), the gap
(:mod:`bench.analysis.families.gap`), the sizes (:mod:`bench.analysis.families.size`), framework x server
(:mod:`bench.analysis.families.framework_server`), the best strategy (:mod:`bench.analysis.families.best`),
the speed-ups (:mod:`bench.analysis.families.scaling`); :mod:`bench.analysis.cited_figures` assembles them.

The measures: ``isolated`` (one request after the server went idle), ``back_to_back`` (the
same request again the moment the first answered), ``server_cpu`` (the server's CPU per
request until it is idle again), ``peak_memory`` (the serving process's peak resident memory).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from bench.vocabulary import stats
from bench.vocabulary.config import Config
from bench.vocabulary.sides import SIDE_COLUMNS, Side

#: Each measure and the trials column it reads.
MEASURES: dict[str, str] = {
    "isolated": "client_wall_s",
    "back_to_back": "b2b_wall_s",
    "server_cpu": "server_cpu_to_idle_s",
    "peak_memory": "peak_rss_bytes",
}

#: What each measure means, for captions and the report.
MEANING: dict[str, str] = {
    "isolated": "one request after the server went idle (what the article's %time saw)",
    "back_to_back": "the same request sent again the moment the first answered (one client in a closed loop)",
    "server_cpu": "the server's CPU per request, counted until it is idle again",
    "peak_memory": "the serving process's peak memory during the request",
}

#: The measures whose gap the controlled comparisons decompose.
TIMED = ("isolated", "back_to_back", "server_cpu")


@dataclass(frozen=True)
class Figure:
    """One cited number: ``value`` with its 95% interval [``low``, ``high``]. Where the run
    level is known (:mod:`bench.analysis.runlevel`), ``low`` and ``high`` include it, and the run's own
    interval is kept in ``own_low`` and ``own_high`` (NaN where nothing was added);
    ``half_width`` is always the run's own (what more trials shrink, what a target judges)."""

    id: str
    what: str
    measure: str
    value: float
    low: float
    high: float
    half_width: float
    target: float | None
    met: bool | None
    n: int
    size: int
    #: Each configuration behind it, with its measured trials (``label``, ``trials``).
    sides: tuple[tuple[str, int], ...]
    #: The configurations whose trials it is made of (for the stopping rule).
    configs: tuple[Config, ...] = ()
    #: The run's own interval, where the run level widened [low, high]; and the run spread added
    #: (relative, log scale; 0: none).
    own_low: float = float("nan")
    own_high: float = float("nan")
    run_spread: float = 0.0
    #: The degrees of freedom the run spread was estimated with (its runs less one; 0: none added).
    run_df: int = 0

    def __post_init__(self) -> None:
        """No interval from fewer than :data:`~bench.vocabulary.stats.MIN_TRIALS` trials a side:
        such a figure keeps its estimate and trial counts, its interval and half-width are NaN,
        and a target it has is not met."""
        if self.too_few:
            for name in ("low", "high", "half_width", "own_low", "own_high"):
                object.__setattr__(self, name, float("nan"))
            object.__setattr__(self, "run_spread", 0.0)
            object.__setattr__(self, "run_df", 0)
            object.__setattr__(self, "met", None if self.target is None else False)

    @property
    def trials(self) -> int:
        """The trials of its least-measured side."""
        return min((k for _, k in self.sides), default=0)

    @property
    def too_few(self) -> bool:
        """Whether a side has too few trials for an interval."""
        return self.trials < stats.MIN_TRIALS

    @property
    def no_interval(self) -> str | None:
        """Why it has no interval (its sides' trial counts), or None where it has one."""
        if self.too_few:
            counts = " and ".join(str(k) for _, k in self.sides) or "no"
            return f"{stats.TOO_FEW}: {counts} trials (at least {stats.MIN_TRIALS} a side)"
        if not np.isfinite(self.low):
            return "no interval"
        return None

    def to_json(self) -> dict[str, Any]:
        """The JSON report's record: the figure, its interval ("ratio", "low", "high"; null,
        with the reason in "no_interval", where it has none), and the configurations and trial
        counts behind it."""
        record = asdict(self)
        record["ratio"] = record.pop("value")
        del record["sides"], record["configs"]
        record["configs"] = [{"config": label, "trials": k} for label, k in self.sides]
        record["trials"] = self.trials
        record["no_interval"] = self.no_interval
        return {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in record.items()}

    @property
    def interval(self) -> str:
        if not np.isfinite(self.low):
            return "no interval"
        return f"{self.low:.2f} to {self.high:.2f}"


@dataclass(frozen=True)
class Spec:
    """How to compute one figure from a run's measured trials."""

    id: str
    what: str
    measure: str
    #: The samples it is made of, each a side of the article's gather in process mode at
    #: ``size`` (``None``: the run's article size), and how they combine.
    sides: tuple[Side, ...]
    combine: Callable[..., Any] | None = None
    size: int | None = None

    def samples(self, article: pd.DataFrame, size: int) -> list[pd.Series]:
        column = MEASURES[self.measure]
        # Only the columns a side selects on and the measure: copying every column of the
        # trials for each side was most of a report's time.
        at = article.loc[article["size"] == (self.size or size), [*SIDE_COLUMNS, column]]
        return [side.of(at)[column].dropna() for side in self.sides]

    def configs(self, *, n: int, size: int) -> list[Config]:
        """The configurations whose trials it is made of (each request sent twice)."""
        return [
            Config(s.framework, "process", "article", "gather", n, self.size or size, s.endpoint, s.variant, True)
            for s in self.sides
        ]


def target_of(figure_id: str, targets: Sequence[tuple[str, float]]) -> float | None:
    """The target half-width ``targets`` give ``figure_id`` (the first pattern that matches)."""
    for pattern, target in targets:
        if fnmatch.fnmatchcase(figure_id, pattern):
            return target
    return None


def judged(figure_id: str, half_width: float, targets: Sequence[tuple[str, float]]) -> tuple[float | None, bool | None]:
    """The target ``targets`` give ``figure_id``, and whether ``half_width`` met it (None, None:
    no target)."""
    target = target_of(figure_id, targets)
    return target, None if target is None else bool(np.isfinite(half_width) and half_width <= target)


def _figure(
    spec: Spec,
    estimate: stats.Estimate,
    *,
    n: int,
    size: int,
    counts: Sequence[int],
    targets: Sequence[tuple[str, float]],
) -> Figure:
    hw = stats.half_width(estimate)
    target, met = judged(spec.id, hw, targets)
    return Figure(
        spec.id,
        spec.what,
        spec.measure,
        estimate.value,
        estimate.low,
        estimate.high,
        hw,
        target,
        met,
        n,
        spec.size or size,
        tuple((s.label, k) for s, k in zip(spec.sides, counts, strict=True)),
        tuple(spec.configs(n=n, size=size)),
    )


def article_trials(ok: pd.DataFrame, n: int) -> pd.DataFrame:
    """The measured trials of the article's gather in process mode at ``n`` tasks."""
    return ok[(ok["mode"] == "process") & (ok["workload"] == "article") & (ok["strategy"] == "gather") & (ok["n"] == n)]


def evaluate(
    spec: Spec,
    article: pd.DataFrame,
    *,
    n: int,
    size: int,
    targets: Sequence[tuple[str, float]] = (),
    resamples: int = stats.RESAMPLES,
) -> Figure:
    """One spec's figure from the article's trials (:func:`article_trials`)."""
    samples = spec.samples(article, size)
    counts = [len(s) for s in samples]
    if spec.combine is None:
        estimate = stats.ratio_ci(samples[0], samples[1], resamples=resamples)
    else:
        estimate = stats.joint_ci(samples, spec.combine, resamples=resamples)
    return _figure(spec, estimate, n=n, size=size, counts=counts, targets=targets)


def median_figure(
    fid: str,
    what: str,
    measure: str,
    sample: pd.Series,
    label: str,
    *,
    n: int,
    size: int,
    targets: Sequence[tuple[str, float]],
) -> Figure:
    e = stats.median_ci(sample)
    hw = stats.half_width(e)
    target, met = judged(fid, hw, targets)
    return Figure(fid, what, measure, e.value, e.low, e.high, hw, target, met, n, size, ((label, len(sample)),))


def by_id(figures: Sequence[Figure]) -> dict[str, Figure]:
    return {f.id: f for f in figures}
