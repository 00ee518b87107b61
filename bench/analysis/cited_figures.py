"""Every figure the article cites, assembled from each family's (:mod:`bench.analysis.figure` is the
record): each a number with its 95% interval, an id, and, where the preset sets one, a
precision target it met or not. The ids and the families that make them:

- ``headline.<measure>`` (:mod:`bench.analysis.families.headline`): Flask's over FastAPI's, the article's two
  servers in process mode
  at the run's article size (above 1: FastAPI is faster, or lighter);
- ``gap.<measure>.<step>`` (:mod:`bench.analysis.families.gap`): each step of the controlled comparisons
  (:data:`bench.analysis.families.gap.CHAIN`, from the article's Flask as it ran it to its FastAPI), and
  ``gap.<measure>.total`` (the article's servers exactly), ``.named`` (the product of the steps
  that name a change) and ``.rest`` (what they leave unexplained: total / named);
- ``size.<measure>.<size>`` (:mod:`bench.analysis.families.size`): the headline ratio at each size the run measured;
- ``parallelism.<framework>``: the article's gather, sum of task durations over their window;
- ``cpu.client_process`` and ``cpu.server``: what ``%time`` shows against the server's CPU;
- ``best.<workload>.<framework>`` (:mod:`bench.analysis.families.best`): the fastest strategy against the
  fastest in-process ideal;
- ``scaling.<workload>.<framework>.<strategy>.n<n>``: the speed-up at n (:mod:`bench.analysis.families.scaling`),
  in runs that measured a workload at two n or more;
- ``fxs.<measure>.framework.<family>.<framework>`` and ``fxs.<measure>.server.<framework>.<family>``:
  framework against server (:mod:`bench.analysis.families.framework_server`), at the size its trials ran;
- ``gil.<interpreter>.<side>.<workload>.<strategy>.n<n>``, ``gil.cost.<workload>`` and
  ``gil.<interpreter>.flask.requests.c<k>`` (:mod:`bench.analysis.families.gil`): without the GIL and with it,
  in runs that measured both interpreters.

Every family but the gil one reads the trials under the project's own interpreter only
(:func:`bench.analysis.tables.project_only`).

The measures: ``isolated`` (one request after the server went idle), ``back_to_back`` (the
same request again the moment the first answered), ``server_cpu`` (the server's CPU per
request until it is idle again), ``peak_memory`` (the serving process's peak resident memory).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from bench.analysis import comparison, results_cache, runlevel
from bench.analysis.families import best, framework_server, gap, gil, headline, scaling, size
from bench.analysis.figure import Figure, Spec, article_trials, evaluate, target_of
from bench.analysis.tables import measured, project_only
from bench.instrument.store import CHECKOUT, REFERENCE, Run, runs
from bench.vocabulary import stats
from bench.vocabulary.config import Preset
from bench.vocabulary.records import COLUMNS, TrialRow

#: Bootstrap resamples for the stopping rule's look at the intervals: the report's own, with
#: its seed, so that a figure the rule saw at its target is the one the report prints as met.
STOPPING_RESAMPLES = stats.RESAMPLES


def _specs(sizes: Sequence[int] = (), fxs_size: int | None = None) -> list[Spec]:
    """Every ratio figure of the article's servers: the headline, the decomposition of each
    timed measure, and the headline at each of ``sizes``; and the framework x server ratios
    at ``fxs_size``, if given."""
    out = [*headline.specs(), *gap.specs(), *size.specs(sizes)]
    if fxs_size is not None:
        out += framework_server.specs(fxs_size)
    return out


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
    (:func:`bench.analysis.tables.measured`); with ``only_targeted``, those with a target only (what
    the stopping rule looks at)."""
    both, ok = ok, project_only(ok)
    article = article_trials(ok, n)
    sizes = sorted(int(s) for s in article["size"].unique() if s != size)
    out = []
    for spec in _specs(sizes, framework_server.size_of(article)):
        if only_targeted and target_of(spec.id, targets) is None:
            continue
        if all(len(s) for s in spec.samples(article, size)):
            out.append(evaluate(spec, article, n=n, size=size, targets=targets, resamples=resamples))
    if only_targeted:
        more = [
            *best.figures(ok, targets=targets),
            *scaling.figures(ok, targets=targets, resamples=resamples),
            *gil.figures(both, targets=targets, resamples=resamples),
        ]
        return out + [f for f in more if f.target is not None]
    out += headline.parallelism(article, n=n, size=size, targets=targets)
    out += headline.cpu(article, n=n, size=size, targets=targets)
    out += best.figures(ok, targets=targets)
    out += scaling.figures(ok, targets=targets, resamples=resamples)
    out += gil.figures(both, targets=targets, resamples=resamples)
    return out


def cited(run: Run) -> list[Figure]:
    """The figures the article cites, from the run's trials at its preset's n, size and targets,
    each ratio's interval widened by the run level of its preset where the committed runs of
    that preset give one (:func:`run_level`); the run's own intervals stay in each figure."""
    return runlevel.widened(own(run), run_level(str(run.meta().get("preset", {}).get("name", ""))))


def run_level(preset: str, reference: Path = CHECKOUT / REFERENCE) -> dict[str, runlevel.Spread]:
    """Each group's run spread (:mod:`bench.analysis.runlevel`) over the complete runs of
    ``preset`` under ``reference`` (the checkout's committed runs); empty with fewer than two."""
    return runlevel.spreads([own(r) for r in committed(preset, reference)])


def median_level(preset: str, reference: Path = CHECKOUT / REFERENCE) -> dict[str, runlevel.Spread]:
    """The run spread of configuration medians (:func:`bench.analysis.comparison.median_spreads`)
    over the complete committed runs of ``preset``; empty with fewer than two."""
    return comparison.median_spreads([r.trials() for r in committed(preset, reference)])


def committed(preset: str, reference: Path = CHECKOUT / REFERENCE) -> list[Run]:
    """The complete runs of ``preset`` under ``reference``, oldest first (none for "")."""
    return [r for r in runs(reference) if r.meta().get("preset", {}).get("name") == preset] if preset else []


def committed_beside(run: Run, reference: Path = CHECKOUT / REFERENCE) -> list[Run]:
    """The committed runs of ``run``'s preset under ``reference``, ``run`` itself left out
    (a committed run set beside the others), oldest first."""
    return [r for r in committed(str(run.meta().get("preset", {}).get("name", "")), reference) if r.id != run.id]


def own(run: Run) -> list[Figure]:
    """The figures the article cites with the run's own intervals (no run level). Kept for
    the run's files as they are (a report and its drawings ask twice; the bootstraps take
    seconds), and on disk by :mod:`bench.analysis.results_cache`: computed again once trials.csv, meta.json or
    the code changes."""
    key = (str(run.path.resolve()), *(_stamp(path) for path in (run.trials_path, run.path / "meta.json")))
    if key not in _OWN:
        if len(_OWN) >= 8:  # a session reads a few runs (one and the committed ones), not hundreds
            _OWN.clear()
        _OWN[key] = results_cache.kept("cited", [run.trials_path, run.meta_path], lambda: _cited(run))
    return list(_OWN[key])


_OWN: dict[tuple[object, ...], list[Figure]] = {}


def _stamp(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except FileNotFoundError:
        return (0, -1)
    return (st.st_mtime_ns, st.st_size)


def _cited(run: Run) -> list[Figure]:
    meta = run.meta()
    if "preset" not in meta:
        return []
    p = Preset.from_dict(meta["preset"])
    df = run.trials()
    if df.empty or p.size is None:
        return []
    return compute(measured(df), n=p.n, size=p.size, targets=p.targets)


def _measured_frame(rows: Sequence[TrialRow]) -> pd.DataFrame:
    """Trial rows as their measured trials (:func:`bench.analysis.tables.measured`)."""
    df = pd.DataFrame([r.record() for r in rows], columns=list(COLUMNS))
    return measured(df) if len(df) else df


def judge(preset: Preset) -> Callable[[Sequence[TrialRow]], list[Figure]]:
    """What the stopping rule (:func:`bench.instrument.stopping.added_rounds`) is given to judge a run's
    targets: from the trials so far, the figures of ``preset`` that have a target, with the
    report's own resamples and seed."""
    if preset.size is None:
        raise ValueError(f"preset {preset.name!r} has no size yet: resolve() it first")
    n, at, targets = preset.n, preset.size, preset.targets

    def figures_so_far(rows: Sequence[TrialRow]) -> list[Figure]:
        return compute(
            _measured_frame(rows), n=n, size=at, targets=targets, only_targeted=True, resamples=STOPPING_RESAMPLES
        )

    return figures_so_far
