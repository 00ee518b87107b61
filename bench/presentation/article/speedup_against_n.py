"""Section 8, how far does the speed-up grow with n? Speed-up against n for every workload and
strategy measured at two n or more, against the cores."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bench.analysis.claims import (
    Fact,
    fastest,
    general,
    stated,
)
from bench.analysis.families import scaling
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
    trusted_rows,
)
from bench.vocabulary import stats
from bench.vocabulary.config import IDEAL, IN_PROCESS


def speedup_against_n(df: pd.DataFrame, number: int, *, cores: int | None) -> Shown:
    """Speed-up against n for every workload and strategy the run measured at two n or more,
    against the run's cores; each workload's best speed-up at the cores, and the gather that
    never overlaps."""
    t = trusted_rows(scaling.curves(scaling.table(measured(df))))
    carried = not t.empty and bool((t["trials"] >= stats.MIN_TRIALS).any())
    drawing = grid_plots.scaling(t, cores=cores, interval="95% interval, from 8 trials" if carried else "")
    if t.empty:
        return Shown(drawing, nothing("Figure", number, "workload measured at two n or more"), NOTHING)
    says = Says.of_rows(t.assign(mode=[IN_PROCESS if f == IDEAL else "process" for f in t["framework"]]))
    cites = f"Figure {number}"
    at = scaling.n_for(t, cores)
    claims = []
    served = t[(t["framework"] != IDEAL) & (t["n"] == at)]
    for w, g in served.groupby("workload", sort=True):
        facts = tuple(
            Fact(
                f"{r['strategy']} on {framework_label(str(r['framework']))}",
                r["speedup"],
                r["low"],
                r["high"],
                int(r["trials"]),
            )
            for r in g.to_dict("records")
        )
        top = max(facts, key=lambda f: f.value)
        claims.append(
            stated(
                f"scaling.best.{w}",
                f"{w} at n={at}: fastest {top.label}, {top.words()}",
                facts,
                fastest({"": top.label}),
                cites=cites,
                scope=Says.of_rows(g.assign(mode="process")).scope(),
            )
        )
    gather = t[(t["workload"] == "article") & (t["strategy"] == "gather") & (t["framework"] != IDEAL)]
    if len(gather):
        facts = tuple(
            Fact(f"{r['framework']} at n={r['n']}", r["parallelism"], np.nan, np.nan, int(r["trials"]))
            for r in gather.to_dict("records")
        )
        claims.append(
            general(
                "scaling.gather",
                facts,
                lambda f: f.value < SERIAL,
                cites=cites,
                scope=Says.of_rows(gather.assign(mode="process")).scope(),
                said="the article's gather kept its tasks one after another (median parallelism at most "
                f"{max(f.value for f in facts):.2f})",
                every="at every n, whatever the framework",
                over="framework and n",
            )
        )
    caption = captioned(
        "Figure",
        number,
        "Speed-up against n",
        says,
        f"Dotted: the in-process ideal; grey: every task at once (speed-up = n); red: the {cores} cores; "
        f"{scaling.resources(t)}. " + said(claims),
    )
    best = served.sort_values("speedup").iloc[-1] if len(served) else t.iloc[0]
    alt = (
        f"Speed-up against n on log scales, a panel per workload; the largest at n={at} is {best['speedup']:.1f}x "
        f"({best['workload']} with {best['strategy']} on {framework_label(str(best['framework']))})."
    )
    return Shown(drawing, caption, says, tuple(claims), alt)
