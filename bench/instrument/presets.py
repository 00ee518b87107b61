"""The named presets: smoke, quick, servers, scaling, best, article, gil, gil-smoke, variance; and :func:`resolve`,
which makes one concrete for this machine (its size, its n over the cores).

Their model (:class:`~bench.vocabulary.config.Config`, :class:`~bench.vocabulary.config.Grid`,
:class:`~bench.vocabulary.config.Preset`) is :mod:`bench.vocabulary.config`; the gil preset's sizes, grids and
targets are :mod:`bench.instrument.gil_presets`.
"""

from __future__ import annotations

from dataclasses import replace

from bench.instrument.environment import usable_cores
from bench.instrument.gil_presets import GIL_ARTICLE_SIZE, GIL_GRIDS, GIL_SIZES, GIL_TARGETS
from bench.vocabulary.config import PYTHONS, Grid, Preset, scaling_ns
from servers import harness

#: Memory kept aside, when the article preset picks its size, for the four servers and the
#: measuring process themselves, so that the servers' own guard still admits the size later.
SERVERS_MARGIN_BYTES = 2 * 2**30

ALL_WORKLOADS = harness.WORKLOADS
ALL_STRATEGIES = harness.STRATEGIES
#: The controlled comparisons: the article's Flask as it ran it (debug=True, reloader and
#: all), its plain server, on one thread, FastAPI freeing the results before it answers, and
#: FastAPI as the article ran it; each request sent twice (isolated, then back to back).
#: See :data:`bench.analysis.families.gap.CHAIN`.
ARTICLE_SERVERS = (
    Grid(
        frameworks=("flask",),
        modes=("process",),
        strategies=("gather",),
        variants=("", "debug", "one-thread"),
        back_to_back=True,
    ),
    Grid(
        frameworks=("fastapi",), modes=("process",), strategies=("gather",), variants=("", "settle"), back_to_back=True
    ),
)
#: The rest of the article's reproduction (Figures 1 and 2): its task gathered and one after
#: another in thread mode, one after another in process mode (gathered there is
#: :data:`ARTICLE_SERVERS`), and the in-process ideal of it.
REPRODUCTION = (
    Grid(modes=("thread",), ideal_strategies=("sequential", "gather")),
    Grid(modes=("process",), strategies=("sequential",)),
)


#: Each framework's server variants besides its own server: gunicorn (its sync worker for
#: WSGI, its ASGI worker for ASGI) and Granian (see bench.analysis.families.framework_server).
SERVER_VARIANTS = ("gunicorn-sync", "gunicorn-asgi", "granian")
#: Framework x server: every framework behind its own server and each of those, its native
#: endpoint with the article's gather, each request sent twice (see bench.analysis.families.framework_server).
FRAMEWORK_SERVER = Grid(
    frameworks=harness.FRAMEWORKS,
    modes=("process",),
    strategies=("gather",),
    variants=("", *SERVER_VARIANTS),
    back_to_back=True,
)
#: The article's task in the quick preset's framework x server grid.
QUICK_FXS_SIZE = 500
#: The framework x server figures the presets that measure them aim to resolve.
FXS_TARGETS = (("fxs.isolated.*", 0.10), ("fxs.back_to_back.*", 0.10))


def _sizes_of_the_gap(sizes: tuple[int, ...], repeats: int) -> tuple[Grid, ...]:
    """The article's two servers at each of ``sizes`` (each request sent twice): how the gap
    depends on the size of the task."""
    return tuple(
        Grid(size=size, modes=("process",), strategies=("gather",), back_to_back=True, repeats=repeats, warmup=False)
        for size in sizes
    )


#: The figures the quick preset must resolve to within 10% either side: the headline's three
#: measures, and each controlled comparison of the article's two servers: every step of the
#: chain and the article's servers as it ran them (see bench.analysis.cited_figures).
QUICK_TARGETS = tuple(
    (f, 0.10)
    for f in (
        "headline.isolated",
        "headline.back_to_back",
        "headline.server_cpu",
        *(f"gap.isolated.{step}" for step in ("debug", "thread", "framework", "settle", "total")),
    )
)

#: The other workloads' sizes at workshop scale: one task of each lasts about 0.08-0.13 s.
WORKSHOP_SIZES = (("matmul", 1000), ("python", 1200), ("sleep", 80))
#: Smaller for the quick preset's matrix, whose 170 trials would otherwise take a third of its
#: budget: one task lasts about 0.03-0.05 s, still well above what serving it costs.
QUICK_SIZES = (("matmul", 800), ("python", 400), ("sleep", 30))
#: The article's task in the quick preset's matrix (its headline is at 1000).
QUICK_MATRIX_SIZE = 700
#: The strategy x workload matrix at n=4 (two tasks per core) in process mode.
MATRIX = Grid(
    n=4,
    size=1500,
    modes=("process",),
    workloads=ALL_WORKLOADS,
    strategies=ALL_STRATEGIES,
    ideal_strategies=ALL_STRATEGIES,
)


#: What the article's "What to do" cites, at the matrix's n and sizes: for each kind of work, the
#: strategy that fits it (a process pool for pure Python, threads for code that releases the GIL
#: and for nothing better in pure Python, gather for waits) behind both of the article's
#: frameworks, and the same tasks one after another in-process, each with ten trials: the
#: eight an interval needs, and two to spare for a failed one.
#: Each kind of work's strategies that "What to do" cites.
_ADVISED = {"python": ("processes", "threads"), "matmul": ("threads",), "sleep": ("gather",)}
ADVICE = (
    *(
        Grid(
            n=4,
            modes=("process",),
            frameworks=("flask", "fastapi"),
            workloads=(workload,),
            strategies=strategies,
            warmup=False,
            repeats=10,
        )
        for workload, strategies in _ADVISED.items()
    ),
    Grid(
        n=4,
        frameworks=(),
        workloads=tuple(_ADVISED),
        ideal_strategies=("sequential",),
        warmup=False,
        repeats=10,
    ),
)


def _best_versus_ideal(served: int, ideal: int) -> tuple[Grid, ...]:
    """Each workload's likely best strategies in the matrix, with ``served`` repeats, and the
    in-process ideals they are held against, with ``ideal`` repeats. On two shared cores one
    request of n=4 tasks on a pool varies by 10-20% (page faults, and the host's other
    guests); the ideals are cheap and shared by both frameworks' ratios."""
    return (
        Grid(
            n=4,
            size=1500,
            modes=("process",),
            workloads=("article", "python"),
            strategies=("processes",),
            repeats=served,
        ),
        Grid(n=4, modes=("process",), workloads=("matmul",), strategies=("threads", "processes"), repeats=served),
        Grid(
            n=4,
            size=1500,
            frameworks=(),
            workloads=("article", "python"),
            ideal_strategies=("processes",),
            repeats=ideal,
        ),
        Grid(n=4, frameworks=(), workloads=("matmul",), ideal_strategies=("threads", "processes"), repeats=ideal),
    )


#: The variance preset's configurations: the headline's, as the quick preset measures them
#: (the article's gather in process mode, each request sent twice): Flask as the article ran
#: it (debug) and plain, FastAPI and FastAPI freeing its results before it answers.
VARIANCE_GRIDS = (
    Grid(frameworks=("flask",), modes=("process",), strategies=("gather",), variants=("", "debug"), back_to_back=True),
    Grid(
        frameworks=("fastapi",), modes=("process",), strategies=("gather",), variants=("", "settle"), back_to_back=True
    ),
)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "smoke",
            "seconds: the article's task, its servers' controlled comparisons and a cross-section of the "
            "matrix, for tests and CI",
            n=3,
            size=300,
            repeats=3,
            warmup=1,
            request_timeout_s=60.0,
            sizes=(("sleep", 20), ("python", 40), ("matmul", 100)),
            grids=(
                *REPRODUCTION,
                *ARTICLE_SERVERS,
                *_sizes_of_the_gap((150, 200, 400), repeats=3),
                FRAMEWORK_SERVER,
                Grid(
                    modes=("process",),
                    frameworks=("fastapi",),
                    workloads=("python",),
                    strategies=("processes",),
                    ideal_strategies=("sequential", "processes"),
                    warmup=False,
                    over_n=True,
                ),
                Grid(
                    n=2,
                    modes=("thread",),
                    workloads=("sleep", "python"),
                    strategies=("gather", "threads", "processes"),
                    ideal_strategies=("sequential", "threads", "processes"),
                    warmup=False,
                ),
            ),
            targets=QUICK_TARGETS,
            budget_s=5.0,
            max_repeats=6,
        ),
        Preset(
            "quick",
            "about 2.5 minutes on 2 cores: the article's two servers and the controlled comparisons, and "
            "framework x server, until the headline's three measures, each comparison and each framework x "
            "server ratio are known to within 10% or its budget runs out; the gap at four sizes; the strategy "
            "x workload matrix at n=4, and gather, threads and processes at n = 1, 2, ... up to twice the cores",
            n=5,
            size=1000,
            repeats=3,
            warmup=1,
            request_timeout_s=120.0,
            sizes=QUICK_SIZES,
            grids=(
                # make article's four minutes hold the quick run to about two and a half: the
                # article's servers get the trials an interval needs (10, 8 at least), and what
                # the article draws as points without an interval (fewer than 8 trials either
                # way) gets two or three.
                *(replace(g, repeats=2) for g in REPRODUCTION),
                *(replace(g, repeats=10) for g in ARTICLE_SERVERS),
                *_sizes_of_the_gap((500, 750, 1250), repeats=3),
                replace(FRAMEWORK_SERVER, size=QUICK_FXS_SIZE, repeats=3),
                replace(MATRIX, size=QUICK_MATRIX_SIZE, warmup=False, repeats=2),
                *ADVICE,
                # Speed-up against n: the strategies that can gain, and the baseline.
                Grid(
                    size=QUICK_MATRIX_SIZE,
                    modes=("process",),
                    workloads=ALL_WORKLOADS,
                    strategies=("gather", "threads", "processes"),
                    ideal_strategies=("sequential", "processes"),
                    warmup=False,
                    over_n=True,
                    repeats=2,
                ),
                # Each framework's other endpoint style (FastAPI def, Flask async def) where it
                # changes what gather and sequential do: CPU work and waiting.
                Grid(
                    n=4,
                    size=QUICK_MATRIX_SIZE,
                    modes=("process",),
                    endpoints=harness.ENDPOINTS,
                    workloads=("article", "sleep"),
                    strategies=("gather", "sequential"),
                    warmup=False,
                    repeats=2,
                ),
            ),
            targets=(*QUICK_TARGETS, *FXS_TARGETS),
            budget_s=125.0,
            max_repeats=48,
        ),
        Preset(
            "servers",
            "framework x server: the four frameworks behind their own server, gunicorn and Granian "
            "(one worker each), until each ratio is known to within 5% or ten minutes have passed",
            n=5,
            size=1000,
            repeats=6,
            warmup=1,
            request_timeout_s=120.0,
            grids=(FRAMEWORK_SERVER,),
            targets=tuple((f, 0.05) for f, _ in FXS_TARGETS),
            budget_s=600.0,
            max_repeats=40,
        ),
        Preset(
            "scaling",
            "speed-up against n: every workload and strategy, both frameworks in process mode and the "
            "in-process ideal, at n = 1, 2, 4, ... up to twice the usable cores and the core count, until "
            "each process pool's speed-up is known to within 10% and every other one within 20%, or four "
            "minutes have passed (under 5 minutes on 2 cores)",
            n=1,
            size=1000,
            repeats=3,
            warmup=1,
            request_timeout_s=120.0,
            sizes=WORKSHOP_SIZES,
            grids=(
                Grid(
                    modes=("process",),
                    workloads=ALL_WORKLOADS,
                    strategies=ALL_STRATEGIES,
                    ideal_strategies=ALL_STRATEGIES,
                    over_n=True,
                ),
            ),
            # The process pool's curves are the question (does it reach the cores?): the
            # trials go there first. On this 2-core machine one trial of a workshop-sized task
            # scatters by about 30%, so 10% takes about 28 trials, 20% about 7.
            targets=(("scaling.*.processes.*", 0.10), ("scaling.*", 0.20)),
            budget_s=240.0,
            max_repeats=30,
        ),
        Preset(
            "best",
            "about two minutes on 2 cores: the strategy x workload matrix (3 repeats) to find each "
            "workload's best strategy, and the likely best ones and their in-process ideals until each "
            "best-vs-ideal ratio is known to within 3%, or 4 minutes have passed",
            n=4,
            size=1500,
            repeats=3,
            warmup=1,
            request_timeout_s=120.0,
            sizes=WORKSHOP_SIZES,
            grids=(MATRIX, *_best_versus_ideal(served=20, ideal=20)),
            targets=(("best.*", 0.03),),
            budget_s=240.0,
            max_repeats=60,
        ),
        Preset(
            "article",
            "the article's n=5 and the largest size up to 10000 that fits in memory, with the controlled "
            "comparisons, until each is known to within 3% or two hours have passed; the gap at sizes from "
            "500 up",
            n=5,
            size=None,
            repeats=8,
            warmup=1,
            request_timeout_s=3600.0,
            grids=(
                *REPRODUCTION,
                *ARTICLE_SERVERS,
                *_sizes_of_the_gap((500, 1000, 2000, 4000), repeats=8),
            ),
            targets=tuple((f, 0.03) for f, _ in QUICK_TARGETS),
            budget_s=7200.0,
            max_repeats=200,
        ),
        Preset(
            "gil",
            "without the GIL, side by side with it (at most 5 minutes on 2 cores; needs `make freethreaded`): "
            "Flask and FastAPI in process mode and the in-process ideal, each under the project's interpreter "
            "and the free-threaded one, every workload and strategy at n = 1, 2, 4 ... up to twice the cores, "
            "and Flask's thread per request under 1, 2 and 4 concurrent clients; eight trials each of what the "
            "article's section Without the GIL cites (twelve of the ideal's pure Python at n=2), more until "
            "the ideal's threads at n=2 are known to within 8% or four minutes have passed",
            n=1,
            size=GIL_ARTICLE_SIZE,
            repeats=1,
            warmup=1,
            request_timeout_s=120.0,
            sizes=GIL_SIZES,
            grids=GIL_GRIDS,
            targets=GIL_TARGETS,
            budget_s=235.0,
            max_repeats=30,
        ),
        Preset(
            "variance",
            "the dimensioning experiment (about 5 minutes on 2 cores): the headline's four servers (Flask "
            "debug and plain, FastAPI and FastAPI settle; the article's gather at the quick preset's size "
            "and n) in five blocks spread over the run, each with fresh servers warmed up until steady and "
            "eight rounds: trials within server processes within blocks, for each level's variance "
            "component; no targets, so that every block and process has the same trials",
            n=5,
            size=1000,
            repeats=8,
            warmup=1,
            request_timeout_s=120.0,
            grids=VARIANCE_GRIDS,
            warmup_max=12,
            warmup_budget_s=30.0,
            blocks=5,
        ),
    )
}


#: The gil preset cut down to seconds, for tests and a first look: pure Python, one after another
#: and on threads at n = 1, 2 ... on Flask and the ideal, and Flask's thread per request under
#: one and two clients, under both interpreters; no targets.
PRESETS["gil-smoke"] = replace(
    PRESETS["gil"],
    name="gil-smoke",
    description="seconds: the gil preset's pure Python on threads and one after another, Flask and the ideal, "
    "at n = 1, 2 ... up to twice the cores, and Flask's thread per request under 1 and 2 clients, under both "
    "interpreters (needs `make freethreaded`); for tests",
    repeats=2,
    warmup=0,
    sizes=(("python", 100),),
    targets=(),
    budget_s=0.0,
    grids=(
        Grid(
            frameworks=("flask",),
            modes=("process",),
            workloads=("python",),
            strategies=("sequential", "threads"),
            ideal_strategies=("sequential", "threads"),
            warmup=False,
            pythons=PYTHONS,
            over_n=True,
        ),
        Grid(
            n=1,
            frameworks=("flask",),
            modes=("process",),
            workloads=("python",),
            strategies=("sequential",),
            warmup=False,
            pythons=PYTHONS,
            clients=(1, 2),
        ),
    ),
)


def get(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}") from None


def resolve(preset: Preset, cores: int | None = None) -> Preset:
    """The preset with a concrete size and n: if the size is unset, the largest size whose
    estimate fits in the memory guard's limit now less :data:`SERVERS_MARGIN_BYTES` (and only
    the grids of sizes up to it); each grid ``over_n`` at every n of :func:`scaling_ns` for
    ``cores`` (default: the cores this process may use) and at its own n, if it sets one.

    Raises ValueError if not even a small size fits.
    """
    if any(g.over_n for g in preset.grids):
        ns = scaling_ns(cores or usable_cores() or 1)
        grids = tuple(
            replace(g, n=k, over_n=False)
            for g in preset.grids
            for k in (sorted(set(ns) | ({g.n} if g.n else set())) if g.over_n else (g.n,))
        )
        preset = replace(preset, grids=grids)
    if preset.size is not None:
        return preset
    size = harness.largest_article_size(preset.n, preset.max_size, margin=SERVERS_MARGIN_BYTES)
    if size <= 0:
        raise ValueError("not enough memory available for the article's task at any size")
    fitting = tuple(g for g in preset.grids if not g.size or g.size <= size)  # the sizes that fit too
    return replace(preset, size=size, grids=fitting)
