"""Speed-up against n and cores: the curve every strategy draws, and where it bends.

A run of the ``scaling`` preset measures every workload and strategy at n = 1, 2, 4, ... up
to twice the usable cores, and the core count (:func:`bench.presets.scaling_ns`), on both
frameworks' servers in process mode and in this process with no server (the ideal). The
**speed-up** at n is what :mod:`bench.speedup` defines: the time of the same n tasks one after
another in this process (the ideal's ``sequential`` at n) over the configuration's time, as
a ratio with its 95% interval (:func:`bench.stats.ratio_ci`); each is a figure,
``scaling.<workload>.<framework>.<strategy>.n<n>`` (the ideal's framework is ``ideal``), so
that the preset's precision target adds trials where one is short.

Beside it, ``fastest``: the fastest one-after-another time over the configuration's fastest
trial, since on a shared machine interference only adds time.

A curve **bends** at the n after which adding tasks stops paying (:func:`bend`): from there
on, doubling n gains less than half of what doubling should (the speed-up grows by less than
``sqrt`` of the growth of n). A curve that never gains bends at n=1; one that keeps gaining up
to the largest n measured does not bend within the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from servers import harness

from . import stats
from .presets import IDEAL

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
    endpoint (the ideal has none)."""
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
                "pool_workers": float(g["pool_workers"].median()) if "pool_workers" in g else np.nan,
                "task_threads": float(g["task_threads"].median()) if "task_threads" in g else np.nan,
                "blas_threads": float(g["blas_threads"].median()),
            }
        )
    return pd.DataFrame(rows)


def measured_ns(t: pd.DataFrame) -> list[int]:
    """The n values of a scaling table, ascending."""
    return sorted(int(k) for k in t["n"].unique()) if len(t) else []


def ns_first(t: pd.DataFrame, workload: str) -> int:
    """The smallest n a scaling table has for ``workload``."""
    return int(t[t["workload"] == workload]["n"].min())


def bend(ns: Sequence[int], speedups: Sequence[float]) -> int | None:
    """Where a curve bends: the first n from which the next measured n gains less than the
    square root of its growth (doubling n should double the speed-up; this asks for at least
    sqrt(2)); ``ns[0]`` when it never gains; None when it gains at every step (no bend within
    the n measured). ``ns`` ascending, ``speedups`` matching."""
    if len(ns) != len(speedups):
        raise ValueError("ns and speedups must have the same length")
    for i in range(len(ns) - 1):
        grew = speedups[i + 1] / speedups[i] if speedups[i] > 0 else np.inf
        if grew < np.sqrt(ns[i + 1] / ns[i]):
            return int(ns[i])
    return None


def bends(t: pd.DataFrame) -> pd.DataFrame:
    """Per workload and framework (the ideal too): the best strategy at each n, and where
    the best strategy's curve at the largest n bends (:func:`bend`)."""
    rows: list[dict[str, Any]] = []
    for (w, f), g in t.groupby(["workload", "framework"], sort=True):
        ns = measured_ns(g)
        best_at = {n: g[g["n"] == n].sort_values("speedup", ascending=False).iloc[0] for n in ns}
        top = best_at[ns[-1]]
        curve = g[(g["strategy"] == top["strategy"]) & (g["endpoint"] == top["endpoint"])].sort_values("n")
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
                "bend": bend(list(curve["n"]), list(curve["speedup"])),
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
        f"ideal), one thread per task for threads, {values('blas_threads')} BLAS thread(s) per task"
    )


def sentences(t: pd.DataFrame, cores: int | None) -> list[str]:
    """One line per workload and framework: the best strategy at each n and where its curve
    bends, against the cores the run had."""
    out = []
    for r in bends(t).to_dict("records"):
        if r["bend"] is None or pd.isna(r["bend"]):
            where = f"does not bend up to n={r['max_n']}"
        elif int(r["bend"]) == ns_first(t, str(r["workload"])):
            where = f"bends at n={int(r['bend'])}: no gain from more tasks"
        else:
            where = f"bends at n={int(r['bend'])}" + (f" (the run had {cores} cores)" if cores else "")
        out.append(f"- {r['workload']}, {r['framework']}: best {r['best']}; the {r['strategy']} curve {where}")
    return out


def figures(
    ok: pd.DataFrame, *, targets: Sequence[tuple[str, float]] = (), resamples: int = stats.RESAMPLES
) -> list[Any]:
    """Every speed-up as a :class:`bench.figures.Figure` (with the configurations it is
    made of, so that the stopping rule can add their trials)."""
    from .figures import Figure, judged
    from .presets import IN_PROCESS, Config

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
