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

from typing import Any

import numpy as np
import pandas as pd

from . import stats

#: (label, framework, endpoint, variant) of the configurations compared, the article's first.
FASTAPI = ("FastAPI async def (the article's)", "fastapi", "async", "")
FLASK = ("Flask threaded (the article's, without debug)", "flask", "sync", "")
CONFIGS = (
    FASTAPI,
    FLASK,
    ("Flask debug=True (the article's exactly)", "flask", "sync", "debug"),
    ("Flask on one thread", "flask", "sync", "one-thread"),
    ("Flask async def view", "flask", "async", ""),
    ("Flask, MALLOC_ARENA_MAX=1", "flask", "sync", "arena1"),
    ("FastAPI def endpoint (threadpool)", "fastapi", "sync", ""),
    ("FastAPI, MALLOC_ARENA_MAX=1", "fastapi", "async", "arena1"),
    ("FastAPI freeing the results before replying", "fastapi", "async", "settle"),
)


def _walls(ok: pd.DataFrame, framework: str, endpoint: str, variant: str) -> pd.DataFrame:
    return ok[(ok["framework"] == framework) & (ok["endpoint"] == endpoint) & (ok["variant"] == variant)]


def table(ok: pd.DataFrame) -> pd.DataFrame:
    """Each compared configuration's median wall time and its ratio to FastAPI's and to
    Flask's plain servers (95% CIs), per (n, size) of the article's gather in process mode."""
    sel = ok[(ok["mode"] == "process") & (ok["workload"] == "article") & (ok["strategy"] == "gather")]
    rows: list[dict[str, Any]] = []
    for (n, size), g in sel.groupby(["n", "size"]):
        fast = _walls(g, *FASTAPI[1:])["client_wall_s"]
        flask = _walls(g, *FLASK[1:])["client_wall_s"]
        for label, fw, ep, var in CONFIGS:
            t = _walls(g, fw, ep, var)
            if t.empty:
                continue
            vs_fast, vs_flask = stats.ratio_ci(t["client_wall_s"], fast), stats.ratio_ci(t["client_wall_s"], flask)
            rows.append(
                {
                    "n": n,
                    "size": size,
                    "config": label,
                    "framework": fw,
                    "endpoint": ep,
                    "variant": var,
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


def _ratio(ok: pd.DataFrame, a: tuple[str, str, str, str], b: tuple[str, str, str, str]) -> stats.Estimate:
    return stats.ratio_ci(_walls(ok, *a[1:])["client_wall_s"], _walls(ok, *b[1:])["client_wall_s"])


def _config(label_start: str) -> tuple[str, str, str, str]:
    return next(c for c in CONFIGS if c[0].startswith(label_start))


#: Each change, as the pair (Flask side, FastAPI side) whose ratio is the gap left after it.
CHANGES = (
    ("none: the article's servers (Flask without debug)", "Flask threaded", "FastAPI async def"),
    ("Flask in debug mode, as the article ran it", "Flask debug", "FastAPI async def"),
    ("Flask on one thread", "Flask on one thread", "FastAPI async def"),
    ("one malloc arena in both (MALLOC_ARENA_MAX=1)", "Flask, MALLOC", "FastAPI, MALLOC"),
    ("FastAPI freeing the results before it replies", "Flask threaded", "FastAPI freeing"),
)


def gaps_after_changes(ok: pd.DataFrame) -> pd.DataFrame:
    """The Flask/FastAPI wall-time ratio (95% CI) left after each change in :data:`CHANGES`,
    at the largest n and size with controlled comparisons; ``closes`` says whether the
    interval includes 1 (no detectable gap left)."""
    sel = ok[(ok["mode"] == "process") & (ok["workload"] == "article") & (ok["strategy"] == "gather")]
    t = table(ok)
    if t.empty:
        return pd.DataFrame(columns=["change", "n", "size", "ratio", "low", "high", "closes"])
    n, size = t[["n", "size"]].max()
    g = sel[(sel["n"] == n) & (sel["size"] == size)]
    rows = []
    for change, flask_side, fastapi_side in CHANGES:
        a, b = _config(flask_side), _config(fastapi_side)
        if _walls(g, *a[1:]).empty or _walls(g, *b[1:]).empty:
            continue
        r = _ratio(g, a, b)
        rows.append(
            {
                "change": change,
                "n": n,
                "size": size,
                "ratio": r.value,
                "low": r.low,
                "high": r.high,
                "closes": bool(r.contains(1.0)),
            }
        )
    return pd.DataFrame(rows, columns=["change", "n", "size", "ratio", "low", "high", "closes"])


def findings(ok: pd.DataFrame) -> list[str]:
    """Plain words for what the controlled comparisons show, each with its interval.

    Empty when the run has no comparison of the article's two servers.
    """
    t = table(ok)
    if t.empty:
        return []
    out = [
        "",
        "The cause of the article's gap (process mode, the article's gather; wall-time ratios with 95% CIs, same run):",
    ]
    sel = ok[(ok["mode"] == "process") & (ok["workload"] == "article") & (ok["strategy"] == "gather")]
    for (n, size), g in sel.groupby(["n", "size"]):
        part = t[(t["n"] == n) & (t["size"] == size)]
        out.append(f"  n={n}, size={size}:")
        for r in part.itertuples():
            ci = f"[{r.vs_fastapi_low:.2f}, {r.vs_fastapi_high:.2f}]" if np.isfinite(r.vs_fastapi_low) else ""
            out.append(
                f"    {r.config:<48} {r.wall_s:7.3f} s  {r.vs_fastapi:5.2f}x FastAPI {ci:<14} "
                f"minor faults {r.minor_faults:9.0f}  major {r.major_faults:.0f}"
            )
        checks = [
            ("the gap itself", FLASK, FASTAPI),
            ("debug mode", _config("Flask debug"), FLASK),
            ("one thread instead of one per request", _config("Flask on one thread"), FLASK),
            ("Flask on one thread against FastAPI", _config("Flask on one thread"), FASTAPI),
            ("FastAPI's def endpoint (another thread) against its async def", _config("FastAPI def"), FASTAPI),
            ("one malloc arena, Flask", _config("Flask, MALLOC"), FLASK),
            ("one malloc arena in both, Flask against FastAPI", _config("Flask, MALLOC"), _config("FastAPI, MALLOC")),
            (
                "FastAPI freeing the gathered results before it replies, as Flask's closed loop does",
                _config("FastAPI freeing"),
                FASTAPI,
            ),
            ("Flask against FastAPI when both free the results before replying", FLASK, _config("FastAPI freeing")),
        ]
        for what, a, b in checks:
            if _walls(g, *a[1:]).empty or _walls(g, *b[1:]).empty:
                continue
            r = _ratio(g, a, b)
            out.append(f"  - {what}: {stats.verdict(r, a=a[0], b=b[0])}")
        major = part["major_faults"].max()
        if np.isfinite(major):
            out.append(
                f"  - memory pressure: at most {major:.0f} major page faults per request at this size"
                + (" (no swapping)" if major == 0 else " (the server went to disk for memory)")
            )
    return out
