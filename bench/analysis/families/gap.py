"""The controlled comparisons behind the article's gap: the configurations compared.

The article compared Flask (a plain view on Werkzeug's threaded dev server, debug on) with
FastAPI (an ``async def`` endpoint on uvicorn), both running the article's gather in their
own process. :data:`CHAIN` leads from one to the other one change at a time (:data:`STEPS`):
Flask's debug mode; a thread per request against one thread; the frameworks and their
servers themselves; FastAPI answering before its gathered tasks free their results (they
are freed on the event loop's next turn, after the reply; Flask closes its loop, freeing
them, before it answers). :func:`specs` turns each step into a ratio with its
interval, and the gap into the product of the named steps and what they leave unexplained.
:func:`_table` gives each compared configuration's median and its ratios to the article's two
servers, with page faults (memory pressure).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from bench.analysis.figure import TIMED, Figure, Spec, by_id
from bench.vocabulary import stats
from bench.vocabulary.sides import Side

#: One name for each server variant, the same in every figure, caption and table.
FASTAPI = Side("FastAPI as the article ran it", "fastapi", "async")
FLASK = Side("Flask, plain threaded server", "flask", "sync")
FLASK_DEBUG = Side("Flask as the article ran it (debug)", "flask", "sync", "debug")
FLASK_ONE_THREAD = Side("Flask on one thread", "flask", "sync", "one-thread")
FLASK_ASYNC_VIEW = Side("Flask async def view", "flask", "async")
FLASK_ARENA1 = Side("Flask, MALLOC_ARENA_MAX=1", "flask", "sync", "arena1")
FASTAPI_DEF = Side("FastAPI def endpoint (threadpool)", "fastapi", "sync")
FASTAPI_ARENA1 = Side("FastAPI, MALLOC_ARENA_MAX=1", "fastapi", "async", "arena1")
FASTAPI_SETTLE = Side("FastAPI freeing the results before replying", "fastapi", "async", "settle")
#: From the article's Flask as it ran it to its FastAPI, one change at a time: every step
#: changes one thing (see :data:`STEPS`).
CHAIN = (FLASK_DEBUG, FLASK, FLASK_ONE_THREAD, FASTAPI_SETTLE, FASTAPI)
#: Each step of :data:`CHAIN`: its name and what it changes. The ``framework`` step is the one
#: no single change explains: the frameworks and their servers, all else alike (one thread,
#: results freed before the answer).
STEPS = (
    ("debug", "Flask's debug mode, reloader and debugger"),
    ("thread", "a thread per request, against one thread"),
    ("framework", "the frameworks and their servers, both on one thread and freeing the results first"),
    ("settle", "FastAPI answering before its gathered tasks free their results"),
)
#: Every configuration compared, the article's two first.
SIDES = (
    FASTAPI,
    FLASK,
    FLASK_DEBUG,
    FLASK_ONE_THREAD,
    FLASK_ASYNC_VIEW,
    FLASK_ARENA1,
    FASTAPI_DEF,
    FASTAPI_ARENA1,
    FASTAPI_SETTLE,
)


#: What each panel of the gap's figure draws, in its order: the whole gap, each step, the
#: named steps together, and what they leave.
PARTS = ("total", *(name for name, _ in STEPS), "named", "rest")


def _named(*samples: Any, axis: int = -1) -> Any:
    """The product of the named steps' ratios: samples are the chain, in order."""
    return np.prod([stats.median_ratio(samples[i], samples[i + 1]) for i in NAMED_STEPS], axis=0)


def _rest(*samples: Any, axis: int = -1) -> Any:
    """The total gap (first over last of the chain) over the product of the named steps."""
    return stats.median_ratio(samples[0], samples[-1]) / _named(*samples)


#: The chain's steps that name a change (the one left out is the frameworks themselves).
NAMED_STEPS = tuple(i for i, (name, _) in enumerate(STEPS) if name != "framework")


def specs() -> list[Spec]:
    """The gap's figures: each step of :data:`CHAIN` per timed measure, the total, the named
    steps together and the rest."""
    chain = CHAIN
    out = []
    for m in TIMED:
        for i, (name, what) in enumerate(STEPS):
            out.append(
                Spec(f"gap.{m}.{name}", f"{what}: {chain[i].label} / {chain[i + 1].label}", m, (chain[i], chain[i + 1]))
            )
        out += [
            Spec(
                f"gap.{m}.total",
                f"the article's servers as it ran them: {chain[0].label} / {chain[-1].label}",
                m,
                (chain[0], chain[-1]),
            ),
            Spec(f"gap.{m}.named", "the product of the steps that name a change", m, chain, _named),
            Spec(
                f"gap.{m}.rest",
                "what the named changes leave unexplained: the total gap over their product",
                m,
                chain,
                _rest,
            ),
        ]
    return out


def panels(found: Sequence[Figure]) -> list[tuple[str, list[Figure]]]:
    """What the gap's figure draws and its caption cites: per timed measure the run has, its
    figures in :data:`PARTS`'s order."""
    by = by_id(found)
    out = [(m, [by[f"gap.{m}.{k}"] for k in PARTS if f"gap.{m}.{k}" in by]) for m in TIMED]
    return [(m, shown) for m, shown in out if shown]


def _article_gather(ok: pd.DataFrame) -> pd.DataFrame:
    return ok[(ok["mode"] == "process") & (ok["workload"] == "article") & (ok["strategy"] == "gather")]


def _ratio(g: pd.DataFrame, a: Side, b: Side) -> stats.Estimate:
    return stats.ratio_ci(a.of(g)["client_wall_s"], b.of(g)["client_wall_s"])


def _table(ok: pd.DataFrame) -> pd.DataFrame:
    """Each compared configuration's median wall time and its ratio to FastAPI's and to
    Flask's plain servers (95% CIs), per (n, size) of the article's gather in process mode."""
    rows: list[dict[str, Any]] = []
    for (n, size), g in _article_gather(ok).groupby(["n", "size"]):
        for side in SIDES:
            t = side.of(g)
            if t.empty:
                continue
            vs_fast, vs_flask = _ratio(g, side, FASTAPI), _ratio(g, side, FLASK)
            rows.append(
                {
                    "n": n,
                    "size": size,
                    "config": side.label,
                    "framework": side.framework,
                    "endpoint": side.endpoint,
                    "variant": side.variant,
                    "trials": len(t),
                    "wall_s": float(t["client_wall_s"].median()),
                    "vs_fastapi": vs_fast.value,
                    "vs_fastapi_low": vs_fast.low,
                    "vs_fastapi_high": vs_fast.high,
                    "vs_flask": vs_flask.value,
                    "vs_flask_low": vs_flask.low,
                    "vs_flask_high": vs_flask.high,
                    "minor_faults": float(t["minor_faults"].median()),
                    "major_faults": float(t["major_faults"].median()),
                }
            )
    return pd.DataFrame(rows)
