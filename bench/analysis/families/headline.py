"""The headline: Flask's plain server over FastAPI's, the article's two servers in process
mode at the run's article size, for each measure (``headline.<measure>``; above 1, FastAPI
is faster or lighter); beside it, each one's parallelism (``parallelism.<framework>``) and
whose CPU ``%time`` shows (``cpu.client_process`` against ``cpu.server``).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from bench.analysis.families import gap
from bench.analysis.figure import MEANING, TIMED, Figure, Spec, by_id, median_figure

#: The headline's two servers: Flask's plain server and FastAPI's, as the article's code has them.
HEADLINE = (gap.FLASK, gap.FASTAPI)
#: The measures the headline figure draws, in its order.
SHOWN = (*TIMED, "peak_memory")


def specs() -> list[Spec]:
    """The headline's ratio of each measure."""
    flask, fastapi = HEADLINE
    return [Spec(f"headline.{m}", f"Flask / FastAPI, {MEANING[m]}", m, (flask, fastapi)) for m in SHOWN]


def shown(found: Sequence[Figure]) -> list[Figure]:
    """What the headline figure draws and its caption cites: the headline of each measure the
    run has, in :data:`SHOWN`'s order."""
    by = by_id(found)
    return [by[f"headline.{m}"] for m in SHOWN if f"headline.{m}" in by]


def parallelism(article: pd.DataFrame, *, n: int, size: int, targets: Sequence[tuple[str, float]]) -> list[Figure]:
    at = article[article["size"] == size]
    out = []
    for side in HEADLINE:
        sample = side.of(at)["parallelism"].dropna()
        if len(sample):
            out.append(
                median_figure(
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


def cpu(article: pd.DataFrame, *, n: int, size: int, targets: Sequence[tuple[str, float]]) -> list[Figure]:
    at = article[article["size"] == size]
    both = pd.concat([side.of(at) for side in HEADLINE])
    if both.empty:
        return []
    label = " and ".join(side.label for side in HEADLINE)
    return [
        median_figure(
            "cpu.client_process",
            "CPU of the client's whole process per request (what %time shows), s",
            "client_process_cpu",
            both["client_process_cpu_s"].dropna(),
            label,
            n=n,
            size=size,
            targets=targets,
        ),
        median_figure(
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
