"""Concurrency sweeps: each production server configuration under C = 1, 2, 4, ... clients.

For every server configuration (framework, server, workers, threads) and every client
count C, a closed-loop load of one endpoint runs for a fixed time (bounded by a request
count too); every request is kept. The result answers "how does throughput grow, and what
happens to the slowest requests, as clients are added?"
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from bench.instrument.load import loops
from servers import harness


@dataclass(frozen=True)
class Setup:
    """One server configuration to sweep (always in process mode)."""

    framework: str
    server: str
    workers: int = 1
    threads: int = 1

    @classmethod
    def of(cls, row: pd.Series) -> Setup:
        """The setup a row of requests or of a summary was measured with."""
        return cls(str(row["framework"]), str(row["server"]), int(row["workers"]), int(row["threads"]))

    @property
    def label(self) -> str:
        t = f"x{self.threads}t" if self.threads > 1 else ""
        return f"{self.framework}/{self.server} {self.workers}w{t}"


SETUPS: tuple[Setup, ...] = (
    Setup("flask", "werkzeug"),
    Setup("flask", "gunicorn-sync", workers=2),
    Setup("flask", "gunicorn-gthread", workers=2, threads=4),
    Setup("fastapi", "uvicorn"),
    Setup("fastapi", "uvicorn", workers=2),
    Setup("fastapi", "gunicorn-uvicorn", workers=2),
    # The same two worker processes behind one server for both kinds of app, and every other
    # framework of the registry on its own server, one worker and two.
    Setup("flask", "granian", workers=2, threads=4),
    Setup("fastapi", "granian", workers=2),
    *(
        Setup(f, harness.framework(f).default_server, workers=w)
        for f in harness.FRAMEWORKS
        if f not in harness.ARTICLE_FRAMEWORKS
        for w in (1, 2)
    ),
)


def run(
    setups: tuple[Setup, ...],
    clients: tuple[int, ...],
    *,
    path: str,
    params: dict[str, Any],
    duration_s: float,
    max_requests: int,
    size: int = 1000,
    timeout_s: float = 120.0,
    progress: Callable[[str], None] | None = None,
    keep: loops.Keep | None = None,
) -> pd.DataFrame:
    """Every setup at every client count; one row per request, with the setup and C, each
    part also handed to ``keep`` as soon as it is measured."""
    frames = []
    for setup in setups:
        with _serve(setup, size) as s:
            for c in clients:
                if progress:
                    progress(f"{setup.label}, C={c}")
                recs = loops.closed_loop(
                    s.url + path,
                    params,
                    clients=c,
                    max_requests=max_requests,
                    duration_s=duration_s,
                    timeout_s=timeout_s,
                )
                frames.append(_kept(loops.frame(recs).assign(**asdict(setup), clients=c), keep))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _serve(setup: Setup, size: int) -> harness.Server:
    return harness.serve(
        setup.framework,
        "process",
        size=size,
        server=setup.server,
        workers=setup.workers,
        threads=setup.threads,
        timeout=60,
    )


def _kept(frame: pd.DataFrame, keep: loops.Keep | None) -> pd.DataFrame:
    if keep is not None:
        keep(frame)
    return frame


def summarize(df: pd.DataFrame) -> pd.DataFrame:
    """Throughput and latency percentiles per setup and client count."""
    return loops.summarize_by(df, ["framework", "server", "workers", "threads", "clients"])


def overload(
    setups: tuple[Setup, ...],
    clients: int,
    *,
    path: str,
    params: dict[str, Any],
    duration_s: float,
    max_requests: int,
    size: int = 1000,
    timeout_s: float = 120.0,
    progress: Callable[[str], None] | None = None,
    keep: loops.Keep | None = None,
) -> pd.DataFrame:
    """Each setup under ``clients`` closed-loop clients for ``duration_s``, then one
    ``GET /ping``: did the server survive, and how many requests failed? One row per
    request, the final ping with phase "after"."""
    frames = []
    for setup in setups:
        with _serve(setup, size) as s:
            if progress:
                progress(f"overload {setup.label}")
            recs = loops.closed_loop(
                s.url + path,
                params,
                clients=clients,
                max_requests=max_requests,
                duration_s=duration_s,
                timeout_s=timeout_s,
                phase="overload",
            )
            recs += loops.closed_loop(s.url + "/ping", max_requests=1, duration_s=30.0, timeout_s=30.0, phase="after")
            frames.append(_kept(loops.frame(recs).assign(**asdict(setup), clients=clients), keep))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def overload_verdicts(df: pd.DataFrame) -> list[str]:
    """Per setup: requests sent, failed (counted), and whether /ping answered afterwards."""
    out = []
    for _, g in df.groupby(["framework", "server", "workers", "threads"], sort=False):
        ov, after = g[g["phase"] == "overload"], g[g["phase"] == "after"]
        failed = int(((ov["status"] == 0) | (ov["status"] >= 400)).sum())
        alive = len(after) == 1 and after["status"].iloc[0] == 200
        label = Setup.of(g.iloc[0]).label
        ping = f"answered /ping in {after['latency_s'].iloc[0] * 1000:.0f} ms" if alive else "DID NOT answer /ping"
        out.append(f"- {label}: {len(ov)} requests in the overload, {failed} failed (counted), then {ping}")
    return out
