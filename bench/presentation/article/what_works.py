"""Section 3, what makes functions run in parallel? The strategy x workload heatmap against the
same tasks one after another in-process."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from bench.analysis import selection
from bench.analysis.claims import (
    Fact,
    Rule,
    joined,
    stated,
)
from bench.analysis.tables import measured
from bench.presentation import grid_plots
from bench.presentation.article.captions import (
    NOTHING,
    Says,
    Shown,
    captioned,
    framework_label,
    nothing,
    said,
)
from bench.vocabulary import stats
from bench.vocabulary.config import IDEAL


def what_works(df: pd.DataFrame, number: int) -> Shown:
    """The strategy x workload matrix as one heatmap of speed-up over the same tasks one after
    another in-process, and which cells with the trials for an interval are resolved faster."""
    ok = measured(df)
    parts = [p for p in selection.matrix(ok) if (p.n, p.size) == selection.matrix_scope(ok, p.workload)]
    cells = selection.speedup_cells(parts)
    drawing = grid_plots.speedup_heatmap(cells)
    if cells.empty:
        return Shown(drawing, nothing("Figure", number, "strategy matrix"), NOTHING)
    says = Says.of_rows(cells.assign(endpoint=cells["endpoint"]))
    cites = f"Figure {number}"
    claims = []
    served = cells[cells["framework"] != IDEAL]
    judged = served[served["trials"] >= stats.MIN_TRIALS]
    if len(judged):
        rows = judged.to_dict("records")
        facts = tuple(_cell_fact(r) for r in rows)
        named = {f.label for f in facts if f.side == 1}
        claims.append(
            stated(
                "works.resolved",
                f"of the cells with {stats.MIN_TRIALS} trials or more a side, faster than one after another: "
                + (_grouped(rows, facts, faster=True) or "none")
                + ("; not resolved so: " + _grouped(rows, facts, faster=False) if len(named) < len(facts) else "")
                + " (each with its interval in What to do and the heatmap)",
                facts,
                Rule(
                    "the cells named faster are those resolved above 1",
                    lambda fs: {f.label for f in fs if f.side == 1} == named,
                ),
                cites=cites,
                scope=Says.of_rows(judged).scope(),
            )
        )
    few = int((cells["trials"] < stats.MIN_TRIALS).sum())
    open_ = int((cells["side"] == 0).sum())
    claims.append(
        stated(
            "works.hatched",
            f"{open_} of {len(cells)} cells are hatched: {few} with {stats.TOO_FEW} (points, not results), "
            f"{open_ - few} whose interval includes 1",
            tuple(_cell_fact(r) for r in cells.to_dict("records")),
            _counted(few=few, open_=open_),
            cites=cites,
            scope=says.scope(),
        )
    )
    caption = captioned(
        "Figure",
        number,
        "Speed-up by workload and strategy",
        says,
        "Each cell: the same tasks' time one after another in-process, over the request's (above 1: faster); "
        "each framework in its own endpoint style; hatched: no interval that excludes 1.",
    )
    top = judged.sort_values("speedup").iloc[-1] if len(judged) else None
    alt = "Heatmap of speed-up, a row per workload and a column per strategy and framework" + (
        f"; the largest with an interval is {top['speedup']:.1f}x ({top['workload']} with {top['strategy']} on "
        f"{framework_label(str(top['framework']))})."
        if top is not None
        else "; no cell has the trials for an interval."
    )
    return Shown(drawing, caption, says, tuple(claims), alt, text=said(claims))


def _grouped(rows: Sequence[Mapping[Any, Any]], facts: Sequence[Fact], *, faster: bool) -> str:
    """The cells resolved faster (or not), a workload and strategy at a time with each framework's
    speed-up: ``matmul with threads (FastAPI 1.64x, Flask 1.63x)``."""
    groups: dict[str, list[str]] = {}
    for r, f in zip(rows, facts, strict=True):
        if (f.side == 1) == faster:
            groups.setdefault(f"{r['workload']} with {r['strategy']}", []).append(
                f"{framework_label(str(r['framework']))} {f.value:.2f}x"
            )
    return joined([f"{group} ({', '.join(each)})" for group, each in groups.items()])


def _counted(*, few: int, open_: int) -> Rule:
    """The hatched cells' counts: ``few`` with too few trials, ``open_`` without an interval
    that excludes 1."""

    def test(facts: Sequence[Fact]) -> bool:
        return sum(f.trials < stats.MIN_TRIALS for f in facts) == few and sum(f.side == 0 for f in facts) == open_

    return Rule("the counts are the cells'", test)


def _cell_fact(r: Mapping[Any, Any]) -> Fact:
    return Fact(
        f"{r['workload']} with {r['strategy']} on {framework_label(str(r['framework']))}",
        float(r["speedup"]),
        float(r["low"]),
        float(r["high"]),
        int(r["trials"]),
        (int(r["served_trials"]), int(r["baseline_trials"])),
    )
