"""Section 6, what happens with many clients? A light request while heavy ones run (the
blocking probe), and throughput against concurrent clients (the appendix's sweep)."""

from __future__ import annotations

import re

import numpy as np
from matplotlib import figure as mpl

from bench.analysis.claims import (
    Claim,
    Fact,
    Scope,
    general,
)
from bench.instrument.load import blocking, sweep
from bench.instrument.load.load_store import requests_of
from bench.instrument.store import Run
from bench.presentation import load_plots
from bench.presentation.article.captions import (
    NAMES,
    NOTHING,
    Says,
    Shown,
    nothing,
    said,
    sentence,
    started,
)

STALL_RULE = (
    f"a case *stalls* when the lower end of the 95% interval of its slowest pings under load reaches "
    f"{blocking.STALL_SHARE:.0%} of the heavy requests' median time (and at least {blocking.STALL_MIN_MS:.0f} ms): "
    "the pings waited for the heavy work"
)


def heavy_words(load: Run) -> str:
    """The load run's heavy request in words: ``the article's gather of 4 tasks, size 1000``."""
    query = dict(load.meta().get("load_preset", {}).get("heavy", ()))
    workload, strategy = query.get("workload", "article"), query.get("strategy", "gather")
    what = "the article's" if workload == "article" else f"the {workload}"
    return f"{what} {strategy} of {query.get('n', '?')} tasks, size {query.get('size', '?')}"


def _slowest(pings: int) -> str:
    """The 99th percentile of ``pings`` named as what it is: with fewer than a hundred, next
    to their slowest."""
    return "their 99th percentile" if pings >= 100 else f"the 99th percentile of {pings} or more: about the slowest"


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


def stall_fact(label: str, p99: float, low: float, high: float, threshold: float, pings: int) -> Fact:
    """A ping's p99 under load over its stall threshold (a stall: the interval's low end at 1 or above)."""
    return Fact(f"{label} ({p99:.0f} ms)", p99 / threshold, low / threshold, high / threshold, pings)


def stalled(f: Fact) -> bool:
    return bool(f.has_interval and f.low >= 1)


def clients(load: Run, number: int) -> Shown:
    """The blocking probe: a light ``/ping`` alone and while heavy requests run, per case;
    which cases stalled, by the rule the caption states."""
    probe = requests_of(load, "probe")
    if probe.empty:
        return Shown(mpl.Figure(), nothing("Figure", number, "blocking probe"), NOTHING)
    s = blocking.summarize(probe)
    drawing = load_plots.probe(s.assign(config=s["config"].map(case_name)))
    facts = []
    for config, g in s.groupby("config", sort=False):
        ping = g[g["phase"] == "ping"]
        if ping.empty:
            continue
        p = ping.iloc[0]
        facts.append(
            stall_fact(
                case_name(str(config)),
                p["p99_ms"],
                p["p99_low_ms"],
                p["p99_high_ms"],
                p["stall_threshold_ms"],
                int(p["requests"]),
            )
        )
    heavy = heavy_words(load)
    scope = Scope(modes=("process",))
    claim = general(
        "clients.stall",
        facts,
        stalled,
        cites=f"Figure {number}",
        scope=scope,
        said="/ping waited behind the heavy requests",
        every="whatever the server",
        over="case",
    )
    least = min((f.trials for f in facts), default=0)
    caption = (
        f"**Figure {number}. A light request while heavy ones run** (process mode; heavy: {heavy}). The slowest "
        "pings of each case alone (grey) and during heavy requests (red), with 95% intervals where they rest on "
        f"eight pings or more. From a separate run of many clients started {started(load)}."
    )
    alt = (
        "The slowest /ping latency per server alone and under heavy load, log scale: "
        + "; ".join(f.label for f in facts)
        + "."
    )
    text = f"Each case's slowest pings are {_slowest(least)}; {STALL_RULE}. {sentence(claim.text)}"
    return Shown(drawing, caption, Says((), (), ("process",), ()), (claim,), alt, text=text)


def _count(k: int, noun: str) -> str:
    return f"{k} {noun}{'' if k == 1 else 's'}"


def throughput(load: Run, number: int) -> Shown:
    """The concurrency sweep: throughput and p99 against clients per configuration, and
    whether worker processes raised each framework's ceiling."""
    swept = requests_of(load, "sweep")
    if swept.empty:  # nothing to show: the article leaves the figure out, caption and all
        return Shown("", "", NOTHING)
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
            general(
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
        f"**Figure {number}. Throughput against concurrent clients** (process mode): each configuration's requests "
        f"per second and its slowest requests as more clients send at once. From a separate run of many clients "
        f"started {started(load)}."
    )
    alt = "Throughput and p99 latency against concurrent clients per server configuration: " + "; ".join(parts) + "."
    text = f"The best point of each configuration: {'; '.join(parts)}. {said(claims)}"
    return Shown(drawing, caption, Says((), (), ("process",), ()), tuple(claims), alt, text=text)
