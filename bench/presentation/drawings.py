"""The figures a run's report leaves in its folder as PNGs (:func:`write_all`), drawn again only when
the run or the code changed: the overview of times per configuration (:func:`_times`, drawn here), and
the article's figures of the same run (:mod:`bench.presentation.timeline_plots`,
:mod:`bench.presentation.ratio_plots`, :mod:`bench.presentation.grid_plots`), each drawing what the
analysis selected for it once (:mod:`bench.analysis.selection` and the families).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from bench.analysis import results_cache, selection
from bench.analysis.cited_figures import cited
from bench.analysis.families import gap, headline, scaling
from bench.analysis.families import size as by_size
from bench.analysis.selection import matrix_workloads
from bench.analysis.tables import measured, project_only, summary
from bench.instrument.store import Run
from bench.presentation import grid_plots, palette, ratio_plots, timeline_plots
from bench.vocabulary.config import IDEAL


def _label(r: dict[Any, Any]) -> str:
    variant = f"[{r['variant']}]" if r["variant"] else ""
    return f"{r['framework']}{variant} / {r['mode']} / {r['endpoint']} / {r['strategy']}"


def _times(df: pd.DataFrame) -> Figure:
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
        ax.barh(y, g["wall_s"], xerr=err, capsize=3, color=[palette.COLORS.get(f, "#999") for f in g["framework"]])
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
    drawings = {"times.png": _times(df)}
    for strategy in ("gather", "sequential"):
        if not ok[(ok["workload"] == "article") & (ok["strategy"] == strategy)].empty:
            panels = selection.timelines(ok, strategy, "article", n=n, size=size)
            drawn = timeline_plots.timelines(panels, strategy=strategy, workload="article", n=n, size=size)
            drawings[f"timeline-{strategy}.png"] = drawn
    found = cited(run)
    if any(f.id.startswith("headline.") for f in found):
        drawings["faster.png"] = ratio_plots.faster(headline.shown(found))
        drawings["sizes.png"] = ratio_plots.sizes(by_size.lines(found))
    if any(f.id.startswith("gap.") for f in found):
        drawings["gap.png"] = ratio_plots.decomposition(gap.panels(found))
    for workload in matrix_workloads(df):
        drawings[f"strategies-{workload}.png"] = timeline_plots.strategy_timelines(
            selection.strategies(ok, workload), workload
        )
    if not ok[ok["framework"] == IDEAL].empty and ok["strategy"].nunique() > 2:
        parts = [p for p in selection.matrix(ok) if (p.n, p.size) == selection.matrix_scope(ok, p.workload)]
        drawings["speedup.png"] = grid_plots.speedup_heatmap(selection.speedup_cells(parts))
    curves = scaling.curves(scaling.table(ok))
    if not curves.empty:
        cores = run.meta().get("cpu", {}).get("usable_cores")
        drawings["scaling.png"] = grid_plots.scaling(curves, cores=cores)
    for name, fig in drawings.items():
        path = run.path / name
        fig.savefig(path, dpi=110)
        out.append(path)
    return out
