"""Tables from a run's trials: the measured ones (:func:`measured`), one row per
configuration (:func:`summary`), FastAPI against Flask (:func:`comparisons`), each
framework's best strategy against the in-process ideal (:func:`versus_ideal`).

All statistics use measured trials only: warm-ups and failed requests are counted but
left out of medians.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from bench.vocabulary import stats
from bench.vocabulary.config import IDEAL
from servers import harness

KEYS = ["framework", "variant", "mode", "endpoint", "workload", "strategy", "n", "size"]

SUMMARY_COLUMNS = KEYS + [
    "trials",
    "failed",
    "wall_s",
    "wall_low_s",
    "wall_high_s",
    "server_cpu_s",
    "client_cpu_s",
    "client_process_cpu_s",
    "parallelism",
    "overlap",
    "peak_rss_mib",
    "minor_faults",
    "major_faults",
    "x_ideal",
    "x_best_ideal",
]

GROUP = ["mode", "workload", "strategy", "n", "size"]  # what FastAPI and Flask are compared on


def _text(v: Any) -> str:
    return "" if pd.isna(v) else str(v)


def _with_variant(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with a ``variant`` column of strings ("" for the plain servers), whatever read it."""
    return df.assign(variant=[_text(v) for v in df["variant"]] if "variant" in df else "")


def measured(df: pd.DataFrame) -> pd.DataFrame:
    """Successful, non-warm-up trials, with ``server_cpu_only_s`` added.

    ``server_cpu_only_s`` is the server process's CPU over the trial, less the client
    thread's own CPU when both are one process (thread mode); for the ideal it is all of
    the process's CPU, since there is no client.
    """
    ok = _with_variant(df[(~df["warmup"]) & (df["status"] == 200)])
    same = ok["server_is_client_process"] & (ok["framework"] != IDEAL)
    ok["server_cpu_only_s"] = ok["server_process_cpu_s"] - np.where(same, ok["client_cpu_s"], 0.0)
    return ok


def project_only(df: pd.DataFrame) -> pd.DataFrame:
    """The trials of one client under the project's own interpreter: what every figure but
    the gil ones (:mod:`bench.analysis.families.gil`) reads."""
    if "python" not in df:
        return df
    return df[(df["python"] == "") & (df["clients"] == 1)]


def _article_trials(df: pd.DataFrame) -> pd.DataFrame:
    """The article's task at the run's largest n and size, plain servers and ideals only:
    the reproduction, without the matrix and the controlled changes."""
    art = df[df["workload"] == "article"]
    if art.empty:
        return art
    art = art[(art["n"] == art["n"].max())]
    art = _with_variant(art[art["size"] == art["size"].max()])
    return art[art["variant"] == ""]


def summary(df: pd.DataFrame) -> pd.DataFrame:
    """One row per configuration: medians (wall with its 95% interval) and counts."""
    ok = measured(df)
    df = _with_variant(df)
    failed = df[(~df["warmup"]) & (df["status"] != 200)].groupby(KEYS).size()
    ideals = ok[ok["framework"] == IDEAL].groupby(["workload", "n", "size", "strategy"])["client_wall_s"].median()
    ideal_wall = (
        ideals.xs("sequential", level="strategy")
        if "sequential" in ideals.index.get_level_values("strategy")
        else pd.Series(dtype=float)
    )
    best_ideal = ideals.groupby(level=["workload", "n", "size"]).min()
    ok = ok.astype({"endpoint": str})
    rows: list[dict[str, Any]] = []
    for key, g in ok.groupby(KEYS, sort=True):
        wall = stats.median_ci(g["client_wall_s"])
        k = dict(zip(KEYS, key, strict=True))
        base = ideal_wall.get((k["workload"], k["n"], k["size"]), np.nan)
        best = best_ideal.get((k["workload"], k["n"], k["size"]), np.nan)
        rows.append(
            {
                **k,
                "trials": len(g),
                "failed": int(failed.get(key, 0)),
                "wall_s": wall.value,
                "wall_low_s": wall.low,
                "wall_high_s": wall.high,
                "server_cpu_s": g["server_cpu_only_s"].median(),
                "client_cpu_s": g["client_cpu_s"].median(),
                "client_process_cpu_s": g["client_process_cpu_s"].median(),
                "parallelism": g["parallelism"].median(),
                "overlap": g["overlap"].median(),
                "peak_rss_mib": g["peak_rss_bytes"].median() / 2**20,
                "minor_faults": g["minor_faults"].median(),
                "major_faults": g["major_faults"].median(),
                "x_ideal": wall.value / base if base else np.nan,
                "x_best_ideal": wall.value / best if best else np.nan,
            }
        )
    measured_keys = {tuple(r[k] for k in KEYS) for r in rows}
    for failed_key, count in failed.items():  # configurations with no successful trial at all
        values = tuple(failed_key) if isinstance(failed_key, tuple) else (failed_key,)
        if values not in measured_keys:
            rows.append({**dict(zip(KEYS, values, strict=True)), "trials": 0, "failed": int(count)})
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


#: Which endpoint styles are set side by side: each framework's own (the article's
#: comparison: Flask's plain view against FastAPI's async def), then like with like.
PAIRINGS = (
    ("native", harness.NATIVE_ENDPOINT["flask"], harness.NATIVE_ENDPOINT["fastapi"]),
    ("both sync", "sync", "sync"),
    ("both async", "async", "async"),
)


def comparisons(df: pd.DataFrame) -> pd.DataFrame:
    """FastAPI / Flask median wall time per comparable configuration, with interval and verdict.

    ``pairing`` says which endpoint styles are compared (see :data:`PAIRINGS`).
    """
    ok = measured(df)
    rows: list[dict[str, Any]] = []
    plain = ok[(ok["framework"] != IDEAL) & (ok["variant"] == "")]
    for key, g in plain.groupby(GROUP, sort=True):
        for pairing, flask_ep, fastapi_ep in PAIRINGS:
            fa = g[(g["framework"] == "fastapi") & (g["endpoint"] == fastapi_ep)]["client_wall_s"]
            fl = g[(g["framework"] == "flask") & (g["endpoint"] == flask_ep)]["client_wall_s"]
            if fa.empty or fl.empty:
                continue
            r = stats.ratio_ci(fa, fl)
            rows.append(
                {
                    **dict(zip(GROUP, key, strict=True)),
                    "pairing": pairing,
                    "fastapi_over_flask": r.value,
                    "low": r.low,
                    "high": r.high,
                    "verdict": stats.verdict(r),
                }
            )
    return pd.DataFrame(rows, columns=GROUP + ["pairing", "fastapi_over_flask", "low", "high", "verdict"])


def _fastest(df: pd.DataFrame, by: list[str]) -> pd.Series:
    """The configuration (values of ``by``) whose median wall time is the least, with that median."""
    medians = df.groupby(by, as_index=False)["client_wall_s"].median()
    return medians.iloc[int(medians["client_wall_s"].to_numpy().argmin())]


def versus_ideal(df: pd.DataFrame) -> pd.DataFrame:
    """Per framework, mode and workload: the fastest strategy (and endpoint style) of the
    plain servers, against the fastest in-process ideal of the same tasks, as a wall-time
    ratio of medians with its 95% interval (``x_ideal``, ``low``, ``high``), and as the ratio of
    the two configurations' fastest trials (``x_ideal_fastest``).

    On a shared machine interference only ever adds time, so the fastest trials say what each
    costs when nothing else gets in the way; the medians say what a request typically takes.
    """
    ok = measured(df)
    ideal = ok[ok["framework"] == IDEAL]
    served = ok[(ok["framework"] != IDEAL) & (ok["variant"] == "")]
    rows: list[dict[str, Any]] = []
    for _, g in served.groupby(["framework", "mode", "workload", "n", "size"]):
        first = g.iloc[0]
        fw, mode, w, n, size = (first[k] for k in ("framework", "mode", "workload", "n", "size"))
        ideals = ideal[(ideal["workload"] == w) & (ideal["n"] == n) & (ideal["size"] == size)]
        if ideals.empty:
            continue
        best_ideal = str(_fastest(ideals, ["strategy"])["strategy"])
        fastest = _fastest(g, ["strategy", "endpoint"])
        strategy, endpoint = str(fastest["strategy"]), str(fastest["endpoint"])
        best = g[(g["strategy"] == strategy) & (g["endpoint"] == endpoint)]["client_wall_s"]
        base = ideals[ideals["strategy"] == best_ideal]["client_wall_s"]
        r = stats.ratio_ci(best, base)
        rows.append(
            {
                "framework": fw,
                "mode": mode,
                "workload": w,
                "n": n,
                "size": size,
                "best_strategy": strategy,
                "endpoint": endpoint,
                "wall_s": float(best.median()),
                "trials": len(best),
                "ideal_strategy": best_ideal,
                "ideal_trials": len(base),
                "x_ideal": r.value,
                "low": r.low,
                "high": r.high,
                "x_ideal_fastest": float(best.min() / base.min()),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "framework",
            "mode",
            "workload",
            "n",
            "size",
            "best_strategy",
            "endpoint",
            "wall_s",
            "trials",
            "ideal_strategy",
            "ideal_trials",
            "x_ideal",
            "low",
            "high",
            "x_ideal_fastest",
        ],
    )
