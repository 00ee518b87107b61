"""A load run's report: its verdicts and tables as text (:func:`text`), and its figures
(:func:`probe_figure`, :func:`sweep_figure`), computed again from its requests.csv.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from bench.instrument.load import blocking, sweep, url_load
from bench.instrument.load.load_store import requests_of
from bench.instrument.store import Run
from bench.presentation import load_plots
from bench.vocabulary import stats


def text(run: Run) -> str:
    """The verdicts and tables of a load run, computed again from its requests.csv."""
    df = requests_of(run)
    lines = [f"load run {run.id} ({run.path})"]
    of_url = run.meta().get("load_url")
    if (df["part"] == "url").any():
        lines += ["", *_url_table(df[df["part"] == "url"], of_url or {})]
    if (df["part"] == "probe").any():
        light = "the probe's" if of_url else "/ping"
        lines += [
            "",
            f"Blocking probe (a stall: {light} p99, its whole 95% CI, at least {blocking.STALL_SHARE:.0%} "
            "of a heavy request's median latency):",
        ]
        lines += blocking.verdicts(blocking.summarize(df[df["part"] == "probe"]), light=light)
    if (df["part"] == "overload").any():
        lines += ["", "Overload (closed loop, then one /ping):"]
        lines += sweep.overload_verdicts(df[df["part"] == "overload"])
    if not (df["part"] == "sweep").any():
        return "\n".join(lines)
    swept = sweep.summarize(df[df["part"] == "sweep"])
    columns = [
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
    table = swept.astype({"workers": int, "threads": int, "clients": int, "requests": int, "errors": int})[columns]
    lines += [
        "",
        "Concurrency sweep (closed loop), throughput and latency:",
        table.to_string(index=False, float_format=lambda v: f"{v:.1f}"),
    ]
    return "\n".join(lines)


def _url_table(df: pd.DataFrame, load: dict[str, Any]) -> list[str]:
    """The closed loops on a URL (``bench load --url``; ``load``, its record in meta.json): per
    client count, the answered requests and errors, throughput, p50, p90 and p99 latency with
    their 95% intervals, the slowest; the first error's message where some failed."""
    summary = url_load.summarize(df)
    seconds = f"{load['duration_s']:g} s at each client count" if "duration_s" in load else "at each client count"

    def with_ci(row: pd.Series, name: str, fmt: str) -> str:
        low, high = (row[name.replace("_", f"_{end}_", 1)] for end in ("low", "high"))
        return f"{row[name]:{fmt}} {stats.interval_text(low, high, fmt)}"

    table = pd.DataFrame(
        {
            "clients": summary["clients"].astype(int),
            "answered": [blocking.answered(r) for _, r in summary.iterrows()],
            "errors": summary["errors"].astype(int),
            "requests/s": [with_ci(r, "throughput_rps", ".1f") for _, r in summary.iterrows()],
            **{f"{q} ms": [with_ci(r, f"{q}_ms", ".1f") for _, r in summary.iterrows()] for q in ("p50", "p90", "p99")},
            "max ms": summary["max_ms"].map(lambda v: f"{v:.1f}"),
        }
    )
    lines = [
        f"Closed loop on {', '.join(dict.fromkeys(summary['url']))}, {seconds} (latency of the answered "
        f"requests, with 95% intervals: none from fewer than {stats.MIN_TRIALS} answers; throughput's interval "
        "from the phase cut into windows):",
        table.to_string(index=False),
    ]
    failed = df[df["error"].notna() & (df["error"].astype(str) != "")]
    if len(failed):
        lines.append(f"{len(failed)} request(s) failed; the first: {failed['error'].iloc[0]}")
    return lines


def probe_figure(run: Run) -> Figure:
    """The blocking probe of a load run (see :func:`bench.presentation.load_plots.probe`)."""
    return load_plots.probe(blocking.summarize(requests_of(run, "probe")))


def sweep_figure(run: Run) -> Figure:
    """The concurrency sweep of a load run (see :func:`bench.presentation.load_plots.sweep`)."""
    return load_plots.sweep(sweep.summarize(requests_of(run, "sweep")))
