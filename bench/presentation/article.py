"""The article's figures and tables with their captions, its summary and its conclusion,
from one run.

Each function takes the run's data for one figure from the analysis, selected once
(:mod:`bench.analysis.selection`, :func:`bench.analysis.families.headline.shown`,
:func:`bench.analysis.families.gap.panels`, :func:`bench.analysis.families.size.lines`,
:func:`bench.analysis.families.scaling.curves`), and hands that one selection both to the plot
(:mod:`bench.presentation.timeline_plots`, :mod:`bench.presentation.ratio_plots`,
:mod:`bench.presentation.grid_plots`) and to the caption: a caption cannot describe other data than its panel
draws. Every sentence a caption, the summary or the conclusion states about the data is a
:class:`bench.analysis.claims.Claim`, made with the rule that makes it true and evaluated on the data it
cites; :func:`claims_of` gives every claim of a run and the built article fails if one does not hold
(:func:`bench.analysis.claims.check`). A :class:`Shown` is what the reader sees, its caption, its scope
(:class:`Says`), its claims and its alternative text.

No interval from fewer than :data:`bench.vocabulary.stats.MIN_TRIALS` trials: the figures are
:func:`bench.analysis.claims.trusted` before they are drawn or cited.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
from matplotlib import figure as mpl

from bench.analysis import agreement, selection
from bench.analysis import claims as cl
from bench.analysis.cited_figures import cited
from bench.analysis.claims import Claim, Fact, Rule, Scope, joined
from bench.analysis.families import framework_server as fxs
from bench.analysis.families import gap, headline
from bench.analysis.families import scaling as scaling_
from bench.analysis.families import size as by_size
from bench.analysis.figure import TIMED, Figure, article_trials, by_id
from bench.analysis.tables import measured, summary
from bench.instrument.load import blocking, sweep
from bench.instrument.load.load_store import requests_of
from bench.instrument.store import Run
from bench.presentation import grid_plots, load_plots, ratio_plots, timeline_plots
from bench.vocabulary import stats
from bench.vocabulary.config import IDEAL, IN_PROCESS, NO_ENDPOINT
from bench.vocabulary.sides import FAMILIES, server_of
from servers import harness


class Scoped(Protocol):
    """Anything that ran the article's kind of request: n tasks of a size, in a mode, through
    an endpoint style (a configuration, a row of trials)."""

    @property
    def n(self) -> int: ...
    @property
    def size(self) -> int: ...
    @property
    def mode(self) -> str: ...
    @property
    def endpoint(self) -> str: ...


#: How a caption names each mode.
MODE_WORDS = cl.MODE_WORDS


@dataclass(frozen=True)
class Says:
    """The scope of what a caption cites, or of what a figure draws: every n, size, mode and
    endpoint style in it (the in-process ideal's endpoint is ``none``)."""

    n: tuple[int, ...]
    sizes: tuple[int, ...]
    modes: tuple[str, ...]
    endpoints: tuple[str, ...]

    @classmethod
    def of(cls, scoped: Iterable[Scoped]) -> Says:
        items = list(scoped)
        return cls(
            tuple(sorted({int(x.n) for x in items})),
            tuple(sorted({int(x.size) for x in items})),
            tuple(sorted({str(x.mode) for x in items})),
            tuple(sorted({str(x.endpoint) for x in items})),
        )

    @classmethod
    def of_rows(cls, rows: pd.DataFrame) -> Says:
        """The scope of trials or summary rows (columns n, size, mode, endpoint)."""
        return cls(
            tuple(sorted({int(k) for k in rows["n"]})),
            tuple(sorted({int(k) for k in rows["size"]})),
            tuple(sorted({str(k) for k in rows["mode"]})),
            tuple(sorted({str(k) for k in rows["endpoint"]})),
        )

    def __or__(self, other: Says) -> Says:
        return Says(
            *(
                tuple(sorted(set(getattr(self, k)) | set(getattr(other, k))))
                for k in ("n", "sizes", "modes", "endpoints")
            )
        )

    def scope(self, servers: Sequence[str] = ()) -> Scope:
        """The claims' scope: this one, with the server variants named."""
        return Scope(self.n, self.sizes, self.modes, tuple(servers))

    def words(self) -> str:
        """The scope in words, as captions state it."""
        styles = [e for e in self.endpoints if e != NO_ENDPOINT]
        parts = [self.scope().words()]
        if styles:
            parts.append(joined(styles) + (" endpoint" if len(styles) == 1 else " endpoints"))
        return ", ".join(p for p in parts if p)


NOTHING = Says((), (), (), ())


@dataclass(frozen=True)
class Shown:
    """One figure or table of the article: what the reader sees (``shows``: a drawing, or a
    table as Markdown), its caption (Markdown), the scope of what the caption cites (which is
    what the figure draws: both are made from one selection), the claims its caption states
    and the figure's alternative text, from its own data."""

    shows: mpl.Figure | str
    caption: str
    says: Says
    claims: tuple[Claim, ...] = ()
    alt: str = ""


#: Where each section of the article starts (the anchors its links point to), and its title.
SECTIONS: dict[str, tuple[str, str]] = {
    "parallel": ("1", "Did the tasks run in parallel?"),
    "faster": ("2", "Is FastAPI faster?"),
    "works": ("3", "What makes functions run in parallel?"),
    "gap": ("4", "Where does the gap come from?"),
    "size": ("5", "Does the gap depend on the size of the task?"),
    "clients": ("6", "What happens with many clients?"),
    "servers": ("7", "Framework or server?"),
    "scaling": ("8", "How far does the speed-up grow with n?"),
    # The appendix's first part: it reads another run (of the gil preset), when it is given one.
    "nogil": ("A", "Without the GIL"),
}


def link(section: str) -> str:
    """A Markdown link to ``section``: ``[§2](#faster)``."""
    return f"[§{SECTIONS[section][0]}](#{section})"


def sentence(text: str) -> str:
    """``text`` as a sentence: a capital first, a full stop last."""
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", ":")) else ".")


def said(claims: Iterable[Claim]) -> str:
    """The claims as sentences, one after another."""
    return " ".join(sentence(c.text) for c in claims)


def _caption(kind: str, number: int, title: str, says: Says, body: str) -> str:
    return f"**{kind} {number}. {title}** ({says.words()}). {body}".strip()


def _none(kind: str, number: int, what: str) -> str:
    return f"**{kind} {number}.** This run has no {what}."


def _says_of(cited: Iterable[Figure]) -> Says:
    return Says.of(c for f in cited for c in f.configs)


def trusted(found: Sequence[Figure]) -> list[Figure]:
    """The run's figures as the article draws and cites them: without an interval where a
    side has fewer than :data:`bench.vocabulary.stats.MIN_TRIALS` trials."""
    return [cl.trusted(f) for f in found]


#: Each server variant of the article's task by its one name.
NAMES: dict[tuple[str, str, str], str] = {(s.framework, s.endpoint, s.variant): s.label for s in gap.SIDES}


def server_name(framework: str, endpoint: str, variant: str = "") -> str:
    """The one name of a server variant (e.g. "Flask, plain threaded server")."""
    if framework == IDEAL:
        return "in-process ideal (no server)"
    return NAMES.get(
        (framework, endpoint, variant), f"{framework} ({endpoint} endpoint{', ' + variant if variant else ''})"
    )


def _trusted_rows(t: pd.DataFrame) -> pd.DataFrame:
    """Rows with ``low``/``high`` and ``trials``: the interval dropped where too few trials."""
    if t.empty:
        return t
    few = t["trials"] < stats.MIN_TRIALS
    return t.assign(low=t["low"].where(~few), high=t["high"].where(~few))


# -- Figure 1: did the tasks run in parallel? ---------------------------------------------
#: Below this median parallelism, tasks ran one after another (1.0 exactly: no overlap at all).
SERIAL = 1.1


def timelines(df: pd.DataFrame, number: int, *, n: int, size: int) -> Shown:
    """The article's gather at ``n`` tasks of ``size``: when each task ran, per server, and
    each server's median parallelism over the same trials."""
    panels = selection.timelines(measured(df), "gather", "article", n=n, size=size)
    drawing = timeline_plots.timelines(panels, strategy="gather", workload="article", n=n, size=size)
    if not panels:
        return Shown(
            drawing, _none("Figure", number, f"timelines of the article's gather at n={n}, size {size}"), NOTHING
        )
    facts = []
    for p in sorted(panels, key=lambda p: (p.framework == IDEAL, p.framework, p.mode, p.endpoint)):
        par = stats.median_ci(p.trials["parallelism"])
        k = len(p.trials)
        low, high = (par.low, par.high) if k >= stats.MIN_TRIALS else (np.nan, np.nan)
        who = _framework_label(p.framework) + ("" if p.framework == IDEAL else f" in {MODE_WORDS[p.mode]}")
        facts.append(Fact(who, par.value, low, high, k))
    says = Says.of_rows(pd.concat([p.trials for p in panels]))
    values = [f.value for f in facts]
    claim = cl.general(
        "parallel.every",
        facts,
        lambda f: f.value < SERIAL,
        cites=f"Figure {number}",
        scope=says.scope(),
        said=f"the article's gather ran its tasks one after another (median parallelism {cl.value_range(values)}; "
        f"1.0: one after another, {n}: all at once)",
        every="whatever the server and mode",
        over="server",
    )
    caption = _caption(
        "Figure",
        number,
        "When each task ran",
        says,
        f"Each panel is the trial nearest its configuration's median wall time. {sentence(claim.text)}",
    )
    alt = (
        f"Task timelines of the article's gather, n={n}, size {size}, one panel per server: the bars of the {n} "
        f"tasks follow one another; median parallelism {cl.value_range(values)}."
    )
    return Shown(drawing, caption, says, (claim,), alt)


# -- Figure 2: three meanings of "faster" -------------------------------------------------
#: Each measure's name in captions.
MEASURE_NAMES = {"isolated": "after idle", "back_to_back": "back to back", "server_cpu": "server CPU"}


def faster(found: Sequence[Figure], number: int) -> Shown:
    """The headline: Flask's plain server over FastAPI's for each measure, and why they differ."""
    found = trusted(found)
    by = by_id(found)
    drawn = headline.shown(found)
    drawing = ratio_plots.faster(drawn)
    shown = [f for f in drawn if f.measure in TIMED]
    if not shown:
        return Shown(drawing, _none("Figure", number, "trials of the article's two servers sent twice"), NOTHING)
    says = _says_of(drawn)
    scope = says.scope((gap.FLASK.label, gap.FASTAPI.label))
    a, b = gap.FLASK.label, gap.FASTAPI.label
    claims = []
    for f in shown:
        verb, amount = ("used", "the CPU of") if f.measure == "server_cpu" else ("took", "as long as")
        lower = "lighter on CPU" if f.measure == "server_cpu" else "faster"
        c = cl.ratio(
            f"faster.{f.measure}",
            Fact.of(f),
            cites=f"Figure {number}",
            scope=scope,
            a=a,
            b=b,
            verb=verb,
            amount=amount,
            lower=lower,
        )
        claims.append(Claim(c.id, f"{MEASURE_NAMES[f.measure]}: {c.text}", c.cites, c.scope, c.facts, c.rule))
    why = _why_they_differ(by, number, scope)
    if why is not None:
        claims.append(why)
    caption = _caption(
        "Figure",
        number,
        'Is FastAPI faster? It depends on what "faster" means',
        says,
        f"{a} over {b}; above 1, FastAPI is faster. {said(claims)}",
    )
    iso = by.get("headline.isolated")
    alt = "Flask over FastAPI per measure on a log scale with a line at 1 and the article's 2.2x: " + "; ".join(
        f"{MEASURE_NAMES[f.measure]} {Fact.of(f).words()}" for f in shown
    )
    return Shown(drawing, caption, says, tuple(claims), alt + ("." if iso is not None else ""))


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
        return cl.stated(
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
        return cl.stated(
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
    return cl.stated(
        "faster.differ",
        f"the ratio after idle ({i.value:.2f}) and back to back ({k.value:.2f}) differ, FastAPI's lead larger {larger}",
        (i, k),
        Rule("the two intervals are apart", lambda fs: fs[0].low > fs[1].high or fs[1].low > fs[0].high),
        cites=cites,
        scope=scope,
    )


# -- Table 1: whose CPU does %time show? --------------------------------------------------
def cpu_table(df: pd.DataFrame, found: Sequence[Figure], number: int, *, n: int, size: int) -> Shown:
    """Every plain configuration of the article's task at ``n`` and ``size`` as a Markdown
    table, and what ``%time``'s CPU is: the client's, beside the server's."""
    ok = measured(df)
    art = ok[(ok["workload"] == "article") & (ok["n"] == n) & (ok["size"] == size) & (ok["variant"] == "")]
    if art.empty:
        return Shown("", _none("Table", number, f"trials of the article's task at n={n}, size {size}"), NOTHING)
    rows = summary(art)
    lines = [
        "| server | mode | strategy | wall time, s | server CPU, s | client CPU (`%time`), ms | parallelism |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows.to_dict("records"):
        lines.append(
            f"| {server_name(str(r['framework']), str(r['endpoint']))} | {MODE_WORDS.get(str(r['mode']), r['mode'])} "
            f"| {r['strategy']} | {r['wall_s']:.2f} | {r['server_cpu_s']:.2f} | {1000 * r['client_process_cpu_s']:.1f} "
            f"| {r['parallelism']:.2f} |"
        )
    by = by_id(trusted(found))
    client, server = by.get("cpu.client_process"), by.get("cpu.server")
    says = Says.of_rows(art)
    claims: tuple[Claim, ...] = ()
    body = "Medians per configuration."
    if client is not None and server is not None:
        c, s = Fact.of(client, "client"), Fact.of(server, "server")
        claim = cl.stated(
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
        body += (
            " " + sentence(claim.text) + " *Server CPU* is the server process's (in thread mode less the "
            "client thread's own); *client CPU* is the whole measuring process's, what `%time` reports."
        )
    caption = _caption("Table", number, "The article's task, every plain configuration", says, body)
    return Shown("\n".join(lines), caption, says, claims)


# -- Figure 3: what runs in parallel ------------------------------------------------------
def what_works(df: pd.DataFrame, number: int) -> Shown:
    """The strategy x workload matrix as one heatmap of speed-up over the same tasks one after
    another in-process, and each workload's fastest strategy per framework."""
    ok = measured(df)
    parts = [p for p in selection.matrix(ok) if (p.n, p.size) == selection.matrix_scope(ok, p.workload)]
    cells = selection.speedup_cells(parts)
    drawing = grid_plots.speedup_heatmap(cells)
    if cells.empty:
        return Shown(drawing, _none("Figure", number, "strategy matrix"), NOTHING)
    says = Says.of_rows(cells.assign(endpoint=cells["endpoint"]))
    cites = f"Figure {number}"
    claims = []
    served = cells[cells["framework"] != IDEAL]
    for w, g in served.groupby("workload", sort=True):
        facts = tuple(_cell_fact(r) for r in g.to_dict("records"))
        best = {
            fw: max((f for f in facts if f.label.startswith(f"{_framework_label(fw)} ")), key=lambda f: f.value)
            for fw in g["framework"].unique()
        }
        named = {f"{_framework_label(fw)} ": f.label for fw, f in best.items()}
        claims.append(
            cl.stated(
                f"works.best.{w}",
                f"{w}: fastest " + joined([f"{f.label}, {f.words()}" for f in best.values()]),
                facts,
                cl.fastest(named),
                cites=cites,
                scope=Says.of_rows(g).scope(),
            )
        )
    gathered = served[(served["workload"] == "article") & (served["strategy"] == "gather")]
    if len(gathered):
        facts = tuple(
            Fact(_framework_label(str(r["framework"])), r["speedup"], r["low"], r["high"], r["trials"])
            for r in gathered.to_dict("records")
        )
        claims.append(
            cl.general(
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
        cl.stated(
            "works.hatched",
            f"{open_} of {len(cells)} cells are hatched: {few} with {stats.TOO_FEW}, "
            f"{open_ - few} whose interval includes 1",
            tuple(_cell_fact(r) for r in cells.to_dict("records")),
            _counted(few=few, open_=open_),
            cites=cites,
            scope=says.scope(),
        )
    )
    caption = _caption(
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
        f"{_framework_label(str(top['framework']))})."
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
        f"{_framework_label(str(r['framework']))} with {r['strategy']}",
        float(r["speedup"]),
        float(r["low"]),
        float(r["high"]),
        int(r["trials"]),
    )


def _framework_label(framework: str) -> str:
    """A framework as the reader reads it (``FastAPI``), the in-process ideal as such."""
    return "the in-process ideal" if framework == IDEAL else harness.framework(framework).label


# -- Appendix: each workload's timelines ---------------------------------------------------
def strategies(df: pd.DataFrame, workload: str, number: int) -> Shown:
    """One workload's timelines where its strategies are compared, a row per strategy."""
    grid = selection.strategies(measured(df), workload)
    drawing = timeline_plots.strategy_timelines(grid, workload)
    if grid is None:
        return Shown(drawing, f"**Figure {number} ({workload}).** No trials.", NOTHING)
    says = Says.of_rows(grid.trials)
    caption = (
        f"**Figure {number} ({workload}).** When each task ran ({says.words()}): a row per strategy, a column per "
        "framework in its own endpoint style, and the in-process ideal; each panel the trial nearest its "
        "configuration's median."
    )
    drawn = sorted(grid.drawn.items(), key=lambda kv: -float(kv[1]["parallelism"]))
    most = ""
    if drawn:
        (strategy, column), trial = drawn[0]
        most = f"; the most overlapped: {strategy} on {column[0]}, parallelism {float(trial['parallelism']):.1f}"
    alt = (
        f"Task timelines of the {workload} workload, n={grid.n}, size {grid.size}, a row per strategy "
        f"({', '.join(grid.strategies)}) and a column per framework{most}."
    )
    return Shown(drawing, caption, says, (), alt)


# -- Figure 4: the gap, one change at a time ----------------------------------------------
def decomposition(found: Sequence[Figure], number: int) -> Shown:
    """From the article's Flask to its FastAPI one change at a time, per measure: the product
    of the named changes beside the measured gap, and what they leave unexplained."""
    found = trusted(found)
    panels = gap.panels(found)
    drawing = ratio_plots.decomposition(panels)
    by = by_id(found)
    total = by.get("gap.isolated.total")
    if total is None:
        return Shown(drawing, _none("Figure", number, "controlled comparisons of the article's two servers"), NOTHING)
    says = _says_of([f for _, shown in panels for f in shown])
    scope = says.scope(tuple(s.label for s in gap.CHAIN))
    cites = f"Figure {number}"
    chain = gap.CHAIN
    claims = [cl.ratio("gap.total", Fact.of(total), cites=cites, scope=scope, a=chain[0].label, b=chain[-1].label)]
    for i, (name, _) in enumerate(gap.STEPS):
        f = by.get(f"gap.isolated.{name}")
        if f is not None:
            c = cl.ratio(f"gap.{name}", Fact.of(f), cites=cites, scope=scope, a=chain[i].label, b=chain[i + 1].label)
            claims.append(Claim(c.id, f"*{name}*: {c.text}", c.cites, c.scope, c.facts, c.rule))
    named, rest = by.get("gap.isolated.named"), by.get("gap.isolated.rest")
    if named is not None and rest is not None:
        t, nm, r = Fact.of(total, "total"), Fact.of(named, "named"), Fact.of(rest, "rest")
        claims.append(
            cl.stated(
                "gap.rest",
                f"the named changes together come to {nm.words()}, leaving {r.words()} to the frameworks themselves",
                (t, nm, r),
                Rule(
                    "named x rest is the total within 15%",
                    lambda fs: abs(np.log(fs[1].value * fs[2].value / fs[0].value)) < np.log(1.15),
                ),
                cites=cites,
                scope=scope,
            )
        )
    steps = "; ".join(f"*{name}*, {what}" for name, what in gap.STEPS)
    caption = _caption(
        "Figure",
        number,
        "From the article's Flask to its FastAPI, one change at a time",
        says,
        f"The steps: {steps}. *named* is the product of the steps that name a change (all but *framework*); "
        f"*rest* is the gap over that product. One request after idle: {said(claims)} The other two measures "
        "are drawn below it.",
    )
    alt = (
        "Ratios on a log scale, a row per step and a panel per measure; the whole gap after idle is "
        f"{Fact.of(total).words()}."
    )
    return Shown(drawing, caption, says, tuple(claims), alt)


# -- Figure 5: does the gap depend on size? -----------------------------------------------
def sizes(found: Sequence[Figure], number: int) -> Shown:
    """The headline ratios against the size, and the article's 2.2x at 10000 judged by them."""
    lines = by_size.lines(trusted(found))
    drawing = ratio_plots.sizes(lines)
    iso = lines.get("isolated", [])
    if len(iso) < 2:
        return Shown(
            drawing, _none("Figure", number, "trials of the article's two servers at two sizes or more"), NOTHING
        )
    says = _says_of([f for shown in lines.values() for f in shown])
    scope = says.scope((gap.FLASK.label, gap.FASTAPI.label))
    cites = f"Figure {number}"
    facts = tuple(Fact.of(f, f"size {f.size}") for f in iso)
    claims = [
        cl.general(
            "size.every",
            facts,
            lambda f: f.side == 1,
            cites=cites,
            scope=scope,
            said="FastAPI was resolved as faster after idle",
            every="at every size measured",
            over="size",
        ),
        cl.stated(
            "size.values",
            "Flask over FastAPI after idle: " + "; ".join(f"{f.label}, {f.words()}" for f in facts),
            facts,
            cl.each("each value lies within its interval", lambda f: not f.has_interval or f.low <= f.value <= f.high),
            cites=cites,
            scope=scope,
        ),
    ]
    line = by_size.extrapolation(iso)
    if line is not None:
        carried = line.at(by_size.ARTICLE_SIZE)
        c = Fact("carried to size 10000", carried.value, carried.low, carried.high, stats.MIN_TRIALS)
        inside = c.low <= by_size.ARTICLE_RATIO <= c.high
        claims.append(
            cl.stated(
                "size.article",
                f"carried on to the article's size 10000, the straight line through them gives {c.words()}, an "
                f"extrapolation, not a measurement; the article's 2.2x lies {'inside' if inside else 'outside'} it",
                (c,),
                cl.covers(by_size.ARTICLE_RATIO, inside=inside),
                cites=cites,
                scope=scope,
            )
        )
    else:
        with_ci = [f for f in facts if f.has_interval]
        if with_ci:
            claims.append(
                cl.general(
                    "size.article",
                    with_ci,
                    lambda f: not f.low <= by_size.ARTICLE_RATIO <= f.high,
                    cites=cites,
                    scope=scope,
                    said="the article's 2.2x lies outside the interval",
                    every="at every size with one",
                    over="size",
                )
            )
    caption = _caption(
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


# -- Figure 6: many clients ---------------------------------------------------------------
STALL_RULE = (
    f"a case *stalls* when the lower end of the 95% interval of the pings' p99 under load reaches "
    f"{blocking.STALL_SHARE:.0%} of the heavy requests' median time (and at least {blocking.STALL_MIN_MS:.0f} ms): "
    "the pings waited for the heavy work"
)


def case_name(label: str) -> str:
    """A load case's label in the article's words: a server variant of :data:`NAMES` by its one
    name (``fastapi async endpoint, gather`` is "FastAPI as the article ran it"), another as
    ``flask [granian] sync endpoint, gather`` is ``flask's sync endpoint on granian``; a
    strategy other than the article's gather is named (``... with threads``)."""
    found = re.fullmatch(r"(\w+)(?: \[([\w-]+)\])? (\w+) endpoint, (\w+)", label)
    if found is None:
        return label
    framework, server, endpoint, strategy = found.groups()
    if server is None and (framework, endpoint, "") in NAMES:
        name = NAMES[(framework, endpoint, "")]
    else:
        name = f"{framework}'s {endpoint} endpoint" + (f" on {server}" if server else "")
    return name if strategy == "gather" else f"{name} with {strategy}"


def _stall_fact(label: str, p99: float, low: float, high: float, threshold: float, pings: int) -> Fact:
    """A ping's p99 under load over its stall threshold (a stall: the interval's low end at 1 or above)."""
    return Fact(f"{label} ({p99:.0f} ms)", p99 / threshold, low / threshold, high / threshold, pings)


def _stalled(f: Fact) -> bool:
    return bool(f.has_interval and f.low >= 1)


def clients(load: Run, number: int) -> Shown:
    """The blocking probe: a light ``/ping`` alone and while heavy requests run, per case;
    which cases stalled, by the rule the caption states."""
    probe = requests_of(load, "probe")
    if probe.empty:
        return Shown(mpl.Figure(), _none("Figure", number, "blocking probe"), NOTHING)
    s = blocking.summarize(probe)
    drawing = load_plots.probe(s.assign(config=s["config"].map(case_name)))
    facts = []
    for config, g in s.groupby("config", sort=False):
        ping = g[g["phase"] == "ping"]
        if ping.empty:
            continue
        p = ping.iloc[0]
        facts.append(
            _stall_fact(
                case_name(str(config)),
                p["p99_ms"],
                p["p99_low_ms"],
                p["p99_high_ms"],
                p["stall_threshold_ms"],
                int(p["requests"]),
            )
        )
    query = dict(load.meta().get("load_preset", {}).get("heavy", ()))
    heavy = ", ".join(f"{k}={v}" for k, v in query.items())
    scope = Scope(modes=("process",))
    claim = cl.general(
        "clients.stall",
        facts,
        _stalled,
        cites=f"Figure {number}",
        scope=scope,
        said="/ping waited behind the heavy requests",
        every="whatever the server",
        over="case",
    )
    caption = (
        f"**Figure {number}. A light request while heavy ones run** (process mode; heavy: the article's gather, "
        f"{heavy}). /ping p99 alone (grey) and during heavy requests (red), 95% intervals; {STALL_RULE}. "
        f"{sentence(claim.text)}"
    )
    alt = (
        "/ping p99 latency per server alone and under heavy load, log scale: " + "; ".join(f.label for f in facts) + "."
    )
    return Shown(drawing, caption, Says((), (), ("process",), ()), (claim,), alt)


def _count(k: int, noun: str) -> str:
    return f"{k} {noun}{'' if k == 1 else 's'}"


def throughput(load: Run, number: int) -> Shown:
    """The concurrency sweep: throughput and p99 against clients per configuration, and
    whether worker processes raised each framework's ceiling."""
    swept = requests_of(load, "sweep")
    if swept.empty:
        return Shown(
            mpl.Figure(),
            _none("Figure", number, "concurrency sweep")
            + " The quick load preset has one (`make load`; `make article LOAD_RUN=` builds from it).",
            NOTHING,
        )
    s = sweep.summarize(swept)
    drawing = load_plots.sweep(s)
    top = s.loc[s.groupby(["framework", "server", "workers", "threads"], sort=False)["throughput_rps"].idxmax()]
    facts = []
    for fw, g in top.groupby("framework", sort=True):
        one, more = g[g["workers"] == 1], g[g["workers"] > 1]
        if len(one) and len(more):
            facts.append(
                Fact(str(fw), float(more["throughput_rps"].max() / one["throughput_rps"].max()), np.nan, np.nan, 0)
            )
    parts = [
        f"{r['framework']} on {r['server']} with {_count(int(r['workers']), 'worker')}: "
        f"{float(r['throughput_rps']):.1f} req/s at {_count(int(r['clients']), 'client')}"
        for r in top.to_dict("records")
    ]
    claims: list[Claim] = []
    if facts:
        claims.append(
            cl.general(
                "clients.workers",
                facts,
                lambda f: f.value >= 1.5,
                cites=f"Figure {number}",
                scope=Scope(modes=("process",)),
                said="worker processes raised the ceiling (the best with several workers served at least 1.5x the "
                "best with one)",
                every="whatever the framework",
                over="framework",
            )
        )
    caption = (
        f"**Figure {number}. Throughput against concurrent clients** (process mode). Best point of each "
        f"configuration: {'; '.join(parts)}. {said(claims)}"
    )
    alt = "Throughput and p99 latency against concurrent clients per server configuration: " + "; ".join(parts) + "."
    return Shown(drawing, caption, Says((), (), ("process",), ()), tuple(claims), alt)


# -- Figure 7: framework or server? -------------------------------------------------------
def framework_server(df: pd.DataFrame, found: Sequence[Figure], load: Run | None, number: int, *, n: int) -> Shown:
    """Frameworks by servers: the article's gather behind each server family, and a light
    request's latency while heavy ones run; the caption's claims are computed from the run's
    ratios (:func:`bench.analysis.families.framework_server.comparisons`)."""
    ok = measured(df)
    size = fxs.size_of(article_trials(ok, n))
    probe, heavy = pd.DataFrame(), ""
    if load is not None:
        requests_ = requests_of(load, "probe")
        if not requests_.empty:
            probe = fxs.probe_table(blocking.summarize(requests_))
            query = dict(load.meta().get("load_preset", {}).get("heavy", ()))
            heavy = " (heavy: " + ", ".join(f"{k}={v}" for k, v in query.items()) + ")"
    # The /ping panel compares every framework behind every server, or none: a few cells of it
    # would read as the whole (make article's own load run probes the article's cases only).
    if len(probe) < len(harness.FRAMEWORKS) * len(FAMILIES):
        probe, heavy = pd.DataFrame(), ""
    if size is None:
        drawing = grid_plots.framework_server(pd.DataFrame(), probe, n=n, size=0)
        return Shown(drawing, _none("Figure", number, "frameworks behind the same servers"), NOTHING)
    times = fxs.times(ok, n=n, size=size)
    for m in fxs.MEASURES:
        few = times["trials"] < stats.MIN_TRIALS
        times = times.assign(
            **{f"{m}_low_s": times[f"{m}_low_s"].where(~few), f"{m}_high_s": times[f"{m}_high_s"].where(~few)}
        )
    drawing = grid_plots.framework_server(times, probe, n=n, size=size, heavy=heavy)
    found = trusted(found)
    by = by_id(found)
    says = _says_of([f for f in found if f.id.startswith("fxs.")])
    cites = f"Figure {number}"
    scope = says.scope()
    cs = fxs.comparisons(by, "isolated")
    held_server = [Fact.of(by[c.id], _cell_name(c.framework, c.family)) for c in cs if c.held == "server"]
    held_framework = [Fact.of(by[c.id], _cell_name(c.framework, c.family)) for c in cs if c.held == "framework"]
    claims = []
    ratios = held_server + held_framework
    if ratios and not any(f.has_interval for f in ratios):
        # No ratio has the trials for an interval: judging none of them is not finding no effect.
        claims.append(
            cl.stated(
                "servers.too_few",
                f"No ratio is judged: each cell has {stats.TOO_FEW} "
                f"({cl.value_range((f.trials for f in ratios), fmt='d')} a side)",
                tuple(ratios),
                cl.each(stats.TOO_FEW, lambda f: not f.has_interval),
                cites=cites,
                scope=scope,
            )
        )
        held_server, held_framework = [], []
    if held_server:
        claims.append(
            cl.general(
                "servers.framework",
                held_server,
                lambda f: f.side == 1,
                cites=cites,
                scope=scope,
                said="behind the same server, the framework took longer than FastAPI (an interval above 1)",
                every="whatever the framework and server",
                over="framework and server",
            )
        )
    if held_framework:
        claims.append(
            cl.general(
                "servers.server",
                held_framework,
                lambda f: f.side != 0,
                cites=cites,
                scope=scope,
                said="changing the server changed the framework's time (an interval that excludes 1)",
                every="whatever the framework and server",
                over="framework and server",
            )
        )
    if len(probe):
        facts = [
            _stall_fact(
                _cell_name(str(r["framework"]), str(r["family"])),
                r["p99_ms"],
                r["p99_low_ms"],
                r["p99_high_ms"],
                r["threshold_ms"],
                int(r["pings"]),
            )
            for r in probe.to_dict("records")
        ]
        claims.append(
            cl.general(
                "servers.stall",
                facts,
                _stalled,
                cites=cites,
                scope=Scope(modes=("process",)),
                said="a light request waited for the heavy work (right panel, by Figure 6's rule)",
                every="whatever the framework and server",
                over="framework and server",
            )
        )
    caption = _caption(
        "Figure",
        number,
        "Framework or server?",
        says,
        "One worker each. Left and middle: each framework's median time for the article's gather behind its own "
        "server, gunicorn and Granian; right: "
        + (
            f"/ping p99 while heavy requests run{heavy}. "
            if len(probe)
            else "/ping under load, which this build's load run did not measure behind every server (`make load` "
            "does; `make article LOAD_RUN=` builds from it). "
        )
        + "The ratios are of one request after idle. "
        + said(claims),
    )
    alt = (
        f"Median time per framework behind each server family, n={n}, size {size}"
        + (", and /ping p99 under load; " if len(probe) else "; ")
        + "; ".join(f"{f.label} {f.words()} FastAPI's time" for f in held_server[:3])
        + "."
    )
    return Shown(drawing, caption, says, tuple(claims), alt)


def _cell_name(framework: str, family: str) -> str:
    """A framework x server cell by its one name: the article's two servers as :data:`NAMES`
    calls them, the others ``Quart on granian``."""
    if family == "own":
        known = NAMES.get((framework, harness.NATIVE_ENDPOINT[framework], ""))
        if known is not None:
            return known
    return f"{fxs._name(framework)} on {server_of(framework, family)}"


# -- Figure 8: speed-up against n ---------------------------------------------------------
def scaling(df: pd.DataFrame, number: int, *, cores: int | None) -> Shown:
    """Speed-up against n for every workload and strategy the run measured at two n or more,
    against the run's cores; each workload's best speed-up at the cores, and the gather that
    never overlaps."""
    t = _trusted_rows(scaling_.curves(scaling_.table(measured(df))))
    carried = not t.empty and bool((t["trials"] >= stats.MIN_TRIALS).any())
    drawing = grid_plots.scaling(t, cores=cores, interval="95% interval, from 8 trials" if carried else "")
    if t.empty:
        return Shown(drawing, _none("Figure", number, "workload measured at two n or more"), NOTHING)
    says = Says.of_rows(t.assign(mode=[IN_PROCESS if f == IDEAL else "process" for f in t["framework"]]))
    cites = f"Figure {number}"
    at = scaling_.n_for(t, cores)
    claims = []
    served = t[(t["framework"] != IDEAL) & (t["n"] == at)]
    for w, g in served.groupby("workload", sort=True):
        facts = tuple(
            Fact(
                f"{r['strategy']} on {_framework_label(str(r['framework']))}",
                r["speedup"],
                r["low"],
                r["high"],
                int(r["trials"]),
            )
            for r in g.to_dict("records")
        )
        top = max(facts, key=lambda f: f.value)
        claims.append(
            cl.stated(
                f"scaling.best.{w}",
                f"{w} at n={at}: fastest {top.label}, {top.words()}",
                facts,
                cl.fastest({"": top.label}),
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
            cl.general(
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
    caption = _caption(
        "Figure",
        number,
        "Speed-up against n",
        says,
        f"Dotted: the in-process ideal; grey: every task at once (speed-up = n); red: the {cores} cores; "
        f"{scaling_.resources(t)}. " + said(claims),
    )
    best = served.sort_values("speedup").iloc[-1] if len(served) else t.iloc[0]
    alt = (
        f"Speed-up against n on log scales, a panel per workload; the largest at n={at} is {best['speedup']:.1f}x "
        f"({best['workload']} with {best['strategy']} on {_framework_label(str(best['framework']))})."
    )
    return Shown(drawing, caption, says, tuple(claims), alt)


# -- the first screen, the summary and the conclusion -------------------------------------
def made_by(run: Run) -> str:
    """Which preset made the article and on which machine, from the run's meta.json."""
    meta = run.meta()
    cpu, memory = meta.get("cpu", {}), meta.get("memory", {})
    python = str(meta.get("python", {}).get("version", "")).split(" ")[0]
    gib = memory.get("total_bytes", 0) / 2**30
    return (
        f"*Made by the `{meta.get('preset', {}).get('name', '?')}` preset on {cpu.get('model', 'an unknown CPU')} "
        f"with {cpu.get('usable_cores', '?')} usable cores and {gib:.0f} GiB of memory, Python {python}, started "
        f"{str(meta.get('started_at', '?'))[:16].replace('T', ' ')} UTC. Every number below is this run's; the "
        "appendix gives its environment.*"
    )


#: Most words the summary may take.
SUMMARY_WORDS = 150
#: A word as a reader counts it: ``1.49x``, ``FastAPI's``, ``§2``, ``in-process``.
WORD = re.compile(r"[\w§]+(?:[.,'-][\w§]+)*")


def words(markdown: str) -> int:
    """How many words a reader reads in ``markdown`` (a link counts its text, not its target)."""
    return len(WORD.findall(re.sub(r"\]\(#[\w-]+\)", "]", markdown)))


#: The summary's claims it gives up first when it runs over :data:`SUMMARY_WORDS`.
DROPPED_FIRST = ("summary.gap.debug", "summary.faster.back_to_back", "summary.clients.stall")
#: The short claim the conclusion states for a section, where the summary makes one.
SHORT = {
    "parallel": "summary.parallel.every",
    "works": "summary.works",
    "clients": "summary.clients.stall",
}


def summary_of(shown: Mapping[str, Shown]) -> tuple[str, list[Claim]]:
    """The answer, in at most :data:`SUMMARY_WORDS` words: each claim with its number and
    interval and a link to the section that shows it. ``shown`` is each section's figure."""
    out = answers(shown)
    for cid in DROPPED_FIRST:
        if words(" ".join(sentence(c.text) for c in out)) <= SUMMARY_WORDS:
            break
        out = [c for c in out if c.id != cid]
    return " ".join(sentence(c.text) for c in out), out


def answers(shown: Mapping[str, Shown]) -> list[Claim]:
    """The short claims the summary chooses from, in its order, each with a link to its section."""
    by = {c.id: c for s in shown.values() for c in s.claims}
    out: list[Claim] = []

    def add(cid: str, text: str, section: str) -> None:
        c = by.get(cid)
        if c is not None:
            out.append(Claim(f"summary.{cid}", f"{text} ({link(section)})", c.cites, c.scope, c.facts, c.rule))

    par = by.get("parallel.every")
    if par is not None:
        values = [f.value for f in par.facts]
        if all(v < SERIAL for v in values):
            text = (
                "**No.** Neither framework ran the article's tasks in parallel: median parallelism "
                f"{cl.value_range(values)} in every configuration, where 1.0 is one after another"
            )
            add("parallel.every", text, "parallel")
        else:
            add("parallel.every", par.text, "parallel")
    for m, what in (("isolated", "one request after idle"), ("back_to_back", "requests back to back")):
        c = by.get(f"faster.{m}")
        if c is not None:
            f = c.facts[0]
            verdict = {1: "FastAPI is faster", -1: "Flask is faster", 0: "unresolved"}[f.side]
            add(
                f"faster.{m}",
                f"For {what}, {gap.FLASK.label} took {f.words()} as long as {gap.FASTAPI.label}: {verdict}",
                "faster",
            )
    debug = by.get("gap.debug")
    if debug is not None:
        f = debug.facts[0]
        verdict = "unresolved" if f.side == 0 else ("it slowed Flask" if f.side == 1 else "it sped Flask up")
        add("gap.debug", f"The article's debug mode: {f.words()}, {verdict}", "gap")
    best = [c for c in by.values() if c.id.startswith("works.best.")]
    if best:
        parts, tops, facts = [], {}, []
        for c in best:
            w = c.id.rsplit(".", 1)[1]
            top = max(c.facts, key=lambda f: f.value)
            parts.append(f"{w}, {top.label} {top.value:.1f}x")
            tops[w] = f"{w}: {top.label}"
            facts += [Fact(f"{w}: {f.label}", f.value, f.low, f.high, f.trials) for f in c.facts]
        out.append(
            Claim(
                "summary.works",
                "What runs tasks in parallel is the strategy; the fastest per workload"
                + ("" if any(f.has_interval for f in facts) else f" ({stats.TOO_FEW} here)")
                + f": {'; '.join(parts)} ({link('works')})",
                best[0].cites,
                best[0].scope,
                tuple(facts),
                cl.fastest({f"{w}: ": label for w, label in tops.items()}),
            )
        )
    stall = by.get("clients.stall")
    if stall is not None:
        waited = [f.label.rsplit(" (", 1)[0] for f in stall.facts if _stalled(f)]
        if not waited:
            under = "under load, no light request waited behind heavy ones"
        elif len(waited) <= 3:
            under = f"under load, a light request waited behind heavy ones on {joined(waited)}"
        else:
            under = (
                f"under load, a light request waited behind heavy ones on {len(waited)} of {len(stall.facts)} servers"
            )
        article_two = [
            f.label for f in stall.facts if f.label.rsplit(" (", 1)[0] in (gap.FASTAPI.label, gap.FLASK.label)
        ]
        if article_two and len(waited) > 3:
            under += f"; /ping's p99 on the article's two: {joined(article_two)}"
        add("clients.stall", under, "clients")
    return out


def conclusion(shown: Mapping[str, Shown]) -> tuple[str, list[Claim]]:
    """What the article got right and wrong and what each section found: a line per section,
    each its figure's first claim, with a link to it; and the claims it states."""
    by = {c.id: c for s in shown.values() for c in s.claims}
    lines, out = [], []
    iso = by.get("faster.isolated")
    if iso is not None:
        f = iso.facts[0]
        word = "Right in direction" if f.side == 1 else ("Wrong" if f.side == -1 else "Not supported")
        out.append(iso)
        par = by.get("parallel.every")
        serial = par is not None and all(p.value < SERIAL for p in par.facts)
        lines.append(
            f'- *"FastAPI is faster."* **{word}** for one request after idle at this size ({link("faster")})'
            + (f", and the reason is not parallelism ({link('parallel')})." if serial else ".")
        )
        if serial and par is not None:
            out.append(par)
    cpu = by.get("cpu.client")
    if cpu is not None:
        out.append(cpu)
        lines.append(
            f'- *"FastAPI uses slightly more CPU."* **Not shown by its evidence**: {cpu.text.split(": ", 1)[1]} '
            f"({link('faster')})."
        )
    lines.append(
        '- *"FastAPI needs less boilerplate."* **Right, by reading the code**: its endpoint awaits the gather '
        "where the Flask view builds and closes an event loop by hand (Flask's own `async def` views need none)."
    )
    short = {c.id: c for c in answers(shown)}
    for key, (_, title) in SECTIONS.items():
        s = shown.get(key)
        if s is None or not s.claims:
            continue
        first = short.get(SHORT.get(key, ""), s.claims[0])
        out.append(first)
        text = re.sub(r" \(\[§\w\]\(#[\w-]+\)\)$", "", first.text)
        lines.append(f"- **{title}** {sentence(text)} ({link(key)})")
    return "\n".join(lines), out


def sections(run: Run, load: Run | None, *, n: int, size: int, cores: int | None) -> dict[str, Shown]:
    """Every section's figure of the main text, as the article numbers them."""
    df, found = run.trials(), cited(run)
    out = {
        "parallel": timelines(df, 1, n=n, size=size),
        "faster": faster(found, 2),
        "table": cpu_table(df, found, 1, n=n, size=size),
        "works": what_works(df, 3),
        "gap": decomposition(found, 4),
        "size": sizes(found, 5),
    }
    if load is not None:
        out["clients"] = clients(load, 6)
    out["servers"] = framework_server(df, found, load, 7, n=n)
    out["scaling"] = scaling(df, 8, cores=cores)
    return out


def claims_of(run: Run, load: Run | None = None) -> list[Claim]:
    """Every claim the article states about ``run`` (and its load run): each section's
    captions, the summary's and the conclusion's."""
    meta = run.meta()
    preset = meta.get("preset", {})
    shown = sections(
        run,
        load,
        n=int(preset["n"]),
        size=int(preset["size"]),
        cores=meta.get("cpu", {}).get("usable_cores"),
    )
    out = [c for s in shown.values() for c in s.claims]
    out += summary_of(shown)[1] + conclusion(shown)[1]
    if load is not None:
        out += list(throughput(load, 10).claims)
    return out


# -- Appendix: runs and precision ---------------------------------------------------------
#: The figures set beside the committed runs: the headline and the gap's decomposition.
BESIDE = ("headline.*", "gap.*")


def beside_committed(found: Sequence[Figure], committed: Mapping[str, Sequence[Figure]]) -> tuple[pd.DataFrame, str]:
    """This run's headline and decomposition (:data:`BESIDE`) beside the committed runs of its
    preset (run id -> cited figures), judged by :func:`bench.analysis.agreement.agree`: a row per figure
    with each run's estimate and interval and the verdict; and a sentence that counts them."""
    if not committed:
        return pd.DataFrame(), "No committed run of this preset to set this one beside."
    judged = agreement.agree({"this run": found, **committed}, patterns=BESIDE)
    rows = [
        {
            "figure": a.id,
            **{
                e.run: (f"{e.value:.2f} [{e.low:.2f}, {e.high:.2f}]" if e.has_interval else f"{e.value:.2f}")
                for e in a.estimates
            },
            "runs": {True: "agree", False: "disagree", None: "not judged"}[a.agrees],
            "why": a.why,
        }
        for a in judged
    ]
    decided = [a for a in judged if a.agrees is not None]
    bad = agreement.disagreeing(judged)
    k = len(committed)
    words = (
        f"This run and the {k} committed run{'s' if k > 1 else ''} of its preset agree on "
        f"{len(decided) - len(bad)} of the {len(decided)} figures they all cite and could judge "
        "(every pair of intervals overlaps and each estimate lies inside the others' intervals)."
    )
    if bad:
        words += f" They disagree on {', '.join(bad)}: read those as not settled."
    return pd.DataFrame(rows), words


def _side(f: Figure) -> int:
    """Which way an interval resolves a ratio: 1 above 1, -1 below, 0 unresolved."""
    return 1 if f.low > 1 else (-1 if f.high < 1 else 0)


#: The figures that are one configuration's median, not a ratio of two.
MEDIANS = ("cpu.", "parallelism.")


def _reads(f: Figure) -> str:
    """How the article reads a figure: a ratio resolved above or below 1, unresolved (its
    interval includes 1), or with too few trials for an interval; a median as a median."""
    if f.id.startswith(MEDIANS):
        return "a median"
    fact = Fact.of(f)
    if not fact.has_interval:
        return stats.TOO_FEW
    return {1: "above 1", -1: "below 1", 0: "unresolved"}[fact.side]


def precision(found: Sequence[Figure]) -> tuple[pd.DataFrame, str]:
    """Every cited figure with its interval (with the run level, where its preset has one: the run
    spread it added, :mod:`bench.analysis.runlevel`), its own half-width, target and whether it met it, and how
    the article reads it (:func:`_reads`: "unresolved" where its interval includes 1); and a
    sentence that says plainly which targets were not met."""
    table = pd.DataFrame(
        [
            {
                "figure": f.id,
                "value": f.value,
                "95% low": f.low,
                "95% high": f.high,
                "run spread": f.run_spread,
                "half-width": f.half_width,
                "target": f.target,
                "met": f.met,
                "reads": _reads(f),
            }
            for f in found
        ]
    )
    targeted = [f for f in found if f.target is not None]
    short = [f for f in targeted if not f.met]
    if not targeted:
        words = "This run's preset sets no precision targets."
    elif not short:
        words = f"All {len(targeted)} figures with a target met it."
    else:
        words = (
            f"{len(targeted) - len(short)} of {len(targeted)} figures with a target met it. **Not met:** "
            + "; ".join(f"{f.id} (±{f.half_width:.1%}, target {f.target:.0%})" for f in short)
            + "."
        )
    return table, words
