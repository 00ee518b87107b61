"""Section 8, how far does the speed-up grow with n? Speed-up against n for every workload and
strategy measured at two n or more, against the cores."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from bench.analysis.claims import (
    Fact,
    each,
    fastest,
    stated,
    value_range,
)
from bench.analysis.families import scaling
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
    sentence,
)
from bench.vocabulary import stats
from bench.vocabulary.config import IDEAL, IN_PROCESS


def speedup_against_n(df: pd.DataFrame, number: int, *, cores: int | None) -> Shown:
    """Speed-up against n for every workload and strategy the run measured at two n or more,
    against the run's cores; each workload's best speed-up at the cores among the points with
    an interval, and how many points have too few trials for one."""
    t = scaling.curves(scaling.table(measured(df)))
    carried = not t.empty and bool((t["trials"] >= stats.MIN_TRIALS).any())
    drawing = grid_plots.scaling(t, cores=cores, interval="95% interval, from 8 trials" if carried else "")
    if t.empty:
        return Shown(drawing, nothing("Figure", number, "workload measured at two n or more"), NOTHING)
    says = Says.of_rows(t.assign(mode=[IN_PROCESS if f == IDEAL else "process" for f in t["framework"]]))
    cites = f"Figure {number}"
    at = scaling.n_for(t, cores)
    claims = []
    served = t[(t["framework"] != IDEAL) & (t["n"] == at)]
    for w, g in served[served["trials"] >= stats.MIN_TRIALS].groupby("workload", sort=True):
        facts = tuple(
            _point(r, f"{r['strategy']} on {framework_label(str(r['framework']))}") for r in g.to_dict("records")
        )
        top = max(facts, key=lambda f: f.value)
        left_out = bool((served[served["workload"] == w]["trials"] < stats.MIN_TRIALS).any())
        among = f" among the strategies with {stats.MIN_TRIALS} trials or more" if left_out else ""
        claims.append(
            stated(
                f"scaling.best.{w}",
                f"{w} at n={at}: fastest{among} {top.label}, {top.words()}",
                facts,
                fastest({"": top.label}),
                cites=cites,
                scope=Says.of_rows(g.assign(mode="process")).scope(),
            )
        )
    few = t[t["trials"] < stats.MIN_TRIALS]
    if len(few):
        k = value_range(few["trials"], fmt="d")
        facts = tuple(
            _point(r, f"{r['workload']} {r['strategy']} on {r['framework']} at n={r['n']}")
            for r in few.to_dict("records")
        )
        claims.append(
            stated(
                "scaling.few",
                f"{len(few)} of its {len(t)} points rest on {k} trials each: too few for an interval, so they show the "
                "shape of a curve, not a result",
                facts,
                each(stats.TOO_FEW, lambda f: not f.has_interval),
                cites=cites,
                scope=says.scope(),
            )
        )
    caption = captioned(
        "Figure",
        number,
        "Speed-up against n",
        says,
        f"A panel per workload, a colour per strategy; solid lines behind FastAPI, dashed behind Flask, dotted the "
        f"in-process ideal; grey: every task at once (speed-up = n); red: the {cores} cores.",
    )
    best = served.sort_values("speedup").iloc[-1] if len(served) else t.iloc[0]
    alt = (
        f"Speed-up against n on log scales, a panel per workload; the largest at n={at} is {best['speedup']:.1f}x "
        f"({best['workload']} with {best['strategy']} on {framework_label(str(best['framework']))})."
    )
    text = f"{sentence(scaling.resources(t))} {said(claims)}"
    return Shown(drawing, caption, says, tuple(claims), alt, text=text)


def _point(r: Mapping[Any, Any], label: str) -> Fact:
    """A point of a curve (a row of :func:`bench.analysis.families.scaling.curves`) as a fact."""
    return Fact(label, float(r["speedup"]), float(r["low"]), float(r["high"]), int(r["trials"]))
