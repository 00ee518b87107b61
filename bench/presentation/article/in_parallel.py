"""Section 1, did the tasks run in parallel? The article's gather, when each task ran."""

from __future__ import annotations

import pandas as pd

from bench.analysis import selection
from bench.analysis.claims import (
    MODE_WORDS,
    Fact,
    general,
    value_range,
)
from bench.analysis.tables import measured
from bench.presentation import timeline_plots
from bench.presentation.article.captions import (
    NOTHING,
    SERIAL,
    Says,
    Shown,
    captioned,
    framework_label,
    nothing,
    sentence,
)
from bench.vocabulary import stats
from bench.vocabulary.config import IDEAL


def timelines(df: pd.DataFrame, number: int, *, n: int, size: int) -> Shown:
    """The article's gather at ``n`` tasks of ``size``: when each task ran, per server, and
    each server's median parallelism over the same trials."""
    panels = selection.timelines(measured(df), "gather", "article", n=n, size=size)
    drawing = timeline_plots.timelines(panels, strategy="gather", workload="article", n=n, size=size)
    if not panels:
        return Shown(
            drawing, nothing("Figure", number, f"timelines of the article's gather at n={n}, size {size}"), NOTHING
        )
    facts: list[Fact] = []
    overlaps: list[Fact] = []
    for p in sorted(panels, key=lambda p: (p.framework == IDEAL, p.framework, p.mode, p.endpoint)):
        who = framework_label(p.framework) + ("" if p.framework == IDEAL else f" in {MODE_WORDS[p.mode]}")
        k = len(p.trials)
        for column, into in (("parallelism", facts), ("overlap", overlaps)):
            e = stats.median_ci(p.trials[column])
            if e.value == e.value:  # trials older than the CPU reading have no parallelism
                into.append(Fact(who, e.value, e.low, e.high, k, (k,)))
    says = Says.of_rows(pd.concat([p.trials for p in panels]))
    measured_ = facts or overlaps
    values = [f.value for f in measured_]
    said = (
        f"the article's gather ran one task at a time: median parallelism {value_range(values)}, one core's worth "
        f"at a time, and overlap {value_range(f.value for f in overlaps)}, never two in progress"
        if facts
        else f"the article's gather ran one task at a time (median overlap {value_range(values)}: never two at once)"
    )
    claim = general(
        "parallel.every",
        measured_,
        lambda f: f.value < SERIAL,
        cites=f"Figure {number}",
        scope=says.scope(),
        said=said,
        every="whatever the server and mode",
        over="server",
    )
    caption = captioned(
        "Figure",
        number,
        "When each task ran",
        says,
        f"A bar per task; each panel is the trial nearest its configuration's median wall time. {sentence(claim.text)}",
    )
    alt = (
        f"Task timelines of the article's gather, n={n}, size {size}, one panel per server: the bars of the {n} "
        f"tasks follow one another; median parallelism {value_range(values)}."
    )
    return Shown(drawing, caption, says, (claim,), alt)
