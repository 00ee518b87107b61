"""Figures of a run, as matplotlib Figures (no pyplot state; notebooks display them).

Each figure the article shows draws what the analysis selected for it once (:mod:`bench.analysis.selection`,
and the families' :func:`bench.analysis.families.headline.shown`, :func:`bench.analysis.families.gap.panels`,
:func:`bench.analysis.families.size.lines`, :func:`bench.analysis.families.scaling.curves`): the article's
caption (:mod:`bench.presentation.article`) cites the same selection.

- :func:`timelines`: the article's tasks, when each ran, one representative trial per server;
- :func:`faster`: the headline's three meanings of "faster" (and peak memory), with intervals;
- :func:`decomposition`: the gap, one change at a time, per measure;
- :func:`sizes`: the headline ratios against the article task's size;
- :func:`speedup_heatmap`, :func:`strategy_timelines`: what runs in parallel, per workload and strategy;
- :func:`times`: median wall time per configuration (the report's overview).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FixedLocator, FormatStrFormatter, NullLocator

from bench.analysis import figure as record
from bench.analysis import results_cache, selection
from bench.analysis.cited_figures import cited
from bench.analysis.families import gap, headline
from bench.analysis.families import size as by_size
from bench.analysis.families.scaling import curves as scaling_curves
from bench.analysis.families.scaling import table as scaling_table
from bench.analysis.selection import Panel, Strategies, matrix_workloads
from bench.analysis.tables import measured, project_only, summary
from bench.instrument.store import Run
from bench.vocabulary import stats
from bench.vocabulary.config import FREE_THREADED, IDEAL
from bench.vocabulary.sides import FAMILIES
from servers import harness

#: One colour per framework (the article's two as before), grey for the ideal.
COLORS = {"flask": "#1f77b4", "fastapi": "#2ca02c", "quart": "#9467bd", "litestar": "#d62728", IDEAL: "#7f7f7f"}


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


def timelines(panels: list[Panel], *, strategy: str, workload: str, n: int, size: int) -> Figure:
    """One panel per framework, mode and endpoint (:func:`bench.analysis.selection.timelines`): when
    each task of ``workload`` run with ``strategy``, ``n`` tasks of ``size``, ran, in the trial
    nearest its configuration's median.

    Times are from the moment the client sent the request; the thin bar is the whole
    request as the client saw it.
    """
    fig = Figure(figsize=(9, 1.1 + 1.3 * max(len(panels), 1)), layout="constrained")
    if not panels:
        fig.text(0.5, 0.5, f"no successful {workload}/{strategy} trials at n={n}, size {size}", ha="center")
        return fig
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    for ax, p in zip(axes, panels, strict=True):
        t = p.drawn
        title = (
            "in-process ideal (no server)"
            if p.framework == IDEAL
            else f"{harness.framework(p.framework).label}, {p.mode} mode, {p.endpoint} endpoint"
        )
        draw_tasks(
            ax, json.loads(t["tasks"]), t["sent_mono"], t["client_wall_s"], COLORS.get(p.framework, "#999"), labels=True
        )
        ax.set_title(
            f"{title}: parallelism {t['parallelism']:.2f}, wall {t['client_wall_s']:.2f} s", fontsize=9, loc="left"
        )
        ax.grid(axis="x", alpha=0.3)
    axes[-1].set_xlabel("seconds since the client sent the request (the trial nearest the median)")
    fig.suptitle(f"Task timelines: {workload} workload, strategy {strategy}, n={n}, size={size}")
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
    """One ``/run`` answer (with ``sent_mono`` and ``wall_s`` added by the client) as a
    timeline, with a legend; when the answer carries ``one_after_another_s`` (the explorer's),
    a hatched bar of that length stands under the request's for comparison."""
    tasks = answer["tasks"]
    color = COLORS.get(answer["framework"], "#999")
    fig = Figure(figsize=(8, 0.4 * len(tasks) + 1.9), layout="constrained")
    ax = fig.add_subplot()
    draw_tasks(ax, tasks, answer["sent_mono"], answer["wall_s"], color, labels=True)
    handles = [Patch(color=color, label=f"a task ({answer['framework']})"), Patch(color="#444", label="the request")]
    base = answer.get("one_after_another_s", float("nan"))
    title = f"parallelism {answer['parallelism']:.2f}, wall {answer['wall_s']:.3f} s"
    if base == base:  # not NaN
        ax.barh(len(tasks), base, left=0, height=0.3, color="white", edgecolor="#444", hatch="///")
        ticks = list(ax.get_yticks()) + [len(tasks)]
        labels = [t.get_text() for t in ax.get_yticklabels()] + ["one after another"]
        ax.set_yticks(ticks, labels, fontsize=7)
        here = f"the same tasks one after another, {answer.get('one_after_another_where', 'in this process')}"
        handles.append(Patch(facecolor="white", edgecolor="#444", hatch="///", label=here))
        title = f"speed-up {answer['speedup']:.2f}, " + title
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.25), ncols=3, fontsize=7, frameon=False)
    ax.set_xlabel("seconds since the request was sent")
    ax.set_title(
        f"{answer['framework']} / {answer['endpoint']} endpoint: {answer['workload']} x{answer['n']} "
        f"with {answer['strategy']}: {title}",
        fontsize=10,
    )
    return fig


def strategy_timelines(grid: Strategies | None, workload: str) -> Figure:
    """For one workload (:func:`bench.analysis.selection.strategies`; None: no framework ran it): a row
    per strategy, a column per framework (its native endpoint) and the in-process ideal; each
    panel the task timeline of the trial nearest the median."""
    if grid is None:
        fig = Figure(figsize=(4, 1), layout="constrained")
        fig.text(0.5, 0.5, f"no successful {workload} trials", ha="center")
        return fig
    w, n, size = grid.workload, grid.n, grid.size
    fig = Figure(
        figsize=(3.4 * max(len(grid.columns), 1) + 1, 1.4 * max(len(grid.strategies), 1) + 1.0), layout="constrained"
    )
    if not grid.strategies or not grid.columns:
        fig.text(0.5, 0.5, f"no successful {w} trials", ha="center")
        return fig
    axes = fig.subplots(len(grid.strategies), len(grid.columns), sharex=True, squeeze=False)
    for i, strategy in enumerate(grid.strategies):
        labelled = False
        for j, column in enumerate(grid.columns):
            ax = axes[i, j]
            t = grid.drawn.get((strategy, column))
            if t is None:
                ax.set_axis_off()
                continue
            fw = column[0]
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
        f"{w}: when each of n={n} tasks of size {size} ran ({grid.mode} mode)\n"
        "dark bar: the whole request as the client saw it",
        fontsize=10,
    )
    return fig


def measure_name(measure: str) -> str:
    """A measure as the article names it: ``after idle``, ``back to back``, ``server CPU``."""
    return {"isolated": "after idle", "server_cpu": "server CPU"}.get(measure, measure.replace("_", " "))


#: Where a ratio's log axis is labelled.
RATIO_TICKS = (0.25, 0.33, 0.5, 0.67, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 2, 3, 4)


def _interval(ax: Any, at: float, low: float, high: float, *, horizontal: bool, color: str) -> None:
    """A 95% interval drawn from its own low to its own high, with caps: a percentile bootstrap
    interval need not contain its estimate (a product of ratios over a few trials), so it is
    not drawn as distances from the point."""
    mid, half = (low + high) / 2, (high - low) / 2
    if horizontal:
        ax.errorbar([mid], [at], xerr=[half], fmt="none", ecolor=color, capsize=3)
    else:
        ax.errorbar([at], [mid], yerr=[half], fmt="none", ecolor=color, capsize=3)


def _points(ax: Any, shown: list[record.Figure], labels: list[str]) -> None:
    """Ratios as points on a log scale, a row each, with their 95% intervals where they have
    one (an open point where a side had too few trials for an interval), and a line at 1."""
    y = np.arange(len(shown))
    for k, f in enumerate(shown):
        has = bool(np.isfinite(f.low) and np.isfinite(f.high))
        color = "#d62728" if f.met is False else "#1f77b4"
        if has:
            _interval(ax, k, f.low, f.high, horizontal=True, color=color)
            ax.plot([f.value], [k], "o", color=color)
        else:
            ax.plot([f.value], [k], "o", mfc="white", color=color)
            ax.annotate(stats.TOO_FEW, (f.value, k), xytext=(6, 4), textcoords="offset points", fontsize=7)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylim(len(shown) - 0.5, -0.5)
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(FixedLocator(RATIO_TICKS))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.axvline(1.0, color="#444", lw=0.8)
    ax.grid(axis="x", which="both", alpha=0.3)


def faster(shown: list[record.Figure]) -> Figure:
    """The headline (:func:`bench.analysis.families.headline.shown`): Flask's over FastAPI's for each measure,
    as points with their 95% intervals on a log scale (red where an interval missed the
    preset's target), a line at 1 and the article's 2.2x (one request, what it timed)."""
    fig = Figure(figsize=(9, 1.5 + 0.5 * max(len(shown), 2)), layout="constrained")
    if not shown:
        fig.text(0.5, 0.5, "no trials of the article's two servers sent twice", ha="center")
        return fig
    ax = fig.add_subplot()
    _points(ax, shown, [measure_name(f.measure) for f in shown])
    ax.axvline(by_size.ARTICLE_RATIO, color="#d62728", lw=0.8, ls="--")
    ax.annotate(
        "the article: 2.2x\n(one request, size 10000)",
        (by_size.ARTICLE_RATIO, 1),
        xycoords=("data", "axes fraction"),
        xytext=(-4, -4),
        textcoords="offset points",
        ha="right",
        va="top",
        fontsize=7,
        color="#d62728",
    )
    ends = [f.value for f in shown] + [x for f in shown for x in (f.low, f.high) if np.isfinite(x)]
    ax.set_xlim(min([0.8, *ends]) * 0.95, max([2.6, *ends]) * 1.05)
    ax.set_xlabel(
        "Flask, plain threaded server / FastAPI as the article ran it (log scale); above 1: FastAPI is faster"
    )
    first = shown[0]
    ax.set_title(f"Flask over FastAPI per measure: process mode, n={first.n}, size {first.size}", fontsize=10)
    return fig


def decomposition(panels: list[tuple[str, list[record.Figure]]]) -> Figure:
    """Per timed measure (:func:`bench.analysis.families.gap.panels`): the article's gap (its Flask as it
    ran it over its FastAPI), each step of the chain between them, the product of the named
    steps and the rest, as points on a log scale with their 95% intervals."""
    fig = Figure(figsize=(9, 0.6 + 2.4 * max(len(panels), 1)), layout="constrained")
    if not panels:
        fig.text(0.5, 0.5, "no controlled comparisons in this run", ha="center")
        return fig
    axes = fig.subplots(len(panels), 1, squeeze=False, sharex=True)[:, 0]
    for ax, (m, shown) in zip(axes, panels, strict=True):
        _points(ax, shown, [f.id.rsplit(".", 1)[1] for f in shown])
        ax.set_title(measure_name(m), fontsize=9, loc="left")
    first = panels[0][1][0]
    axes[-1].set_xlabel("ratio, log scale (95% interval); 1 = no difference")
    fig.suptitle(f"The gap one change at a time: process mode, n={first.n}, size {first.size}", fontsize=10)
    return fig


def speedup_heatmap(cells: pd.DataFrame) -> Figure:
    """The strategy x workload matrix as one heatmap (:func:`bench.analysis.selection.speedup_cells`):
    a row per workload, a column per strategy and framework (the in-process ideal too), each
    cell its speed-up over the ideal one task after another; cells without an interval that
    excludes 1 (unresolved, or too few trials for one) hatched."""
    if cells.empty:
        fig = Figure(figsize=(6, 1), layout="constrained")
        fig.text(0.5, 0.5, "no strategy matrix in this run", ha="center")
        return fig
    workloads = list(dict.fromkeys(cells["workload"]))
    strategies = sorted(cells["strategy"].unique())
    sides = [f for f in (*COLORS,) if f in set(cells["framework"])]
    columns = [(st, f) for st in strategies for f in sides]
    grid = np.full((len(workloads), len(columns)), np.nan)
    hatched = np.zeros_like(grid, dtype=bool)
    for r in cells.to_dict("records"):
        i, j = workloads.index(str(r["workload"])), columns.index((str(r["strategy"]), str(r["framework"])))
        grid[i, j] = float(r["speedup"])
        hatched[i, j] = int(r["side"]) == 0
    fig = Figure(figsize=(1.0 + 0.75 * len(columns), 1.6 + 0.6 * len(workloads)), layout="constrained")
    ax = fig.add_subplot()
    top = float(np.nanmax(np.abs(np.log2(grid)))) if np.isfinite(grid).any() else 1.0
    image = ax.imshow(np.log2(grid), cmap="RdBu", vmin=-max(top, 1), vmax=max(top, 1), aspect="auto")
    for i in range(len(workloads)):
        for j in range(len(columns)):
            if np.isfinite(grid[i, j]):
                dark = abs(np.log2(grid[i, j])) > 0.6 * max(top, 1)
                ax.text(
                    j, i, f"{grid[i, j]:.1f}", ha="center", va="center", fontsize=8, color="white" if dark else "black"
                )
                if hatched[i, j]:
                    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///", edgecolor="#888", lw=0))
    ax.set_xticks(range(len(columns)), [f"{st}\n{'ideal' if f == IDEAL else f}" for st, f in columns], fontsize=7)
    ax.set_yticks(range(len(workloads)), workloads, fontsize=8)
    bar = fig.colorbar(image, ax=ax, shrink=0.8)
    ticks = [t for t in (-3, -2, -1, 0, 1, 2, 3) if abs(t) <= max(top, 1)]
    bar.set_ticks(ticks, labels=[f"{2.0**t:g}" for t in ticks])
    bar.set_label("speed-up (log scale)", fontsize=8)
    first = cells.iloc[0]
    ax.set_title(
        f"Speed-up over the same tasks one after another: n={int(first['n'])}, process mode "
        "(hatched: no interval that excludes 1)",
        fontsize=9,
    )
    return fig


def sizes(lines: dict[str, list[record.Figure]]) -> Figure:
    """The headline ratios against the article task's size (:func:`bench.analysis.families.size.lines`), with
    95% intervals; the article's 2.2 at size 10000, and where no size that large was
    measured, the line through the isolated ratios carried on to it with its 95% interval,
    dashed and labelled as the extrapolation it is."""
    fig = Figure(figsize=(9, 4.2), layout="constrained")
    ax = fig.add_subplot()
    for k, m in enumerate(record.TIMED):
        shown = lines.get(m, [])
        if not shown:
            continue
        x = np.array([f.size for f in shown], dtype=float) * 2 ** (0.03 * (k - 1))  # a little apart
        y = np.array([f.value for f in shown])
        err = np.nan_to_num(np.array([[f.value - f.low for f in shown], [f.high - f.value for f in shown]]), nan=0.0)
        bars = ax.errorbar(x, y, yerr=err, fmt="o-", capsize=3, label=measure_name(m))
        few = np.array([not np.isfinite(f.low) for f in shown])
        if few.any():  # open points: too few trials for an interval
            ax.plot(x[few], y[few], "o", mfc="white", color=bars.lines[0].get_color())
        if m == "isolated":
            line = by_size.extrapolation(shown)
            if line is not None:
                xs = np.geomspace(max(f.size for f in shown), by_size.ARTICLE_SIZE, 20)
                carried = [line.at(x) for x in xs]
                ax.plot(
                    xs, [e.value for e in carried], "--", color="#888", label="after idle, extrapolated (not measured)"
                )
                ax.fill_between(
                    xs,
                    [e.low for e in carried],
                    [e.high for e in carried],
                    color="#888",
                    alpha=0.15,
                    lw=0,
                    label="its 95% interval",
                )
    ax.plot(
        [by_size.ARTICLE_SIZE],
        [by_size.ARTICLE_RATIO],
        "*",
        color="#d62728",
        markersize=12,
        label="the article: 2.2x, one trial",
    )
    ax.axhline(1.0, color="#444", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("the article task's size (array side), log scale")
    ax.set_ylabel("Flask / FastAPI (95% interval)")
    ax.grid(alpha=0.3)
    fig.legend(*ax.get_legend_handles_labels(), loc="outside right upper", fontsize=8)
    drawn = [f for shown in lines.values() for f in shown]
    if drawn:
        ax.set_title(
            f"Flask over FastAPI against size: process mode, n={drawn[0].n}, sizes "
            + ", ".join(str(k) for k in sorted({f.size for f in drawn})),
            fontsize=10,
        )
    return fig


def framework_server(times: pd.DataFrame, probe: pd.DataFrame, *, n: int, size: int, heavy: str = "") -> Figure:
    """Frameworks by servers: per server family, each framework's median time for the
    article's gather (one request after idle, then back to back) with 95% intervals, and its
    /ping p99 while heavy requests run (hatched where the ping waited for the heavy work).

    ``times`` is :func:`bench.analysis.families.framework_server.times`, ``probe`` its :func:`probe_table`
    (empty: the panel says it was not measured); ``heavy`` names the probe's heavy request
    (its own n and size), which the right panel's title states."""
    panels = [("isolated", "one request after idle"), ("back_to_back", "the same again, back to back")]
    fig = Figure(figsize=(11, 3.6), layout="constrained")
    axes = fig.subplots(1, 3)
    names = list(dict.fromkeys(times["framework"])) if len(times) else []
    width = 0.8 / max(len(names), 1)
    for ax, (m, title) in zip(axes[:2], panels, strict=True):
        for k, f in enumerate(names):
            rows = times[(times["framework"] == f) & (times["trials"] > 0)]
            x = np.array([FAMILIES.index(fam) for fam in rows["family"]]) + (k - (len(names) - 1) / 2) * width
            v = rows[f"{m}_s"].to_numpy() * 1000
            err = np.nan_to_num(
                np.vstack([v - rows[f"{m}_low_s"].to_numpy() * 1000, rows[f"{m}_high_s"].to_numpy() * 1000 - v]),
                nan=0.0,
            )
            ax.bar(x, v, width, yerr=err, capsize=2, color=COLORS.get(f, "#999"), label=f if m == "isolated" else None)
        ax.set_xticks(range(len(FAMILIES)), [f"{fam}" for fam in FAMILIES])
        ax.set_ylabel("median ms (95% interval)")
        ax.set_title(f"{title}, n={n}, size {size}", fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    if names:
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=len(names), fontsize=8)
    ax = axes[2]
    if len(probe):
        for k, f in enumerate(names):
            rows = probe[probe["framework"] == f]
            x = np.array([FAMILIES.index(fam) for fam in rows["family"]]) + (k - (len(names) - 1) / 2) * width
            v = rows["p99_ms"].to_numpy()
            err = np.nan_to_num(np.vstack([v - rows["p99_low_ms"].to_numpy(), rows["p99_high_ms"].to_numpy() - v]))
            bars = ax.bar(x, v, width, yerr=err, capsize=2, color=COLORS.get(f, "#999"))
            for bar, stalls in zip(bars, rows["stalls"], strict=True):
                if stalls:
                    bar.set_hatch("//")
        ax.set_yscale("log")
        ax.set_xticks(range(len(FAMILIES)), list(FAMILIES))
        ax.set_ylabel("/ping p99 under load, ms (log)")
        ax.set_title(f"/ping while heavy requests run\n{heavy.strip(' ()')}\nhatched: it waited", fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    else:
        ax.axis("off")
        ax.text(0.5, 0.5, "blocking probe: not measured in this run", ha="center", fontsize=9)
    fig.suptitle(
        "Frameworks by server family (own: Werkzeug or uvicorn; gunicorn: sync or ASGI worker; Granian), "
        "process mode, one worker, the article's gather",
        fontsize=9,
    )
    return fig


#: One colour per strategy in the scaling figure.
STRATEGY_COLORS = {"gather": "#1f77b4", "sequential": "#7f7f7f", "threads": "#ff7f0e", "processes": "#2ca02c"}
#: One line style per framework in the scaling figure (the ideal dotted).
FRAMEWORK_STYLES = {"flask": "--", "fastapi": "-", "quart": "-.", "litestar": (0, (5, 1)), IDEAL: ":"}


def scaling(t: pd.DataFrame, *, cores: int | None, interval: str = "95% interval") -> Figure:
    """Speed-up against n, one panel per workload: a line per strategy (colour) and framework (style; the
    in-process ideal dotted) with its ``interval``, the line of every task at once (speed-up = n), and the
    core count. ``t`` is what to draw: the run's curves (:func:`bench.analysis.families.scaling.curves` of
    :func:`bench.analysis.families.scaling.table`), or an explorer's sweep."""
    workloads = list(dict.fromkeys(t["workload"])) if len(t) else []
    cols = 2 if len(workloads) > 1 else 1
    rows = max(1, -(-len(workloads) // cols))
    fig = Figure(figsize=(10, 3.4 * rows), layout="constrained")
    if not workloads:
        fig.text(0.5, 0.5, "no workload was measured at two n or more", ha="center")
        return fig
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, w in zip(axes, workloads, strict=False):
        g = t[t["workload"] == w]
        ns = sorted(int(k) for k in g["n"].unique())
        for (f, st), line in g.groupby(["framework", "strategy"], sort=True):
            line = line.sort_values("n")
            err = np.nan_to_num(
                np.vstack([line["speedup"] - line["low"], line["high"] - line["speedup"]]), nan=0.0
            ).clip(min=0)
            ax.errorbar(
                line["n"],
                line["speedup"],
                yerr=err,
                color=STRATEGY_COLORS.get(str(st), "#999"),
                linestyle=FRAMEWORK_STYLES.get(str(f), "-"),
                marker="o",
                markersize=3,
                capsize=2,
                label=f"{st}, {f}",
            )
        ax.plot(ns, ns, color="#bbb", lw=1, label="every task at once (speed-up = n)")
        if cores:
            ax.axvline(cores, color="#d62728", lw=0.8, ls="--", label=f"{cores} cores")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log", base=2)
        ax.set_xticks(ns, [str(k) for k in ns])
        ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
        ax.set_title(f"{w} (size {int(g['size'].iloc[0])})", fontsize=9)
        ax.set_xlabel("n tasks")
        ax.set_ylabel(f"speed-up ({interval})" if interval else "speed-up")
        ax.grid(alpha=0.3)
    for ax in axes[len(workloads) :]:
        ax.axis("off")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", fontsize=7)
    fig.suptitle("Speed-up against n, process mode and in-process (dotted: the in-process ideal)", fontsize=9)
    return fig


#: Each interpreter's colour in the figure without the GIL: with the GIL grey-blue, without orange.
GIL_COLORS = {"": "#4c72b0", FREE_THREADED: "#dd8452"}
#: Each side's line style there: Flask solid, the in-process ideal dotted.
GIL_STYLES = {"flask": "-", "fastapi": "-.", IDEAL: ":"}


def without_gil(
    speedups: dict[tuple[str, str], list[record.Figure]],
    costs: list[record.Figure],
    gathers: list[record.Figure],
    *,
    labels: dict[str, str],
) -> Figure:
    """The article's figure without the GIL, three panels: pure-Python threads' speed-up
    against n per (interpreter, side) of ``speedups`` (log scales, a grey line where every task
    runs at once, a line at 1); the single-thread cost of the free-threaded build per workload
    (``costs``, a ratio on a log scale); the article's gather's parallelism (``gathers``). A
    point has its 95% interval where it has one, else it is drawn open and the panel says there
    were too few trials for an interval. ``labels`` names each side."""
    fig = Figure(figsize=(11, 3.6), layout="constrained")
    left, middle, right = fig.subplots(1, 3, width_ratios=(1.3, 1, 1))
    few = False
    ns: set[int] = set()
    for (python, side), shown in speedups.items():
        x = [f.n for f in shown]
        ns |= set(x)
        y = [f.value for f in shown]
        color, style = GIL_COLORS.get(python, "#999"), GIL_STYLES.get(side, "-")
        where = "without the GIL" if python == FREE_THREADED else "with the GIL"
        left.plot(x, y, color=color, linestyle=style, label=f"{labels.get(side, side)}, {where}")
        for f in shown:
            few = not _point_at_n(left, f, color) or few
    if ns:
        k = sorted(ns)
        left.plot(k, k, color="#bbb", lw=1, label="every task at once (speed-up = n)")
        left.set_xscale("log", base=2)
        left.set_yscale("log", base=2)
        left.set_xticks(k, [str(v) for v in k])
        left.yaxis.set_major_formatter(FormatStrFormatter("%g"))
        left.axhline(1.0, color="#444", lw=0.8)
    else:
        left.text(0.5, 0.5, "no pure-Python threads in this run", ha="center", transform=left.transAxes)
    left.set_xlabel("n threads")
    left.set_ylabel("speed-up (95% interval, from 8 trials)" if not few else "speed-up")
    left.set_title("Pure-Python threads", fontsize=9)
    left.grid(alpha=0.3)
    if costs:
        _points(middle, costs, [f"{f.id.rsplit('.', 1)[-1]} (size {f.size})" for f in costs])
        ends = [x for f in costs for x in (f.value, f.low, f.high) if np.isfinite(x)]
        middle.set_xlim(min([0.8, *ends]) / 1.1, max([1.6, *ends]) * 1.1)
        middle.set_xlabel("free-threaded / project's (log); above 1: slower", fontsize=8)
    else:
        middle.text(0.5, 0.5, "no single-thread cost in this run", ha="center", transform=middle.transAxes)
        middle.axis("off")
    middle.set_title("One task alone (n=1, in-process)", fontsize=9)
    if gathers:
        few = _parallelism(right, gathers, labels) or few
    else:
        right.text(
            0.5,
            0.5,
            "the article's gather is not in this run\n(the gil preset measures it)",
            ha="center",
            va="center",
            fontsize=8,
            transform=right.transAxes,
        )
        right.axis("off")
    handles: dict[str, Any] = {}
    for ax in (left, right):
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, h)
    if handles:
        left.legend(
            list(handles.values()),
            list(handles),
            fontsize=7,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.22),
            frameon=False,
        )
    right.set_title("The article's gather" + (f" (size {gathers[0].size})" if gathers else ""), fontsize=9)
    if few:
        fig.text(0.99, 0.01, f"open points: {stats.TOO_FEW}", ha="right", va="bottom", fontsize=8)
    fig.suptitle("Without the GIL: the project's interpreter and the free-threaded build, side by side", fontsize=10)
    return fig


def _parallelism(ax: Any, gathers: list[record.Figure], labels: dict[str, str]) -> bool:
    """The gather's median parallelism against n, a line per interpreter and side (the speed-up
    panel's colours and styles), with intervals where they have one (open points without), a
    line at 1 (one task at a time) and the grey line of every task at once. Whether a point
    had too few trials for an interval."""
    few = False
    lines: dict[tuple[str, str], list[record.Figure]] = {}
    for f in gathers:
        _, label, side, *_ = f.id.split(".")
        lines.setdefault((FREE_THREADED if label == "freethreaded" else "", side), []).append(f)
    ns = sorted({f.n for f in gathers})
    for (python, side), shown in sorted(lines.items()):
        shown.sort(key=lambda f: f.n)
        color, style = GIL_COLORS.get(python, "#999"), GIL_STYLES.get(side, "-")
        where = "without the GIL" if python == FREE_THREADED else "with the GIL"
        ax.plot(
            [f.n for f in shown],
            [f.value for f in shown],
            color=color,
            linestyle=style,
            label=f"{labels.get(side, side)}, {where}",
        )
        for f in shown:
            few = not _point_at_n(ax, f, color) or few
    ax.plot(ns, ns, color="#bbb", lw=1)
    ax.axhline(1.0, color="#444", lw=0.8)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)
    ax.set_xticks(ns, [str(k) for k in ns])
    ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.set_xlabel("n tasks gathered")
    ax.set_ylabel("parallelism (1: one at a time)")
    ax.grid(alpha=0.3)
    return few


def _point_at_n(ax: Any, f: record.Figure, color: str) -> bool:
    """``f`` at its n: a point with its interval, or an open point where it has none (too few
    trials); whether it had one."""
    if np.isfinite(f.low) and np.isfinite(f.high):
        _interval(ax, f.n, f.low, f.high, horizontal=False, color=color)
        ax.plot([f.n], [f.value], "o", color=color, markersize=4)
        return True
    ax.plot([f.n], [f.value], "o", mfc="white", color=color, markersize=5)
    return False


#: In a run folder: the key of the run's files and code its figures were drawn from, and their names.
DRAWN = ".drawn"


def write_all(run: Run) -> list[Path]:
    """Write the run's figures into its folder and return their paths (none when the run has
    no successful measured trial): times.png; timeline-gather.png and timeline-sequential.png
    (the article's task at the preset's n and size); faster.png, gap.png and sizes.png where
    the run has the article's servers sent twice; strategies-<workload>.png and speedup.png
    where it has the strategy matrix; scaling.png where it measured a workload at two n or more.
    All of them of the project's own interpreter, one client (:func:`bench.analysis.tables.project_only`).
    Drawn again only when trials.csv, meta.json or the code changed since the figures in the
    folder were drawn (:data:`DRAWN` keeps their key, :func:`bench.analysis.results_cache.key`), or one is missing;
    every time where :mod:`bench.analysis.results_cache` keeps nothing."""
    if results_cache.folder() is None:
        return _draw_all(run)
    stamp, key = run.path / DRAWN, results_cache.key("drawings", [run.trials_path, run.meta_path])
    try:
        drawn = json.loads(stamp.read_text())
        paths = [run.path / name for name in drawn["names"]]
        if drawn["key"] == key and all(p.exists() for p in paths):
            return paths
    except (OSError, ValueError, KeyError, TypeError):
        pass  # none yet, or damaged: drawn again
    paths = _draw_all(run)
    stamp.write_text(json.dumps({"key": key, "names": [p.name for p in paths]}))
    return paths


def _draw_all(run: Run) -> list[Path]:
    df = project_only(run.trials())
    out: list[Path] = []
    if df.empty or measured(df).empty:
        return out
    ok = measured(df)
    preset = run.meta().get("preset", {})
    n = int(preset.get("n") or ok["n"].max())
    size = int(preset.get("size") or ok["size"].max())
    drawings = {"times.png": times(df)}
    for strategy in ("gather", "sequential"):
        if not ok[(ok["workload"] == "article") & (ok["strategy"] == strategy)].empty:
            panels = selection.timelines(ok, strategy, "article", n=n, size=size)
            drawn = timelines(panels, strategy=strategy, workload="article", n=n, size=size)
            drawings[f"timeline-{strategy}.png"] = drawn
    found = cited(run)
    if any(f.id.startswith("headline.") for f in found):
        drawings["faster.png"] = faster(headline.shown(found))
        drawings["sizes.png"] = sizes(by_size.lines(found))
    if any(f.id.startswith("gap.") for f in found):
        drawings["gap.png"] = decomposition(gap.panels(found))
    for workload in matrix_workloads(df):
        drawings[f"strategies-{workload}.png"] = strategy_timelines(selection.strategies(ok, workload), workload)
    if not ok[ok["framework"] == IDEAL].empty and ok["strategy"].nunique() > 2:
        parts = [p for p in selection.matrix(ok) if (p.n, p.size) == selection.matrix_scope(ok, p.workload)]
        drawings["speedup.png"] = speedup_heatmap(selection.speedup_cells(parts))
    curves = scaling_curves(scaling_table(ok))
    if not curves.empty:
        cores = run.meta().get("cpu", {}).get("usable_cores")
        drawings["scaling.png"] = scaling(curves, cores=cores)
    for name, fig in drawings.items():
        path = run.path / name
        fig.savefig(path, dpi=110)
        out.append(path)
    return out
