"""Figures of a run, as matplotlib Figures (no pyplot state; notebooks display them).

- :func:`times`: median wall time per configuration with its 95% interval;
- :func:`timelines`: one representative trial's task timeline per framework and mode.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import ablation, stats
from .presets import IDEAL, native_sides
from .report import measured, summary
from .store import Run

COLORS = {"flask": "#1f77b4", "fastapi": "#2ca02c", IDEAL: "#7f7f7f"}


def _label(r: dict[Any, Any]) -> str:
    variant = f"[{r['variant']}]" if r["variant"] else ""
    return f"{r['framework']}{variant} / {r['mode']} / {r['endpoint']} / {r['strategy']}"


def times(df: pd.DataFrame) -> Figure:
    """Horizontal bars, one panel per workload, n and size: median client wall time per
    configuration with its 95% CI whiskers."""
    s = summary(df).dropna(subset=["wall_s"])
    parts = [
        (w, g.sort_values(["strategy", "mode", "framework", "endpoint", "variant"]))
        for w, g in s.groupby(["workload", "n", "size"], sort=True)
    ]
    heights = [max(len(g), 2) for _, g in parts] or [2]
    fig = Figure(figsize=(8, 0.4 * sum(heights) + 1.0 * len(heights) + 0.5), layout="constrained")
    if not parts:
        fig.text(0.5, 0.5, "no successful trials", ha="center")
        return fig
    axes = fig.subplots(len(parts), 1, squeeze=False, gridspec_kw={"height_ratios": heights})[:, 0]
    for ax, ((workload, _, _), g) in zip(axes, parts, strict=True):
        y = np.arange(len(g))
        err = np.nan_to_num(np.vstack([g["wall_s"] - g["wall_low_s"], g["wall_high_s"] - g["wall_s"]]), nan=0.0)
        ax.barh(y, g["wall_s"], xerr=err, capsize=3, color=[COLORS.get(f, "#999") for f in g["framework"]])
        ax.set_yticks(
            y,
            [_label(r) for r in g.to_dict("records")],
            fontsize=8,
        )
        ax.invert_yaxis()
        ax.set_title(f"{workload} workload, n={g['n'].iloc[0]}, size={g['size'].iloc[0]}", fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    axes[-1].set_xlabel("client wall time per request, s (median, 95% bootstrap CI)")
    return fig


def representative(
    df: pd.DataFrame, framework: str, mode: str, strategy: str, endpoint: str | None = None, workload: str | None = None
) -> pd.Series | None:
    """The measured trial whose wall time is closest to its configuration's median."""
    ok = measured(df)
    g = ok[(ok["framework"] == framework) & (ok["mode"] == mode) & (ok["strategy"] == strategy)]
    if endpoint is not None:
        g = g[g["endpoint"] == endpoint]
    if workload is not None:
        g = g[g["workload"] == workload]
    if g.empty:
        return None
    return g.iloc[int((g["client_wall_s"] - g["client_wall_s"].median()).abs().to_numpy().argmin())]


def timelines(df: pd.DataFrame, strategy: str = "gather", workload: str = "article") -> Figure:
    """One panel per framework, mode and endpoint (and the in-process ideal): when each
    task of ``workload`` run with ``strategy`` ran, at the run's largest n and size, plain
    servers only.

    Times are from the moment the client sent the request; the thin bar is the whole
    request as the client saw it.
    """
    ok = measured(df)
    ok = ok[(ok["strategy"] == strategy) & (ok["workload"] == workload) & (ok["variant"] == "")]
    if not ok.empty:  # the largest fan-out at the largest size: the article's own, where measured
        ok = ok[ok["n"] == ok["n"].max()]
        ok = ok[ok["size"] == ok["size"].max()]
    panels = sorted(
        {tuple(p) for p in ok[["framework", "mode", "endpoint"]].itertuples(index=False)},
        key=lambda p: (p[0] == IDEAL, p[0], p[1], p[2]),
    )
    trials: list[tuple[str, str, pd.Series]] = []
    for f, m, e in panels:
        t = representative(ok, f, m, strategy, e, workload)
        if t is not None:
            trials.append((f"{f} / {m}" + (f" / {e} endpoint" if f != IDEAL else ""), f, t))
    fig = Figure(figsize=(9, 1.1 + 1.3 * max(len(trials), 1)), layout="constrained")
    if not trials:
        fig.text(0.5, 0.5, f"no successful {workload}/{strategy} trials", ha="center")
        return fig
    axes = fig.subplots(len(trials), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (title, f, t) in zip(axes, trials, strict=True):
        draw_tasks(ax, json.loads(t["tasks"]), t["sent_mono"], t["client_wall_s"], COLORS.get(f, "#999"), labels=True)
        ax.set_title(
            f"{title}: parallelism {t['parallelism']:.2f}, wall {t['client_wall_s']:.2f} s", fontsize=9, loc="left"
        )
        ax.grid(axis="x", alpha=0.3)
    axes[-1].set_xlabel("seconds since the client sent the request (the trial nearest the median)")
    first = trials[0][2]
    fig.suptitle(
        f"Task timelines: {first['workload']} workload, strategy {strategy}, n={first['n']}, size={first['size']}"
    )
    return fig


def draw_tasks(
    ax: Any, tasks: list[dict[str, Any]], sent: float, wall: float, color: str, labels: bool = False
) -> None:
    """Draw one request on ``ax``: a bar per task from ``sent`` (the client's send time on
    the tasks' monotonic clock), and a dark bar for the whole request of ``wall`` seconds."""
    for task in tasks:
        ax.barh(task["index"], task["end"] - task["start"], left=task["start"] - sent, color=color, edgecolor="white")
    ax.barh(-1, wall, left=0, height=0.3, color="#444")
    if labels:
        ax.set_yticks(
            [-1] + [t["index"] for t in tasks], ["request"] + [f"task {t['index']}" for t in tasks], fontsize=7
        )
    else:
        ax.set_yticks([])
    ax.invert_yaxis()
    ax.grid(axis="x", alpha=0.3)


def request_timeline(answer: dict[str, Any]) -> Figure:
    """One ``/run`` answer (with ``sent_mono`` and ``wall_s`` added by the client) as a timeline."""
    fig = Figure(figsize=(8, 0.4 * len(answer["tasks"]) + 1.4), layout="constrained")
    ax = fig.add_subplot()
    draw_tasks(
        ax, answer["tasks"], answer["sent_mono"], answer["wall_s"], COLORS.get(answer["framework"], "#999"), labels=True
    )
    ax.set_xlabel("seconds since the request was sent")
    ax.set_title(
        f"{answer['framework']} / {answer['endpoint']} endpoint: {answer['workload']} x{answer['n']} "
        f"with {answer['strategy']}: parallelism {answer['parallelism']:.2f}, "
        f"wall {answer['wall_s']:.3f} s",
        fontsize=10,
    )
    return fig


def matrix_mode(ok: pd.DataFrame, workload: str) -> str:
    """The mode in which the run measured most strategies of ``workload`` (process wins ties)."""
    served = ok[(ok["workload"] == workload) & (ok["framework"] != IDEAL)]
    counts = served.groupby("mode")["strategy"].nunique()
    return "process" if counts.get("process", 0) >= counts.get("thread", 0) else "thread"


def strategy_timelines(df: pd.DataFrame, workload: str, mode: str | None = None) -> Figure:
    """For one workload: a row per strategy, a column per framework (its native endpoint)
    and the in-process ideal; each panel the task timeline of the trial nearest the median."""
    ok = measured(df)
    mode = mode or matrix_mode(ok, workload)
    ok = ok[(ok["workload"] == workload) & (ok["variant"] == "")]
    strategies = sorted(ok["strategy"].unique())
    columns = native_sides(mode)
    columns = [c for c in columns if not ok[(ok["framework"] == c[0]) & (ok["mode"] == c[1])].empty]
    fig = Figure(figsize=(3.4 * max(len(columns), 1) + 1, 1.4 * max(len(strategies), 1) + 1.0), layout="constrained")
    if not strategies or not columns:
        fig.text(0.5, 0.5, f"no successful {workload} trials", ha="center")
        return fig
    n = int(ok["n"].max())
    sub = ok[ok["n"] == n]
    axes = fig.subplots(len(strategies), len(columns), sharex=True, squeeze=False)
    for i, strategy in enumerate(strategies):
        labelled = False
        for j, (fw, m, ep) in enumerate(columns):
            ax = axes[i, j]
            t = representative(sub, fw, m, strategy, ep, workload)
            if t is None:
                ax.set_axis_off()
                continue
            draw_tasks(ax, json.loads(t["tasks"]), t["sent_mono"], t["client_wall_s"], COLORS.get(fw, "#999"))
            ax.set_title(
                f"{fw} {strategy}: par. {t['parallelism']:.1f}, {t['client_wall_s']:.2f} s", fontsize=8, loc="left"
            )
            if not labelled:
                ax.set_ylabel(strategy, fontsize=9)
                labelled = True
    for ax in axes[-1]:
        ax.set_xlabel("s since the request was sent", fontsize=8)
    fig.suptitle(
        f"{workload}: when each of n={n} tasks ran ({mode} mode)\ndark bar: the whole request as the client saw it",
        fontsize=10,
    )
    return fig


def speedups(df: pd.DataFrame) -> Figure:
    """Speed-up over the in-process ideal run one task after another, per workload and
    strategy, for each framework (native endpoint, in the mode that measured the most
    strategies of the workload) and the ideal itself; 95% CI whiskers."""
    ok = measured(df)
    ok = ok[ok["variant"] == ""]
    ideal_seq = ok[(ok["framework"] == IDEAL) & (ok["strategy"] == "sequential")]
    parts = []
    for _, one_after_another in ideal_seq.groupby(["workload", "n", "size"]):
        first = one_after_another.iloc[0]
        w, n, size = str(first["workload"]), int(first["n"]), int(first["size"])
        g = ok[(ok["workload"] == w) & (ok["n"] == n) & (ok["size"] == size)]
        if g[g["framework"] != IDEAL].empty:
            continue
        parts.append((w, n, g, one_after_another["client_wall_s"]))
    fig = Figure(figsize=(9, 2.6 * max(len(parts), 1) + 0.6), layout="constrained")
    if not parts:
        fig.text(0.5, 0.5, "no ideal baseline to compare with", ha="center")
        return fig
    axes = fig.subplots(len(parts), 1, squeeze=False)[:, 0]
    for ax, (w, n, g, base) in zip(axes, parts, strict=True):
        mode = matrix_mode(g, w)
        sets = native_sides(mode)
        strategies = sorted(g["strategy"].unique())
        x = np.arange(len(strategies))
        width = 0.8 / len(sets)
        for k, (fw, m, ep) in enumerate(sets):
            vals, lo, hi = [], [], []
            for strategy in strategies:
                t = g[(g["framework"] == fw) & (g["mode"] == m) & (g["endpoint"] == ep) & (g["strategy"] == strategy)]
                r = stats.ratio_ci(base, t["client_wall_s"]) if not t.empty else stats.Estimate(np.nan, np.nan, np.nan)
                vals.append(r.value)
                lo.append(r.value - r.low if np.isfinite(r.low) else 0)
                hi.append(r.high - r.value if np.isfinite(r.high) else 0)
            ax.bar(
                x + (k - (len(sets) - 1) / 2) * width,
                vals,
                width,
                yerr=[lo, hi],
                capsize=2,
                color=COLORS.get(fw, "#999"),
                label=f"{fw}" + (f" ({m}, {ep} endpoint)" if fw != IDEAL else " (in-process)"),
            )
        ax.axhline(1.0, color="#444", lw=0.8)
        ax.set_xticks(x, strategies)
        ax.set_ylabel("speed-up")
        ax.set_title(f"{w} workload, n={n}, {mode} mode: ideal one-after-another time / measured time", fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(fontsize=8, loc="upper left")
    return fig


def gap_causes(df: pd.DataFrame) -> Figure:
    """The controlled comparisons of the article's two servers: each configuration's
    median wall time as a ratio to FastAPI's async def, with 95% CI whiskers."""
    t = ablation.table(measured(df))
    groups = list(t.groupby(["n", "size"])) if not t.empty else []
    fig = Figure(figsize=(9, 0.45 * max(len(t), 2) + 1.2 * max(len(groups), 1)), layout="constrained")
    if not groups:
        fig.text(0.5, 0.5, "no controlled comparisons in this run", ha="center")
        return fig
    axes = fig.subplots(len(groups), 1, squeeze=False)[:, 0]
    for ax, ((n, size), g) in zip(axes, groups, strict=True):
        y = np.arange(len(g))
        err = np.nan_to_num(
            np.vstack([g["vs_fastapi"] - g["vs_fastapi_low"], g["vs_fastapi_high"] - g["vs_fastapi"]]), nan=0.0
        )
        ax.barh(y, g["vs_fastapi"], xerr=err, capsize=3, color=[COLORS.get(f, "#999") for f in g["framework"]])
        ax.set_yticks(y, list(g["config"]), fontsize=8)
        ax.invert_yaxis()
        ax.axvline(1.0, color="#444", lw=0.8)
        ax.set_title(f"article's gather, n={n}, size={size}, process mode", fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    axes[-1].set_xlabel("median wall time / FastAPI async def's (95% bootstrap CI); 1 = no gap")
    return fig


def matrix_workloads(df: pd.DataFrame) -> list[str]:
    """The workloads the run measured with more than the article's two strategies."""
    ok = measured(df)
    return [w for w in sorted(ok["workload"].unique()) if ok[ok["workload"] == w]["strategy"].nunique() > 2]


def write_all(run: Run) -> list[Path]:
    """Write the run's figures into its folder and return their paths (none when the run
    has no successful measured trial): times.png; timeline-<strategy>.png for the article's
    task; strategies-<workload>.png and speedup.png where the run has the strategy matrix;
    gap-causes.png where it has the controlled comparisons."""
    df = run.trials()
    out: list[Path] = []
    if df.empty or measured(df).empty:
        return out
    ok = measured(df)
    figures = {"times.png": times(df)}
    for strategy in ("gather", "sequential"):  # the article's two servers, every mode and endpoint
        if not ok[(ok["workload"] == "article") & (ok["strategy"] == strategy)].empty:
            figures[f"timeline-{strategy}.png"] = timelines(df, strategy, "article")
    for workload in matrix_workloads(df):
        figures[f"strategies-{workload}.png"] = strategy_timelines(df, workload)
    if not ok[ok["framework"] == IDEAL].empty and ok["strategy"].nunique() > 2:
        figures["speedup.png"] = speedups(df)
    if not ablation.table(ok).empty:
        figures["gap-causes.png"] = gap_causes(df)
    for name, fig in figures.items():
        path = run.path / name
        fig.savefig(path, dpi=110)
        out.append(path)
    return out
