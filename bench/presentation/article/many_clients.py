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
)

STALL_RULE = (
    f"a case *stalls* when the lower end of the 95% interval of the pings' p99 under load reaches "
    f"{blocking.STALL_SHARE:.0%} of the heavy requests' median time (and at least {blocking.STALL_MIN_MS:.0f} ms): "
    "the pings waited for the heavy work"
)


def _case_name(label: str) -> str:
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
    drawing = load_plots.probe(s.assign(config=s["config"].map(_case_name)))
    facts = []
    for config, g in s.groupby("config", sort=False):
        ping = g[g["phase"] == "ping"]
        if ping.empty:
            continue
        p = ping.iloc[0]
        facts.append(
            stall_fact(
                _case_name(str(config)),
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
            nothing("Figure", number, "concurrency sweep")
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
        f"**Figure {number}. Throughput against concurrent clients** (process mode). Best point of each "
        f"configuration: {'; '.join(parts)}. {said(claims)}"
    )
    alt = "Throughput and p99 latency against concurrent clients per server configuration: " + "; ".join(parts) + "."
    return Shown(drawing, caption, Says((), (), ("process",), ()), tuple(claims), alt)
