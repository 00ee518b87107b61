"""The figures the article cites: each a number with its 95% interval, an id, and, where the
preset sets one, a precision target it met or not.

A *figure* (DESIGN's word) is a ratio of two configurations' measures, or one
configuration's median, as :mod:`bench.stats` computes them; its *half-width* is half its
interval's width relative to the number. The ids:

- ``headline.<measure>``: Flask's over FastAPI's, the article's two servers in process mode
  at the run's article size (above 1: FastAPI is faster, or lighter);
- ``gap.<measure>.<step>``: each step of the controlled comparisons
  (:data:`bench.ablation.CHAIN`, from the article's Flask as it ran it to its FastAPI), and
  ``gap.<measure>.total`` (the article's servers exactly), ``.named`` (the product of the steps
  that name a change) and ``.rest`` (what they leave unexplained: total / named);
- ``size.<measure>.<size>``: the headline ratio at each size the run measured;
- ``parallelism.<framework>``: the article's gather, sum of task durations over their window;
- ``cpu.client_process`` and ``cpu.server``: what ``%time`` shows against the server's CPU;
- ``best.<workload>.<framework>``: the fastest strategy against the fastest in-process ideal;
- ``scaling.<workload>.<framework>.<strategy>.n<n>``: the speed-up at n (:mod:`bench.scaling`),
  in runs that measured a workload at two n or more;
- ``fxs.<measure>.framework.<family>.<framework>`` and ``fxs.<measure>.server.<framework>.<family>``:
  framework against server (:mod:`bench.framework_server`), at the size its trials ran.

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

from . import ablation, framework_server, scaling, stats
from .ablation import Side
from .presets import IDEAL, IN_PROCESS, SERVER_VARIANTS, Config

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
#: The headline's two servers: Flask's plain server and FastAPI's, as the article's code has them.
HEADLINE = (ablation.FLASK, ablation.FASTAPI)


@dataclass(frozen=True)
class Figure:
    """One cited number: ``value`` with its 95% interval [``low``, ``high``]."""

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

    def to_json(self) -> dict[str, Any]:
        """The JSON report's record: the figure, its interval ("ratio", "low", "high"), and
        the configurations and trial counts behind it."""
        record = asdict(self)
        record["ratio"] = record.pop("value")
        del record["sides"], record["configs"]
        record["configs"] = [{"config": label, "trials": k} for label, k in self.sides]
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
        at = article[article["size"] == (self.size or size)]
        return [side.of(at)[column].dropna() for side in self.sides]

    def configs(self, *, n: int, size: int) -> list[Config]:
        """The configurations whose trials it is made of (each request sent twice)."""
        return [
            Config(s.framework, "process", "article", "gather", n, self.size or size, s.endpoint, s.variant, True)
            for s in self.sides
        ]


def _ratio(a: Any, b: Any, axis: int = -1) -> Any:
    return stats.hl_ratio(a, b, axis)


def _named(*samples: Any, axis: int = -1) -> Any:
    """The product of the named steps' ratios: samples are the chain, in order."""
    return np.prod([stats.hl_ratio(samples[i], samples[i + 1]) for i in NAMED_STEPS], axis=0)


def _rest(*samples: Any, axis: int = -1) -> Any:
    """The total gap (first over last of the chain) over the product of the named steps."""
    return stats.hl_ratio(samples[0], samples[-1]) / _named(*samples)


#: The chain's steps that name a change (the one left out is the frameworks themselves).
NAMED_STEPS = tuple(i for i, (name, _) in enumerate(ablation.STEPS) if name != "framework")


def fxs_specs(size: int) -> list[Spec]:
    """The framework x server ratios (:mod:`bench.framework_server`) at ``size``."""
    fs = framework_server
    out = []
    for m in fs.MEASURES:
        for fid, held, f, family in fs.figure_ids(m):
            a = fs.side(f, family)
            b = fs.side(fs.REFERENCE, family) if held == "server" else fs.side(f, "own")
            out.append(Spec(fid, f"{a.label} / {b.label}", m, (a, b), size=size))
    return out


def specs(sizes: Sequence[int] = (), fxs_size: int | None = None) -> list[Spec]:
    """Every ratio figure of the article's servers: the headline, the decomposition of each
    timed measure, and the headline at each of ``sizes``; and the framework x server ratios
    at ``fxs_size``, if given."""
    flask, fastapi = HEADLINE
    out = [
        Spec(f"headline.{m}", f"Flask / FastAPI, {MEANING[m]}", m, (flask, fastapi)) for m in (*TIMED, "peak_memory")
    ]
    chain = ablation.CHAIN
    for m in TIMED:
        for i, (name, what) in enumerate(ablation.STEPS):
            out.append(
                Spec(f"gap.{m}.{name}", f"{what}: {chain[i].label} / {chain[i + 1].label}", m, (chain[i], chain[i + 1]))
            )
        out += [
            Spec(
                f"gap.{m}.total",
                f"the article's servers as it ran them: {chain[0].label} / {chain[-1].label}",
                m,
                (chain[0], chain[-1]),
            ),
            Spec(f"gap.{m}.named", "the product of the steps that name a change", m, chain, _named),
            Spec(
                f"gap.{m}.rest",
                "what the named changes leave unexplained: the total gap over their product",
                m,
                chain,
                _rest,
            ),
        ]
    for size in sizes:
        out += [
            Spec(f"size.{m}.{size}", f"Flask / FastAPI at size {size}", m, (flask, fastapi), size=size) for m in TIMED
        ]
    if fxs_size is not None:
        out += fxs_specs(fxs_size)
    return out


def fxs_size_of(article: pd.DataFrame) -> int | None:
    """The size at which the run measured framework x server (the largest, if several)."""
    sizes = article[article["variant"].isin(SERVER_VARIANTS)]["size"]
    return int(sizes.max()) if len(sizes) else None


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


def compute(
    ok: pd.DataFrame,
    *,
    n: int,
    size: int,
    targets: Sequence[tuple[str, float]] = (),
    only_targeted: bool = False,
    resamples: int = stats.RESAMPLES,
) -> list[Figure]:
    """Every figure the run has the trials for, from its measured trials
    (:func:`bench.report.measured`); with ``only_targeted``, those with a target only (what
    the stopping rule looks at)."""
    article = article_trials(ok, n)
    sizes = sorted(int(s) for s in article["size"].unique() if s != size)
    out = []
    for spec in specs(sizes, fxs_size_of(article)):
        if only_targeted and target_of(spec.id, targets) is None:
            continue
        if all(len(s) for s in spec.samples(article, size)):
            out.append(evaluate(spec, article, n=n, size=size, targets=targets, resamples=resamples))
    if only_targeted:
        more = [*_best(ok, targets=targets), *scaling.figures(ok, targets=targets, resamples=resamples)]
        return out + [f for f in more if f.target is not None]
    out += _parallelism(article, n=n, size=size, targets=targets)
    out += _cpu(article, n=n, size=size, targets=targets)
    out += _best(ok, targets=targets)
    out += scaling.figures(ok, targets=targets, resamples=resamples)
    return out


def _median_figure(
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


def _parallelism(article: pd.DataFrame, *, n: int, size: int, targets: Sequence[tuple[str, float]]) -> list[Figure]:
    at = article[article["size"] == size]
    out = []
    for side in HEADLINE:
        sample = side.of(at)["parallelism"].dropna()
        if len(sample):
            out.append(
                _median_figure(
                    f"parallelism.{side.framework}",
                    f"parallelism of {side.label}'s gather",
                    "parallelism",
                    sample,
                    side.label,
                    n=n,
                    size=size,
                    targets=targets,
                )
            )
    return out


def _cpu(article: pd.DataFrame, *, n: int, size: int, targets: Sequence[tuple[str, float]]) -> list[Figure]:
    at = article[article["size"] == size]
    both = pd.concat([side.of(at) for side in HEADLINE])
    if both.empty:
        return []
    label = " and ".join(side.label for side in HEADLINE)
    return [
        _median_figure(
            "cpu.client_process",
            "CPU of the client's whole process per request (what %time shows), s",
            "client_process_cpu",
            both["client_process_cpu_s"].dropna(),
            label,
            n=n,
            size=size,
            targets=targets,
        ),
        _median_figure(
            "cpu.server",
            "the server's CPU per request until it is idle again, s",
            "server_cpu",
            both["server_cpu_to_idle_s"].dropna(),
            label,
            n=n,
            size=size,
            targets=targets,
        ),
    ]


def _best(ok: pd.DataFrame, *, targets: Sequence[tuple[str, float]]) -> list[Figure]:
    from .report import versus_ideal

    out = []
    for r in versus_ideal(ok).to_dict("records"):
        if r["mode"] != "process":
            continue
        e = stats.Estimate(r["x_ideal"], r["low"], r["high"])
        fid = f"best.{r['workload']}.{r['framework']}"
        hw = stats.half_width(e)
        target, met = judged(fid, hw, targets)
        n, size = int(r["n"]), int(r["size"])
        served = Config(r["framework"], "process", r["workload"], r["best_strategy"], n, size, r["endpoint"])
        ideal = Config(IDEAL, IN_PROCESS, r["workload"], r["ideal_strategy"], n, size)
        what = f"{r['best_strategy']} ({r['endpoint']} endpoint) against the in-process ideal {r['ideal_strategy']}"
        sides = ((served.label, int(r["trials"])), (ideal.label, int(r["ideal_trials"])))
        out.append(
            Figure(fid, what, "isolated", e.value, e.low, e.high, hw, target, met, n, size, sides, (served, ideal))
        )
    return out


def by_id(figures: Sequence[Figure]) -> dict[str, Figure]:
    return {f.id: f for f in figures}
