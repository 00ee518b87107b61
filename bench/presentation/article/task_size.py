"""Section 5, does the gap depend on the size of the task? The headline ratios against the size."""

from __future__ import annotations

from collections.abc import Sequence

from bench.analysis.claims import (
    Fact,
    each,
    general,
    stated,
)
from bench.analysis.families import gap, size
from bench.analysis.figure import Figure
from bench.presentation import ratio_plots
from bench.presentation.article.captions import (
    NOTHING,
    Shown,
    captioned,
    nothing,
    said,
    says_of,
)
from bench.vocabulary import stats


def sizes(found: Sequence[Figure], number: int) -> Shown:
    """The headline ratios against the size measured, and the article's 2.2x judged by those with
    an interval."""
    lines = size.lines(found)
    drawing = ratio_plots.sizes(lines)
    iso = lines.get("isolated", [])
    if len(iso) < 2:
        return Shown(
            drawing, nothing("Figure", number, "trials of the article's two servers at two sizes or more"), NOTHING
        )
    says = says_of([f for shown in lines.values() for f in shown])
    scope = says.scope((gap.FLASK.label, gap.FASTAPI.label))
    cites = f"Figure {number}"
    facts = tuple(Fact.of(f, f"size {f.size}") for f in iso)
    judged = [f for f in facts if f.has_interval]
    claims = [
        stated(
            "size.values",
            "Flask over FastAPI after idle: " + "; ".join(f"{f.label}, {f.words()}" for f in facts),
            facts,
            each("each value lies within its interval", lambda f: not f.has_interval or f.low <= f.value <= f.high),
            cites=cites,
            scope=scope,
        )
    ]
    if judged:
        claims.insert(
            0,
            general(
                "size.every",
                judged,
                lambda f: f.side == 1,
                cites=cites,
                scope=scope,
                said="FastAPI was resolved as faster after idle",
                every="at every size with the trials for an interval",
                over="size",
            ),
        )
        claims.append(
            general(
                "size.article",
                judged,
                lambda f: not f.low <= size.ARTICLE_RATIO <= f.high,
                cites=cites,
                scope=scope,
                said=f"the article's {size.ARTICLE_RATIO:g}x (at size 10000, one trial) lies outside the interval",
                every="at every size with one",
                over="size",
            )
        )
    caption = captioned(
        "Figure",
        number,
        "The gap against the size of the task",
        says,
        f"{gap.FLASK.label} over {gap.FASTAPI.label}, each measure at each size measured, with its 95% interval "
        f"where it rests on {stats.MIN_TRIALS} trials or more.",
    )
    alt = (
        "Flask over FastAPI against the task's size, log scales: "
        + "; ".join(f"{f.label} {f.words()}" for f in facts)
        + "."
    )
    return Shown(drawing, caption, says, tuple(claims), alt, text=said(claims))
