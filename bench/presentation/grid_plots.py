"""Figures of speed-ups and times across many configurations at once:

- :func:`speedup_heatmap`: the strategy x workload matrix, each cell its speed-up over the ideal;
- :func:`framework_server`: each framework behind each server family, and its /ping under load;
- :func:`scaling`: speed-up against n, a line per strategy and framework, per workload.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import FormatStrFormatter

from bench.presentation import palette
from bench.vocabulary import stats
from bench.vocabulary.config import IDEAL
from bench.vocabulary.sides import FAMILIES
from servers import harness


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
    sides = [f for f in (*palette.COLORS,) if f in set(cells["framework"])]
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


def framework_server(times: pd.DataFrame, probe: pd.DataFrame, *, n: int, size: int, heavy: str = "") -> Figure:
    """Frameworks by servers: per server family, each framework's median time for the
    article's gather (one request after idle, then back to back) with 95% intervals, and its
    /ping p99 while heavy requests run (hatched where the ping waited for the heavy work).

    ``times`` is :func:`bench.analysis.families.framework_server.times`, ``probe`` its :func:`probe_table`
    (empty: no third panel at all); ``heavy`` names the probe's heavy request (its own n and
    size), which the right panel's title states."""
    panels = [("isolated", "one request after idle"), ("back_to_back", "the same again, back to back")]
    fig = Figure(figsize=(11 if len(probe) else 8, 3.6), layout="constrained")
    axes = fig.subplots(1, 3 if len(probe) else 2)
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
            ax.bar(
                x,
                v,
                width,
                yerr=err,
                capsize=2,
                color=palette.COLORS.get(f, "#999"),
                label=f if m == "isolated" else None,
            )
        ax.set_xticks(range(len(FAMILIES)), [f"{fam}" for fam in FAMILIES])
        ax.set_ylabel("median ms (95% interval from 8 trials)")
        ax.set_title(f"{title}, n={n}, size {size}", fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    if names:
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=len(names), fontsize=8)
    if len(probe):
        ax = axes[2]
        for k, f in enumerate(names):
            rows = probe[probe["framework"] == f]
            x = np.array([FAMILIES.index(fam) for fam in rows["family"]]) + (k - (len(names) - 1) / 2) * width
            v = rows["p99_ms"].to_numpy()
            err = np.nan_to_num(np.vstack([v - rows["p99_low_ms"].to_numpy(), rows["p99_high_ms"].to_numpy() - v]))
            bars = ax.bar(x, v, width, yerr=err, capsize=2, color=palette.COLORS.get(f, "#999"))
            for bar, stalls in zip(bars, rows["stalls"], strict=True):
                if stalls:
                    bar.set_hatch("//")
        ax.set_yscale("log")
        ax.set_xticks(range(len(FAMILIES)), list(FAMILIES))
        ax.set_ylabel("/ping's slowest under load, ms (log)")
        ax.set_title(f"/ping while heavy requests run\n{heavy.strip(' ()')}\nhatched: it waited", fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(
        "Frameworks by server family (own: Werkzeug or uvicorn; gunicorn: sync or ASGI worker; Granian), "
        "process mode, one worker, the article's gather",
        fontsize=9,
    )
    return fig


def scaling(t: pd.DataFrame, *, cores: int | None, interval: str = "95% interval") -> Figure:
    """Speed-up against n, one panel per workload: a line per strategy (colour) and framework (style; the
    in-process ideal dotted) with its ``interval``, open points where a ``trials`` column says a point
    had too few trials for one, the line of every task at once (speed-up = n), and the core count.
    ``t`` is what to draw: the run's curves (:func:`bench.analysis.families.scaling.curves` of
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
                color=palette.STRATEGY_COLORS.get(str(st), "#999"),
                linestyle=palette.FRAMEWORK_STYLES.get(str(f), "-"),
                marker="o",
                markersize=3,
                capsize=2,
                label=f"{st}, {f}",  # names the curve for whoever reads the figure back; the legend is drawn below
            )
            few = line[line["trials"] < stats.MIN_TRIALS] if "trials" in line else line.iloc[:0]
            color = palette.STRATEGY_COLORS.get(str(st), "#999")
            ax.plot(few["n"], few["speedup"], "o", mfc="white", color=color, markersize=4, linestyle="none")
        ax.plot(ns, ns, color="#bbb", lw=1)
        if cores:
            ax.axvline(cores, color="#d62728", lw=0.8, ls="--")
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
    strategies = list(dict.fromkeys(str(v) for v in t["strategy"]))
    frameworks = list(dict.fromkeys(str(v) for v in t["framework"]))
    handles = [
        *(Line2D([], [], color=palette.STRATEGY_COLORS.get(st, "#999"), label=st) for st in strategies),
        *(
            Line2D([], [], color="#444", linestyle=palette.FRAMEWORK_STYLES.get(f, "-"), label=_framework_name(f))
            for f in frameworks
        ),
        Line2D([], [], color="#bbb", label="every task at once"),
        *([Line2D([], [], color="#d62728", ls="--", label=f"{cores} cores")] if cores else []),
    ]
    fig.legend(handles=handles, loc="outside right upper", fontsize=7, title="colour: strategy\nline: framework")
    if "trials" in t and bool((t["trials"] < stats.MIN_TRIALS).any()):
        fig.text(0.99, 0.01, f"open points: {stats.TOO_FEW}", ha="right", va="bottom", fontsize=8)
    fig.suptitle("Speed-up against n: behind each framework in process mode, and the in-process ideal", fontsize=9)
    return fig


def _framework_name(framework: str) -> str:
    return "in-process ideal" if framework == IDEAL else harness.framework(framework).label
