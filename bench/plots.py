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
    """Horizontal bars: median client wall time per configuration, 95% CI whiskers."""
    s = summary(df).dropna(subset=["wall_s"]).sort_values(["workload", "strategy", "mode", "framework"])
    fig = Figure(figsize=(8, 0.45 * max(len(s), 2) + 1.2), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(s))
    err = np.vstack([s["wall_s"] - s["wall_low_s"], s["wall_high_s"] - s["wall_s"]])
    err = np.nan_to_num(err, nan=0.0)
    ax.barh(y, s["wall_s"], xerr=err, capsize=3,
            color=[COLORS.get(f, "#999") for f in s["framework"]])
    ax.set_yticks(y, [f"{r.framework} / {r.mode} / {r.strategy}" for r in s.itertuples()])
    ax.invert_yaxis()
    ax.set_xlabel("client wall time per request, s (median, 95% bootstrap CI)")
    if len(s):
        ax.set_title(f"{s['workload'].iloc[0]} workload, n={s['n'].iloc[0]}, size={s['size'].iloc[0]}")
    ax.grid(axis="x", alpha=0.3)
    return fig


def representative(df: pd.DataFrame, framework: str, mode: str, strategy: str) -> pd.Series | None:
    """The measured trial whose wall time is closest to its configuration's median."""
    ok = measured(df)
    g = ok[(ok["framework"] == framework) & (ok["mode"] == mode) & (ok["strategy"] == strategy)]
    if g.empty:
        return None
    return g.loc[(g["client_wall_s"] - g["client_wall_s"].median()).abs().idxmin()]


def timelines(df: pd.DataFrame, strategy: str = "gather") -> Figure:
    """One panel per framework and mode (and the in-process ideal): when each task ran.

    Times are from the moment the client sent the request; the thin bar is the whole
    request as the client saw it.
    """
    ok = measured(df)
    panels = [(f, m) for f, m in ok[["framework", "mode"]].drop_duplicates().itertuples(index=False)]
    panels.sort(key=lambda p: (p[0] == IDEAL, p[0], p[1]))
    trials = [(f, m, representative(df, f, m, strategy)) for f, m in panels]
    trials = [t for t in trials if t[2] is not None]
    fig = Figure(figsize=(9, 1.1 + 1.3 * max(len(trials), 1)), layout="constrained")
    if not trials:
        fig.text(0.5, 0.5, f"no successful {strategy} trials", ha="center")
        return fig
    axes = fig.subplots(len(trials), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (f, m, t) in zip(axes, trials):
        tasks = json.loads(t["tasks"])
        for task in tasks:
            ax.barh(task["index"], task["end"] - task["start"], left=task["start"] - t["sent_mono"],
                    color=COLORS.get(f, "#999"), edgecolor="white")
        ax.barh(-1, t["client_wall_s"], left=0, height=0.3, color="#444")
        ax.set_yticks([-1] + [task["index"] for task in tasks],
                      ["request"] + [f"task {task['index']}" for task in tasks], fontsize=7)
        ax.invert_yaxis()
        ax.set_title(f"{f} / {m}: parallelism {t['parallelism']:.2f}, wall {t['client_wall_s']:.2f} s",
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
    for strategy in sorted(measured(df)["strategy"].unique()):
        figures[f"timeline-{strategy}.png"] = timelines(df, strategy)
    for name, fig in figures.items():
        path = run.path / name
        fig.savefig(path, dpi=110)
        out.append(path)
    return out
