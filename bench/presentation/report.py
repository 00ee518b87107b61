"""A run's report: as text (:func:`text`) and as JSON (:func:`as_json`), from its tables
(:mod:`bench.analysis.tables`) and the figures it cites (:mod:`bench.analysis.cited_figures`); the figures drawn are
:mod:`bench.presentation.drawings`'s.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from bench.analysis import agreement, runlevel, variance
from bench.analysis.cited_figures import cited, committed, run_level
from bench.analysis.families import framework_server, gap, gil, scaling
from bench.analysis.figure import TIMED, Figure, by_id
from bench.analysis.tables import comparisons, measured, project_only, summary, versus_ideal
from bench.instrument.store import Run
from bench.vocabulary import stats
from bench.vocabulary.config import Preset
from bench.vocabulary.records import RunMeta


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
            "overlap": s.get("overlap"),
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


def warmup_line(meta: RunMeta) -> str | None:
    """How a run's warm-up until steady went (meta.json's ``"warmup"``), in one line; None for
    a run that warmed up for its fixed rounds only (or recorded none)."""
    p = meta.get("preset", {})
    records = meta.get("warmup", [])
    if not records or int(p.get("warmup_max", 0)) <= int(p.get("warmup", 0)):
        return None
    took = [w["probe_trials"] for w in records]
    unsteady = [
        f"{w['framework']}{'[' + w['variant'] + ']' if w['variant'] else ''}/{w['mode']} in block {w['block']}"
        for w in records
        if not w["steady"]
    ]
    return (
        f"warm-up until steady: {len(records) - len(unsteady)} of {len(records)} servers steady, after "
        f"{min(took)}-{max(took)} warm-up trials of their probe"
        + (f"; not steady (cap or budget reached): {', '.join(unsteady)}" if unsteady else "")
    )


def _machine_state_line(meta: RunMeta) -> str:
    """How loaded the machine was while the run measured (meta.json's ``machine_state``), in
    one line that says BUSY where it was."""
    state = meta.get("machine_state")
    if state is None:
        return "machine state: not recorded (a run folder older than format 7)"
    cores = "n/a" if state["others_cores_mean"] is None else f"{state['others_cores_mean']:.2f}"
    load = "n/a" if state["load_1min_mean"] is None else f"{state['load_1min_mean']:.2f}"
    said = (
        f"other processes {cores} of a core on average, load average {load} (this run's own servers included), "
        f"{state['samples']} samples"
    )
    if state["busy"]:
        return f"machine state: BUSY ({'; '.join(state['reasons'])}); {said}"
    lagged = state["at_start"]["reasons"]
    return f"machine state: quiet; {said}" + (f" (warned at the start: {'; '.join(lagged)})" if lagged else "")


def _machine(meta: RunMeta) -> str:
    cpu = meta["cpu"]
    return f"{cpu['model']}, {cpu['usable_cores']} usable cores, {meta['memory']['total_bytes'] / 2**30:.1f} GiB"


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
        "machine_state": meta.get("machine_state"),
        "run_level": _run_level_json(str(p.get("name", ""))),
        "figures": [f.to_json() for f in found],
    } | ({"variance": _variance_json(*levels)} if (levels := _in_blocks(run)) else {})


def _run_level_json(preset: str) -> dict[str, Any]:
    """The run level the report's ratios include: each group's run spread with its 95% interval,
    and the committed runs of ``preset`` it was estimated from."""
    level = run_level(preset)
    return {
        "runs": [r.id for r in committed(preset)] if level else [],
        "groups": {
            g: {"spread": s.spread, "low": s.low, "high": s.high, "figures": s.figures, "runs": s.runs}
            for g, s in level.items()
        },
    }


def _in_blocks(run: Run) -> tuple[list[variance.SideComponents], list[variance.BlockedRatio]] | None:
    """A run in several blocks: the variance components of its sides' isolated times and its
    ratios with the hierarchical interval (:mod:`bench.analysis.variance`); None for a run in one block."""
    df = run.trials()
    p = run.meta().get("preset", {})
    if df.empty or df["block"].nunique() < 2 or not p.get("size"):
        return None
    ok = measured(project_only(df))
    n, size = int(p["n"]), int(p["size"])
    return variance.side_components([ok], n=n, size=size), variance.blocked_ratios(ok, n=n, size=size)


def _variance_json(sides: list[variance.SideComponents], ratios: list[variance.BlockedRatio]) -> dict[str, Any]:
    return {"components": [s.to_json() for s in sides], "ratios": [r.to_json() for r in ratios]}


def components_table(sides: list[variance.SideComponents], *, over: str) -> list[str]:
    """The components as a short table: per side, the spread each level adds (about relative)
    with its 95% interval (bootstrapped over ``over``, the top level), and the dominant level."""
    levels = variance.LEVELS[: max((len(s.levels) for s in sides), default=2)]
    measure = sides[0].measure.replace("_", " ") if sides else ""
    lines = [
        f"Variance components of log time, {measure} (spread each level adds, about relative; 95% interval "
        f"over the {over}; an instance is a block's server process):",
        f"  {'side':<46}" + "".join(f" {level + 's':>22}" for level in levels) + "  dominant",
    ]
    for s in sides:
        cells = [
            f"{c.spread:6.1%} "
            + (f"[{math.sqrt(c.low):.1%}, {math.sqrt(c.high):.1%}]" if np.isfinite(c.low) else "(no interval)").rjust(
                15
            )
            for c in s.levels
        ]
        lines.append(f"  {s.side.label:<46}" + "".join(f" {c:>22}" for c in cells) + f"  {s.dominant}")
    return lines


def _variance_text(sides: list[variance.SideComponents], ratios: list[variance.BlockedRatio]) -> list[str]:
    """A run in blocks: its components (:func:`components_table`) and each ratio's plain and
    hierarchical intervals."""
    lines = ["", *components_table(sides, over="instances")]
    if ratios:
        lines += [
            "",
            "Ratios, interval over trials as if independent against over blocks, then trials within them; how much "
            "a block's ratio varies from its trials alone, and what the blocks add (about relative):",
        ]
        for r in ratios:
            lines.append(
                f"  {r.name} {r.measure}: {r.plain.value:.3f}, "
                f"trials {stats.interval_text(r.plain.low, r.plain.high, '.3f')}, "
                f"blocks ({r.blocks}) {stats.interval_text(r.hierarchical.low, r.hierarchical.high, '.3f')}; "
                f"within a block {math.sqrt(r.within):.1%}, between blocks {math.sqrt(r.between):.1%}"
            )
    return lines


def components_of(runs: Sequence[Run], measure: str = "isolated") -> list[variance.SideComponents]:
    """The components of ``measure`` across ``runs`` of one preset's size and n (with several,
    the run level too). ValueError naming the runs when they differ in size or n."""
    shapes = {(r.meta().get("preset", {}).get("n"), r.meta().get("preset", {}).get("size")) for r in runs}
    ((n, size),) = shapes if len(shapes) == 1 else {(None, None)}
    if n is None or size is None:
        raise ValueError(f"the runs must share one n and size, not {sorted(shapes, key=str)}: {[r.id for r in runs]}")
    trials = [measured(project_only(r.trials())) for r in runs]
    return variance.side_components(trials, n=int(n), size=int(size), measure=measure)


def _width(f: Figure) -> str:
    hw = f"±{f.half_width:.1%}" if np.isfinite(f.half_width) else "no half-width"
    if f.target is None:
        return hw
    return f"{hw} (target {f.target:.0%}: {'met' if f.met else 'NOT MET'})"


def _with_trials(f: Figure) -> str:
    """A figure's value and interval with the trials it rests on, or why it has none."""
    counts = " and ".join(str(k) for _, k in f.sides)
    if f.no_interval:
        return f"{f.value:.3g} ({f.no_interval})"
    return f"{f.value:.3g} [{f.interval}] from {counts} trials"


def figures_text(found: list[Figure], stopping: Mapping[str, Any] | None) -> list[str]:
    """The cited figures, each with its interval and half-width, the decomposition of the gap,
    and how the stopping rule ended."""
    if not found:
        return []
    lines = ["", "The figures the article cites (95% intervals; the half-width relative to the figure):"]
    lines += _run_level_text(found)
    summarized = [f for f in found if f.id.startswith("gil.")]
    for f in found:
        if not f.id.startswith("gil."):
            lines.append(f"- {f.id}: {_with_trials(f)} {_width(f)}; {f.what}")
    if summarized:
        lines.append(
            f"- gil.*: {len(summarized)} figures, in a few lines under 'Without the GIL' below; each with its "
            "interval and target in `report --json`"
        )
    lines += _decomposition_text(by_id(found))
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


def _run_level_text(found: Sequence[Figure]) -> list[str]:
    """What the run level added to the intervals, in words: the headline's and the gap's
    groups by name, how many others (nothing where no figure got one)."""
    added = {runlevel.group(f.id): f.run_spread for f in found if math.isfinite(f.own_low)}
    if not added:
        return []
    named = {g: s for g, s in added.items() if g.startswith(("headline.", "gap."))}
    each = ", ".join(f"{g} {s:.1%}" for g, s in named.items())
    others = len(added) - len(named)
    more = f"; {others} other group(s) in report --json (run_spread)" if others else ""
    return [
        "  The ratios' intervals include the run level: how far separate runs of this preset land apart beyond "
        f"their own intervals, from the committed runs (relative spread by group: {each}{more}). The half-width "
        "after each is the run's own, which more trials shrink and a target judges."
    ]


#: Why the stopping rule stopped, in words.
STOPPED = {
    "met": "every figure with a target met it",
    "budget": "the next round would have ended past the budget",
    "max_repeats": "the configurations short of their targets had all the trials they may have",
}


def _decomposition_text(found: dict[str, Figure]) -> list[str]:
    """Per timed measure: the article's gap as the product of its steps, and the rest."""
    lines = []
    for m in TIMED:
        total, named, rest = (found.get(f"gap.{m}.{k}") for k in ("total", "named", "rest"))
        if total is None or named is None or rest is None:
            continue
        steps = [found.get(f"gap.{m}.{name}") for name, _ in gap.STEPS]
        factors = " x ".join(f"{name} {f.value:.2f}" for (name, _), f in zip(gap.STEPS, steps, strict=True) if f)
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
    if warmed := warmup_line(meta):
        lines.append(warmed)
    lines.append(f"machine: {_machine(meta)}")
    lines.append(_machine_state_line(meta))
    if df.empty:
        lines.append("no trials recorded")
        return "\n".join(lines)
    failed = df[(~df["warmup"]) & (df["status"] != 200)]
    if not failed.empty:
        lines.append(f"{len(failed)} measured trial(s) failed; first error: {failed['error'].iloc[0]}")
    found = cited(run)
    lines += figures_text(found, meta.get("stopping"))
    if levels := _in_blocks(run):
        lines += _variance_text(*levels)
    lines += gil.verdicts(found, measured(df))
    df = project_only(df)  # the tables below are of the project's interpreter, one client
    by = by_id(found)
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
        "parallelism: the CPU time of the threads that ran the tasks / span from first task start to last",
        "task end (how many ran at once; at most the cores). overlap: sum of task durations / the same span",
        "(how many were in progress at once, working or waiting).",
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
    scaled = scaling.curves(scaling.table(measured(df)))
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


def agreement_text(found: Sequence[agreement.Agreement], runs: Sequence[str], busy: Sequence[str] = ()) -> str:
    """Agreement between runs (:mod:`bench.analysis.agreement`) as a table: per figure, each run's
    estimate and interval (with its trials where it has none), then the verdict over them all
    (:func:`bench.analysis.agreement.verdict`); the runs made on a busy machine named."""
    if not found:
        return "The runs cite no figure in common."
    legend = "; ".join(f"run {i + 1}: {r}" for i, r in enumerate(runs))
    lines = [legend, ""]
    for a in found:
        scope = f"n={a.estimates[0].n}, size {a.estimates[0].size}"
        each = "  ".join(
            f"{e.value:.3g} [{e.low:.3g}, {e.high:.3g}]" if e.has_interval else f"{e.value:.3g} [{e.trials} trials]"
            for e in a.estimates
        )
        state = {True: "agree", False: "DISAGREE", None: "not judged"}[a.agrees]
        if a.agrees is False and a.pairs_overlapping == a.pairs:
            state = "outside"
        lines.append(f"{a.id} ({scope}): {each}")
        counts = (
            f"pairs overlapping {a.pairs_overlapping}/{a.pairs}, estimates inside others' predictions "
            f"{a.held}/{a.checks}; "
            if a.checks
            else ""
        )
        spread = f"spread {a.spread:.1%} against mean half-width {a.mean_half_width:.1%}"
        lines.append(f"  {state}: {counts}{spread}; {a.why}")
    v = agreement.verdict(found)
    lines.append("")
    if v.not_judged:
        lines.append(
            f"Not judged ({stats.TOO_FEW} in a run, or a median of one configuration): {', '.join(v.not_judged)}"
        )
    if busy:
        lines.append(f"Made on a busy machine (meta.json's machine_state): {', '.join(busy)}")
    word = {True: "agree", False: "DISAGREE", None: "cannot be judged"}[v.agrees]
    lines.append(f"The runs {word} over {v.judged} judged figure(s): {v.why}.")
    return "\n".join(lines)


def busy_runs(runs: Sequence[Run]) -> list[str]:
    """The runs made on a busy machine, each with why (meta.json's machine_state)."""
    out = []
    for run in runs:
        state = run.meta().get("machine_state")
        if state and state["busy"]:
            out.append(f"{run.id} ({'; '.join(state['reasons'])})")
    return out
