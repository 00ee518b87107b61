"""Section 7, framework or server? Every framework behind the same servers, and a light request
while heavy ones run behind each."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from bench.analysis.claims import (
    Fact,
    Scope,
    each,
    general,
    stated,
    value_range,
)
from bench.analysis.families import framework_server
from bench.analysis.figure import Figure, article_trials, by_id
from bench.analysis.tables import measured
from bench.instrument.load import blocking
from bench.instrument.load.load_store import requests_of
from bench.instrument.store import Run
from bench.presentation import grid_plots
from bench.presentation.article.captions import (
    NAMES,
    NOTHING,
    Shown,
    captioned,
    nothing,
    said,
    says_of,
)
from bench.presentation.article.many_clients import heavy_words, stall_fact, stalled
from bench.vocabulary import stats
from bench.vocabulary.sides import FAMILIES, server_of
from servers import harness


def framework_or_server(df: pd.DataFrame, found: Sequence[Figure], load: Run | None, number: int, *, n: int) -> Shown:
    """Frameworks by servers: the article's gather behind each server family, and a light
    request's latency while heavy ones run; the caption's claims are computed from the run's
    ratios (:func:`bench.analysis.families.framework_server.comparisons`)."""
    ok = measured(df)
    size = framework_server.size_of(article_trials(ok, n))
    probe, heavy = pd.DataFrame(), ""
    if load is not None:
        requests_ = requests_of(load, "probe")
        if not requests_.empty:
            probe = framework_server.probe_table(blocking.summarize(requests_))
            heavy = f" (heavy: {heavy_words(load)})"
    # The /ping panel compares every framework behind every server, or none: a few cells of it
    # would read as the whole (make article's own load run probes the article's cases only).
    if len(probe) < len(harness.FRAMEWORKS) * len(FAMILIES):
        probe, heavy = pd.DataFrame(), ""
    if size is None:
        drawing = grid_plots.framework_server(pd.DataFrame(), probe, n=n, size=0)
        return Shown(drawing, nothing("Figure", number, "frameworks behind the same servers"), NOTHING)
    times = framework_server.times(ok, n=n, size=size)
    drawing = grid_plots.framework_server(times, probe, n=n, size=size, heavy=heavy)
    by = by_id(found)
    says = says_of([f for f in found if f.id.startswith("fxs.")])
    cites = f"Figure {number}"
    scope = says.scope()
    cs = framework_server.comparisons(by, "isolated")
    held_server = [Fact.of(by[c.id], _cell_name(c.framework, c.family)) for c in cs if c.held == "server"]
    held_framework = [Fact.of(by[c.id], _cell_name(c.framework, c.family)) for c in cs if c.held == "framework"]
    claims = []
    ratios = held_server + held_framework
    if ratios and not any(f.has_interval for f in ratios):
        # No ratio has the trials for an interval: judging none of them is not finding no effect.
        claims.append(
            stated(
                "servers.too_few",
                f"No ratio is judged: each cell has {stats.TOO_FEW} "
                f"({value_range((f.trials for f in ratios), fmt='d')} a side)",
                tuple(ratios),
                each(stats.TOO_FEW, lambda f: not f.has_interval),
                cites=cites,
                scope=scope,
            )
        )
        held_server, held_framework = [], []
    if held_server:
        claims.append(
            general(
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
            general(
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
            stall_fact(
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
            general(
                "servers.stall",
                facts,
                stalled,
                cites=cites,
                scope=Scope(modes=("process",)),
                said="a light request waited for the heavy work (the right panel, by Figure 6's rule)",
                every="whatever the framework and server",
                over="framework and server",
            )
        )
    caption = captioned(
        "Figure",
        number,
        "Framework or server?",
        says,
        "One worker each: each framework's median time for the article's gather behind its own server, gunicorn "
        "and Granian, one request after idle and back to back"
        + (f"; right, the slowest pings while heavy requests run{heavy}" if len(probe) else "")
        + ".",
    )
    alt = (
        f"Median time per framework behind each server family, n={n}, size {size}"
        + (", and the slowest /ping under load; " if len(probe) else "; ")
        + "; ".join(f"{f.label} {f.words()} FastAPI's time" for f in held_server[:3])
        + "."
    )
    text = "The ratios are of one request after idle. " + said(claims)
    return Shown(drawing, caption, says, tuple(claims), alt, text=text)


def _cell_name(framework: str, family: str) -> str:
    """A framework x server cell by its one name: the article's two servers as :data:`NAMES`
    calls them, the others ``Quart on granian``."""
    if family == "own":
        known = NAMES.get((framework, harness.NATIVE_ENDPOINT[framework], ""))
        if known is not None:
            return known
    return f"{framework_server._name(framework)} on {server_of(framework, family)}"
