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

#: The fewest trials a side a speed-up point needs to be drawn: one or two trials are not a result.
SHOWN_FROM = 3
#: How far apart, on the log-2 n axis, the lines of one panel are drawn at the same n, so that
#: equal points (two speed-ups of 1 at n=2) stay visible side by side.
DODGE = 0.06


def _dodged(i: int, count: int) -> float:
    """The factor the ``i``-th of ``count`` lines multiplies its n by (1 for one line)."""
    return float(2.0 ** ((i - (count - 1) / 2) * DODGE))


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
    fig = Figure(figsize=(11 if gathers else 8, 4.2), layout="constrained")
    axes = fig.subplots(1, 3 if gathers else 2, width_ratios=(1.3, 1, 1) if gathers else (1.3, 1))
    left, middle = axes[0], axes[1]
    few = False
    ns: set[int] = set()
    for i, ((python, side), every) in enumerate(speedups.items()):
        shown = [f for f in every if f.trials >= SHOWN_FROM]  # a point from one or two trials is not drawn
        ns |= {f.n for f in shown}
        few = _line(left, shown, python, labels.get(side, side), side=side, dodge=_dodged(i, len(speedups))) or few
    if ns:
        k = sorted(ns)
        left.plot(k, k, color="#bbb", lw=1, label="every task at once (speed-up = n)")
        left.set_xscale("log", base=2)
        left.set_yscale("log", base=2)
        left.set_xticks(k, [str(v) for v in k])
        left.set_xlim(k[0] / 1.5, k[-1] * 1.5)  # room beside the lines dodged apart at each n
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
        right = axes[2]
        few = _parallelism(right, gathers, labels) or few
        right.set_title(f"The article's gather (size {gathers[0].size})", fontsize=9)
    handles: dict[str, Any] = {}
    for ax in axes[::2]:
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, h)
    if handles:
        left.legend(
            list(handles.values()),
            list(handles),
            fontsize=7,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.24),
            ncols=2,
            frameon=False,
        )
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
    for i, ((python, side), shown) in enumerate(sorted(lines.items())):
        shown.sort(key=lambda f: f.n)
        few = _line(ax, shown, python, labels.get(side, side), side=side, dodge=_dodged(i, len(lines))) or few
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


def _line(ax: Any, shown: list[figure.Figure], python: str, name: str, *, side: str, dodge: float) -> bool:
    """One interpreter's line for one side (its colour, the side's style, ``name`` with or
    without the GIL in the legend), each point with its interval (:func:`_point_at_n`), its n
    times ``dodge``; whether a point had too few trials for an interval."""
    color, style = palette.GIL_COLORS.get(python, "#999"), palette.GIL_STYLES.get(side, "-")
    where = "without the GIL" if python == FREE_THREADED else "with the GIL"
    ax.plot(
        [f.n * dodge for f in shown], [f.value for f in shown], color=color, linestyle=style, label=f"{name}, {where}"
    )
    few = False
    for f in shown:
        few = not _point_at_n(ax, f, color, dodge=dodge) or few
    return few


def _point_at_n(ax: Any, f: figure.Figure, color: str, *, dodge: float) -> bool:
    """``f`` at its n (times ``dodge``): a point with its interval, or an open point where it has
    none (too few trials); whether it had one."""
    x = f.n * dodge
    if np.isfinite(f.low) and np.isfinite(f.high):
        palette.interval(ax, x, f.low, f.high, horizontal=False, color=color)
        ax.plot([x], [f.value], "o", color=color, markersize=4)
        return True
    ax.plot([x], [f.value], "o", mfc="white", color=color, markersize=5)
    return False
