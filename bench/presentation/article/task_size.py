"""Section 5, does the gap depend on the size of the task? The headline ratios against the size."""

from __future__ import annotations

from collections.abc import Sequence

from bench.analysis.claims import (
    Fact,
    covers,
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
    """The headline ratios against the size, and the article's 2.2x at 10000 judged by them."""
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
    claims = [
        general(
            "size.every",
            facts,
            lambda f: f.side == 1,
            cites=cites,
            scope=scope,
            said="FastAPI was resolved as faster after idle",
            every="at every size measured",
            over="size",
        ),
        stated(
            "size.values",
            "Flask over FastAPI after idle: " + "; ".join(f"{f.label}, {f.words()}" for f in facts),
            facts,
            each("each value lies within its interval", lambda f: not f.has_interval or f.low <= f.value <= f.high),
            cites=cites,
            scope=scope,
        ),
    ]
    line = size.extrapolation(iso)
    if line is not None:
        carried = line.at(size.ARTICLE_SIZE)
        c = Fact("carried to size 10000", carried.value, carried.low, carried.high, stats.MIN_TRIALS)
        inside = c.low <= size.ARTICLE_RATIO <= c.high
        claims.append(
            stated(
                "size.article",
                f"carried on to the article's size 10000, the straight line through them gives {c.words()}, an "
                f"extrapolation, not a measurement; the article's 2.2x lies {'inside' if inside else 'outside'} it",
                (c,),
                covers(size.ARTICLE_RATIO, inside=inside),
                cites=cites,
                scope=scope,
            )
        )
    else:
        with_ci = [f for f in facts if f.has_interval]
        if with_ci:
            claims.append(
                general(
                    "size.article",
                    with_ci,
                    lambda f: not f.low <= size.ARTICLE_RATIO <= f.high,
                    cites=cites,
                    scope=scope,
                    said="the article's 2.2x lies outside the interval",
                    every="at every size with one",
                    over="size",
                )
            )
    caption = captioned(
        "Figure",
        number,
        "The gap against the size of the task",
        says,
        f"{gap.FLASK.label} over {gap.FASTAPI.label}, each measure at each size; the red star is the "
        f"article's 2.2x at size 10000 from one trial. {said(claims)}",
    )
    alt = (
        "Flask over FastAPI against the task's size, log scales: "
        + "; ".join(f"{f.label} {f.words()}" for f in facts)
        + "."
    )
    return Shown(drawing, caption, says, tuple(claims), alt)
