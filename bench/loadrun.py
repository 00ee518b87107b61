"""``python -m bench load``: the blocking probe and the concurrency sweep, into a run folder.

A load run writes ``requests.csv`` (every request of the probe and of the sweep, with its
configuration), ``summary.csv``, ``meta.json`` and the figures ``probe.png`` and
``sweep.png``, then prints the verdicts. Everything targets servers it starts on 127.0.0.1.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from . import blocking, environment, plots, sweep
from .presets import NATIVE_ENDPOINT
from .progress import bar as progress_bar
from .store import DEFAULT_ROOT, Run


@dataclass(frozen=True)
class LoadPreset:
    name: str
    description: str
    heavy: tuple[tuple[str, Any], ...]  # /run query of the heavy requests
    probe_cases: tuple[blocking.Case, ...]
    probe_clients: int
    ping_rate: float
    probe_s: float
    baseline_s: float
    sweep_setups: tuple[sweep.Setup, ...]
    sweep_clients: tuple[int, ...]
    sweep_s: float
    sweep_max_requests: int
    #: The overload: every sweep setup under this many clients for this long (0 s: none).
    overload_clients: int = 16
    overload_s: float = 0.0


LOAD_PRESETS: dict[str, LoadPreset] = {
    p.name: p
    for p in (
        LoadPreset(
            "smoke",
            "seconds: a few probe cases and a two-point sweep, for tests",
            heavy=(("workload", "python"), ("n", 2), ("size", 100)),
            probe_cases=(blocking.Case("fastapi", "async", "gather"), blocking.Case("fastapi", "sync", "gather")),
            probe_clients=2,
            ping_rate=20,
            probe_s=1.0,
            baseline_s=0.3,
            sweep_setups=(sweep.Setup("flask", "werkzeug"), sweep.Setup("fastapi", "uvicorn")),
            sweep_clients=(1, 4),
            sweep_s=0.6,
            sweep_max_requests=200,
            overload_clients=8,
            overload_s=0.5,
        ),
        LoadPreset(
            "quick",
            "minutes on 2 cores: every framework x endpoint x strategy probed, "
            "six production configurations swept over C = 1, 2, 4, 8, 16",
            heavy=(("workload", "article"), ("n", 4), ("size", 1000)),
            probe_cases=blocking.CASES,
            probe_clients=2,
            ping_rate=20,
            probe_s=4.0,
            baseline_s=1.0,
            sweep_setups=sweep.SETUPS,
            sweep_clients=(1, 2, 4, 8, 16),
            sweep_s=3.0,
            sweep_max_requests=2000,
        ),
        LoadPreset(
            "article",
            "about a minute: every strategy in each framework's own endpoint style, "
            "and gather in the other style, probed; four configurations swept over C = 1, 4, 8 "
            "(the article notebook's many-clients section)",
            heavy=(("workload", "article"), ("n", 4), ("size", 1000)),
            probe_cases=tuple(
                c for c in blocking.CASES if c.endpoint == NATIVE_ENDPOINT[c.framework] or c.strategy == "gather"
            ),
            probe_clients=2,
            ping_rate=20,
            probe_s=1.2,
            baseline_s=0.3,
            sweep_setups=(
                sweep.Setup("flask", "werkzeug"),
                sweep.Setup("flask", "gunicorn-sync", workers=2),
                sweep.Setup("fastapi", "uvicorn"),
                sweep.Setup("fastapi", "gunicorn-uvicorn", workers=2),
            ),
            sweep_clients=(1, 4, 8),
            sweep_s=1.2,
            sweep_max_requests=1000,
        ),
        LoadPreset(
            "overload",
            "about 7 minutes: every production configuration under 16 clients of the "
            "heavy endpoint for 60 s, then /ping; failures counted",
            heavy=(("workload", "article"), ("n", 4), ("size", 1000)),
            probe_cases=(),
            probe_clients=2,
            ping_rate=20,
            probe_s=0,
            baseline_s=0,
            sweep_setups=sweep.SETUPS,
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


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def run(preset: LoadPreset, out: Path | str = DEFAULT_ROOT, progress: bool = True) -> Run:
    """Run ``preset`` into a new folder under ``out``: probe, then sweep."""
    run = Run.create(out, f"load-{preset.name}")
    meta: dict[str, Any] = {
        "run_id": run.id,
        "kind": "load",
        "load_preset": asdict(preset),
        "started_at": _now(),
        "completed": False,
        **environment.collect(),
    }
    run.write_meta(meta)
    heavy = dict(preset.heavy)
    steps = (
        len(preset.probe_cases)
        + len(preset.sweep_setups) * len(preset.sweep_clients)
        + (len(preset.sweep_setups) if preset.overload_s else 0)
    )
    with progress_bar(progress, total=steps, unit="step", desc="load") as bar:

        def step(label: str) -> None:
            bar.set_postfix_str(label, refresh=False)
            bar.update()

        probe = blocking.run(
            preset.probe_cases,
            heavy,
            preset.probe_clients,
            preset.ping_rate,
            preset.probe_s,
            preset.baseline_s,
            progress=step,
        )
        swept = sweep.run(
            preset.sweep_setups,
            preset.sweep_clients,
            "/run",
            heavy,
            preset.sweep_s,
            preset.sweep_max_requests,
            progress=step,
        )
        over = (
            sweep.overload(
                preset.sweep_setups, preset.overload_clients, "/run", heavy, preset.overload_s, 10**9, progress=step
            )
            if preset.overload_s
            else pd.DataFrame()
        )
    requests_df = pd.concat(
        [probe.assign(part="probe"), swept.assign(part="sweep"), over.assign(part="overload")], ignore_index=True
    )
    requests_df.to_csv(run.path / "requests.csv", index=False)
    summaries = []
    if not probe.empty:
        probe_summary = blocking.summarize(probe)
        summaries.append(probe_summary.assign(part="probe"))
        plots.probe(probe_summary).savefig(run.path / "probe.png", dpi=110)
    if not swept.empty:
        sweep_summary = sweep.summarize(swept)
        summaries.append(sweep_summary.assign(part="sweep"))
        plots.sweep(sweep_summary).savefig(run.path / "sweep.png", dpi=110)
    if summaries:
        pd.concat(summaries, ignore_index=True).to_csv(run.path / "summary.csv", index=False)
    meta.update(ended_at=_now(), completed=True, requests=len(requests_df))
    run.write_meta(meta)
    return run


def text(run: Run) -> str:
    """The verdicts and tables of a load run, computed again from its requests.csv."""
    df = pd.read_csv(run.path / "requests.csv")
    lines = [f"load run {run.id} ({run.path})"]
    if (df["part"] == "probe").any():
        lines += [
            "",
            f"Blocking probe (a stall: /ping p99, its whole 95% CI, at least {blocking.STALL_SHARE:.0%} "
            "of a heavy request's median latency):",
        ]
        lines += blocking.verdicts(blocking.summarize(df[df["part"] == "probe"]))
    if (df["part"] == "overload").any():
        lines += ["", "Overload (closed loop, then one /ping):"]
        lines += sweep.overload_verdicts(df[df["part"] == "overload"])
    if not (df["part"] == "sweep").any():
        return "\n".join(lines)
    swept = sweep.summarize(df[df["part"] == "sweep"])
    lines += [
        "",
        "Concurrency sweep (closed loop), throughput and latency:",
        swept.astype({"workers": int, "threads": int, "clients": int, "requests": int, "errors": int})[
            [
                "framework",
                "server",
                "workers",
                "threads",
                "clients",
                "requests",
                "errors",
                "throughput_rps",
                "throughput_low_rps",
                "throughput_high_rps",
                "p50_ms",
                "p99_ms",
                "p99_low_ms",
                "p99_high_ms",
                "max_ms",
            ]
        ].to_string(index=False, float_format=lambda v: f"{v:.1f}"),
    ]
    return "\n".join(lines)


def requests_of(run: Run, part: str) -> pd.DataFrame:
    """The requests of one part ("probe", "sweep", "overload") of a load run."""
    df = pd.read_csv(run.path / "requests.csv")
    return df[df["part"] == part]


def probe_figure(run: Run) -> Any:
    """The blocking probe of a load run, as a figure (see :func:`bench.plots.probe`)."""
    return plots.probe(blocking.summarize(requests_of(run, "probe")))


def sweep_figure(run: Run) -> Any:
    """The concurrency sweep of a load run, as a figure (see :func:`bench.plots.sweep`)."""
    return plots.sweep(sweep.summarize(requests_of(run, "sweep")))
