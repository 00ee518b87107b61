"""The article's figure without the GIL (:func:`without_gil`): pure-Python threads' speed-up against
n, the free-threaded build's single-thread cost and the article's gather's parallelism, each under
the project's interpreter and the free-threaded one, in the interpreters' colours
(:data:`bench.presentation.palette.GIL_COLORS`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter

from bench.analysis import figure
from bench.presentation import palette
from bench.vocabulary import stats
from bench.vocabulary.config import FREE_THREADED


def without_gil(
    speedups: dict[tuple[str, str], list[figure.Figure]],
    costs: list[figure.Figure],
    gathers: list[figure.Figure],
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
        color, style = palette.GIL_COLORS.get(python, "#999"), palette.GIL_STYLES.get(side, "-")
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
        palette.points(middle, costs, [f"{f.id.rsplit('.', 1)[-1]} (size {f.size})" for f in costs])
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


def _parallelism(ax: Any, gathers: list[figure.Figure], labels: dict[str, str]) -> bool:
    """The gather's median parallelism against n, a line per interpreter and side (the speed-up
    panel's colours and styles), with intervals where they have one (open points without), a
    line at 1 (one task at a time) and the grey line of every task at once. Whether a point
    had too few trials for an interval."""
    few = False
    lines: dict[tuple[str, str], list[figure.Figure]] = {}
    for f in gathers:
        _, label, side, *_ = f.id.split(".")
        lines.setdefault((FREE_THREADED if label == "freethreaded" else "", side), []).append(f)
    ns = sorted({f.n for f in gathers})
    for (python, side), shown in sorted(lines.items()):
        shown.sort(key=lambda f: f.n)
        color, style = palette.GIL_COLORS.get(python, "#999"), palette.GIL_STYLES.get(side, "-")
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


def _point_at_n(ax: Any, f: figure.Figure, color: str) -> bool:
    """``f`` at its n: a point with its interval, or an open point where it has none (too few
    trials); whether it had one."""
    if np.isfinite(f.low) and np.isfinite(f.high):
        palette.interval(ax, f.n, f.low, f.high, horizontal=False, color=color)
        ax.plot([f.n], [f.value], "o", color=color, markersize=4)
        return True
    ax.plot([f.n], [f.value], "o", mfc="white", color=color, markersize=5)
    return False
