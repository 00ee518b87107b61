"""What each figure of trials draws, selected once: the plot draws it (:mod:`bench.presentation.timeline_plots`,
:mod:`bench.presentation.grid_plots`) and the caption cites it (:mod:`bench.presentation.article`), so that the
two cannot describe other data.

- :func:`timelines`: the panels of one strategy's task timelines, a trial per configuration;
- :func:`matrix`: each workload's strategy matrix against the in-process ideal;
- :func:`strategies`: one workload's timelines, a row per strategy, a column per framework;
- :func:`speedup_cells`: the matrix as one table of speed-ups, a cell per workload, framework and strategy.

The figures of cited numbers select by id in their families (:func:`bench.analysis.families.headline.shown`,
:func:`bench.analysis.families.gap.panels`, :func:`bench.analysis.families.size.lines`,
:func:`bench.analysis.families.scaling.curves`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bench.analysis.tables import measured
from bench.vocabulary import stats
from bench.vocabulary.config import IDEAL, IN_PROCESS, native_sides


def _representative(
    df: pd.DataFrame, framework: str, mode: str, strategy: str, endpoint: str | None = None, workload: str | None = None
) -> pd.Series | None:
    """The trial among the measured ``df`` whose wall time is closest to its configuration's median."""
    g = df[(df["framework"] == framework) & (df["mode"] == mode) & (df["strategy"] == strategy)]
    if endpoint is not None:
        g = g[g["endpoint"] == endpoint]
    if workload is not None:
        g = g[g["workload"] == workload]
    if g.empty:
        return None
    return g.iloc[int((g["client_wall_s"] - g["client_wall_s"].median()).abs().to_numpy().argmin())]


@dataclass(frozen=True)
class Panel:
    """One configuration's panel: its trials, and the one drawn (nearest the median)."""

    framework: str
    mode: str
    endpoint: str
    trials: pd.DataFrame
    drawn: pd.Series


def timelines(ok: pd.DataFrame, strategy: str, workload: str, *, n: int, size: int) -> list[Panel]:
    """One panel per framework, mode and endpoint (the in-process ideal last) of ``workload``
    run with ``strategy``, ``n`` tasks of ``size``, plain servers only, from measured trials."""
    sel = ok[(ok["strategy"] == strategy) & (ok["workload"] == workload) & (ok["variant"] == "")]
    sel = sel[(sel["n"] == n) & (sel["size"] == size)]
    keys = sorted(
        {tuple(p) for p in sel[["framework", "mode", "endpoint"]].itertuples(index=False)},
        key=lambda p: (p[0] == IDEAL, p[0], p[1], p[2]),
    )
    out = []
    for f, m, e in keys:
        t = sel[(sel["framework"] == f) & (sel["mode"] == m) & (sel["endpoint"] == e)]
        drawn = _representative(t, f, m, strategy, e, workload)
        if drawn is not None:
            out.append(Panel(str(f), str(m), str(e), t, drawn))
    return out


def _matrix_mode(ok: pd.DataFrame, workload: str) -> str:
    """The mode in which the run measured most strategies of ``workload`` (process wins ties)."""
    served = ok[(ok["workload"] == workload) & (ok["framework"] != IDEAL)]
    counts = served.groupby("mode")["strategy"].nunique()
    return "process" if counts.get("process", 0) >= counts.get("thread", 0) else "thread"


def matrix_scope(ok: pd.DataFrame, workload: str) -> tuple[int, int]:
    """The n and size at which the run measured the most strategies of ``workload`` (the
    larger n, then size, on a tie): where its strategies are compared."""
    served = ok[(ok["workload"] == workload) & (ok["framework"] != IDEAL) & (ok["variant"] == "")]
    counts = served.groupby(["n", "size"])["strategy"].nunique()
    n, size = max(counts.index, key=lambda k: (counts[k], k))
    return int(n), int(size)


def _native_trials(ok: pd.DataFrame, workload: str, n: int, size: int) -> tuple[str, pd.DataFrame]:
    """The mode a figure shows ``workload`` in (:func:`_matrix_mode`), and its plain trials at
    ``n`` and ``size`` in that mode's native endpoint styles and the in-process ideal's."""
    g = ok[(ok["workload"] == workload) & (ok["n"] == n) & (ok["size"] == size) & (ok["variant"] == "")]
    mode = _matrix_mode(g, workload)
    keep = np.zeros(len(g), dtype=bool)
    for fw, m, ep in native_sides(mode):
        keep |= ((g["framework"] == fw) & (g["mode"] == m) & (g["endpoint"] == ep)).to_numpy()
    return mode, g[keep]


@dataclass(frozen=True)
class Matrix:
    """One workload's strategy matrix at one n and size: the mode shown, the trials of each
    framework's native endpoint style there and of the ideal, and the ideal's one-after-another
    times (the baseline of every speed-up)."""

    workload: str
    n: int
    size: int
    mode: str
    trials: pd.DataFrame
    baseline: pd.Series


def matrix(ok: pd.DataFrame) -> list[Matrix]:
    """Every workload, n and size at which the run measured the ideal one task after another
    and some framework beside it, in order."""
    seq = ok[(ok["framework"] == IDEAL) & (ok["strategy"] == "sequential") & (ok["variant"] == "")]
    out = []
    for w, n, size in (
        seq[["workload", "n", "size"]].drop_duplicates().sort_values(["workload", "n", "size"]).itertuples(index=False)
    ):
        mode, g = _native_trials(ok, str(w), int(n), int(size))
        if g[g["framework"] != IDEAL].empty:
            continue
        base = seq[(seq["workload"] == w) & (seq["n"] == n) & (seq["size"] == size)]["client_wall_s"]
        out.append(Matrix(str(w), int(n), int(size), mode, g, base))
    return out


@dataclass(frozen=True)
class Strategies:
    """One workload's timelines at its :func:`matrix_scope`: for each strategy (a row) and
    each column (a framework's native endpoint, and the ideal), the trial drawn, if any."""

    workload: str
    n: int
    size: int
    mode: str
    strategies: tuple[str, ...]
    columns: tuple[tuple[str, str, str], ...]
    drawn: dict[tuple[str, tuple[str, str, str]], pd.Series]
    trials: pd.DataFrame


def strategies(ok: pd.DataFrame, workload: str) -> Strategies | None:
    """The timelines of ``workload``'s strategies, from measured trials; None if no framework
    ran it."""
    if ok[(ok["workload"] == workload) & (ok["framework"] != IDEAL)].empty:
        return None
    n, size = matrix_scope(ok, workload)
    mode, sel = _native_trials(ok, workload, n, size)
    names = tuple(sorted(sel["strategy"].unique()))
    columns = tuple(c for c in native_sides(mode) if not sel[(sel["framework"] == c[0]) & (sel["mode"] == c[1])].empty)
    drawn = {}
    for strategy in names:
        for column in columns:
            t = _representative(sel, column[0], column[1], strategy, column[2], workload)
            if t is not None:
                drawn[(strategy, column)] = t
    return Strategies(workload, n, size, mode, names, columns, drawn, sel)


def matrix_workloads(df: pd.DataFrame) -> list[str]:
    """The workloads the run's trials measured with more than the article's two strategies."""
    ok = measured(df)
    return [w for w in sorted(ok["workload"].unique()) if ok[ok["workload"] == w]["strategy"].nunique() > 2]


def speedup_cells(parts: list[Matrix]) -> pd.DataFrame:
    """Every cell of the strategy x workload matrix (:func:`matrix`): per workload, framework
    (its native endpoint style; the in-process ideal too) and strategy, the speed-up over the
    ideal one task after another with its 95% interval (NaN with fewer than
    :data:`bench.vocabulary.stats.MIN_TRIALS` trials a side), its trials (the fewer of the two sides',
    and each side's) and whether it is resolved above or
    below 1 (``side``: 1, -1, or 0 when unresolved or without an interval)."""
    rows: list[dict[str, object]] = []
    for part in parts:
        for (fw, ep, strategy), t in part.trials.groupby(["framework", "endpoint", "strategy"], sort=True):
            wall = t["client_wall_s"].dropna()
            if wall.empty:
                continue
            r = stats.ratio_ci(part.baseline, wall)  # no interval from fewer than MIN_TRIALS a side
            low, high = r.low, r.high
            side = 0 if not np.isfinite(low) else (1 if low > 1 else (-1 if high < 1 else 0))
            rows.append(
                {
                    "workload": part.workload,
                    "n": part.n,
                    "size": part.size,
                    "mode": IN_PROCESS if fw == IDEAL else part.mode,
                    "framework": str(fw),
                    "endpoint": str(ep),
                    "strategy": str(strategy),
                    "speedup": r.value,
                    "low": low,
                    "high": high,
                    "trials": int(min(len(wall), len(part.baseline))),
                    "served_trials": len(wall),
                    "baseline_trials": len(part.baseline),
                    "side": side,
                }
            )
    return pd.DataFrame(rows)
