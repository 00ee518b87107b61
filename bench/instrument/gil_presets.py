"""The gil preset's parts (:data:`bench.instrument.presets.PRESETS`' ``gil``): its task sizes, what it
measures under both interpreters, and the figures it aims to resolve.
"""

from __future__ import annotations

from bench.vocabulary.config import PYTHONS, Grid
from servers import harness

#: The gil preset's task sizes, so that its 300 configurations fit in five minutes on 2 cores:
#: the others at about 0.05 s a task; pure Python at about a quarter of a second under the
#: project's Python (0.26 s; 0.38 s on the free-threaded build), so that a thread's start and
#: the request's fixed costs are a small share of it and two threads' speed-up is the
#: interpreter's, not the overhead's (at 0.13 s a task, the gil run of 2026-12-01 14:47 UTC
#: gave the ideal 1.43x where two bare threads, timed alone that evening, reached 1.66x).
GIL_SIZES = (("python", 2400), ("matmul", 800), ("sleep", 50))
GIL_ARTICLE_SIZE = 700
#: Flask's thread per request: one sync request of one pure-Python task, from this many
#: concurrent clients at once (a burst per trial).
GIL_CLIENTS = (1, 2, 4)
#: The gil figures with a precision target: the issue's done-when (pure-Python threads at
#: n=2, without the GIL above 1.5 and with it under 1.15: the added rounds go to the ideal,
#: the cheapest trials, whose one-after-another time is every side's baseline; the article's
#: gather keeps its parallelism near 1), and the thread per request's throughput.
GIL_TARGETS = (
    ("gil.*.ideal.python.threads.n2", 0.08),
    ("gil.*.article.gather.n*.parallelism", 0.10),
    ("gil.*.requests.*", 0.15),
)
#: What the gil preset measures, under both interpreters (:data:`bench.vocabulary.config.PYTHONS`): every
#: workload and strategy once a round; Flask's thread per request; and, eight times each (the
#: least a drawn or quoted interval rests on, :data:`bench.vocabulary.stats.MIN_TRIALS`), what the
#: article's section Without the GIL cites (:mod:`bench.presentation.without_gil`): pure-Python threads and their
#: one-after-another baseline at n=2 (the ideal's twelve times: the issue's done-when judges
#: it; n = 1 and 4 once a round, as points), each workload's task alone, and the article's gather.
GIL_GRIDS = (
    Grid(
        modes=("process",),
        workloads=harness.WORKLOADS,
        strategies=harness.STRATEGIES,
        ideal_strategies=harness.STRATEGIES,
        warmup=False,
        over_n=True,
        pythons=PYTHONS,
    ),
    Grid(
        n=1,
        frameworks=("flask",),
        modes=("process",),
        endpoints=("sync",),
        workloads=("python",),
        strategies=("sequential",),
        warmup=False,
        pythons=PYTHONS,
        clients=GIL_CLIENTS,
        repeats=4,
    ),
    Grid(
        n=2,
        frameworks=("flask", "fastapi"),
        modes=("process",),
        workloads=("python",),
        strategies=("threads",),
        warmup=False,
        pythons=PYTHONS,
        repeats=8,
    ),
    Grid(
        n=2,
        frameworks=(),
        workloads=("python",),
        ideal_strategies=("sequential", "threads"),
        warmup=False,
        pythons=PYTHONS,
        repeats=12,
    ),
    Grid(n=1, frameworks=(), workloads=harness.WORKLOADS, ideal_strategies=("sequential",), pythons=PYTHONS, repeats=8),
    Grid(
        frameworks=("flask", "fastapi"),
        modes=("process",),
        workloads=("article",),
        strategies=("gather",),
        ideal_strategies=("gather",),
        warmup=False,
        over_n=True,
        pythons=PYTHONS,
        repeats=8,
    ),
)
