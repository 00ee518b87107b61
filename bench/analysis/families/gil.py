"""Without the GIL: the same tasks under the project's interpreter and the free-threaded one.

A run of the ``gil`` preset measures every workload and strategy at n = 1, 2, 4 ... on
Flask and FastAPI in process mode and in no server at all (the ideal), under both
interpreters (the trials' ``python``: "" the project's, ``"freethreaded"``), and Flask's
thread per request under several concurrent clients. Its figures:

- ``gil.<interpreter>.<side>.<workload>.<strategy>.n<n>``: the **speed-up** over that
  interpreter's *own* one-after-another time (the ideal's ``sequential`` at n under the
  same interpreter), with its 95% interval (:func:`bench.vocabulary.stats.ratio_ci`); ``<interpreter>``
  is ``project`` or ``freethreaded``, ``<side>`` ``flask``, ``fastapi`` or ``ideal``;
- ``gil.<interpreter>.<side>.article.gather.n<n>.parallelism``: the article's gather's
  parallelism, the median with its interval (coroutines stay one at a time under both);
- ``gil.cost.<workload>``: one task alone (the ideal's ``sequential`` at n=1), its time under
  the free-threaded build over the project's: what running without the GIL costs one thread;
- ``gil.<interpreter>.flask.requests.c<k>``: Flask's thread per request, the throughput of
  k concurrent requests (one pure-Python task each) over that of one request alone.

A free-threaded trial whose server (or runner) said its GIL was on is not free-threaded:
:func:`gil_came_back` names them, and the report says so.

The text report does not list these figures one by one (a run has hundreds; the JSON report
has every one): :func:`verdicts` says them in a few lines, around :func:`speedup_table`,
pure-Python threads' speed-up at each n with and without the GIL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from bench.analysis.figure import Figure, judged
from bench.vocabulary import stats
from bench.vocabulary.config import FREE_THREADED, IDEAL, IN_PROCESS, Config
from servers import harness

WALL = "client_wall_s"
#: The ideal strategy whose time at n is each interpreter's one-after-another time.
BASELINE = "sequential"
#: Each interpreter's name in the figure ids.
LABEL = {"": "project", FREE_THREADED: "freethreaded"}
#: The thread-per-request figures: Flask's sync endpoint, one task of this workload per request.
REQUESTS = ("flask", "python", "sequential", 1)
#: Where the done-when draws its lines: pure-Python threads at n=2 must reach more than this
#: without the GIL, and stay under :data:`WITH_GIL_BELOW` with it.
WITHOUT_GIL_ABOVE = 1.5
WITH_GIL_BELOW = 1.15
#: A parallelism "near 1" lies, interval and all, between these.
NEAR_ONE = (0.8, 1.25)


def _figure_id(python: str, side: str, workload: str, strategy: str, n: int) -> str:
    return f"gil.{LABEL[python]}.{side}.{workload}.{strategy}.n{n}"


def _trials(ok: pd.DataFrame) -> pd.DataFrame:
    """The trials the speed-ups read: one client, process mode or the ideal, each side's
    native endpoint, no variant."""
    native = ok["endpoint"] == ok["framework"].map(lambda f: harness.NATIVE_ENDPOINT.get(f, "none"))
    keep = ok["mode"].isin(["process", IN_PROCESS]) & (ok["variant"] == "") & native & (ok["clients"] == 1)
    return ok[keep]


def _measured_both(ok: pd.DataFrame) -> bool:
    """Whether the trials hold both interpreters (the only runs with gil figures)."""
    return "python" in ok and set(ok["python"]) >= {"", FREE_THREADED}


def _figure(
    fid: str, what: str, e: stats.Estimate, *, n: int, size: int, sides: Sequence[tuple[Config, int]], targets: Any
) -> Figure:
    hw = stats.half_width(e)
    target, met = judged(fid, hw, targets)
    return Figure(
        fid,
        what,
        "isolated",
        e.value,
        e.low,
        e.high,
        hw,
        target,
        met,
        n,
        size,
        tuple((c.label, k) for c, k in sides),
        tuple(c for c, _ in sides),
    )


def _config(python: str, side: str, workload: str, strategy: str, n: int, size: int, clients: int = 1) -> Config:
    mode = IN_PROCESS if side == IDEAL else "process"
    return Config(side, mode, workload, strategy, n, size, python=python, clients=clients)


def _speedups(ok: pd.DataFrame, *, targets: Any = (), resamples: int = stats.RESAMPLES) -> list[Figure]:
    """Every speed-up over its own interpreter's one-after-another time, and the article's
    gather's parallelism."""
    t = _trials(ok)
    base = {
        k: g[WALL].dropna()
        for k, g in t[(t["framework"] == IDEAL) & (t["strategy"] == BASELINE)].groupby(
            ["python", "workload", "n", "size"]
        )
    }
    out = []
    keys = ["python", "framework", "workload", "strategy", "n", "size"]
    for (p, f, w, st, n, size), g in t.groupby(keys, sort=True):
        p, f, w, st, n, size = str(p), str(f), str(w), str(st), int(str(n)), int(str(size))
        b, times = base.get((p, w, n, size)), g[WALL].dropna()
        if b is None or b.empty or times.empty:
            continue
        served, baseline = _config(p, f, w, st, n, size), _config(p, IDEAL, w, BASELINE, n, size)
        sides = ((served, len(times)), (baseline, len(b)))
        e = stats.ratio_ci(b, times, resamples=resamples)
        what = f"speed-up of {f} {st} at n={n} under the {LABEL[p]} interpreter: its own one after another / its time"
        out.append(_figure(_figure_id(p, f, w, st, n), what, e, n=n, size=size, sides=sides, targets=targets))
        par = g["parallelism"].dropna()  # none in runs older than the CPU reading
        if w == "article" and st == "gather" and len(par):
            what = f"parallelism of {f}'s gather of the article's task at n={n}, {LABEL[p]} interpreter"
            out.append(
                _figure(
                    _figure_id(p, f, w, st, n) + ".parallelism",
                    what,
                    stats.median_ci(par),
                    n=n,
                    size=size,
                    sides=((served, len(par)),),
                    targets=targets,
                )
            )
    return out


def costs(ok: pd.DataFrame, *, targets: Any = (), resamples: int = stats.RESAMPLES) -> list[Figure]:
    """Per workload: one task alone, its time under the free-threaded build over the project's."""
    t = _trials(ok)
    one = t[(t["framework"] == IDEAL) & (t["strategy"] == BASELINE) & (t["n"] == 1)]
    out = []
    for (w, size), g in one.groupby(["workload", "size"], sort=True):
        ft, gil = (g[g["python"] == p][WALL].dropna() for p in (FREE_THREADED, ""))
        if ft.empty or gil.empty:
            continue
        w, size = str(w), int(str(size))
        sides = (
            (_config(FREE_THREADED, IDEAL, w, BASELINE, 1, size), len(ft)),
            (_config("", IDEAL, w, BASELINE, 1, size), len(gil)),
        )
        what = f"one {w} task alone: its time on the free-threaded build / on the project's interpreter"
        e = stats.ratio_ci(ft, gil, resamples=resamples)
        out.append(_figure(f"gil.cost.{w}", what, e, n=1, size=size, sides=sides, targets=targets))
    return out


def _requests_ratios(ok: pd.DataFrame, *, targets: Any = (), resamples: int = stats.RESAMPLES) -> list[Figure]:
    """Flask's thread per request: per interpreter and k > 1 concurrent clients, the
    throughput of a burst of k requests over that of one request alone (k x the one
    request's time / the burst's)."""
    f, w, st, n = REQUESTS
    sync = ok[(ok["framework"] == f) & (ok["mode"] == "process") & (ok["endpoint"] == "sync")]
    sync = sync[(sync["workload"] == w) & (sync["strategy"] == st) & (sync["n"] == n) & (sync["variant"] == "")]
    out = []
    for (p, size), g in sync.groupby(["python", "size"], sort=True):
        p, size = str(p), int(str(size))
        alone = g[g["clients"] == 1][WALL].dropna()
        for k, burst in g[g["clients"] > 1].groupby("clients", sort=True):
            k, times = int(str(k)), burst[WALL].dropna()
            if alone.empty or times.empty:
                continue
            r = stats.ratio_ci(alone, times, resamples=resamples)
            e = stats.Estimate(k * r.value, k * r.low, k * r.high)
            sides = ((_config(p, f, w, st, n, size, k), len(times)), (_config(p, f, w, st, n, size), len(alone)))
            what = f"Flask's thread per request, {k} concurrent clients: throughput over one client's ({LABEL[p]})"
            out.append(
                _figure(f"gil.{LABEL[p]}.flask.requests.c{k}", what, e, n=n, size=size, sides=sides, targets=targets)
            )
    return out


def figures(ok: pd.DataFrame, *, targets: Any = (), resamples: int = stats.RESAMPLES) -> list[Figure]:
    """Every gil figure of the measured trials ``ok``; none unless they hold both interpreters."""
    if ok.empty or not _measured_both(ok):
        return []
    kw: dict[str, Any] = {"targets": targets, "resamples": resamples}
    return [*_speedups(ok, **kw), *costs(ok, **kw), *_requests_ratios(ok, **kw)]


def _said_off(gil_enabled: Any) -> bool:
    """Whether a trial's ``gil_enabled`` says False (not True, not unknown: None or NaN)."""
    return gil_enabled is not None and not pd.isna(gil_enabled) and not bool(gil_enabled)


def gil_came_back(ok: pd.DataFrame) -> list[str]:
    """The free-threaded trials whose server (or runner) did not say its GIL was off, as
    ``label: gil_enabled`` (empty: every one said False)."""
    ft = ok[ok["python"] == FREE_THREADED]
    bad = ft[[not _said_off(v) for v in ft["gil_enabled"]]]
    return [
        f"trial {int(r['seq'])} ({r['framework']} {r['workload']}/{r['strategy']} n={r['n']}): {r['gil_enabled']}"
        for r in bad.to_dict("records")
    ]


def _interval(f: Figure) -> str:
    return f"{f.value:.2f}x [{f.low:.2f}, {f.high:.2f}]" if np.isfinite(f.low) else f"{f.value:.2f}x (no interval)"


#: Each interpreter as the gil summary names it.
WITH_OR_WITHOUT = {"": "with the GIL", FREE_THREADED: "without the GIL"}
#: The sides in the order the summary shows them.
SIDES = ("ideal", "flask", "fastapi")


def speedup_table(found: Sequence[Figure], *, workload: str = "python", strategy: str = "threads") -> pd.DataFrame:
    """The speed-ups of ``strategy`` on ``workload`` at each n, as ``"1.82x [1.70, 1.95]"``:
    one row per side and interpreter (with the GIL, then without), one column per n; empty
    without gil figures. A side or n the run did not measure is left out ("-" where one
    interpreter lacks it)."""
    by = {f.id: f for f in found}
    ns = sorted({f.n for f in found if f.id.startswith("gil.") and f.id.split(".")[3:5] == [workload, strategy]})
    rows = []
    for side in SIDES:
        for python in ("", FREE_THREADED):
            cells = [by.get(_figure_id(python, side, workload, strategy, n)) for n in ns]
            if any(cells):
                row = {"side": side, "interpreter": WITH_OR_WITHOUT[python]}
                rows.append(row | {f"n={n}": _interval(c) if c else "-" for n, c in zip(ns, cells, strict=True)})
    return pd.DataFrame(rows, columns=["side", "interpreter", *(f"n={n}" for n in ns)])


def _aligned(table: pd.DataFrame, *, indent: str = "  ") -> list[str]:
    """``table`` as text lines: its two text columns to the left, the rest to the right."""
    if table.empty:
        return []
    cols = list(table.columns)
    widths = {c: max(len(str(c)), *(len(str(v)) for v in table[c])) for c in cols}

    def line(values: Sequence[str]) -> str:
        cells = [
            v.ljust(widths[c]) if i < 2 else v.rjust(widths[c])
            for i, (c, v) in enumerate(zip(cols, values, strict=True))
        ]
        return (indent + "  ".join(cells)).rstrip()

    return [line([str(c) for c in cols]), *(line([str(v) for v in row]) for row in table.itertuples(index=False))]


def _interpreters_line(ok: pd.DataFrame) -> list[str]:
    """Which interpreter each side of the table ran under, as the trials recorded it."""
    said = []
    for python in ("", FREE_THREADED):
        found = sorted({str(v) for v in ok[ok["python"] == python]["interpreter"].dropna() if str(v)})
        if found:
            said.append(f"{WITH_OR_WITHOUT[python]}: {', '.join(found)}")
    return [f"  ({'; '.join(said)})"] if said else []


def _costs_line(found: Sequence[Figure]) -> list[str]:
    """The single-thread cost of every workload, on one line."""
    costs = sorted((f for f in found if f.id.startswith("gil.cost.")), key=lambda f: f.id)
    if not costs:
        return []
    each = "; ".join(f"{f.id.rsplit('.', 1)[-1]} {_interval(f)}" + (" (slower)" if f.low > 1 else "") for f in costs)
    return [f"- one task alone, its time on the free-threaded build over the project's: {each}"]


def _requests_lines(found: Sequence[Figure]) -> list[str]:
    """Flask's thread per request: one line per interpreter, every k on it."""
    lines = []
    for python in ("", FREE_THREADED):
        mine = [f for f in found if f.id.startswith(f"gil.{LABEL[python]}.flask.requests.c")]
        if mine:
            mine.sort(key=lambda f: int(f.id.rsplit("c", 1)[-1]))
            each = ", ".join(f"{f.id.rsplit('c', 1)[-1]} clients {_interval(f)}" for f in mine)
            lines.append(
                f"- Flask's thread per request {WITH_OR_WITHOUT[python]}, throughput over one client's: {each}"
            )
    return lines


def verdicts(found: Sequence[Figure], ok: pd.DataFrame) -> list[str]:
    """The gil figures in a few lines: pure-Python threads' speed-up at each n with and
    without the GIL (:func:`speedup_table`), the done-when's lines at n=2, the article's
    gather's parallelism, the single-thread cost, the thread per request, and whether every
    free-threaded trial ran without its GIL. Every figure, with its interval, is in the JSON
    report; none of them is repeated here one per line."""
    mine = [f for f in found if f.id.startswith("gil.")]
    by = {f.id: f for f in mine}
    if not by:
        return []
    table = speedup_table(mine)
    lines = [
        "",
        "Without the GIL: pure-Python threads, speed-up over each interpreter's own one-after-another time "
        f"(95% intervals; all {len(by)} figures gil.* are in `report --json`):",
    ]
    lines += _aligned(table)
    lines += _interpreters_line(ok)
    for side in SIDES:
        ft, gil = (by.get(_figure_id(p, side, "python", "threads", 2)) for p in (FREE_THREADED, ""))
        if ft is None or gil is None:
            continue
        short = [
            *(
                [f"without the GIL its interval is not above {WITHOUT_GIL_ABOVE}"]
                if not ft.low > WITHOUT_GIL_ABOVE
                else []
            ),
            *([f"with it, not below {WITH_GIL_BELOW}"] if not gil.high < WITH_GIL_BELOW else []),
        ]
        lines.append(
            f"- pure-Python threads at n=2, {side}: "
            + ("threads compute in parallel only without the GIL" if not short else "not resolved: " + "; ".join(short))
        )
    gathers = [f for f in by.values() if f.id.endswith(".parallelism")]
    if gathers:
        near = all(NEAR_ONE[0] <= f.low and f.high <= NEAR_ONE[1] for f in gathers if np.isfinite(f.low))
        span = f"{min(f.value for f in gathers):.2f} to {max(f.value for f in gathers):.2f}"
        lines.append(
            f"- the article's gather: parallelism {span} under both interpreters, "
            + (
                "near 1: coroutines do not become parallel without the GIL"
                if near
                else "not all near 1 (see gil.*.parallelism)"
            )
        )
    lines += _costs_line(mine) + _requests_lines(mine)
    came_back = gil_came_back(ok)
    total = int((ok["python"] == FREE_THREADED).sum())
    lines.append(
        f"- gil_enabled was False in every one of the {total} free-threaded trials"
        if not came_back
        else f"- NOT free-threaded: the GIL was on (or unknown) in {len(came_back)} of the {total} "
        "free-threaded trials: " + "; ".join(came_back[:10])
    )
    return lines
