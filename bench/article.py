"""The article's figures and tables with their captions, and its conclusion, from one run.

Each function takes the run's data for one figure from the analysis, selected once
(:mod:`bench.selection`, :func:`bench.headline.shown`, :func:`bench.ablation.panels`,
:func:`bench.size.lines`, :func:`bench.scaling.curves`), and hands that one selection both
to the plot (:mod:`bench.plots`) and to the caption: a caption cannot describe other data
than its panel draws. It returns both as a :class:`Shown`, with the scope (:class:`Says`:
every n, size, mode and endpoint style) the caption states. The numbers are
:mod:`bench.figures`'s, the same the report and its JSON give. When the run lacks what a
sentence needs, it says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd
from matplotlib import figure as mpl

from . import ablation, headline, plots, selection, stats
from . import framework_server as fxs
from . import scaling as scaling_
from . import size as by_size
from .config import IDEAL, IN_PROCESS, NO_ENDPOINT
from .figure import MEANING, TIMED, Figure, article_trials, by_id
from .load import blocking, sweep
from .load.folder import requests_of
from .speedup import EXPLAINED
from .store import Run
from .tables import measured, summary, versus_ideal


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


#: How a caption names each mode (a word-bounded pattern, and the words).
MODE_WORDS = {"process": "process mode", "thread": "thread mode", IN_PROCESS: "in-process"}


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

    def words(self) -> str:
        """The scope in words, as captions state it."""
        styles = [e for e in self.endpoints if e != NO_ENDPOINT]
        parts = [
            " and ".join(f"n={k}" for k in self.n),
            ("size " if len(self.sizes) == 1 else "sizes ") + _joined([str(s) for s in self.sizes]),
            _joined([MODE_WORDS.get(m, m) for m in self.modes]),
        ]
        if styles:
            parts.append(_joined(styles) + (" endpoint" if len(styles) == 1 else " endpoints"))
        return ", ".join(parts)


def _joined(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


NOTHING = Says((), (), (), ())


@dataclass(frozen=True)
class Shown:
    """One figure or table of the article: what the reader sees (``shows``), its caption
    (Markdown) and the scope of what the caption cites, which is what the figure draws: both
    are made from one selection."""

    shows: mpl.Figure | pd.DataFrame
    caption: str
    says: Says


def _ci(f: Figure | stats.Estimate, scale: float = 1.0) -> str:
    low, high = (f.low * scale, f.high * scale)
    return "no interval" if not np.isfinite(low) else f"95% CI {low:.2f} to {high:.2f}"


def _hw(f: Figure) -> str:
    return f"±{f.half_width:.0%}" if np.isfinite(f.half_width) else "no interval"


def _says_of(cited: Iterable[Figure]) -> Says:
    return Says.of(c for f in cited for c in f.configs)


# -- Figure 1: did the tasks run in parallel? ---------------------------------------------
def timelines(df: pd.DataFrame, number: int, *, n: int, size: int) -> Shown:
    """The article's gather at ``n`` tasks of ``size``: when each task ran, per server, and
    each server's median parallelism over the same trials."""
    panels = selection.timelines(measured(df), "gather", "article", n=n, size=size)
    drawing = plots.timelines(panels, strategy="gather", workload="article", n=n, size=size)
    if not panels:
        caption = f"**Figure {number}.** This run has no timelines of the article's gather at n={n}, size {size}."
        return Shown(drawing, caption, NOTHING)
    parts, medians = [], []
    for p in sorted(panels, key=lambda p: (p.framework, p.mode, p.endpoint)):
        par = stats.median_ci(p.trials["parallelism"])
        medians.append(par.value)
        who = (
            "the in-process ideal" if p.framework == IDEAL else f"{p.framework} ({p.mode} mode, {p.endpoint} endpoint)"
        )
        parts.append(f"{who} {par.value:.2f} ({_ci(par)})")
    says = Says.of_rows(pd.concat([p.trials for p in panels]))
    verdict = "one after another" if max(medians) < 1.1 else "partly overlapping"
    caption = (
        f"**Figure {number}.** **The article's gather ran {verdict} in every server** ({says.words()}). "
        f"Median parallelism (1.0: one after another; {n}: all at once): {'; '.join(parts)}. Each panel is the "
        "trial nearest its configuration's median wall time."
    )
    return Shown(drawing, caption, says)


# -- Figure 2: three meanings of "faster" -------------------------------------------------
def faster(found: Sequence[Figure], number: int) -> Shown:
    """The headline: Flask's over FastAPI's for each measure, and why they differ."""
    by = by_id(found)
    drawn = headline.shown(found)
    drawing = plots.faster(drawn)
    shown = [f for f in drawn if f.measure in TIMED]
    if not shown:
        caption = f"**Figure {number}.** This run has no trials of the article's two servers sent twice."
        return Shown(drawing, caption, NOTHING)
    memory = next((f for f in drawn if f.measure == "peak_memory"), None)
    says = _says_of(drawn)
    lines = [
        f'**Figure {number}.** **Is FastAPI faster? It depends on what "faster" means.** The article\'s two '
        f"servers ({says.words()}), Flask's over FastAPI's (above 1: FastAPI is faster), each with its 95% "
        "interval and its half-width:"
    ]
    for f in shown:
        lines.append(
            f"- {MEANING[f.measure]}: **{f.value:.2f}x** ({_ci(f)}, {_hw(f)}); "
            + stats.verdict(stats.Estimate(f.value, f.low, f.high), a="Flask", b="FastAPI", what=_what(f.measure))
        )
    if memory is not None:
        lines.append(f"- peak memory of the serving process: {memory.value:.2f}x ({_ci(memory)}).")
    after = [
        _why_they_differ(by),
        "The article reported 2.2x from one trial each, at size 10000 (Figure 6 puts it beside the sizes "
        "measured here).",
    ]
    # A paragraph after the list: a blank line, or Markdown folds it into the last item.
    return Shown(drawing, "\n".join(lines) + "\n\n" + " ".join(p for p in after if p), says)


def _what(measure: str) -> str:
    return {
        "isolated": "wall time after idle",
        "back_to_back": "wall time back to back",
        "server_cpu": "server CPU per request",
    }.get(measure, measure)


def _why_they_differ(by: dict[str, Figure]) -> str:
    """Whether one request after idle and one sent back to back differ, and, where FastAPI's
    lead is larger after idle, the settle step that explains it."""
    iso, b2b = by.get("headline.isolated"), by.get("headline.back_to_back")
    if iso is None or b2b is None or not (np.isfinite(iso.low) and np.isfinite(b2b.low)):
        return ""
    if iso.low <= b2b.high and b2b.low <= iso.high:
        return (
            f"The ratio after idle ({iso.value:.2f}) and back to back ({b2b.value:.2f}) have overlapping "
            "intervals: this run does not resolve a difference between the two."
        )
    settle = by.get("gap.isolated.settle")
    if iso.low > b2b.high and settle is not None and settle.low > 1:
        b2b_settle, cpu_settle = by.get("gap.back_to_back.settle"), by.get("gap.server_cpu.settle")
        after = ""
        if b2b_settle is not None and cpu_settle is not None:
            after = (
                f" Back to back, that step is {b2b_settle.value:.2f}x ({_ci(b2b_settle)}), and in the CPU counted "
                f"until the server is idle {cpu_settle.value:.2f}x ({_ci(cpu_settle)})."
            )
        return (
            f"FastAPI's lead is larger for one request after idle ({iso.value:.2f}) than back to back "
            f"({b2b.value:.2f}): FastAPI answers before its gathered tasks free their results, and freeing them "
            f"first costs it {settle.value:.2f}x ({_ci(settle)}; Figure 5's settle step). A request after idle "
            "never waits for that freeing; the next request sent at once, and the CPU counted until the server is "
            "idle, do." + after
        )
    larger = "after idle" if iso.value > b2b.value else "back to back"
    return (
        f"The ratio differs between one request after idle ({iso.value:.2f}) and back to back ({b2b.value:.2f}), "
        f"FastAPI's lead being larger {larger}; Figure 5 takes each measure apart step by step."
    )


# -- Table 1: whose CPU does %time show? --------------------------------------------------
CPU_COLUMNS = [
    "framework",
    "mode",
    "endpoint",
    "strategy",
    "trials",
    "wall_s",
    "wall_low_s",
    "wall_high_s",
    "x_ideal",
    "server_cpu_s",
    "client_cpu_s",
    "client_process_cpu_s",
    "parallelism",
    "peak_rss_mib",
    "major_faults",
]


def cpu_table(df: pd.DataFrame, found: Sequence[Figure], number: int, *, n: int, size: int) -> Shown:
    """Every plain configuration of the article's task at ``n`` and ``size``, and what
    ``%time``'s CPU is: the client's, beside the server's."""
    ok = measured(df)
    art = ok[(ok["workload"] == "article") & (ok["n"] == n) & (ok["size"] == size) & (ok["variant"] == "")]
    if art.empty:
        caption = f"**Table {number}.** This run has no trials of the article's task at n={n}, size {size}."
        return Shown(pd.DataFrame(columns=CPU_COLUMNS), caption, NOTHING)
    table = summary(art)
    by = by_id(found)
    client, server = by.get("cpu.client_process"), by.get("cpu.server")
    says = Says.of_rows(art)
    head = f"**Table {number}.** The article's task, every plain configuration measured ({says.words()})."
    if client is None or server is None:
        caption = head + " This run has no process-mode trials to separate the client's CPU from the server's."
    else:
        caption = (
            f"{head} **`%time`'s \"CPU times\" are the client's.** With the article's two servers in their own "
            f"processes, the measuring process used a median {client.value * 1000:.1f} ms of CPU per request "
            f"({_ci(client, 1000)} ms) while the server used {server.value:.2f} s ({_ci(server)} s), counted until "
            "it was idle again: the article's 9.11 ms and 18.7 ms say nothing about which server uses more CPU. "
            "*server CPU* is the server process's CPU during the request (in thread mode less the client thread's "
            "own); *client CPU* is the client's thread; *client process CPU* is what `%time` reports."
        )
    return Shown(table[CPU_COLUMNS], caption, says)


# -- Figures 3 and 4: what runs in parallel -----------------------------------------------
def what_works(df: pd.DataFrame, number: int) -> Shown:
    """Speed-up over the tasks run one after another, per workload and strategy, and the
    fastest strategy of each framework, in its own endpoint style, against the fastest
    in-process ideal."""
    parts = selection.matrix(measured(df))
    drawing = plots.speedups(parts)
    rows, panels, says = [], [], NOTHING
    for part in parts:
        says = says | Says.of_rows(part.trials)
        panels.append(f"{part.workload} (n={part.n}, size {part.size}, {MODE_WORDS[part.mode]})")
        for r in versus_ideal(part.trials).to_dict("records"):
            ci = f"{r['low']:.2f} to {r['high']:.2f}" if np.isfinite(r["low"]) else "no interval"
            rows.append(
                f"| {r['workload']} | {r['n']} | {r['size']} | {r['framework']} | {r['best_strategy']} "
                f"({r['endpoint']}) | {r['x_ideal']:.2f}x ({ci}) | {r['x_ideal_fastest']:.2f}x |"
            )
    if not panels:
        return Shown(drawing, f"**Figure {number}.** This run has no strategy matrix.", NOTHING)
    endpoints = _joined([e for e in says.endpoints if e != NO_ENDPOINT])
    caption = (
        f"**Figure {number}.** **What makes independent functions run in parallel:** speed-up over the same "
        f"tasks run one after another in-process, per workload and strategy, each framework in its own endpoint "
        f"style ({endpoints}): {'; '.join(panels)}. {EXPLAINED} The fastest strategy of each against the "
        "fastest in-process ideal of the same tasks (1.00x = serving cost nothing), and the same for the "
        "fastest trials:\n\n"
        "| workload | n | size | framework | best strategy (endpoint) | x best ideal (95% CI) | fastest trials |\n"
        "|---|---|---|---|---|---|---|\n" + "\n".join(rows)
    )
    return Shown(drawing, caption, says)


def strategies(df: pd.DataFrame, workload: str, number: int) -> Shown:
    """One workload's timelines where its strategies are compared, a row per strategy."""
    grid = selection.strategies(measured(df), workload)
    drawing = plots.strategy_timelines(grid, workload)
    if grid is None:
        return Shown(drawing, f"**Figure {number} ({workload}).** No trials.", NOTHING)
    says = Says.of_rows(grid.trials)
    caption = (
        f"**Figure {number} ({workload}).** When each task ran ({says.words()}): a row per strategy, a column per "
        "framework in its own endpoint style, and the in-process ideal; each panel the trial nearest its "
        "configuration's median."
    )
    return Shown(drawing, caption, says)


# -- Figure 5: the gap, one change at a time ----------------------------------------------
def decomposition(found: Sequence[Figure], number: int) -> Shown:
    """From the article's Flask to its FastAPI one change at a time, per measure: the product
    of the named changes beside the measured gap, and what they leave unexplained."""
    panels = ablation.panels(found)
    drawing = plots.decomposition(panels)
    by = by_id(found)
    if "gap.isolated.total" not in by:
        caption = f"**Figure {number}.** This run has no controlled comparisons of the article's two servers."
        return Shown(drawing, caption, NOTHING)
    says = _says_of([f for _, shown in panels for f in shown])
    chain = " → ".join(side.label for side in ablation.CHAIN)
    lines = [
        f"**Figure {number}.** **Where the gap comes from.** {len(ablation.STEPS)} controlled comparisons lead "
        f"from the article's Flask as it ran it to its FastAPI, one change at a time ({chain}), {says.words()}; "
        "each step a ratio with its 95% interval. *named* is the product of the steps that name a change (all "
        "but *framework*); *rest* is the gap over that product, what the named changes leave to the frameworks "
        "themselves:"
    ]
    for m in TIMED:
        t, named, rest = (by.get(f"gap.{m}.{k}") for k in ("total", "named", "rest"))
        if t is None or named is None or rest is None:
            continue
        lines.append(
            f"- {MEANING[m]}: the gap {t.value:.2f}x ({_ci(t)}); the named changes together "
            f"{named.value:.2f}x ({_ci(named)}), leaving {rest.value:.2f}x ({_ci(rest)}). Steps whose interval "
            f"excludes 1: {_moved(by, m)}."
        )
    steps = "The steps: " + "; ".join(f"**{name}**, {what}" for name, what in ablation.STEPS) + "."
    return Shown(drawing, "\n".join(lines) + "\n\n" + steps, says)


def _moved(by: dict[str, Figure], measure: str, *, skip: tuple[str, ...] = ()) -> str:
    """The steps of ``measure``'s gap whose interval excludes 1, each with its ratio."""
    moved = []
    for name, _ in ablation.STEPS:
        f = by.get(f"gap.{measure}.{name}")
        if f is not None and name not in skip and np.isfinite(f.low) and not f.low <= 1 <= f.high:
            moved.append(f"{name} {f.value:.2f}x ({_ci(f)})")
    return "; ".join(moved) if moved else "none"


# -- Figure 6: does the gap depend on size? -----------------------------------------------
def sizes(found: Sequence[Figure], number: int) -> Shown:
    """The headline ratios against the size, and the article's 2.2x at 10000 judged by them."""
    lines = by_size.lines(found)
    drawing = plots.sizes(lines)
    iso = lines.get("isolated", [])
    if len(iso) < 2:
        caption = f"**Figure {number}.** This run measured the article's two servers at fewer than two sizes."
        return Shown(drawing, caption, _says_of(iso) if iso else NOTHING)
    says = _says_of([f for shown in lines.values() for f in shown])
    each = "; ".join(f"size {f.size}: {f.value:.2f}x ({_ci(f)})" for f in iso)
    line = by_size.extrapolation(iso)
    largest = max(f.size for f in iso)
    if line is None:
        there = next(f for f in iso if f.size == largest)
        judged = (
            f"Measured at size {largest}: {there.value:.2f}x ({_ci(there)}); the article's 2.2x "
            f"{'lies inside' if there.low <= by_size.ARTICLE_RATIO <= there.high else 'lies outside'} that interval."
        )
    else:
        carried = line.at(by_size.ARTICLE_SIZE)
        where = (
            "inside"
            if carried.low <= by_size.ARTICLE_RATIO <= carried.high
            else ("above" if by_size.ARTICLE_RATIO > carried.high else "below")
        )
        judged = (
            f"Carried on to the article's size 10000, the straight line (log ratio against log size, each size "
            f"weighted by its interval) gives {carried.value:.2f}x ({_ci(carried)}): an extrapolation, not a "
            f"measurement, since the largest size measured here is {largest}; the article's 2.2x lies {where} "
            + (
                "that interval, which also holds 1: too wide to confirm or refute it."
                if where == "inside" and carried.low <= 1
                else "that interval."
            )
        )
    open_sizes = [str(f.size) for f in iso if not (np.isfinite(f.low) and (f.low > 1 or f.high < 1))]
    unresolved = (
        f" At size{'s' if len(open_sizes) > 1 else ''} {_joined(open_sizes)} the interval includes 1 (or there is "
        "none): unresolved there."
        if open_sizes
        else ""
    )
    caption = (
        f"**Figure {number}.** **The gap against the size of the task** ({says.words()}): Flask's over "
        f"FastAPI's for one request after idle at each size: {each}.{unresolved} {judged} The back-to-back and "
        "CPU ratios are drawn beside them."
    )
    return Shown(drawing, caption, says)


# -- the conclusion and the precision -----------------------------------------------------
def conclusion(found: Sequence[Figure], df: pd.DataFrame, *, timelines: str, faster: str, table: str, gap: str) -> str:
    """What the article got right and wrong, claim by claim, each against this run's figures."""
    by = by_id(found)
    lines = []
    par = [f for f in found if f.id.startswith("parallelism.")]
    if par:
        top = max(f.value for f in par)
        lines.append(
            f'- *"FastAPI runs the independent functions in parallel."* **Wrong.** Neither framework overlapped '
            f"them: median parallelism at most {top:.2f} ({timelines}). Coroutines with no await point run one "
            "after another in any event loop."
            if top < 1.1
            else f'- *"FastAPI runs the independent functions in parallel."* The tasks overlapped here (parallelism up '
            f"to {top:.2f}, {timelines})."
        )
    iso = by.get("headline.isolated")
    if iso is not None:
        lines.append(_faster_claim(iso, by, faster, gap))
    client, cpu = by.get("cpu.client_process"), by.get("headline.server_cpu")
    if client is not None and cpu is not None:
        words = stats.verdict(
            stats.Estimate(1 / cpu.value, 1 / cpu.high, 1 / cpu.low),
            a="FastAPI",
            b="Flask",
            what="server CPU per request",
            lower="lighter on CPU",
            higher="heavier on CPU",
            verb="uses",
            amount="as much",
        )
        lines.append(
            f'- *"FastAPI uses slightly more CPU"* (from `%time`). **Not shown by its evidence:** `%time` measured '
            f"the client process ({client.value * 1000:.1f} ms a request here, {table}), not the servers. Counted "
            f"on the servers until they are idle again: {words}."
        )
    lines.append(
        '- *"FastAPI needs less boilerplate."* **Right, by reading the code:** the async endpoint awaits the '
        "gather directly, where the Flask view builds and closes an event loop by hand. Flask's own `async def` "
        "views remove that boilerplate too."
    )
    if iso is not None and np.isfinite(iso.half_width):
        trials = min(k for _, k in iso.sides)
        lines.append(
            f"- *One trial each, no warm-up.* **Not enough:** with {trials} trials a side the ratio is still known "
            f"only to {_hw(iso)} ({faster}); one trial a side cannot tell a real gap from noise."
        )
    return "\n".join(lines)


def _faster_claim(iso: Figure, by: dict[str, Figure], faster: str, gap: str) -> str:
    rest, total, b2b = by.get("gap.isolated.rest"), by.get("gap.isolated.total"), by.get("headline.back_to_back")
    why = ""
    if b2b is not None:
        why += (
            " Sent back to back: "
            + stats.verdict(
                stats.Estimate(b2b.value, b2b.low, b2b.high), a="Flask", b="FastAPI", what="wall time back to back"
            )
            + "."
        )
    if rest is not None and total is not None:
        why += (
            f" The controlled comparisons ({gap}), one change at a time from the article's Flask with its debug "
            f"mode to its FastAPI (gap {total.value:.2f}x, {_ci(total)}), name these steps as moving it: "
            + _moved(by, "isolated", skip=("framework",))
            + f"; what the named changes leave to the frameworks themselves is {rest.value:.2f}x ({_ci(rest)})."
        )
    if iso.low <= 1 <= iso.high or not np.isfinite(iso.low):
        words = stats.verdict(stats.Estimate(iso.value, iso.low, iso.high), a="Flask", b="FastAPI")
        return f'- *"FastAPI is 2.2x faster."* **Not supported here:** {words} ({faster}).' + why
    if iso.low > 1:
        return (
            f'- *"FastAPI is faster."* **Right in direction, for one request after idle:** Flask took '
            f"{iso.value:.2f}x as long ({_ci(iso)}, {faster}); the article's 2.2x "
            f"{'lies inside' if iso.low <= 2.2 <= iso.high else 'lies outside'} that interval at this size, and the "
            "reason is not parallelism." + why
        )
    return f'- *"FastAPI is faster."* **Wrong here:** Flask took {iso.value:.2f}x as long ({_ci(iso)}, {faster}).' + why


def runs_agree(found: Sequence[Figure], reference: Sequence[Figure]) -> tuple[pd.DataFrame, str]:
    """The headline's figures of this run beside another run's (each with its interval), and
    whether the two runs agree: on this shared machine a within-run interval is not the whole
    truth, and a figure stands when separate runs agree (their intervals overlap) and each
    resolves it the same way."""
    ours, theirs = by_id(found), by_id(reference)
    ids = [f"headline.{m}" for m in TIMED if f"headline.{m}" in ours and f"headline.{m}" in theirs]
    rows: list[dict[str, object]] = []
    agree: list[str] = []
    differ: list[str] = []
    for fid in ids:
        a, b = ours[fid], theirs[fid]
        rows.append(
            {
                "figure": fid,
                "this run": a.value,
                "this run 95%": a.interval,
                "reference": b.value,
                "reference 95%": b.interval,
                "size": f"{a.size} / {b.size}",
            }
        )
        same = a.size == b.size and a.low <= b.high and b.low <= a.high and _side(a) == _side(b)
        (agree if same else differ).append(fid)
    if not ids:
        return pd.DataFrame(rows), "The reference run has none of this run's headline figures to compare."
    words = []
    if agree:
        words.append(f"The two runs agree on {', '.join(agree)}: their intervals overlap and say the same.")
    if differ:
        words.append(
            f"They differ on {', '.join(differ)} (another size, intervals apart, or one resolved where the other is "
            "not): read those figures as this machine's run-to-run spread, not as settled."
        )
    return pd.DataFrame(rows), " ".join(words)


def _side(f: Figure) -> int:
    """Which way an interval resolves a ratio: 1 above 1, -1 below, 0 unresolved."""
    return 1 if f.low > 1 else (-1 if f.high < 1 else 0)


def precision(found: Sequence[Figure]) -> tuple[pd.DataFrame, str]:
    """Every cited figure with its interval, half-width, target and whether it met it; and a
    sentence that says plainly which targets were not met."""
    table = pd.DataFrame(
        [
            {
                "figure": f.id,
                "value": f.value,
                "95% low": f.low,
                "95% high": f.high,
                "half-width": f.half_width,
                "target": f.target,
                "met": f.met,
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


# -- framework or server? ----------------------------------------------------------------
def framework_server(df: pd.DataFrame, found: Sequence[Figure], load: Run | None, number: int, *, n: int) -> Shown:
    """Frameworks by servers: the article's gather behind each server family, and a light
    request's latency while heavy ones run; the caption's conclusion is computed from the
    run's ratios (:func:`bench.framework_server.conclusion`)."""
    ok = measured(df)
    size = fxs.size_of(article_trials(ok, n))
    probe, heavy = pd.DataFrame(), ""
    if load is not None:
        requests_ = requests_of(load, "probe")
        if not requests_.empty:
            probe = fxs.probe_table(blocking.summarize(requests_))
            query = dict(load.meta().get("load_preset", {}).get("heavy", ()))
            heavy = " (heavy: /run?" + "&".join(f"{k}={v}" for k, v in query.items()) + "&strategy=gather)"
    if size is None:
        drawing = plots.framework_server(pd.DataFrame(), probe, n=n, size=0)
        caption = f"**Figure {number}.** This run did not measure the frameworks behind the same servers."
        return Shown(drawing, caption, NOTHING)
    times = fxs.times(ok, n=n, size=size)
    drawing = plots.framework_server(times, probe, n=n, size=size)
    by = by_id(found)
    cited = [f for f in found if f.id.startswith("fxs.")]
    says = _says_of(cited)
    words = fxs.conclusion(by, probe if len(probe) else None)
    caption = (
        f"**Figure {number}.** **Framework or server?** ({says.words()}; one worker each.) Left and middle: "
        "each framework's median time for the article's gather behind its own server, gunicorn and Granian, "
        f"with 95% intervals; right: the blocking probe's /ping p99 while heavy requests run{heavy}. {words}"
    )
    return Shown(drawing, caption, says)


# -- speed-up against n ------------------------------------------------------------------
def scaling(df: pd.DataFrame, number: int, *, cores: int | None) -> Shown:
    """Speed-up against n for every workload and strategy the run measured at two n or more,
    with where each best curve bends (:mod:`bench.scaling`), against the run's cores."""
    t = scaling_.curves(scaling_.table(measured(df)))
    drawing = plots.scaling(t, cores=cores)
    if t.empty:
        caption = f"**Figure {number}.** This run measured no workload at two n or more."
        return Shown(drawing, caption, NOTHING)
    says = Says.of_rows(t.assign(mode=[IN_PROCESS if f == IDEAL else "process" for f in t["framework"]]))
    gather = t[(t["workload"] == "article") & (t["strategy"] == "gather") & (t["framework"] != IDEAL)]
    low, high = (
        (f"{gather['parallelism'].min():.2f}", f"{gather['parallelism'].max():.2f}") if len(gather) else ("", "")
    )
    flat = (
        f" The article's gather kept a parallelism of {low if low == high else f'{low} to {high}'} at every n: "
        "its coroutines never overlap, however many."
        if not gather.empty
        else ""
    )
    caption = (
        f"**Figure {number}.** **Speed-up against n** ({says.words()}; {scaling_.MEANING}; 95% intervals; "
        f"the dotted lines are the in-process ideal, the grey line every task at once, the dashed red line "
        f"the {cores} cores; {scaling_.resources(t)}). Per workload and framework, the best strategy at "
        f"each n and where its curve bends (from there, doubling n gains less than a factor of "
        f"{scaling_.NEEDED_PER_DOUBLING:.2f}; unresolved where the growth's 95% interval includes it):\n\n"
        + "\n".join(scaling_.sentences(t, cores))
        + f"\n\n{flat.strip()}"
        + (f" {cost}" if (cost := scaling_.serving_cost(t, scaling_.n_for(t, cores))) else "")
    )
    return Shown(drawing, caption, says)


# -- many clients -------------------------------------------------------------------------
def many_clients(load: Run, probe_figure: str, sweep_figure: str) -> str:
    """What the load run shows: which cases stalled, and how throughput grew with clients."""
    lines = []
    probe = requests_of(load, "probe")
    if not probe.empty:
        s = blocking.summarize(probe)
        cases = s.drop_duplicates("config")
        stalled = list(cases[cases["stalls"]]["config"])
        fine = list(cases[~cases["stalls"]]["config"])
        waited = f"{'; '.join(stalled)} stalled: pings waited behind the heavy work. " if stalled else ""
        lines.append(
            f"**Stalls under load** ({probe_figure}): "
            + (waited or "no case stalled in this run. ")
            + (f"Stayed responsive: {'; '.join(fine)}." if fine else "")
        )
    swept = requests_of(load, "sweep")
    if not swept.empty:
        lines.append(_throughput(sweep.summarize(swept), sweep_figure))
    return "\n\n".join(lines) if lines else "This run has no load measurements."


def _throughput(s: pd.DataFrame, figure: str) -> str:
    top = s.loc[s.groupby(["framework", "server", "workers", "threads"], sort=False)["throughput_rps"].idxmax()]
    parts = [
        f"{r.framework}/{r.server} x{r.workers}: {r.throughput_rps:.1f} req/s at C={r.clients}"
        for r in top.astype({"workers": int, "clients": int}).itertuples()
    ]
    text = f"**Throughput with more clients** ({figure}), best point of each configuration: " + "; ".join(parts) + "."
    one, more = top[top["workers"] == 1], top[top["workers"] > 1]
    if not one.empty and not more.empty:
        gain = more["throughput_rps"].max() / one["throughput_rps"].max()
        text += f" The best multi-process configuration serves {gain:.1f}x the best single-process one: " + (
            "worker processes, whatever the framework, raise the ceiling for these CPU-bound requests."
            if gain >= 1.5
            else "extra processes did not raise the ceiling much here."
        )
    return text
