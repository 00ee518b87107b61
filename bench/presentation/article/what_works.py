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
    fastest,
    general,
    joined,
    stated,
)
from bench.analysis.tables import measured
from bench.presentation import grid_plots
from bench.presentation.article.captions import (
    NOTHING,
    SERIAL,
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
    another in-process, and each workload's fastest strategy per framework."""
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
    for w, g in served.groupby("workload", sort=True):
        facts = tuple(_cell_fact(r) for r in g.to_dict("records"))
        best = {
            fw: max((f for f in facts if f.label.startswith(f"{framework_label(fw)} ")), key=lambda f: f.value)
            for fw in g["framework"].unique()
        }
        named = {f"{framework_label(fw)} ": f.label for fw, f in best.items()}
        claims.append(
            stated(
                f"works.best.{w}",
                f"{w}: fastest " + joined([f"{f.label}, {f.words()}" for f in best.values()]),
                facts,
                fastest(named),
                cites=cites,
                scope=Says.of_rows(g).scope(),
            )
        )
    gathered = served[(served["workload"] == "article") & (served["strategy"] == "gather")]
    if len(gathered):
        facts = tuple(
            Fact(framework_label(str(r["framework"])), r["speedup"], r["low"], r["high"], r["trials"])
            for r in gathered.to_dict("records")
        )
        claims.append(
            general(
                "works.gather",
                facts,
                lambda f: f.value < SERIAL,
                cites=cites,
                scope=Says.of_rows(gathered).scope(),
                said="the article's gather gained nothing over the same tasks one after another (a speed-up under "
                f"{SERIAL:g}: {', '.join(f'{f.label} {f.value:.2f}x' for f in facts)})",
                every="whatever the framework",
                over="framework",
            )
        )
    few = int((cells["trials"] < stats.MIN_TRIALS).sum())
    open_ = int((cells["side"] == 0).sum())
    claims.append(
        stated(
            "works.hatched",
            f"{open_} of {len(cells)} cells are hatched: {few} with {stats.TOO_FEW}, "
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
        "each framework in its own endpoint style. " + said(claims),
    )
    top = served.sort_values("speedup").iloc[-1] if len(served) else cells.iloc[0]
    alt = (
        f"Heatmap of speed-up, a row per workload and a column per strategy and framework; the largest served "
        f"speed-up is {top['speedup']:.1f}x ({top['workload']} with {top['strategy']} on "
        f"{framework_label(str(top['framework']))})."
    )
    return Shown(drawing, caption, says, tuple(claims), alt)


def _counted(*, few: int, open_: int) -> Rule:
    """The hatched cells' counts: ``few`` with too few trials, ``open_`` without an interval
    that excludes 1."""

    def test(facts: Sequence[Fact]) -> bool:
        return sum(f.trials < stats.MIN_TRIALS for f in facts) == few and sum(f.side == 0 for f in facts) == open_

    return Rule("the counts are the cells'", test)


def _cell_fact(r: Mapping[Any, Any]) -> Fact:
    return Fact(
        f"{framework_label(str(r['framework']))} with {r['strategy']}",
        float(r["speedup"]),
        float(r["low"]),
        float(r["high"]),
        int(r["trials"]),
    )
