"""What the figures of a run share: each framework's colour, each strategy's, each interpreter's
and their line styles, where a ratio's log axis is labelled, and the two marks several figures
draw (:func:`interval`, a 95% interval from its own bounds; :func:`points`, ratios on a log scale).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.ticker import FixedLocator, FormatStrFormatter, NullLocator

from bench.analysis import figure
from bench.vocabulary import stats
from bench.vocabulary.config import FREE_THREADED, IDEAL

#: One colour per framework (the article's two as before), grey for the ideal.
COLORS = {"flask": "#1f77b4", "fastapi": "#2ca02c", "quart": "#9467bd", "litestar": "#d62728", IDEAL: "#7f7f7f"}

#: One colour per strategy in the scaling figure.
STRATEGY_COLORS = {"gather": "#1f77b4", "sequential": "#7f7f7f", "threads": "#ff7f0e", "processes": "#2ca02c"}
#: One line style per framework in the scaling figure (the ideal dotted).
FRAMEWORK_STYLES: dict[str, Any] = {"flask": "--", "fastapi": "-", "quart": "-.", "litestar": (0, (5, 1)), IDEAL: ":"}
#: Each interpreter's colour in the figure without the GIL: with the GIL grey-blue, without orange.
GIL_COLORS = {"": "#4c72b0", FREE_THREADED: "#dd8452"}
#: Each side's line style there: Flask solid, the in-process ideal dotted.
GIL_STYLES = {"flask": "-", "fastapi": "-.", IDEAL: ":"}

#: Where a ratio's log axis is labelled.
RATIO_TICKS = (0.25, 0.33, 0.5, 0.67, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 2, 3, 4)


def interval(ax: Any, at: float, low: float, high: float, *, horizontal: bool, color: str) -> None:
    """A 95% interval drawn from its own low to its own high, with caps: a percentile bootstrap
    interval need not contain its estimate (a product of ratios over a few trials), so it is
    not drawn as distances from the point."""
    mid, half = (low + high) / 2, (high - low) / 2
    if horizontal:
        ax.errorbar([mid], [at], xerr=[half], fmt="none", ecolor=color, capsize=3)
    else:
        ax.errorbar([at], [mid], yerr=[half], fmt="none", ecolor=color, capsize=3)


def points(ax: Any, shown: list[figure.Figure], labels: list[str]) -> None:
    """Ratios as points on a log scale, a row each, with their 95% intervals where they have
    one (an open point where a side had too few trials for an interval), and a line at 1."""
    y = np.arange(len(shown))
    for k, f in enumerate(shown):
        has = bool(np.isfinite(f.low) and np.isfinite(f.high))
        color = "#d62728" if f.met is False else "#1f77b4"
        if has:
            interval(ax, k, f.low, f.high, horizontal=True, color=color)
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
