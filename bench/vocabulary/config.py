"""The vocabulary of what is measured: a configuration, a grid of them, a preset's model.

A :class:`Config` is one thing measured: a framework in a mode (or the in-process
``ideal``, no server at all) running a workload with a strategy, n tasks of a size. A
:class:`Grid` spans configurations; a :class:`Preset` names grids and how to repeat them.
The named presets themselves are :mod:`bench.instrument.presets`.
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


#: The ideal has no endpoint: its tasks run with no server.
NO_ENDPOINT = "none"

#: The interpreters a configuration may run under: "" the project's own (the one running
#: bench), ``"freethreaded"`` the clone's free-threaded CPython (``.venv-ft/bin/python``).
FREE_THREADED = "freethreaded"
PYTHONS: tuple[str, ...] = ("", FREE_THREADED)
#: What a run that needs the free-threaded interpreter says when the clone has none.
NO_FREE_THREADED = (
    "this needs the free-threaded interpreter .venv-ft/bin/python, which is not there: "
    "`make freethreaded` makes it (built once per machine, about 5 minutes on 2 cores)"
)


def python_path(python: str) -> str | None:
    """The executable of the interpreter ``python`` names (see :data:`PYTHONS`): None for the
    project's own; ValueError saying ``make freethreaded`` makes it when it is missing."""
    if python == "":
        return None
    if python != FREE_THREADED:
        raise ValueError(f"unknown interpreter {python!r}; choose one of: {PYTHONS}")
    path = harness.free_threaded_python()
    if path is None:
        raise ValueError(NO_FREE_THREADED)
    return path


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
    #: (see :func:`bench.instrument.trial.http_trial`).
    back_to_back: bool = False
    #: The interpreter it runs under (:data:`PYTHONS`): the servers', or the ideal's tasks'.
    python: str = ""
    #: Concurrent clients: each trial sends this many requests at once (a burst), and its
    #: time is the burst's, from the first send to the last answer.
    clients: int = 1

    def __post_init__(self) -> None:
        if self.python not in PYTHONS:
            raise ValueError(f"unknown interpreter {self.python!r}; choose one of: {PYTHONS}")
        if self.clients < 1 or (self.clients > 1 and self.framework == IDEAL):
            raise ValueError(f"clients must be at least 1, and 1 for the ideal, not {self.clients}")
        if not self.endpoint:
            native = NO_ENDPOINT if self.framework == IDEAL else harness.NATIVE_ENDPOINT[self.framework]
            object.__setattr__(self, "endpoint", native)

    @property
    def label(self) -> str:
        v = f"[{self.variant}]" if self.variant else ""
        twice = " twice" if self.back_to_back else ""
        python = f" [{self.python}]" if self.python else ""
        clients = f" x{self.clients} clients" if self.clients > 1 else ""
        return (
            f"{self.framework}{v}/{self.mode}/{self.endpoint} {self.workload}/{self.strategy} "
            f"n={self.n} size={self.size}{twice}{clients}{python}"
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
    #: concrete by :func:`bench.instrument.presets.resolve`) instead of at one n.
    over_n: bool = False
    #: The interpreters it runs under (:data:`PYTHONS`), servers and ideal alike.
    pythons: tuple[str, ...] = ("",)
    #: The concurrent clients of each served configuration (the ideal's are always 1).
    clients: tuple[int, ...] = (1,)


@dataclass(frozen=True)
class Preset:
    """Named grids of configurations, and how to repeat them.

    ``size`` is the article task's size everywhere; ``None`` means the largest size up to
    ``max_size`` that the memory guard admits for the article's gather of ``n`` tasks on
    this machine, now (see :func:`bench.instrument.presets.resolve`). The other workloads take ``sizes`` or their
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
    #: Most warm-up trials a server may get (its probe's, see :func:`bench.instrument.lifecycle.probes`):
    #: after the ``warmup`` rounds, a server whose times still drift (:func:`bench.instrument.steady.steady`)
    #: gets more warm-up trials, up to this many; 0, or no more than ``warmup``: the fixed
    #: rounds only.
    warmup_max: int = 0
    #: Seconds the warm-up until steady may take, in each block.
    warmup_budget_s: float = 0.0
    #: Blocks the run is split in: each block starts its servers afresh, warms them up and
    #: measures every scheduled round (``repeats`` per block); the stopping rule's rounds go
    #: to the last block. Trials record their block (trials.csv's ``block``).
    blocks: int = 1

    def __post_init__(self) -> None:
        if self.blocks < 1:
            raise ValueError(f"preset {self.name!r}: blocks must be at least 1, not {self.blocks}")
        if self.warmup_max and self.warmup_budget_s <= 0:
            raise ValueError(f"preset {self.name!r}: a warm-up until steady (warmup_max) needs a warmup_budget_s")

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
                Config(f, m, w, s, n, self._size_in(g, w), e, v, g.back_to_back, p, k)
                for p in g.pythons
                for k in g.clients
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
                Config(IDEAL, IN_PROCESS, w, s, n, self._size_in(g, w), python=p)
                for p in g.pythons
                for w in g.workloads
                for s in g.ideal_strategies
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


def scaling_ns(cores: int) -> tuple[int, ...]:
    """The n a scaling run measures on ``cores`` cores: the powers of two up to twice the
    cores, and the core count itself (1, 2, 4 on two cores; 1, 2, 3, 4 on three)."""
    if cores < 1:
        raise ValueError(f"cores must be at least 1, not {cores}")
    powers = {2**k for k in range(0, (2 * cores).bit_length()) if 2**k <= 2 * cores}
    return tuple(sorted(powers | {cores}))
