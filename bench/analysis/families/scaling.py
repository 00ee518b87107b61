"""Speed-up against n and cores: the curve every strategy draws, and where it bends.

A run of the ``scaling`` preset measures every workload and strategy at n = 1, 2, 4, ... up
to twice the usable cores, and the core count (:func:`bench.vocabulary.config.scaling_ns`), on both
frameworks' servers in process mode and in this process with no server (the ideal). The
**speed-up** at n is what :mod:`bench.instrument.speedup` defines: the time of the same n tasks one after
another in this process (the ideal's ``sequential`` at n) over the configuration's time, as
a ratio with its 95% interval (:func:`bench.vocabulary.stats.ratio_ci`); each is a figure,
``scaling.<workload>.<framework>.<strategy>.n<n>`` (the ideal's framework is ``ideal``), so
that the preset's precision target adds trials where one is short.

Beside it, ``fastest``: the fastest one-after-another time over the configuration's fastest
trial, since on a shared machine interference only adds time.

A curve **bends** at the n after which adding tasks stops paying (:func:`bend`): from there
on, doubling n gains less than half of what doubling should (the speed-up grows by less than
``sqrt`` of the growth of n). A curve that never gains bends at n=1; one that keeps gaining up
to the largest n measured does not bend within the run; one whose growth's interval includes
what a step needed is unresolved there, not guessed from its medians.

What a speed-up is made of (:func:`made_of`): the **pace** (how fast each task ran against one after another),
the overlap (their summed time over their span), and the share of the request its tasks spanned; their product
is the speed-up. Behind a server the rest of the request is serving (HTTP, JSON, handing the tasks to a pool):
a few milliseconds, which the ideal's share in its tasks, beside it, tells apart from what the tasks
themselves lost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from bench.analysis.figure import Figure, judged
from bench.analysis.tables import project_only
from bench.vocabulary import stats
from bench.vocabulary.config import IDEAL, IN_PROCESS, Config
from servers import harness

#: The column of a trial's time.
WALL = "client_wall_s"
#: The ideal strategy whose time at n is the one-after-another time.
BASELINE = "sequential"
#: What a speed-up here is, for the report and captions.
MEANING = "the same n tasks one after another in this process, over the configuration's time"


def figure_id(workload: str, framework: str, strategy: str, n: int) -> str:
    return f"scaling.{workload}.{framework}.{strategy}.n{n}"


def _trials(ok: pd.DataFrame) -> pd.DataFrame:
    """The trials a scaling table reads: process mode and the ideal, the framework's native
    endpoint (the ideal has none), one client under the project's own interpreter
    (:func:`bench.analysis.tables.project_only`; :mod:`bench.analysis.families.gil` reads the others)."""
    ok = project_only(ok)
    native = ok["endpoint"] == ok["framework"].map(lambda f: harness.NATIVE_ENDPOINT.get(f, "none"))
    return ok[ok["mode"].isin(["process", "inprocess"]) & (ok["variant"] == "") & native]


def table(ok: pd.DataFrame, *, resamples: int = stats.RESAMPLES) -> pd.DataFrame:
    """One row per (workload, framework, endpoint, strategy, n, size) that has trials and a
    one-after-another baseline at the same n and size: the speed-up with its interval, the
    median parallelism, and what the tasks could run on (pool workers, task threads, BLAS
    threads: the medians of the trials)."""
    if ok.empty:
        return pd.DataFrame()
    t = _trials(ok)
    if t.empty:
        return pd.DataFrame()
    rows: list[dict[str, Any]] = []
    base_of = {
        (w, n, s): g[WALL].dropna()
        for (w, n, s), g in t[(t["framework"] == IDEAL) & (t["strategy"] == BASELINE)].groupby(
            ["workload", "n", "size"]
        )
    }
    # A curve needs two n at least, at one size: a run that measured a workload at one n
    # (the quick preset's matrix) has no scaling table.
    ns_at = t.groupby(["workload", "size"])["n"].nunique()
    t = t[[ns_at.get((w, s), 0) >= 2 for w, s in zip(t["workload"], t["size"], strict=True)]]
    keys = ["workload", "framework", "endpoint", "strategy", "n", "size"]
    for (w, f, e, st, n, s), g in t.groupby(keys, sort=True):
        base = base_of.get((w, n, s))
        if base is None or base.empty or g[WALL].dropna().empty:
            continue
        r = stats.ratio_ci(base, g[WALL].dropna(), resamples=resamples)
        rows.append(
            {
                "workload": w,
                "framework": f,
                "endpoint": e,
                "strategy": st,
                "n": int(str(n)),
                "size": int(str(s)),
                "trials": int(g[WALL].notna().sum()),
                "speedup": r.value,
                "low": r.low,
                "high": r.high,
                # Of the fastest trials: interference on a shared machine only adds time.
                "fastest": float(base.min() / g[WALL].min()),
                "parallelism": float(g["parallelism"].median()),
                "overlap": float(g["overlap"].median()),
                # What the speed-up is made of (see made_of): how fast each task ran against
                # one after another, and the share of the request's time its tasks spanned.
                "pace": float(base.median() / g["tasks_sum_s"].median()) if "tasks_sum_s" in g else np.nan,
                "in_tasks": float((g["tasks_window_s"] / g[WALL]).median()) if "tasks_window_s" in g else np.nan,
                "outside_ms": float(1e3 * (g[WALL] - g["tasks_window_s"]).median())
                if "tasks_window_s" in g
                else np.nan,
                "pool_workers": float(g["pool_workers"].median()) if "pool_workers" in g else np.nan,
                "task_threads": float(g["task_threads"].median()) if "task_threads" in g else np.nan,
                "blas_threads": float(g["blas_threads"].median()),
            }
        )
    return pd.DataFrame(rows)


def _measured_ns(t: pd.DataFrame) -> list[int]:
    """The n values of a scaling table, ascending."""
    return sorted(int(k) for k in t["n"].unique()) if len(t) else []


def _ns_first(t: pd.DataFrame, workload: str) -> int:
    """The smallest n a scaling table has for ``workload``."""
    return int(t[t["workload"] == workload]["n"].min())


#: What doubling n must at least multiply the speed-up by for the curve to keep gaining.
NEEDED_PER_DOUBLING = float(np.sqrt(2))


@dataclass(frozen=True)
class Bend:
    """Where a curve bends (:func:`bend`).

    ``at``: the n from which adding tasks stops paying (the first n measured when it never
    gains), or None. With ``at`` None, ``unresolved`` names the step (n, next n) whose growth's
    interval included what the step needed, and ``growth`` is that step's growth; when both
    are None the curve gained at every step measured."""

    at: int | None
    unresolved: tuple[int, int] | None = None
    growth: stats.Estimate | None = None

    def words(self, *, first_n: int, max_n: int, cores: int | None) -> str:
        """What follows "the curve ": where it bends, or why that is not known."""
        if self.unresolved is not None and self.growth is not None:
            a, b = self.unresolved
            return (
                f"bends at n={a} or later, unresolved: from n={a} to n={b} it grew {self.growth.value:.2f}x "
                f"(between {self.growth.low:.2f}x and {self.growth.high:.2f}x), which includes the "
                f"{_needed(a, b):.2f}x that decides"
            )
        if self.at is None:
            return f"does not bend up to n={max_n}"
        if self.at == first_n:
            return f"bends at n={self.at}: no gain from more tasks"
        return f"bends at n={self.at}" + (f" (the run had {cores} cores)" if cores else "")


def _needed(n: int, after: int) -> float:
    """What the step from ``n`` to ``after`` must multiply the speed-up by: the square root
    of its growth of n (:data:`NEEDED_PER_DOUBLING` for a doubling)."""
    return float(np.sqrt(after / n))


def _growth_interval(
    growth: float, before: tuple[float, float, float], after: tuple[float, float, float]
) -> tuple[float, float]:
    """The 95% interval of ``after / before``, two independent speed-ups given as (value, low,
    high): on the log scale the two sides' distances add in quadrature (each speed-up has
    trials of its own at its n, the baseline's included). NaN where a side has no interval."""
    (b, b_low, b_high), (a, a_low, a_high) = before, after
    if not all(np.isfinite(x) and x > 0 for x in (b, b_low, b_high, a, a_low, a_high)):
        return np.nan, np.nan
    down = np.hypot(np.log(a / a_low), np.log(b_high / b))
    up = np.hypot(np.log(a_high / a), np.log(b / b_low))
    return float(growth * np.exp(-down)), float(growth * np.exp(up))


def bend(
    ns: Sequence[int],
    speedups: Sequence[float],
    lows: Sequence[float] | None = None,
    highs: Sequence[float] | None = None,
) -> Bend:
    """Where a curve bends: the first n from which the next measured n gains less than the
    square root of its growth (doubling n should double the speed-up; this asks for at least
    sqrt(2)); ``ns[0]`` when it never gains; no bend when it gains at every step.

    With the speed-ups' 95% intervals (``lows``, ``highs``), each step's growth gets its own
    (:func:`_growth_interval`); a step whose interval includes what it needed leaves the bend
    unresolved there. Without intervals (or where one is NaN) the growth's value decides.
    ``ns`` ascending, the rest matching."""
    k = len(ns)
    if len(speedups) != k or (lows is not None and len(lows) != k) or (highs is not None and len(highs) != k):
        raise ValueError("ns, speedups and their intervals must have the same length")
    lo = list(lows) if lows is not None else [np.nan] * k
    hi = list(highs) if highs is not None else [np.nan] * k
    for i in range(k - 1):
        need = _needed(ns[i], ns[i + 1])
        value = speedups[i + 1] / speedups[i] if speedups[i] > 0 else np.inf
        low, high = _growth_interval(value, (speedups[i], lo[i], hi[i]), (speedups[i + 1], lo[i + 1], hi[i + 1]))
        growth = stats.Estimate(float(value), float(low), float(high))
        if not (np.isfinite(low) and np.isfinite(high)):
            if value < need:
                return Bend(int(ns[i]), growth=growth)
        elif high < need:
            return Bend(int(ns[i]), growth=growth)
        elif low < need:
            return Bend(None, (int(ns[i]), int(ns[i + 1])), growth)
    return Bend(None)


def curves(t: pd.DataFrame) -> pd.DataFrame:
    """The rows of a scaling table that draw a curve: each strategy (and endpoint style) of a
    workload and framework measured at two n or more. A strategy measured at one n (the
    quick preset's matrix at n=4) draws no curve and is no one's best: what the scaling
    figure draws and every sentence about it (:func:`sentences`, :func:`made_of`,
    :func:`serving_cost`) take this selection, so that a caption cannot name a point its
    panel does not draw."""
    if t.empty:
        return t
    keys = ["workload", "framework", "strategy", "endpoint"]
    return t[t.groupby(keys)["n"].transform("nunique") >= 2]


def _candidates(t: pd.DataFrame) -> pd.DataFrame:
    """The rows that may be a best strategy: all but the ideal's one-after-another, the
    baseline itself (its speed-up is 1 by construction)."""
    return t[~((t["framework"] == IDEAL) & (t["strategy"] == BASELINE))]


def bends(t: pd.DataFrame) -> pd.DataFrame:
    """Per workload and framework (the ideal too): the best strategy at each n, and where
    the best strategy's curve at the largest n bends (:func:`bend`, on the intervals)."""
    rows: list[dict[str, Any]] = []
    for (w, f), g in _candidates(curves(t)).groupby(["workload", "framework"], sort=True):
        ns = _measured_ns(g)
        best_at = {n: g[g["n"] == n].sort_values("speedup", ascending=False).iloc[0] for n in ns}
        top = best_at[ns[-1]]
        curve = g[(g["strategy"] == top["strategy"]) & (g["endpoint"] == top["endpoint"])].sort_values("n")
        found = bend(list(curve["n"]), list(curve["speedup"]), list(curve["low"]), list(curve["high"]))
        rows.append(
            {
                "workload": w,
                "framework": f,
                "best": ", ".join(
                    f"n={n}: {b['strategy']} {b['speedup']:.2f}x (fastest {b['fastest']:.2f}x)"
                    for n, b in best_at.items()
                ),
                "strategy": str(top["strategy"]),
                "speedup_at_max_n": float(top["speedup"]),
                "bend": found.at,
                "unresolved": found.unresolved,
                "growth": found.growth,
                "max_n": ns[-1],
            }
        )
    return pd.DataFrame(rows)


def resources(t: pd.DataFrame) -> str:
    """What the tasks could run on, in words: the process pools' sizes, the threads, BLAS."""

    def values(column: str) -> str:
        found = sorted({int(v) for v in t[column].dropna()}) if column in t else []
        return " or ".join(str(v) for v in found) or "not recorded"

    return (
        f"process pools of {values('pool_workers')} workers (the app's; the measuring process's own for the "
        f"ideal), one thread per task for threads, and BLAS on {values('blas_threads')} of its threads per task"
    )


def sentences(t: pd.DataFrame, cores: int | None) -> list[str]:
    """One line per workload and framework: the best strategy at each n and where its curve
    bends, against the cores the run had."""
    out = []
    for r in bends(t).to_dict("records"):
        at = None if r["bend"] is None or pd.isna(r["bend"]) else int(r["bend"])
        found = Bend(at, r["unresolved"] if isinstance(r["unresolved"], tuple) else None, r["growth"])
        where = found.words(first_n=_ns_first(t, str(r["workload"])), max_n=int(r["max_n"]), cores=cores)
        out.append(f"- {r['workload']}, {r['framework']}: best {r['best']}; the {r['strategy']} curve {where}")
    return out


def n_for(t: pd.DataFrame, cores: int | None) -> int:
    """The n at which to explain a run's speed-ups: the core count if measured, else the
    largest n measured below it (the largest n measured when the cores are unknown)."""
    ns = _measured_ns(t)
    if not ns:
        raise ValueError("an empty scaling table has no n")
    below = [n for n in ns if cores is None or n <= cores]
    return below[-1] if below else ns[0]


def _made_of(r: dict[Any, Any]) -> str:
    return (
        f"{r['speedup']:.2f}x = pace {r['pace']:.2f} x overlap {r['overlap']:.2f} x "
        f"{r['in_tasks']:.2f} of the request in its tasks ({r['outside_ms']:.1f} ms outside them)"
    )


def made_of(t: pd.DataFrame, n: int) -> list[str]:
    """At ``n``, one line per workload and framework: its best strategy's speed-up and what
    it is made of, each a median of the trials (so the product is near the speed-up, not
    equal to it): the **pace** (the tasks' one-after-another time over their summed time
    here: below 1, each task ran slower than alone), the overlap, and the share of the
    request's time from its first task's start to its last one's end (the rest is the
    server's and the client's own work: HTTP, JSON, handing the tasks to a pool)."""
    at = _candidates(t[t["n"] == n])
    out = []
    for (w, f), g in at.groupby(["workload", "framework"], sort=True):
        r = g.sort_values("speedup", ascending=False).iloc[0].to_dict()
        out.append(f"- {w}, {f}, {r['strategy']} at n={n}: {_made_of(r)}")
    return out


def _span(values: Sequence[float], digits: int) -> str:
    """``1.50`` or ``1.50 to 1.60``: the range of ``values`` in words."""
    low, high = f"{min(values):.{digits}f}", f"{max(values):.{digits}f}"
    return low if low == high else f"{low} to {high}"


def serving_cost(t: pd.DataFrame, n: int, *, workload: str = "python", strategy: str = "processes") -> str:
    """In words, at ``n``: the speed-up ``strategy`` gave ``workload`` behind each framework
    and with no server, and what kept it from n (see :func:`made_of`); "" if the run did not
    measure it at ``n``."""
    at = t[(t["n"] == n) & (t["workload"] == workload) & (t["strategy"] == strategy)]
    served, ideal = at[at["framework"] != IDEAL], at[at["framework"] == IDEAL]
    if served.empty:
        return ""
    i = ideal.iloc[0] if len(ideal) else None

    def bare(column: str, digits: int, unit: str = "") -> str:
        return f" ({i[column]:.{digits}f}{unit} with no server)" if i is not None else ""

    behind = ", ".join(f"{r['speedup']:.2f}x behind {r['framework']}" for r in served.to_dict("records"))
    return (
        f"At n={n}, {strategy} gave {workload} {behind}"
        + (f" and {i['speedup']:.2f}x with no server" if i is not None else "")
        + f". Its tasks overlapped {_span(list(served['overlap']), 2)} at a time"
        f"{bare('overlap', 2)}, ran {_span(list(served['parallelism']), 2)} cores' worth at once"
        f"{bare('parallelism', 2)}, "
        f"each ran at {_span(list(served['pace']), 2)} of its pace one after another{bare('pace', 2)}, and "
        f"serving kept {_span(list(served['outside_ms']), 1)} ms of each request outside its tasks"
        f"{bare('outside_ms', 1, ' ms')}."
    )


def figures(
    ok: pd.DataFrame, *, targets: Sequence[tuple[str, float]] = (), resamples: int = stats.RESAMPLES
) -> list[Figure]:
    """Every speed-up as a :class:`bench.analysis.figure.Figure` (with the configurations it is
    made of, so that the stopping rule can add their trials)."""
    out = []
    for r in table(ok, resamples=resamples).to_dict("records"):
        w, f, st, e, n, size = (
            str(r["workload"]),
            str(r["framework"]),
            str(r["strategy"]),
            str(r["endpoint"]),
            int(r["n"]),
            int(r["size"]),
        )
        fid = figure_id(w, f, st, n)
        hw = stats.half_width(stats.Estimate(r["speedup"], r["low"], r["high"]))
        target, met = judged(fid, hw, targets)
        served = Config(f, IN_PROCESS if f == IDEAL else "process", w, st, n, size, e)
        base = Config(IDEAL, IN_PROCESS, w, BASELINE, n, size)
        what = f"speed-up of {f} {st} at n={n}: the same tasks one after another / its time"
        out.append(
            Figure(
                fid,
                what,
                "isolated",
                r["speedup"],
                r["low"],
                r["high"],
                hw,
                target,
                met,
                n,
                size,
                ((served.label, int(r["trials"])),),
                (served, base),
            )
        )
    return out
