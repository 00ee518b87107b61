"""The cause of the article's gap: controlled comparisons of its two servers.

The article compared Flask (a plain view on Werkzeug's threaded dev server, debug on)
with FastAPI (an ``async def`` endpoint on uvicorn), both running the article's gather in
their own process. Each comparison here changes one thing, in the same run, and gives the
wall-time ratio with its 95% interval:

- **debug**: Flask with ``debug=True`` (reloader and debugger) vs without;
- **threading model**: Flask on Werkzeug's one-thread server vs its thread per request, and
  FastAPI's ``def`` endpoint (a threadpool thread) vs its ``async def`` (the event loop's
  own thread); also Flask's ``async def`` view;
- **memory allocator**: glibc malloc limited to one arena (``MALLOC_ARENA_MAX=1``) vs its
  default of several arenas for several threads;
- **when the results are freed**: FastAPI answers before its gathered tasks let go of their
  results (they are freed on the event loop's next turn, after the reply); Flask closes its
  loop, freeing them, before it answers. The ``settle`` variant makes FastAPI free them first;
- **memory pressure**: the gap at each size the run measured, with major page faults.

Input is the measured trials (:func:`bench.report.measured`); nothing here is assumed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import stats


@dataclass(frozen=True)
class Side:
    """One server configuration of the controlled comparisons (process mode, article's gather)."""

    label: str
    framework: str
    endpoint: str
    variant: str = ""

    def of(self, ok: pd.DataFrame) -> pd.DataFrame:
        """This configuration's trials among ``ok``."""
        return ok[
            (ok["framework"] == self.framework) & (ok["endpoint"] == self.endpoint) & (ok["variant"] == self.variant)
        ]


FASTAPI = Side("FastAPI async def (the article's)", "fastapi", "async")
FLASK = Side("Flask threaded (the article's, without debug)", "flask", "sync")
FLASK_DEBUG = Side("Flask debug=True (the article's exactly)", "flask", "sync", "debug")
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


@dataclass(frozen=True)
class Comparison:
    """``a``'s median wall time against ``b``'s, and what the comparison asks."""

    what: str
    a: Side
    b: Side


#: One change at a time, each against what it changes.
COMPARISONS = (
    Comparison("the gap itself", FLASK, FASTAPI),
    Comparison("debug mode", FLASK_DEBUG, FLASK),
    Comparison("one thread instead of one per request", FLASK_ONE_THREAD, FLASK),
    Comparison("Flask on one thread against FastAPI", FLASK_ONE_THREAD, FASTAPI),
    Comparison("FastAPI's def endpoint (another thread) against its async def", FASTAPI_DEF, FASTAPI),
    Comparison("one malloc arena, Flask", FLASK_ARENA1, FLASK),
    Comparison("one malloc arena in both, Flask against FastAPI", FLASK_ARENA1, FASTAPI_ARENA1),
    Comparison(
        "FastAPI freeing the gathered results before it replies, as Flask's closed loop does", FASTAPI_SETTLE, FASTAPI
    ),
    Comparison("Flask against FastAPI when both free the results before replying", FLASK, FASTAPI_SETTLE),
)
#: The Flask / FastAPI gap left after each single change (``a`` the Flask side).
CHANGES = (
    Comparison("none: the article's servers (Flask without debug)", FLASK, FASTAPI),
    Comparison("Flask in debug mode, as the article ran it", FLASK_DEBUG, FASTAPI),
    Comparison("Flask on one thread", FLASK_ONE_THREAD, FASTAPI),
    Comparison("one malloc arena in both (MALLOC_ARENA_MAX=1)", FLASK_ARENA1, FASTAPI_ARENA1),
    Comparison("FastAPI freeing the results before it replies", FLASK, FASTAPI_SETTLE),
)


@dataclass(frozen=True)
class Finding:
    """What one comparison measured at one n and size: the wall-time ratio ``a`` / ``b``."""

    n: int
    size: int
    comparison: Comparison
    ratio: stats.Estimate

    @property
    def verdict(self) -> str:
        return stats.verdict(self.ratio, a=self.comparison.a.label, b=self.comparison.b.label)


@dataclass(frozen=True)
class Pressure:
    """Memory pressure at one n and size: the most major page faults of one request."""

    n: int
    size: int
    major_faults: float

    @property
    def words(self) -> str:
        swapped = " (no swapping)" if self.major_faults == 0 else " (the server went to disk for memory)"
        return f"at most {self.major_faults:.0f} major page faults per request at this size" + swapped


def _article_gather(ok: pd.DataFrame) -> pd.DataFrame:
    return ok[(ok["mode"] == "process") & (ok["workload"] == "article") & (ok["strategy"] == "gather")]


def _ratio(g: pd.DataFrame, a: Side, b: Side) -> stats.Estimate:
    return stats.ratio_ci(a.of(g)["client_wall_s"], b.of(g)["client_wall_s"])


def table(ok: pd.DataFrame) -> pd.DataFrame:
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


def _measured(g: pd.DataFrame, c: Comparison) -> bool:
    return not (c.a.of(g).empty or c.b.of(g).empty)


def _n_size(key: Any) -> tuple[int, int]:
    """A group key of ``groupby(["n", "size"])`` as two whole numbers."""
    n, size = key
    return int(n), int(size)


def findings(ok: pd.DataFrame) -> list[Finding]:
    """Every comparison of :data:`COMPARISONS` that the run measured, per n and size (each
    with its interval); empty when the run has no comparison of the article's two servers."""
    out = []
    for key, g in _article_gather(ok).groupby(["n", "size"]):
        n, size = _n_size(key)
        out += [Finding(n, size, c, _ratio(g, c.a, c.b)) for c in COMPARISONS if _measured(g, c)]
    return out


def pressure(ok: pd.DataFrame) -> list[Pressure]:
    """Memory pressure per n and size the controlled comparisons measured."""
    t = table(ok)
    if t.empty:
        return []
    worst = t.groupby(["n", "size"])["major_faults"].max()
    return [Pressure(*_n_size(key), float(v)) for key, v in worst.items() if np.isfinite(v)]


def findings_text(ok: pd.DataFrame) -> list[str]:
    """The report's lines: the table of configurations and each finding, per n and size."""
    t = table(ok)
    if t.empty:
        return []
    out = [
        "",
        "The cause of the article's gap (process mode, the article's gather; wall-time ratios with 95% CIs, same run):",
    ]
    found, pressures = findings(ok), {(p.n, p.size): p for p in pressure(ok)}
    for key, part in t.groupby(["n", "size"]):
        n, size = _n_size(key)
        out.append(f"  n={n}, size={size}:")
        for r in part.to_dict("records"):
            ci = f"[{r['vs_fastapi_low']:.2f}, {r['vs_fastapi_high']:.2f}]" if np.isfinite(r["vs_fastapi_low"]) else ""
            out.append(
                f"    {r['config']:<48} {r['wall_s']:7.3f} s  {r['vs_fastapi']:5.2f}x FastAPI {ci:<14} "
                f"minor faults {r['minor_faults']:9.0f}  major {r['major_faults']:.0f}"
            )
        out += [f"  - {f.comparison.what}: {f.verdict}" for f in found if (f.n, f.size) == (n, size)]
        if (n, size) in pressures:
            out.append(f"  - memory pressure: {pressures[(n, size)].words}")
    return out


@dataclass(frozen=True)
class Gap:
    """The Flask / FastAPI gap left after one change, and whether its interval includes 1."""

    change: str
    n: int
    size: int
    ratio: stats.Estimate

    @property
    def closes(self) -> bool:
        return bool(self.ratio.contains(1.0))


def gaps_after_changes(ok: pd.DataFrame) -> list[Gap]:
    """The gap left after each change in :data:`CHANGES` that the run measured, at the largest
    n and size with controlled comparisons."""
    sel = _article_gather(ok)
    t = table(ok)
    if t.empty:
        return []
    n, size = _n_size(t[["n", "size"]].max())
    g = sel[(sel["n"] == n) & (sel["size"] == size)]
    return [Gap(c.what, n, size, _ratio(g, c.a, c.b)) for c in CHANGES if _measured(g, c)]
