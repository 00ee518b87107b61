"""From a run's trials to tables and verdicts (text); figures are in :mod:`bench.plots`.

All statistics use measured trials only: warm-ups and failed requests are counted but
left out of medians.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from servers import harness

from . import ablation, figures, framework_server, scaling, stats
from .presets import IDEAL, Preset
from .records import RunMeta
from .store import Run

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


def article_trials(df: pd.DataFrame) -> pd.DataFrame:
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


def _fmt_table(s: pd.DataFrame) -> str:
    if s.empty:
        return "(no successful trials)"
    t = pd.DataFrame(
        {
            "framework": s["framework"],
            "variant": s["variant"].replace("", "-"),
            "mode": s["mode"],
            "endpoint": s["endpoint"],
            "strategy": s["strategy"],
            "trials": s["trials"].astype(int),
            "failed": s["failed"].astype(int),
            "wall s [95% CI]": [
                f"{v:.3f} [{lo:.3f}, {hi:.3f}]"
                if np.isfinite(v) and np.isfinite(lo)
                else (f"{v:.3f}" if np.isfinite(v) else "-")
                for v, lo, hi in zip(s["wall_s"], s["wall_low_s"], s["wall_high_s"], strict=True)
            ],
            "x ideal": s.get("x_ideal"),
            "x best ideal": s.get("x_best_ideal"),
            "server CPU s": s.get("server_cpu_s"),
            "client CPU s": s.get("client_cpu_s"),
            "parallelism": s.get("parallelism"),
            "peak RSS MiB": s.get("peak_rss_mib"),
            "minor faults": s.get("minor_faults"),
            "major faults": s.get("major_faults"),
        }
    )
    for col in ("minor faults", "major faults"):
        t[col] = [f"{v:.0f}" if np.isfinite(v) else "-" for v in t[col].astype(float)]
    return t.to_string(index=False, float_format=lambda v: f"{v:.3f}", na_rep="-")


def _state(meta: RunMeta) -> str:
    if meta["completed"]:
        return "completed"
    return "INTERRUPTED: partial data" if meta["interrupted"] else "NOT COMPLETED: partial data"


def _machine(meta: RunMeta) -> str:
    cpu = meta["cpu"]
    return f"{cpu['model']}, {cpu['usable_cores']} usable cores, {meta['memory']['total_bytes'] / 2**30:.1f} GiB"


def cited(run: Run) -> list[figures.Figure]:
    """The figures the article cites, from the run's trials at its preset's n, size and targets."""
    meta = run.meta()
    if "preset" not in meta:
        return []
    p = Preset.from_dict(meta["preset"])
    df = run.trials()
    if df.empty or p.size is None:
        return []
    return figures.compute(measured(df), n=p.n, size=p.size, targets=p.targets)


def as_json(run: Run) -> dict[str, Any]:
    """The machine-readable report: every figure the article cites, with its interval, its
    half-width, its target and whether it met it, and the configurations and trials behind it."""
    meta = run.meta()
    found = cited(run)
    targeted = [f for f in found if f.target is not None]
    p = meta.get("preset", {})
    return {
        "run": run.id,
        "format": meta["format"],
        "preset": p.get("name"),
        "n": p.get("n"),
        "size": p.get("size"),
        "completed": meta["completed"],
        "targets_met": all(f.met for f in targeted) if targeted else None,
        "stopping": meta.get("stopping"),
        "figures": [f.to_json() for f in found],
    }


def _width(f: figures.Figure) -> str:
    hw = f"±{f.half_width:.1%}" if np.isfinite(f.half_width) else "no interval"
    if f.target is None:
        return hw
    return f"{hw} (target {f.target:.0%}: {'met' if f.met else 'NOT MET'})"


def figures_text(found: list[figures.Figure], stopping: Mapping[str, Any] | None) -> list[str]:
    """The cited figures, each with its interval and half-width, the decomposition of the gap,
    and how the stopping rule ended."""
    if not found:
        return []
    lines = ["", "The figures the article cites (95% intervals; the half-width relative to the figure):"]
    for f in found:
        lines.append(f"- {f.id}: {f.value:.3g} [{f.interval}] {_width(f)}; {f.what}")
    lines += decomposition_text(figures.by_id(found))
    short = [f for f in found if f.met is False]
    if stopping:
        lines.append(
            f"Stopping rule: {stopping.get('added_rounds', 0)} round(s) added after the scheduled ones; stopped "
            f"because {STOPPED.get(str(stopping.get('stopped')), stopping.get('stopped'))} after "
            f"{stopping.get('measuring_s')} s of a {stopping.get('budget_s')} s budget."
        )
    if short:
        lines.append("NOT MET: " + "; ".join(f"{f.id} ±{f.half_width:.1%} (target {f.target:.0%})" for f in short))
    return lines


#: Why the stopping rule stopped, in words.
STOPPED = {
    "met": "every figure with a target met it",
    "budget": "the next round would have ended past the budget",
    "max_repeats": "the configurations short of their targets had all the trials they may have",
}


def decomposition_text(found: dict[str, figures.Figure]) -> list[str]:
    """Per timed measure: the article's gap as the product of its steps, and the rest."""
    lines = []
    for m in figures.TIMED:
        total, named, rest = (found.get(f"gap.{m}.{k}") for k in ("total", "named", "rest"))
        if total is None or named is None or rest is None:
            continue
        steps = [found.get(f"gap.{m}.{name}") for name, _ in ablation.STEPS]
        factors = " x ".join(f"{name} {f.value:.2f}" for (name, _), f in zip(ablation.STEPS, steps, strict=True) if f)
        lines.append(
            f"- the gap, {m}: the article's servers {total.value:.2f} [{total.interval}]; steps {factors}; the named "
            f"changes together {named.value:.2f} [{named.interval}], leaving {rest.value:.2f} [{rest.interval}] "
            "unexplained (the frameworks themselves)"
        )
    return (
        ["", "The article's gap, one change at a time (each step a ratio with its interval above):", *lines]
        if lines
        else []
    )


def text(run: Run) -> str:
    """The report as plain text: what was run, the cited figures, the tables, the verdicts."""
    meta = run.meta()
    df = run.trials()
    lines = [f"run {run.id}  ({run.path})"]
    if "preset" in meta:
        p = Preset.from_dict(meta["preset"])
        more = f" ({p.most_repeats} for some)" if p.most_repeats > p.repeats else ""
        lines.append(
            f"preset {p.name}: n={p.n} size={p.size}, {p.repeats} repeats{more} after {p.warmup} warm-up, "
            f"seed {meta.get('seed')}; {meta.get('trials_done', 0)}/{meta.get('trials_planned', 0)} trials, "
            f"{_state(meta)}"
        )
    lines.append(f"machine: {_machine(meta)}")
    if df.empty:
        lines.append("no trials recorded")
        return "\n".join(lines)
    failed = df[(~df["warmup"]) & (df["status"] != 200)]
    if not failed.empty:
        lines.append(f"{len(failed)} measured trial(s) failed; first error: {failed['error'].iloc[0]}")
    found = cited(run)
    lines += figures_text(found, meta.get("stopping"))
    by = figures.by_id(found)
    for measure in framework_server.MEASURES:
        if framework_server.comparisons(by, measure):
            lines += [
                "",
                f"Framework or server, {measure.replace('_', ' ')} (the ratios fxs.{measure}.*):",
                framework_server.conclusion(by, measure=measure),
            ]
    for (workload, n, size), part in summary(df).groupby(["workload", "n", "size"]):
        lines += ["", f"workload {workload}, n={n}, size={size}: median of measured trials", _fmt_table(part)]
    lines += [
        "",
        "wall: client wall time per request. x ideal: wall / the same tasks run one after another",
        "in-process with no server. server CPU: the server process's CPU during the trial (in",
        "thread mode less the client thread's own). client CPU: the client thread's CPU; IPython's",
        "%time shows the client's whole process (column client_process_cpu_s of trials.csv).",
        "parallelism: sum of task durations / span from first task start to last task end.",
        "peak RSS and page faults: the server process during the trial (major faults mean swapping).",
    ]
    best = versus_ideal(df)
    if not best.empty:
        lines += [
            "",
            "Best strategy per framework and workload, against the best in-process ideal "
            "(wall-time ratio of medians, 95% CI; then of the fastest trials):",
        ]
        for _, r in best.iterrows():
            ci = f"[{r['low']:.2f}, {r['high']:.2f}]" if np.isfinite(r["low"]) else "(too few trials)"
            lines.append(
                f"- {r['framework']}/{r['mode']}, {r['workload']} n={r['n']}: {r['best_strategy']} "
                f"({r['endpoint']} endpoint), {r['wall_s']:.3f} s = {r['x_ideal']:.2f}x the ideal "
                f"{r['ideal_strategy']} {ci}; fastest {r['x_ideal_fastest']:.2f}x "
                f"({r['trials']} and {r['ideal_trials']} trials)"
            )
    scaled = scaling.table(measured(df))
    if not scaled.empty:
        cores = meta.get("cpu", {}).get("usable_cores")
        at = scaling.n_for(scaled, cores)
        lines += [
            "",
            f"Speed-up against n ({scaling.MEANING}; {cores} usable cores; figure scaling.png):",
            *scaling.sentences(scaled, cores),
            "",
            f"What each best speed-up at n={at} is made of (each a median of the trials, so the product is near "
            "the speed-up; pace: the tasks' one-after-another time over their summed time here):",
            *scaling.made_of(scaled, at),
        ]
    comp = comparisons(df)
    if not comp.empty:
        lines += ["", "FastAPI vs Flask, median wall time ratio (FastAPI / Flask) with 95% bootstrap CI:"]
        for _, r in comp.iterrows():
            lines.append(
                f"- {r['mode']} mode, {r['workload']}/{r['strategy']} n={r['n']}, "
                f"{r['pairing']} endpoints: {r['verdict']}"
            )
    return "\n".join(lines)


def beside_reference(df: pd.DataFrame, reference: Run) -> tuple[str, pd.DataFrame]:
    """This run's FastAPI/Flask ratios beside a reference run's, one row per comparison, and
    a line saying what the reference ran on."""
    both = pd.concat([comparisons(df).assign(run="this run"), comparisons(reference.trials()).assign(run="reference")])
    meta = reference.meta()
    name = Preset.from_dict(meta["preset"]).name if "preset" in meta else "no"
    where = f"reference: {name} preset on {_machine(meta)}, {meta['started_at'][:10]}"
    table = both.pivot_table(
        index=["mode", "workload", "strategy", "n", "size", "pairing"], columns="run", values="fastapi_over_flask"
    )
    return where, table


def environment(run: Run, folder: str | None = None) -> pd.DataFrame:
    """What a run ran on and with, from its meta.json, as a one-column table."""
    meta = run.meta()
    cpu, git = meta["cpu"], meta["git"]
    rows = {
        "run": run.id,
        "folder": folder or str(run.path),
        "preset": Preset.from_dict(meta["preset"]).name if "preset" in meta else None,
        "seed": meta.get("seed"),
        "trials": f"{meta.get('trials_done')} of {meta.get('trials_planned')}",
        "completed": meta["completed"],
        "started": meta["started_at"],
        "ended": meta["ended_at"],
        "python": meta["python"].get("version", "").split(" ")[0],
        "cpu": cpu["model"],
        "usable cores": cpu["usable_cores"],
        "memory GiB": round(meta["memory"]["total_bytes"] / 2**30, 1),
        "git": f"{git['commit']} (dirty: {git['dirty']})",
        "BLAS": ", ".join(f"{b.get('internal_api')} {b.get('version')} x{b.get('num_threads')}" for b in meta["blas"]),
        "environment": meta["env"] or "none of OPENBLAS_*, OMP_*, MKL_*, MALLOC_* set",
        **{f"package {k}": v for k, v in meta["packages"].items()},
    }
    return pd.Series(rows, name="value").to_frame()
