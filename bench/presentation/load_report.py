"""A load run's report: its verdicts and tables as text (:func:`text`), and its figures
(:func:`probe_figure`, :func:`sweep_figure`), computed again from its requests.csv.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from bench.instrument.load import blocking, sweep
from bench.instrument.load.load_store import requests_of
from bench.instrument.store import Run
from bench.presentation import load_plots


def text(run: Run) -> str:
    """The verdicts and tables of a load run, computed again from its requests.csv."""
    df = requests_of(run)
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


def probe_figure(run: Run) -> Figure:
    """The blocking probe of a load run (see :func:`bench.presentation.load_plots.probe`)."""
    return load_plots.probe(blocking.summarize(requests_of(run, "probe")))


def sweep_figure(run: Run) -> Figure:
    """The concurrency sweep of a load run (see :func:`bench.presentation.load_plots.sweep`)."""
    return load_plots.sweep(sweep.summarize(requests_of(run, "sweep")))
