"""Section 4, where does the gap come from? From the article's Flask to its FastAPI, one change
at a time."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bench.analysis.claims import (
    Claim,
    Fact,
    Rule,
    ratio,
    stated,
)
from bench.analysis.families import gap
from bench.analysis.figure import Figure, by_id
from bench.presentation import ratio_plots
from bench.presentation.article.captions import (
    NOTHING,
    Shown,
    captioned,
    nothing,
    said,
    says_of,
)


def decomposition(found: Sequence[Figure], number: int) -> Shown:
    """From the article's Flask to its FastAPI one change at a time, per measure: the product
    of the named changes beside the measured gap, and what they leave unexplained."""
    panels = gap.panels(found)
    drawing = ratio_plots.decomposition(panels)
    by = by_id(found)
    total = by.get("gap.isolated.total")
    if total is None:
        return Shown(drawing, nothing("Figure", number, "controlled comparisons of the article's two servers"), NOTHING)
    says = says_of([f for _, shown in panels for f in shown])
    scope = says.scope(tuple(s.label for s in gap.CHAIN))
    cites = f"Figure {number}"
    chain = gap.CHAIN
    claims = [ratio("gap.total", Fact.of(total), cites=cites, scope=scope, a=chain[0].label, b=chain[-1].label)]
    for i, (name, _) in enumerate(gap.STEPS):
        f = by.get(f"gap.isolated.{name}")
        if f is not None:
            c = ratio(f"gap.{name}", Fact.of(f), cites=cites, scope=scope, a=chain[i].label, b=chain[i + 1].label)
            claims.append(Claim(c.id, f"*{name}*: {c.text}", c.cites, c.scope, c.facts, c.rule))
    named, rest = by.get("gap.isolated.named"), by.get("gap.isolated.rest")
    if named is not None and rest is not None:
        t, nm, r = Fact.of(total, "total"), Fact.of(named, "named"), Fact.of(rest, "rest")
        claims.append(
            stated(
                "gap.rest",
                f"the named changes together come to {nm.words()}, leaving {r.words()} to the frameworks themselves",
                (t, nm, r),
                Rule(
                    "named x rest is the total (ratios of medians telescope)",
                    lambda fs: abs(np.log(fs[1].value * fs[2].value / fs[0].value)) < 1e-9,
                ),
                cites=cites,
                scope=scope,
            )
        )
    caption = captioned(
        "Figure",
        number,
        "From the article's Flask to its FastAPI, one change at a time",
        says,
        "A row per step, its ratio with its 95% interval, a panel per measure; *named*: the product of the steps "
        "that name a change (all but *framework*); *rest*: the gap over that product.",
    )
    alt = (
        "Ratios on a log scale, a row per step and a panel per measure; the whole gap after idle is "
        f"{Fact.of(total).words()}."
    )
    text = f"One request after idle, a step at a time: {said(claims)}"
    return Shown(drawing, caption, says, tuple(claims), alt, text=text)
