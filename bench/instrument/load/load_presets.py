"""Named load runs: smoke, quick, article, overload (``python -m bench load --preset NAME``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from bench.instrument.load.blocking import CASES, Case
from bench.instrument.load.sweep import SETUPS, Setup
from bench.vocabulary.sides import FAMILIES, variant
from servers import harness


def probe_cases(frameworks: Sequence[str] = harness.FRAMEWORKS) -> tuple[Case, ...]:
    """The blocking probe's cases for the framework x server cells: each framework's native
    endpoint with the article's gather, behind each server family (:mod:`bench.vocabulary.sides`)."""
    return tuple(
        Case(f, harness.NATIVE_ENDPOINT[f], "gather", variant(f, family)) for f in frameworks for family in FAMILIES
    )


@dataclass(frozen=True)
class LoadPreset:
    name: str
    description: str
    heavy: tuple[tuple[str, Any], ...]  # /run query of the heavy requests
    probe_cases: tuple[Case, ...]
    probe_clients: int
    ping_rate: float
    probe_s: float
    baseline_s: float
    sweep_setups: tuple[Setup, ...]
    sweep_clients: tuple[int, ...]
    sweep_s: float
    sweep_max_requests: int
    #: The overload: every sweep setup under this many clients for this long (0 s: none).
    overload_clients: int = 16
    overload_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


LOAD_PRESETS: dict[str, LoadPreset] = {
    p.name: p
    for p in (
        LoadPreset(
            "smoke",
            "seconds: a few probe cases and a two-point sweep, for tests",
            heavy=(("workload", "python"), ("n", 2), ("size", 100)),
            probe_cases=(
                Case("fastapi", "async", "gather"),
                Case("fastapi", "sync", "gather"),
                Case("flask", "sync", "gather", "granian"),
                Case("quart", "async", "gather", "gunicorn-asgi"),
            ),
            probe_clients=2,
            ping_rate=20,
            probe_s=1.0,
            baseline_s=0.3,
            sweep_setups=(Setup("flask", "werkzeug"), Setup("fastapi", "uvicorn")),
            sweep_clients=(1, 4),
            sweep_s=0.6,
            sweep_max_requests=200,
            overload_clients=8,
            overload_s=0.5,
        ),
        LoadPreset(
            "quick",
            "minutes on 2 cores: every framework x endpoint x strategy probed, and each framework behind "
            "each server family, "
            f"{len(SETUPS)} production configurations swept over C = 1, 2, 4, 8, 16",
            heavy=(("workload", "article"), ("n", 4), ("size", 1000)),
            probe_cases=tuple(dict.fromkeys((*CASES, *probe_cases()))),
            probe_clients=2,
            ping_rate=20,
            probe_s=4.0,
            baseline_s=1.0,
            sweep_setups=SETUPS,
            sweep_clients=(1, 2, 4, 8, 16),
            sweep_s=3.0,
            sweep_max_requests=2000,
        ),
        LoadPreset(
            "article",
            "about half a minute: gather, threads and processes in the article's two frameworks' own endpoint "
            "styles, and gather in the other style, probed (the article notebook's many-clients section); "
            "the framework x server probe and the concurrency sweep are the quick preset's",
            heavy=(("workload", "article"), ("n", 4), ("size", 1000)),
            probe_cases=tuple(
                c
                for c in CASES
                if c.framework in harness.ARTICLE_FRAMEWORKS
                and c.strategy != "sequential"
                and (c.endpoint == harness.NATIVE_ENDPOINT[c.framework] or c.strategy == "gather")
            ),
            probe_clients=2,
            ping_rate=20,
            probe_s=1.0,
            baseline_s=0.25,
            sweep_setups=(),
            sweep_clients=(),
            sweep_s=0,
            sweep_max_requests=0,
        ),
        LoadPreset(
            "overload",
            f"about {len(SETUPS) * 65 // 60 + 1} minutes: every production configuration under 16 clients of the "
            "heavy endpoint for 60 s, then /ping; failures counted",
            heavy=(("workload", "article"), ("n", 4), ("size", 1000)),
            probe_cases=(),
            probe_clients=2,
            ping_rate=20,
            probe_s=0,
            baseline_s=0,
            sweep_setups=SETUPS,
            sweep_clients=(),
            sweep_s=0,
            sweep_max_requests=0,
            overload_clients=16,
            overload_s=60.0,
        ),
    )
}


def for_article(preset: str) -> LoadPreset:
    """The load preset that goes with an article preset: smoke with smoke, else "article"."""
    return LOAD_PRESETS["smoke" if preset == "smoke" else "article"]


def get(name: str) -> LoadPreset:
    """The load preset called ``name``; KeyError names the known ones."""
    try:
        return LOAD_PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown load preset {name!r}; choose one of: {', '.join(LOAD_PRESETS)}") from None
