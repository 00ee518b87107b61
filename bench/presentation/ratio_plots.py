"""The article's two servers as ratios, Flask's over FastAPI's, with their 95% intervals:

- :func:`faster`: the headline's three meanings of "faster" (and peak memory);
- :func:`decomposition`: the gap, one change at a time, per measure;
- :func:`sizes`: the headline ratios against the article task's size.

Each draws what the analysis selected for it once (:func:`bench.analysis.families.headline.shown`,
:func:`bench.analysis.families.gap.panels`, :func:`bench.analysis.families.size.lines`).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from bench.analysis import figure
from bench.analysis.families.size import ARTICLE_RATIO
from bench.presentation import palette


def _measure_name(measure: str) -> str:
    """A measure as the article names it: ``after idle``, ``back to back``, ``server CPU``."""
    return {"isolated": "after idle", "server_cpu": "server CPU"}.get(measure, measure.replace("_", " "))


def faster(shown: list[figure.Figure]) -> Figure:
    """The headline (:func:`bench.analysis.families.headline.shown`): Flask's over FastAPI's for each measure,
    as points with their 95% intervals on a log scale (red where an interval missed the
    preset's target), a line at 1 and the article's 2.2x (one request, what it timed)."""
    fig = Figure(figsize=(9, 1.5 + 0.5 * max(len(shown), 2)), layout="constrained")
    if not shown:
        fig.text(0.5, 0.5, "no trials of the article's two servers sent twice", ha="center")
        return fig
    ax = fig.add_subplot()
    palette.points(ax, shown, [_measure_name(f.measure) for f in shown])
    ax.axvline(ARTICLE_RATIO, color="#d62728", lw=0.8, ls="--")
    ax.annotate(
        "the article: 2.2x\n(one request, size 10000)",
        (ARTICLE_RATIO, 1),
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


def decomposition(panels: list[tuple[str, list[figure.Figure]]]) -> Figure:
    """Per timed measure (:func:`bench.analysis.families.gap.panels`): the article's gap (its Flask as it
    ran it over its FastAPI), each step of the chain between them, the product of the named
    steps and the rest, as points on a log scale with their 95% intervals."""
    fig = Figure(figsize=(9, 0.6 + 2.4 * max(len(panels), 1)), layout="constrained")
    if not panels:
        fig.text(0.5, 0.5, "no controlled comparisons in this run", ha="center")
        return fig
    axes = fig.subplots(len(panels), 1, squeeze=False, sharex=True)[:, 0]
    for ax, (m, shown) in zip(axes, panels, strict=True):
        palette.points(ax, shown, [f.id.rsplit(".", 1)[1] for f in shown])
        ax.set_title(_measure_name(m), fontsize=9, loc="left")
    first = panels[0][1][0]
    axes[-1].set_xlabel("ratio, log scale (95% interval); 1 = no difference")
    fig.suptitle(f"The gap one change at a time: process mode, n={first.n}, size {first.size}", fontsize=10)
    return fig


def sizes(lines: dict[str, list[figure.Figure]]) -> Figure:
    """The headline ratios against the article task's size (:func:`bench.analysis.families.size.lines`), with
    95% intervals where a point has the trials for one (open points: too few); the measured
    sizes only, nothing carried beyond them."""
    fig = Figure(figsize=(9, 4.2), layout="constrained")
    ax = fig.add_subplot()
    for k, m in enumerate(figure.TIMED):
        shown = lines.get(m, [])
        if not shown:
            continue
        x = np.array([f.size for f in shown], dtype=float) * 2 ** (0.03 * (k - 1))  # a little apart
        y = np.array([f.value for f in shown])
        err = np.nan_to_num(np.array([[f.value - f.low for f in shown], [f.high - f.value for f in shown]]), nan=0.0)
        bars = ax.errorbar(x, y, yerr=err, fmt="o-", capsize=3, label=_measure_name(m))
        few = np.array([not np.isfinite(f.low) for f in shown])
        if few.any():  # open points: too few trials for an interval
            ax.plot(x[few], y[few], "o", mfc="white", color=bars.lines[0].get_color())
    if any(not np.isfinite(f.low) for shown in lines.values() for f in shown):
        ax.plot([], [], "o", mfc="white", color="#444", label="open: too few trials for an interval")
    ax.axhline(1.0, color="#444", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("the article task's size (array side), log scale")
    ax.set_ylabel("Flask / FastAPI")
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
