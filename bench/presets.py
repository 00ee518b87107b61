"""Named grids of configurations: smoke, quick, article.

A :class:`Config` is one thing measured: a framework in a mode (or the in-process
``ideal``, no server at all) running a workload with a strategy, n tasks of a size.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from servers import memory
from servers import strategies as st
from servers import workloads as wl

IDEAL = "ideal"        # framework name of the in-process baseline
IN_PROCESS = "inprocess"  # its mode
#: Memory kept aside, when the article preset picks its size, for the four servers and the
#: measuring process themselves, so that the servers' own guard still admits the size later.
SERVERS_MARGIN_BYTES = 2 * 2**30


#: Each framework's own endpoint style, the article's: Flask's plain view, FastAPI's async def.
NATIVE_ENDPOINT = {"flask": "sync", "fastapi": "async", IDEAL: "none"}


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

    def __post_init__(self) -> None:
        if not self.endpoint:
            object.__setattr__(self, "endpoint", NATIVE_ENDPOINT.get(self.framework, "sync"))

    @property
    def label(self) -> str:
        return (f"{self.framework}/{self.mode}/{self.endpoint} {self.workload}/{self.strategy} "
                f"n={self.n} size={self.size}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Preset:
    """A grid: every framework x mode x workload x strategy, plus the ideal baselines.

    ``size=None`` means: the largest size up to ``max_size`` that the memory guard admits
    for the article's gather of n tasks on this machine, now (see :func:`resolve`).
    """

    name: str
    description: str
    n: int
    size: int | None
    repeats: int
    warmup: int
    frameworks: tuple[str, ...] = ("flask", "fastapi")
    modes: tuple[str, ...] = ("thread", "process")
    #: Endpoint styles; "" is each framework's native one (Flask sync, FastAPI async).
    endpoints: tuple[str, ...] = ("",)
    workloads: tuple[str, ...] = ("article",)
    strategies: tuple[str, ...] = ("gather", "sequential")
    ideal_strategies: tuple[str, ...] = ("sequential", "gather")
    #: Sizes of the other workloads, as (workload, size) pairs; default: each one's own.
    sizes: tuple[tuple[str, int], ...] = ()
    max_size: int = wl.ARTICLE_SIZE
    request_timeout_s: float = 120.0

    def configs(self) -> list[Config]:
        """Every configuration of the grid, ideal baselines included, in a fixed order."""
        if self.size is None:
            raise ValueError(f"preset {self.name!r} has no size yet: resolve() it first")
        out = sorted({
            Config(f, m, w, s, self.n, self.size_of(w), e)
            for f in self.frameworks
            for m in self.modes
            for e in self.endpoints
            for w in self.workloads
            for s in self.strategies
        })
        out += [Config(IDEAL, IN_PROCESS, w, s, self.n, self.size_of(w))
                for w in self.workloads for s in self.ideal_strategies]
        return out

    def size_of(self, workload: str) -> int:
        """The size this preset gives ``workload``: ``size`` for the article's task."""
        if workload == "article":
            assert self.size is not None
            return self.size
        return dict(self.sizes).get(workload, wl.get(workload).default_size)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("smoke", "seconds: a tiny article task, for tests and CI",
               n=3, size=300, repeats=3, warmup=1, request_timeout_s=60.0),
        Preset("quick", "minutes on 2 cores: the article's n=5 at a workshop-sized array",
               n=5, size=1500, repeats=8, warmup=1, request_timeout_s=120.0),
        Preset("article", "the article's n=5 and the largest size up to 10000 that fits in memory; "
               "about an hour on 2 cores",
               n=5, size=None, repeats=5, warmup=1, request_timeout_s=3600.0),
    )
}


def get(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}") from None


def resolve(preset: Preset) -> Preset:
    """The preset with a concrete size: if unset, the largest size whose estimate fits in the
    memory guard's limit now less :data:`SERVERS_MARGIN_BYTES`.

    Raises ValueError if not even a small size fits.
    """
    if preset.size is not None:
        return preset
    size = memory.largest_admitted_size(wl.ARTICLE, st.GATHER, preset.n, preset.max_size,
                                        margin=SERVERS_MARGIN_BYTES)
    if size <= 0:
        raise ValueError("not enough memory available for the article's task at any size")
    return replace(preset, size=size)
