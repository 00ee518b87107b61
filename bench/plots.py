"""Figures of a run, as matplotlib Figures (no pyplot state; notebooks display them).

- :func:`times`: median wall time per configuration with its 95% interval;
- :func:`timelines`: one representative trial's task timeline per framework and mode.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .presets import IDEAL
from .report import measured, summary
from .store import Run

COLORS = {"flask": "#1f77b4", "fastapi": "#2ca02c", IDEAL: "#7f7f7f"}


def times(df: pd.DataFrame) -> Figure:
    """Horizontal bars, one panel per workload: median client wall time per configuration
    with its 95% CI whiskers."""
    s = summary(df).dropna(subset=["wall_s"])
    parts = [(w, g.sort_values(["strategy", "mode", "framework", "endpoint"]))
             for w, g in s.groupby("workload", sort=True)]
    heights = [max(len(g), 2) for _, g in parts] or [2]
    fig = Figure(figsize=(8, 0.4 * sum(heights) + 1.0 * len(heights) + 0.5), layout="constrained")
    if not parts:
        fig.text(0.5, 0.5, "no successful trials", ha="center")
        return fig
    axes = fig.subplots(len(parts), 1, squeeze=False, gridspec_kw={"height_ratios": heights})[:, 0]
    for ax, (workload, g) in zip(axes, parts):
        y = np.arange(len(g))
        err = np.nan_to_num(np.vstack([g["wall_s"] - g["wall_low_s"], g["wall_high_s"] - g["wall_s"]]), nan=0.0)
        ax.barh(y, g["wall_s"], xerr=err, capsize=3, color=[COLORS.get(f, "#999") for f in g["framework"]])
        ax.set_yticks(y, [f"{r.framework} / {r.mode} / {r.endpoint} / {r.strategy}" for r in g.itertuples()],
                      fontsize=8)
        ax.invert_yaxis()
        ax.set_title(f"{workload} workload, n={g['n'].iloc[0]}, size={g['size'].iloc[0]}", fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    axes[-1].set_xlabel("client wall time per request, s (median, 95% bootstrap CI)")
    return fig


def representative(df: pd.DataFrame, framework: str, mode: str, strategy: str,
                   endpoint: str | None = None, workload: str | None = None) -> pd.Series | None:
    """The measured trial whose wall time is closest to its configuration's median."""
    ok = measured(df)
    g = ok[(ok["framework"] == framework) & (ok["mode"] == mode) & (ok["strategy"] == strategy)]
    if endpoint is not None:
        g = g[g["endpoint"] == endpoint]
    if workload is not None:
        g = g[g["workload"] == workload]
    if g.empty:
        return None
    return g.loc[(g["client_wall_s"] - g["client_wall_s"].median()).abs().idxmin()]


def timelines(df: pd.DataFrame, strategy: str = "gather", workload: str = "article") -> Figure:
    """One panel per framework, mode and endpoint (and the in-process ideal): when each
    task of ``workload`` run with ``strategy`` ran.

    Times are from the moment the client sent the request; the thin bar is the whole
    request as the client saw it.
    """
    ok = measured(df)
    ok = ok[(ok["strategy"] == strategy) & (ok["workload"] == workload)]
    panels = sorted({tuple(p) for p in ok[["framework", "mode", "endpoint"]].itertuples(index=False)},
                    key=lambda p: (p[0] == IDEAL, p[0], p[1], p[2]))
    trials = [(f"{f} / {m}" + (f" / {e} endpoint" if f != IDEAL else ""), f,
               representative(df, f, m, strategy, e, workload)) for f, m, e in panels]
    trials = [t for t in trials if t[2] is not None]
    fig = Figure(figsize=(9, 1.1 + 1.3 * max(len(trials), 1)), layout="constrained")
    if not trials:
        fig.text(0.5, 0.5, f"no successful {workload}/{strategy} trials", ha="center")
        return fig
    axes = fig.subplots(len(trials), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (title, f, t) in zip(axes, trials):
        tasks = json.loads(t["tasks"])
        for task in tasks:
            ax.barh(task["index"], task["end"] - task["start"], left=task["start"] - t["sent_mono"],
                    color=COLORS.get(f, "#999"), edgecolor="white")
        ax.barh(-1, t["client_wall_s"], left=0, height=0.3, color="#444")
        ax.set_yticks([-1] + [task["index"] for task in tasks],
                      ["request"] + [f"task {task['index']}" for task in tasks], fontsize=7)
        ax.invert_yaxis()
        ax.set_title(f"{title}: parallelism {t['parallelism']:.2f}, wall {t['client_wall_s']:.2f} s",
                     fontsize=9, loc="left")
        ax.grid(axis="x", alpha=0.3)
    axes[-1].set_xlabel("seconds since the client sent the request (the trial nearest the median)")
    first = trials[0][2]
    fig.suptitle(f"Task timelines: {first['workload']} workload, strategy {strategy}, "
                 f"n={first['n']}, size={first['size']}")
    return fig


def write_all(run: Run) -> list[Path]:
    """Write times.png and timeline-<strategy>.png into the run folder; return their paths
    (none when the run has no successful measured trial)."""
    df = run.trials()
    out: list[Path] = []
    if df.empty or measured(df).empty:
        return out
    figures = {"times.png": times(df)}
    for workload, strategy in sorted({tuple(p) for p in measured(df)[["workload", "strategy"]].itertuples(index=False)}):
        name = f"timeline-{strategy}.png" if workload == "article" else f"timeline-{workload}-{strategy}.png"
        figures[name] = timelines(df, strategy, workload)
    for name, fig in figures.items():
        path = run.path / name
        fig.savefig(path, dpi=110)
        out.append(path)
    return out
