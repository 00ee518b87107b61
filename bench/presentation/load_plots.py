"""The load runs' figures: the blocking probe and the concurrency sweep, each with 95% intervals.

Each takes the summary it draws (:func:`bench.instrument.load.blocking.summarize`,
:func:`bench.instrument.load.sweep.summarize`) and returns a matplotlib Figure (no pyplot state);
:func:`bench.presentation.load_report.probe_figure` and :func:`~bench.presentation.load_report.sweep_figure` draw a
load run's from its folder.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from bench.instrument.load.sweep import Setup
from servers import harness


def sweep(summary_df: pd.DataFrame) -> Figure:
    """Throughput and p99 latency, each with its 95% interval, against the number of
    concurrent clients, one line per server configuration."""
    fig = Figure(figsize=(10, 4), layout="constrained")
    ax_t, ax_l = fig.subplots(1, 2)
    groups = list(summary_df.groupby(["framework", "server", "workers", "threads"], sort=False))
    for k, (_, g) in enumerate(groups):
        setup = Setup.of(g.iloc[0])
        label = setup.label
        style = "--" if harness.framework(setup.framework).interface == "wsgi" else "-"  # WSGI dashed
        # Each configuration a little to the side of the others, so the intervals stay apart.
        g = g.assign(clients=g["clients"] * 2 ** (0.05 * (k - (len(groups) - 1) / 2)))
        t_err = np.nan_to_num(
            np.vstack([g["throughput_rps"] - g["throughput_low_rps"], g["throughput_high_rps"] - g["throughput_rps"]]),
            nan=0.0,
        )
        ax_t.errorbar(g["clients"], g["throughput_rps"], yerr=t_err, fmt=style + "o", capsize=3, label=label)
        err = np.nan_to_num(np.vstack([g["p99_ms"] - g["p99_low_ms"], g["p99_high_ms"] - g["p99_ms"]]), nan=0.0)
        ax_l.errorbar(g["clients"], g["p99_ms"], yerr=err, fmt=style + "o", capsize=3, label=label)
    for ax in (ax_t, ax_l):
        ax.set_xscale("log", base=2)
        ticks = sorted(summary_df["clients"].unique())
        ax.set_xticks(ticks, [f"{int(c)}" for c in ticks])
        ax.set_xlabel("concurrent clients (closed loop)")
        ax.grid(alpha=0.3)
    ax_t.set_ylabel("requests per second (95% CI)")
    ax_l.set_ylabel("p99 latency, ms (95% CI)")
    ax_l.set_yscale("log")
    fig.legend(*ax_t.get_legend_handles_labels(), loc="outside lower center", ncols=4, fontsize=7)
    return fig


def probe(summary_df: pd.DataFrame) -> Figure:
    """The blocking probe: /ping latency p50 and p99 (95% CI) without load and during heavy
    requests, one row per configuration."""
    rows = summary_df[summary_df["phase"].isin(["baseline", "ping"])]
    labels = list(dict.fromkeys(rows["config"]))
    fig = Figure(figsize=(9, 0.5 * max(len(labels), 2) + 1.2), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(labels))
    for k, (phase, color) in enumerate((("baseline", "#bbb"), ("ping", "#d62728"))):
        g = rows[rows["phase"] == phase].set_index("config").reindex(labels)
        err = np.nan_to_num(np.vstack([g["p99_ms"] - g["p99_low_ms"], g["p99_high_ms"] - g["p99_ms"]]), nan=0.0)
        ax.barh(
            y + (k - 0.5) * 0.4,
            g["p99_ms"],
            0.4,
            xerr=err,
            capsize=2,
            color=color,
            label="p99, no load" if phase == "baseline" else "p99, during heavy requests",
        )
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("GET /ping latency, ms (log scale, 95% CI)")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return fig
