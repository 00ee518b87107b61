"""What to do, before the detail: one row per situation a developer meets, each with what to
do and what this build's runs measured of it, as a claim checked on those runs.

The rows' numbers come from one place each: the strategy x workload matrix of this run
(:func:`bench.analysis.selection.speedup_cells`, the cells the quick preset gives the trials an
interval needs), the load run's blocking probe, the run of the gil preset the article reads,
and this run's single requests of the article's two servers. A row whose data the build does
not have says so instead of guessing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np
import pandas as pd

from bench.analysis import selection
from bench.analysis.claims import Claim, Fact, Rule, Scope, stated
from bench.analysis.families import gap, gil
from bench.analysis.tables import measured
from bench.instrument.load import blocking
from bench.instrument.load.load_store import requests_of
from bench.instrument.store import Run
from bench.presentation.article.captions import Says, Shown, framework_label, sentence
from bench.presentation.article.many_clients import case_name
from bench.vocabulary.config import FREE_THREADED, IDEAL

#: The strategy each kind of work calls for, and the one it is set beside.
FITS = {"python": ("processes", "threads"), "matmul": ("threads", None), "sleep": ("gather", None)}
#: The frameworks every row holds to: the article's two.
FRAMEWORKS = ("flask", "fastapi")


@dataclass(frozen=True)
class Row:
    """One situation: what to do, and the claim that says what the runs measured of it (None:
    the build has no data for it, and ``missing`` says which)."""

    situation: str
    do: str
    claim: Claim | None
    missing: str = ""

    def measured(self) -> str:
        return sentence(self.claim.text) if self.claim is not None else self.missing


def _cells(df: pd.DataFrame) -> pd.DataFrame:
    """The matrix's cells with the trials of both sides, at each workload's matrix scope."""
    ok = measured(df)
    parts = [p for p in selection.matrix(ok) if (p.n, p.size) == selection.matrix_scope(ok, p.workload)]
    return selection.speedup_cells(parts)


def _fact(r: Mapping[Any, Any], label: str) -> Fact:
    counts = (int(r["served_trials"]), int(r["baseline_trials"]))
    return Fact(label, float(r["speedup"]), float(r["low"]), float(r["high"]), min(counts), counts)


def _speedups(cells: pd.DataFrame, workload: str, strategy: str) -> list[Fact]:
    """The speed-up of ``strategy`` on ``workload`` behind each of the article's frameworks."""
    mine = cells[(cells["workload"] == workload) & (cells["strategy"] == strategy)]
    return [
        _fact(r, framework_label(str(r["framework"]))) for r in mine.to_dict("records") if r["framework"] in FRAMEWORKS
    ]


#: How a strategy is named in the rows.
NAMED = {"processes": "a process pool", "threads": "threads", "gather": "`gather`"}


def _each(facts: Sequence[Fact]) -> str:
    """Each fact's label and ratio with its interval; the trials said once where every interval
    rests on the same ones: ``FastAPI 1.64x (1.19-1.81), Flask 1.30x (1.19-1.49) (95% CIs, 10
    trials a side)``."""
    if facts and all(f.has_interval for f in facts) and len({f.rests_on() for f in facts}) == 1:
        each = ", ".join(f"{f.label} {f.value:.2f}x ({f.low:.2f}-{f.high:.2f})" for f in facts)
        return f"{each} (95% CIs, {facts[0].rests_on()})"
    return ", ".join(f"{f.label} {f.brief()}" for f in facts)


def _scope(cells: pd.DataFrame, workload: str) -> Scope:
    mine = cells[(cells["workload"] == workload) & (cells["framework"] != IDEAL)]
    return Says.of_rows(mine).scope()


def _work_row(cells: pd.DataFrame, workload: str, cores: int | None) -> Claim | None:
    """The fitting strategy's speed-up on ``workload`` behind both frameworks (and, for pure
    Python, threads beside it): each resolved above 1, or said as it is."""
    fits, beside = FITS[workload]
    good = _speedups(cells, workload, fits)
    if not good:
        return None
    other = _speedups(cells, workload, beside) if beside else []
    facts = (*good, *other)
    on = f" on {cores} cores" if cores else ""
    text = f"{NAMED[fits]}{on}: {_each(good)}"
    if all(f.side == 1 for f in good):
        text += ": faster than one after another behind both frameworks"
        rules = [
            Rule("every fitting strategy's interval lies above 1", lambda fs: all(f.side == 1 for f in fs[: len(good)]))
        ]
    elif not all(f.has_interval for f in good):
        text += ": no conclusion from so few trials"
        rules = [
            Rule("some fitting strategy has no interval", lambda fs: any(not f.has_interval for f in fs[: len(good)]))
        ]
    else:
        text += ": not resolved faster than one after another behind both frameworks"
        rules = [
            Rule("some fitting strategy is not resolved above 1", lambda fs: any(f.side != 1 for f in fs[: len(good)]))
        ]
    if beside is not None and other:
        text += f"; {NAMED[beside]}: {_each(other)}"
        if all(f.has_interval for f in facts) and all(g.low > o.high for g, o in product(good, other)):
            text += f", slower than {NAMED[fits]}"
            rules.append(
                Rule(
                    f"every {fits} interval lies above every {beside} one",
                    lambda fs: all(g.low > o.high for g, o in product(fs[: len(good)], fs[len(good) :])),
                )
            )
    rule = Rule(" and ".join(r.says for r in rules), lambda fs: all(r(fs) for r in rules))
    return stated(f"do.{workload}", text, facts, rule, cites="What to do", scope=_scope(cells, workload))


def _loop_row(load: Run | None) -> Claim | None:
    """A light request while heavy ones run on FastAPI's ``async def`` endpoint, against its
    ``def`` endpoint and a process pool: the pings' median wait under load, each."""
    if load is None:
        return None
    probe = requests_of(load, "probe")
    if probe.empty:
        return None
    s = blocking.summarize(probe)
    pings = s[s["phase"] == "ping"]
    wanted = {
        "fastapi async endpoint, gather": "async def endpoint computing on the event loop",
        "fastapi sync endpoint, gather": "def endpoint (FastAPI's threadpool)",
        "fastapi async endpoint, processes": "async def endpoint handing the tasks to a process pool",
    }
    facts = [
        Fact(
            f"{words} ({case_name(config)})",
            float(r["p50_ms"]),
            float(r["p50_low_ms"]),
            float(r["p50_high_ms"]),
            int(r["requests"]),
        )
        for config, words in wanted.items()
        for r in pings[pings["config"] == config].to_dict("records")
    ]
    if len(facts) < 2 or not all(f.has_interval for f in facts):
        return None
    blocked, rest = facts[0], facts[1:]
    each = "; ".join(
        f"{f.label.split(' (')[0]}: {f.value:.0f} ms (95% CI {f.low:.0f} to {f.high:.0f}, {f.trials} pings)"
        for f in facts
    )
    said = f"a light request's median wait while two clients sent the article's heavy request, {each}"
    if all(blocked.low > f.high for f in rest):
        text = f"{said}: the event loop was the wait"
        rule = Rule(
            "the async endpoint's interval lies above every other's", lambda fs: all(fs[0].low > f.high for f in fs[1:])
        )
    else:
        text = f"{said}: no difference resolved"
        rule = Rule(
            "some other interval reaches the async endpoint's", lambda fs: any(fs[0].low <= f.high for f in fs[1:])
        )
    query = dict(load.meta().get("load_preset", {}).get("heavy", ()))
    return stated(
        "do.loop",
        text,
        facts,
        rule,
        cites=f"What to do (the load run of {_made(load)})",
        scope=Scope(
            (int(query.get("n", 0)),) if query.get("n") else (),
            (int(query["size"]),) if "size" in query else (),
            ("process",),
        ),
    )


def _made(run: Run) -> str:
    """Which run: its preset (or load preset) and when it started."""
    meta = run.meta()
    name = meta.get("preset", {}).get("name") or meta.get("load_preset", {}).get("name", "?")
    return f"the {name} preset, {str(meta.get('started_at', '?'))[:16].replace('T', ' ')} UTC"


def _free_row(gil_run: Run | None) -> Claim | None:
    """Pure-Python threads in Flask under the free-threaded build and under the project's
    Python, from the gil run: each speed-up over the same interpreter's one after another."""
    if gil_run is None:
        return None
    found = {f.id: f for f in gil.figures(measured(gil_run.trials()))}
    ids = [(p, f"gil.{gil.LABEL[p]}.flask.python.threads.n2") for p in (FREE_THREADED, "")]
    facts = [Fact.of(found[i], "without the GIL" if p else "with it") for p, i in ids if i in found]
    if len(facts) < 2:
        return None
    free, held = facts
    if free.side == 1 and held.side != 1:
        text = (
            f"two pure-Python tasks on two threads of a Flask view ran {free.words()} as fast as one after another "
            f"without the GIL, and {held.words()} with it"
        )
        rule = Rule("without the GIL resolved above 1, with it not", lambda fs: fs[0].side == 1 and fs[1].side != 1)
    else:
        text = (
            f"two pure-Python tasks on two threads of a Flask view: without the GIL {free.words()}, with it "
            f"{held.words()}: threads did not resolve as faster without the GIL"
        )
        rule = Rule(
            "not: without the GIL above 1 and with it not", lambda fs: not (fs[0].side == 1 and fs[1].side != 1)
        )
    return stated(
        "do.free",
        text,
        facts,
        rule,
        cites=f"What to do (a run of {_made(gil_run)})",
        scope=Scope((2,), (), ("process",)),
    )


def _single_row(df: pd.DataFrame, *, n: int, size: int) -> Claim | None:
    """What one ``%time`` of each server could have shown: the ratio of one of this run's
    Flask requests to one FastAPI request, from the lowest to the highest pairing, beside the
    ratio of their medians."""
    ok = measured(df)
    art = ok[(ok["workload"] == "article") & (ok["strategy"] == "gather") & (ok["n"] == n) & (ok["size"] == size)]
    flask, fastapi = (side.of(art)["client_wall_s"].dropna().to_numpy() for side in (gap.FLASK, gap.FASTAPI))
    if len(flask) < 2 or len(fastapi) < 2:
        return None
    pairs = (flask[:, None] / fastapi[None, :]).ravel()
    low, high, median = float(pairs.min()), float(pairs.max()), float(np.median(flask) / np.median(fastapi))
    counts = (len(flask), len(fastapi))
    facts = (
        Fact("one pairing, the lowest", low, np.nan, np.nan, min(counts), counts),
        Fact("one pairing, the highest", high, np.nan, np.nan, min(counts), counts),
        Fact("the ratio of the medians", median, np.nan, np.nan, min(counts), counts),
    )
    either = low < 1 < high
    text = (
        f"one request of each, as one `%time` sends it, gave Flask's time over FastAPI's anywhere from {low:.2f}x to "
        f"{high:.2f}x over this run's {counts[0]} and {counts[1]} requests"
        + (", either server faster" if either else "")
        + f"; their medians, {median:.2f}x"
    )
    rule = Rule(
        "the lowest and highest pairings bracket the medians' ratio" + (" and 1" if either else ""),
        lambda fs: fs[0].value <= fs[2].value <= fs[1].value and (not either or fs[0].value < 1 < fs[1].value),
    )
    return stated(
        "do.single",
        text,
        facts,
        rule,
        cites="What to do",
        scope=Scope((n,), (size,), ("process",), (gap.FLASK.label, gap.FASTAPI.label)),
    )


def rows(df: pd.DataFrame, load: Run | None, gil_run: Run | None, *, n: int, size: int, cores: int | None) -> list[Row]:
    """Every situation, what to do, and what the runs measured of it."""
    cells = _cells(df)
    no = "Not measured in this build's runs."
    return [
        Row(
            "Pure-Python work fanned out (parsing, loops, arithmetic)",
            "A process pool (`ProcessPoolExecutor`) from either framework; threads and `gather` take turns at the GIL",
            _work_row(cells, "python", cores),
            no,
        ),
        Row(
            "NumPy or other code that releases the GIL",
            "A thread pool, from either framework",
            _work_row(cells, "matmul", cores),
            no,
        ),
        Row(
            "Waiting on I/O: a database, another service",
            "`await` it and `asyncio.gather` the waits (or threads in a plain view)",
            _work_row(cells, "sleep", cores),
            no,
        ),
        Row(
            "CPU work inside an `async def` endpoint, many clients",
            "A plain `def` endpoint, or a pool for the work: on the event loop it holds every other request",
            _loop_row(load),
            "Not measured: this build has no load run.",
        ),
        Row(
            "The free-threaded Python (3.13t)",
            "Threads run pure Python at once there: a thread pool, or a server's thread per request",
            _free_row(gil_run),
            "Not measured: this build reads no run of the gil preset.",
        ),
        Row(
            "Judging speed from one `%time`",
            "Repeat the request, interleave the servers, compare medians with their intervals",
            _single_row(df, n=n, size=size),
            no,
        ),
    ]


def table(found: Sequence[Row]) -> Shown:
    """The rows as the article's table, and their claims."""
    lines = ["| situation | what to do | what this build measured |", "|---|---|---|"]
    lines += [f"| {r.situation} | {r.do} | {r.measured()} |" for r in found]
    claims = tuple(r.claim for r in found if r.claim is not None)
    caption = (
        "**What to do**, each row with what this build measured; a speed-up is over the same tasks one after "
        "another, in-process."
    )
    return Shown("\n".join(lines), caption, Says((), (), (), ()), claims)
