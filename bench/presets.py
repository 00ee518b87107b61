"""Named grids of configurations: smoke, quick, servers, scaling, best, article.

A :class:`Config` is one thing measured: a framework in a mode (or the in-process
``ideal``, no server at all) running a workload with a strategy, n tasks of a size.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import TYPE_CHECKING, Any, TypeVar

from servers import harness

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_T = TypeVar("_T", bound="DataclassInstance")

IDEAL = "ideal"  # framework name of the in-process baseline
IN_PROCESS = "inprocess"  # its mode
#: Memory kept aside, when the article preset picks its size, for the four servers and the
#: measuring process themselves, so that the servers' own guard still admits the size later.
SERVERS_MARGIN_BYTES = 2 * 2**30


#: The ideal has no endpoint: its tasks run with no server.
NO_ENDPOINT = "none"


@dataclass(frozen=True, order=True)
class Config:
    """One measured configuration. ``endpoint`` "" means the framework's native style."""

    framework: str
    mode: str
    workload: str
    strategy: str
    n: int
    size: int
    endpoint: str = ""
    variant: str = ""
    #: Each trial sends the request, then the same request again the moment it answered
    #: (see :func:`bench.trials.http_trial`).
    back_to_back: bool = False

    def __post_init__(self) -> None:
        if not self.endpoint:
            native = NO_ENDPOINT if self.framework == IDEAL else harness.NATIVE_ENDPOINT[self.framework]
            object.__setattr__(self, "endpoint", native)

    @property
    def label(self) -> str:
        v = f"[{self.variant}]" if self.variant else ""
        twice = " twice" if self.back_to_back else ""
        return (
            f"{self.framework}{v}/{self.mode}/{self.endpoint} {self.workload}/{self.strategy} "
            f"n={self.n} size={self.size}{twice}"
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def native_sides(mode: str) -> list[tuple[str, str, str]]:
    """(framework, mode, endpoint) of each framework's own endpoint style in ``mode``, and of
    the in-process ideal: the columns of a figure that sets them side by side."""
    return [(f, mode, harness.NATIVE_ENDPOINT[f]) for f in harness.FRAMEWORKS] + [(IDEAL, IN_PROCESS, NO_ENDPOINT)]


def variant_allowed(framework: str, mode: str, variant: str) -> bool:
    """Whether ``variant`` (see :data:`servers.harness.VARIANTS`) is measured for this
    framework and mode: a controlled comparison is made between servers in processes of
    their own, as the article ran them, and the variant's options must apply."""
    if variant == "":
        return True
    if mode != "process":
        return False
    try:
        harness.ServerOptions.build(framework, mode, variant=variant)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Grid:
    """Every framework x mode x endpoint x workload x strategy x variant at n tasks
    (combinations a variant does not apply to are left out), plus the in-process ideal of
    each workload with ``ideal_strategies``. ``n=0`` means the preset's n."""

    n: int = 0
    #: The article task's size in this grid; 0 means the preset's.
    size: int = 0
    frameworks: tuple[str, ...] = ("flask", "fastapi")
    modes: tuple[str, ...] = ("thread", "process")
    #: Endpoint styles; "" is each framework's native one (Flask sync, FastAPI async).
    endpoints: tuple[str, ...] = ("",)
    workloads: tuple[str, ...] = ("article",)
    strategies: tuple[str, ...] = ("gather", "sequential")
    variants: tuple[str, ...] = ("",)
    ideal_strategies: tuple[str, ...] = ()
    #: Measured trials of each of this grid's configurations; 0 means the preset's repeats.
    #: A configuration in several grids gets the most any of them asks.
    repeats: int = 0
    #: Whether its trials send their request twice, back to back (the served configurations).
    back_to_back: bool = False
    #: Whether its configurations get the preset's warm-up rounds (a configuration on a
    #: process pool always does: its first request starts the pool).
    warmup: bool = True
    #: Whether it runs at every n of :func:`scaling_ns` for this machine's cores (made
    #: concrete by :func:`resolve`) instead of at one n.
    over_n: bool = False


@dataclass(frozen=True)
class Preset:
    """Named grids of configurations, and how to repeat them.

    ``size`` is the article task's size everywhere; ``None`` means the largest size up to
    ``max_size`` that the memory guard admits for the article's gather of ``n`` tasks on
    this machine, now (see :func:`resolve`). The other workloads take ``sizes`` or their
    own defaults.
    """

    name: str
    description: str
    n: int
    size: int | None
    repeats: int
    warmup: int
    grids: tuple[Grid, ...] = (Grid(),)
    #: Sizes of the other workloads, as (workload, size) pairs; default: each one's own.
    sizes: tuple[tuple[str, int], ...] = ()
    max_size: int = harness.ARTICLE_SIZE
    request_timeout_s: float = 120.0
    #: Figures with a precision target: (figure id, or a pattern such as ``gap.isolated.*``,
    #: the largest half-width of its 95% interval, relative to the figure).
    targets: tuple[tuple[str, float], ...] = ()
    #: Seconds the measuring may take (servers started) before it stops adding rounds for
    #: targets not yet met.
    budget_s: float = 0.0
    #: Most measured trials a configuration may get by added rounds.
    max_repeats: int = 0

    def configs(self) -> list[Config]:
        """Every configuration of every grid, once, ideal baselines last, in a fixed order."""
        return list(self.repeats_of())

    def repeats_of(self) -> dict[Config, int]:
        """Every configuration (ordered as :meth:`configs`) with its measured repeats."""
        if self.size is None:
            raise ValueError(f"preset {self.name!r} has no size yet: resolve() it first")
        served: dict[Config, int] = {}
        ideal: dict[Config, int] = {}
        for g in self.grids:
            n = g.n or self.n
            repeats = g.repeats or self.repeats

            for c in (
                Config(f, m, w, s, n, self._size_in(g, w), e, v, g.back_to_back)
                for f in g.frameworks
                for m in g.modes
                for e in g.endpoints
                for w in g.workloads
                for s in g.strategies
                for v in g.variants
                if variant_allowed(f, m, v)
            ):
                served[c] = max(served.get(c, 0), repeats)
            for c in (
                Config(IDEAL, IN_PROCESS, w, s, n, self._size_in(g, w)) for w in g.workloads for s in g.ideal_strategies
            ):
                ideal[c] = max(ideal.get(c, 0), repeats)
        return {c: served[c] for c in sorted(served)} | {c: ideal[c] for c in sorted(ideal)}

    def warm(self) -> set[Config]:
        """The configurations the warm-up rounds visit: those of grids that ask for them, and
        every one on a process pool (its first request starts the pool)."""
        out: set[Config] = set()
        for g in self.grids:
            out |= {c for c in self._grid_configs(g) if g.warmup or c.strategy == "processes"}
        return out

    def _grid_configs(self, g: Grid) -> set[Config]:
        return set(replace(self, grids=(g,)).repeats_of())

    def _size_in(self, grid: Grid, workload: str) -> int:
        """The size ``grid`` gives ``workload``: its own for the article's task, if it sets one."""
        return grid.size if (grid.size and workload == "article") else self.size_of(workload)

    def size_of(self, workload: str) -> int:
        """The size this preset gives ``workload``: ``size`` for the article's task."""
        if workload == "article":
            assert self.size is not None
            return self.size
        return dict(self.sizes).get(workload, harness.default_size(workload))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> Preset:
        """The preset a run's meta.json recorded (:meth:`to_dict`); fields it lacks (older
        formats) take their defaults."""
        grids = tuple(_record(Grid, g) for g in record.get("grids", ()))
        sizes = tuple((str(w), int(n)) for w, n in record.get("sizes", ()))
        targets = tuple((str(f), float(t)) for f, t in record.get("targets", ()))
        return _record(cls, {**record, "grids": grids, "sizes": sizes, "targets": targets})

    @property
    def most_repeats(self) -> int:
        """The most measured repeats any configuration gets."""
        return max([g.repeats for g in self.grids] + [self.repeats])


def _record(cls: type[_T], record: dict[str, Any]) -> _T:
    """``cls`` from a record of its fields (lists as tuples); unknown keys are left out."""
    known = {f.name for f in fields(cls)}
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in record.items() if k in known})


ALL_WORKLOADS = harness.WORKLOADS
ALL_STRATEGIES = harness.STRATEGIES
#: The controlled comparisons: the article's Flask as it ran it (debug=True, reloader and
#: all), its plain server, on one thread, FastAPI freeing the results before it answers, and
#: FastAPI as the article ran it; each request sent twice (isolated, then back to back).
#: See :data:`bench.ablation.CHAIN`.
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
#: WSGI, its ASGI worker for ASGI) and Granian (see bench.framework_server).
SERVER_VARIANTS = ("gunicorn-sync", "gunicorn-asgi", "granian")
#: Framework x server: every framework behind its own server and each of those, its native
#: endpoint with the article's gather, each request sent twice (see bench.framework_server).
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


def sizes_of_the_gap(sizes: tuple[int, ...], repeats: int) -> tuple[Grid, ...]:
    """The article's two servers at each of ``sizes`` (each request sent twice): how the gap
    depends on the size of the task."""
    return tuple(
        Grid(size=size, modes=("process",), strategies=("gather",), back_to_back=True, repeats=repeats, warmup=False)
        for size in sizes
    )


#: The figures the quick preset must resolve to within 10% either side: the headline's three
#: measures, and each controlled comparison of the article's two servers: every step of the
#: chain and the article's servers as it ran them (see bench.figures).
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


def best_versus_ideal(served: int, ideal: int) -> tuple[Grid, ...]:
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
                *sizes_of_the_gap((150, 200, 400), repeats=3),
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
            "2.5 to 3.5 minutes on 2 cores: the article's two servers and the controlled comparisons, and "
            "framework x server, until the headline's three measures, each comparison and each framework x "
            "server ratio are known to within 10%; the gap at four sizes; the strategy x workload matrix at "
            "n=4, and gather, threads and processes at n = 1, 2, ... up to twice the cores",
            n=5,
            size=1000,
            repeats=3,
            warmup=1,
            request_timeout_s=120.0,
            sizes=QUICK_SIZES,
            grids=(
                *REPRODUCTION,
                *(replace(g, repeats=16) for g in ARTICLE_SERVERS),
                *sizes_of_the_gap((500, 750, 1250), repeats=4),
                replace(FRAMEWORK_SERVER, size=QUICK_FXS_SIZE, repeats=4),
                replace(MATRIX, size=QUICK_MATRIX_SIZE, warmup=False),
                # Speed-up against n: the strategies that can gain, and the baseline.
                Grid(
                    size=QUICK_MATRIX_SIZE,
                    modes=("process",),
                    workloads=ALL_WORKLOADS,
                    strategies=("gather", "threads", "processes"),
                    ideal_strategies=("sequential", "processes"),
                    warmup=False,
                    over_n=True,
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
                ),
            ),
            targets=(*QUICK_TARGETS, *FXS_TARGETS),
            budget_s=190.0,
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
            grids=(MATRIX, *best_versus_ideal(served=20, ideal=20)),
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
                *sizes_of_the_gap((500, 1000, 2000, 4000), repeats=8),
            ),
            targets=tuple((f, 0.03) for f, _ in QUICK_TARGETS),
            budget_s=7200.0,
            max_repeats=200,
        ),
    )
}


def get(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}") from None


def scaling_ns(cores: int) -> tuple[int, ...]:
    """The n a scaling run measures on ``cores`` cores: the powers of two up to twice the
    cores, and the core count itself (1, 2, 4 on two cores; 1, 2, 3, 4 on three)."""
    if cores < 1:
        raise ValueError(f"cores must be at least 1, not {cores}")
    powers = {2**k for k in range(0, (2 * cores).bit_length()) if 2**k <= 2 * cores}
    return tuple(sorted(powers | {cores}))


def resolve(preset: Preset, cores: int | None = None) -> Preset:
    """The preset with a concrete size and n: if the size is unset, the largest size whose
    estimate fits in the memory guard's limit now less :data:`SERVERS_MARGIN_BYTES` (and only
    the grids of sizes up to it); each grid ``over_n`` at every n of :func:`scaling_ns` for
    ``cores`` (default: the cores this process may use) and at its own n, if it sets one.

    Raises ValueError if not even a small size fits.
    """
    if any(g.over_n for g in preset.grids):
        from .environment import usable_cores

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
