"""Section 2, is FastAPI faster? The headline's three meanings of faster, why they differ, and
whose CPU ``%time`` shows (Table 1)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from bench.analysis.claims import (
    MODE_WORDS,
    Claim,
    Fact,
    Rule,
    Scope,
    ratio,
    stated,
)
from bench.analysis.families import gap, headline
from bench.analysis.figure import TIMED, Figure, by_id
from bench.analysis.tables import measured, summary
from bench.presentation import ratio_plots
from bench.presentation.article.captions import (
    NOTHING,
    Says,
    Shown,
    captioned,
    link,
    nothing,
    said,
    says_of,
    sentence,
    server_name,
)

#: Each measure's name in captions.
MEASURE_NAMES = {"isolated": "after idle", "back_to_back": "back to back", "server_cpu": "server CPU until idle"}


def faster(found: Sequence[Figure], number: int) -> Shown:
    """The headline: Flask's plain server over FastAPI's for each timed measure, and why they
    differ: the first in the caption, the rest in the text below it."""
    by = by_id(found)
    shown = [f for f in headline.shown(found) if f.measure in TIMED]
    drawing = ratio_plots.faster(shown)
    if not shown:
        return Shown(drawing, nothing("Figure", number, "trials of the article's two servers sent twice"), NOTHING)
    says = says_of(shown)
    scope = says.scope((gap.FLASK.label, gap.FASTAPI.label))
    a, b = gap.FLASK.label, gap.FASTAPI.label
    claims = []
    for f in shown:
        verb, amount = ("used", "the CPU of") if f.measure == "server_cpu" else ("took", "as long as")
        lower = "lighter on CPU" if f.measure == "server_cpu" else "faster"
        c = ratio(
            f"faster.{f.measure}",
            Fact.of(f),
            cites=f"Figure {number}",
            scope=scope,
            a="Flask",
            b="FastAPI",
            verb=verb,
            amount=amount,
            lower=lower,
        )
        claims.append(Claim(c.id, f"{MEASURE_NAMES[f.measure]}: {c.text}", c.cites, c.scope, c.facts, c.rule))
    why = _why_they_differ(by, number, scope)
    if why is not None:
        claims.append(why)
    caption = captioned(
        "Figure",
        number,
        'Is FastAPI faster? It depends on what "faster" means',
        says,
        f"{a} over {b}, a point per measure with its 95% interval; above 1, FastAPI is faster. {said(claims[:1])}",
    )
    alt = "Flask over FastAPI per measure on a log scale with a line at 1: " + "; ".join(
        f"{MEASURE_NAMES[f.measure]} {Fact.of(f).words()}" for f in shown
    )
    return Shown(drawing, caption, says, tuple(claims), alt + ".", text=said(claims[1:]))


def _why_they_differ(by: dict[str, Figure], number: int, scope: Scope) -> Claim | None:
    """Whether one request after idle and one sent back to back differ, and, where FastAPI's
    lead is larger after idle, the settle step that explains it."""
    iso, b2b, settle = by.get("headline.isolated"), by.get("headline.back_to_back"), by.get("gap.isolated.settle")
    if iso is None or b2b is None:
        return None
    i, k = Fact.of(iso, "after idle"), Fact.of(b2b, "back to back")
    if not (i.has_interval and k.has_interval):
        return None
    cites = f"Figure {number}"
    if i.low <= k.high and k.low <= i.high:
        return stated(
            "faster.differ",
            f"the ratio after idle ({i.value:.2f}) and back to back ({k.value:.2f}) have overlapping intervals: "
            "no difference between the two is resolved",
            (i, k),
            Rule("the two intervals overlap", lambda fs: fs[0].low <= fs[1].high and fs[1].low <= fs[0].high),
            cites=cites,
            scope=scope,
        )
    if i.low > k.high and settle is not None and Fact.of(settle).side == 1:
        s = Fact.of(settle, "settle")
        return stated(
            "faster.differ",
            f"FastAPI's lead is larger after idle ({i.value:.2f}) than back to back ({k.value:.2f}): it answers "
            f"before its gathered tasks free their results, and freeing them first costs it {s.words()} "
            f"({link('gap')}); the next request sent at once waits for that freeing",
            (i, k, s),
            Rule(
                "after idle lies above back to back, and the settle step above 1",
                lambda fs: fs[0].low > fs[1].high and fs[2].side == 1,
            ),
            cites=cites,
            scope=scope,
        )
    larger = "after idle" if i.value > k.value else "back to back"
    return stated(
        "faster.differ",
        f"the ratio after idle ({i.value:.2f}) and back to back ({k.value:.2f}) differ, FastAPI's lead larger {larger}",
        (i, k),
        Rule("the two intervals are apart", lambda fs: fs[0].low > fs[1].high or fs[1].low > fs[0].high),
        cites=cites,
        scope=scope,
    )


def cpu_table(df: pd.DataFrame, found: Sequence[Figure], number: int, *, n: int, size: int) -> Shown:
    """Every plain configuration of the article's task at ``n`` and ``size`` as a Markdown
    table, and what ``%time``'s CPU is: the client's, beside the server's."""
    ok = measured(df)
    art = ok[(ok["workload"] == "article") & (ok["n"] == n) & (ok["size"] == size) & (ok["variant"] == "")]
    if art.empty:
        return Shown("", nothing("Table", number, f"trials of the article's task at n={n}, size {size}"), NOTHING)
    rows = summary(art)
    lines = [
        "| server | mode | strategy | wall time, s | server CPU while answering, s | client CPU (`%time`), ms "
        "| parallelism |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows.to_dict("records"):
        par = "-" if r["parallelism"] != r["parallelism"] else f"{r['parallelism']:.2f}"
        lines.append(
            f"| {server_name(str(r['framework']), str(r['endpoint']))} | {MODE_WORDS.get(str(r['mode']), r['mode'])} "
            f"| {r['strategy']} | {r['wall_s']:.2f} | {r['server_cpu_s']:.2f} | {1000 * r['client_process_cpu_s']:.1f} "
            f"| {par} |"
        )
    by = by_id(found)
    client, server = by.get("cpu.client_process"), by.get("cpu.server")
    says = Says.of_rows(art)
    claims: tuple[Claim, ...] = ()
    text = ""
    if client is not None and server is not None:
        c, s = Fact.of(client, "client"), Fact.of(server, "server")
        claim = stated(
            "cpu.client",
            f"`%time`'s \"CPU times\" are the client's: with {gap.FLASK.label} and {gap.FASTAPI.label} in "
            f"their own processes, the measuring process used {c.words(1000, 1, ' ms')} per request while the server "
            f"used {s.words(1, 2, ' s')}, counted until it was idle again; the article's 9.11 ms and 18.7 ms say "
            "nothing about which server uses more CPU",
            (c, s),
            Rule(
                "the client's CPU lies below the server's",
                lambda fs: (
                    fs[0].value < fs[1].value
                    and (not (fs[0].has_interval and fs[1].has_interval) or fs[0].high < fs[1].low)
                ),
            ),
            cites=f"Table {number}",
            scope=says.scope((gap.FLASK.label, gap.FASTAPI.label)),
        )
        claims = (claim,)
        text = sentence(claim.text)
    caption = captioned(
        "Table",
        number,
        "The article's task, every plain configuration",
        says,
        "Medians per configuration. *Server CPU while answering*: the server process's during the request (in thread "
        "mode less the client thread's own); *client CPU*: the whole measuring process's, what `%time` reports.",
    )
    return Shown("\n".join(lines), caption, says, claims, text=text)
