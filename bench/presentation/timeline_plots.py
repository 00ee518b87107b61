"""When each task of a request ran, as timelines: a bar per task from the moment the client sent
the request, and a dark bar for the whole request as the client saw it.

- :func:`timelines`: one strategy's tasks, one representative trial per server (the article's);
- :func:`strategy_timelines`: one workload, a row per strategy and a column per framework;
- :func:`request_timeline`: one ``/run`` answer (the explorer's).
"""

from __future__ import annotations

import json
from typing import Any

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from bench.analysis.selection import Panel, Strategies
from bench.presentation import palette
from bench.vocabulary.config import IDEAL
from servers import harness


def _at_once(t: Any, digits: int = 2) -> str:
    """A timeline's parallelism (tasks at once, in cores) and overlap (in progress at once), as
    a title says them; the overlap alone for a trial older than the parallelism."""
    par, over = float(t.get("parallelism", float("nan"))), float(t.get("overlap", float("nan")))
    if par != par:
        return f"overlap {over:.{digits}f}"
    return f"parallelism {par:.{digits}f}, overlap {over:.{digits}f}"


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
        _draw_tasks(
            ax,
            json.loads(t["tasks"]),
            t["sent_mono"],
            t["client_wall_s"],
            palette.COLORS.get(p.framework, "#999"),
            labels=True,
        )
        ax.set_title(f"{title}: {_at_once(t)}, wall {t['client_wall_s']:.2f} s", fontsize=9, loc="left")
        ax.grid(axis="x", alpha=0.3)
    axes[-1].set_xlabel("seconds since the client sent the request (the trial nearest the median)")
    fig.suptitle(f"Task timelines: {workload} workload, strategy {strategy}, n={n}, size={size}")
    return fig


def _draw_tasks(
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
    color = palette.COLORS.get(answer["framework"], "#999")
    fig = Figure(figsize=(8, 0.4 * len(tasks) + 1.9), layout="constrained")
    ax = fig.add_subplot()
    _draw_tasks(ax, tasks, answer["sent_mono"], answer["wall_s"], color, labels=True)
    handles = [Patch(color=color, label=f"a task ({answer['framework']})"), Patch(color="#444", label="the request")]
    base = answer.get("one_after_another_s", float("nan"))
    title = f"{_at_once(answer)}, wall {answer['wall_s']:.3f} s"
    if base == base:  # not NaN
        ax.barh(len(tasks), base, left=0, height=0.3, color="white", edgecolor="#444", hatch="///")
        ticks = list(ax.get_yticks()) + [len(tasks)]
        labels = [t.get_text() for t in ax.get_yticklabels()] + ["one after another"]
        ax.set_yticks(ticks, labels, fontsize=7)
        here = f"the same tasks one after another, {answer.get('one_after_another_where', 'in this process')}"
        handles.append(Patch(facecolor="white", edgecolor="#444", hatch="///", label=here))
        title = f"speed-up {answer['speedup']:.2f}, " + title
    _label_gaps(ax, tasks, answer["sent_mono"], answer["wall_s"])
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.25), ncols=3, fontsize=7, frameon=False)
    ax.set_xlabel("seconds since the request was sent")
    ax.set_title(
        f"{answer['framework']} / {answer['endpoint']} endpoint: {answer['workload']} x{answer['n']} "
        f"with {answer['strategy']}\n{title}",
        fontsize=10,
    )
    return fig


#: The smallest gap, in seconds, that :func:`_label_gaps` labels.
LABELLED_GAP_S = 0.002


def _label_gaps(ax: Any, tasks: list[dict[str, Any]], sent: float, wall: float) -> None:
    """Shade, on the request's bar, the time before the first task started (the request
    reaching the server, the handler and its strategy starting) and after the last one ended
    (the answer made and sent back), and say each under it, where it is at least
    :data:`LABELLED_GAP_S`."""
    if not tasks:
        return
    first, last = min(t["start"] for t in tasks) - sent, max(t["end"] for t in tasks) - sent
    if first >= LABELLED_GAP_S:
        ax.barh(-1, first, left=0, height=0.3, color="#bbb")
        ax.text(0, -0.5, f"{first * 1000:.0f} ms before the first task: request in, handler starting", fontsize=6)
    if wall - last >= LABELLED_GAP_S:
        ax.barh(-1, wall - last, left=last, height=0.3, color="#bbb")
        ax.text(
            wall, -0.5, f"{(wall - last) * 1000:.0f} ms after the last: answer made and sent", fontsize=6, ha="right"
        )


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
            _draw_tasks(ax, json.loads(t["tasks"]), t["sent_mono"], t["client_wall_s"], palette.COLORS.get(fw, "#999"))
            ax.set_title(f"{fw} {strategy}: {_at_once(t, 1)}, {t['client_wall_s']:.2f} s", fontsize=8, loc="left")
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
