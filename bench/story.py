"""Sentences about a run, computed from its trials, for the article's conclusion.

Each function returns Markdown that states what the data of *this* run shows, with its
interval, and names the figure or table that shows it; when the run lacks the trials a
claim needs, the sentence says so instead of guessing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from servers import harness

from . import ablation, stats
from .load import blocking, runner, sweep
from .presets import IDEAL
from .report import measured, versus_ideal
from .store import Run


def _article(ok: pd.DataFrame, framework: str, mode: str = "process") -> pd.DataFrame:
    """The plain server's trials of the article's gather, in the framework's own endpoint style."""
    return ok[
        (ok["framework"] == framework)
        & (ok["endpoint"] == harness.NATIVE_ENDPOINT[framework])
        & (ok["mode"] == mode)
        & (ok["workload"] == "article")
        & (ok["strategy"] == "gather")
        & (ok["variant"] == "")
    ]


def _largest(ok: pd.DataFrame) -> pd.DataFrame:
    """The trials of the article's task at its largest measured size."""
    art = ok[ok["workload"] == "article"]
    return art[art["size"] == art["size"].max()] if not art.empty else art


def parallel_or_not(df: pd.DataFrame, figure: str) -> str:
    """Did the article's gather run its tasks in parallel? From the timelines."""
    ok = _largest(measured(df))
    parts = []
    for fw in harness.FRAMEWORKS:
        t = _article(ok, fw)
        if not t.empty:
            p = stats.median_ci(t["parallelism"])
            parts.append(f"{fw} {p.value:.2f} (95% CI {p.low:.2f} to {p.high:.2f})")
    if not parts:
        return "This run has no timelines of the article's gather."
    verdict = (
        "one after another"
        if all(
            _article(ok, fw)["parallelism"].median() < 1.1 for fw in harness.FRAMEWORKS if not _article(ok, fw).empty
        )
        else "partly overlapping"
    )
    n = int(ok["n"].max())
    return (
        f"**The article's gather of {n} tasks ran {verdict} in both frameworks.** Median parallelism "
        f"(1.0 = one after another, n = all at once): {', '.join(parts)} ({figure})."
    )


def cpu_attribution(df: pd.DataFrame, table: str) -> str:
    """Whose CPU does %time show? The client's, against the server's."""
    ok = _largest(measured(df))
    ok = ok[(ok["mode"] == "process") & (ok["framework"] != IDEAL)]
    if ok.empty:
        return "This run has no process-mode trials, so it cannot separate client from server CPU."
    client = ok["client_process_cpu_s"].median() * 1000
    server = ok["server_cpu_only_s"].median()
    return (
        f"**`%time`'s \"CPU times\" are the client's.** With the servers in their own processes, "
        f"the measuring process used a median {client:.1f} ms of CPU per request while the server "
        f"process used {server:.2f} s ({table}): the article's 9.11 ms and 18.7 ms say nothing about "
        "which server uses more CPU."
    )


def gap(df: pd.DataFrame, figure: str) -> str:
    """Is FastAPI faster than Flask for the article's request, and by how much?"""
    ok = _largest(measured(df))
    fa, fl = _article(ok, "fastapi"), _article(ok, "flask")
    if fa.empty or fl.empty:
        return "This run does not have both of the article's servers in process mode."
    r = stats.ratio_ci(fl["client_wall_s"], fa["client_wall_s"])
    size = int(ok["size"].max())
    words = stats.verdict(r, a="Flask", b="FastAPI")
    return (
        f"**The wall-time gap at size {size}, in process mode as the article ran it:** {words} "
        f"({figure}). The article reported 2.2x from one trial each."
    )


def causes(df: pd.DataFrame, figure: str) -> str:
    """What the controlled comparisons show, one bullet each, under each n and size."""
    ok = measured(df)
    found = ablation.findings(ok)
    if not found:
        return "This run has no controlled comparisons of the article's two servers."
    pressures = {(p.n, p.size): p for p in ablation.pressure(ok)}
    lines = [f"**Controlled comparisons ({figure}), one change at a time:**"]
    for n, size in dict.fromkeys((f.n, f.size) for f in found):
        lines.append(f"\n*n={n}, size={size}:*\n")
        lines += [f"- {f.comparison.what}: {f.verdict}" for f in found if (f.n, f.size) == (n, size)]
        if (n, size) in pressures:
            lines.append(f"- memory pressure: {pressures[(n, size)].words}")
    return "\n".join(lines)


def gap_explained(df: pd.DataFrame, figure: str) -> str:
    """Which single change leaves no detectable gap between the article's two servers."""
    gaps = ablation.gaps_after_changes(measured(df))
    if not gaps:
        return "This run has no controlled comparisons of the article's two servers."
    base = gaps[0]
    rows = "\n".join(
        f"| {g.change} | {g.ratio.value:.2f} ({g.ratio.low:.2f} to {g.ratio.high:.2f}) | "
        f"{'none detectable' if g.closes else 'yes'} |"
        for g in gaps
    )
    head = (
        f"**What the gap comes from** ({figure}, n={base.n}, size={base.size}): the "
        "Flask / FastAPI wall-time ratio left after each single change, with its 95% interval.\n\n"
        "| change | Flask / FastAPI | gap left? |\n|---|---|---|\n" + rows + "\n\n"
    )
    if base.closes:
        return head + "The article's two servers show no detectable gap in this run, so there is nothing to explain."
    closing = [g.change for g in gaps if g.closes]
    if not closing:
        return head + "No single change measured here closes the gap; what remains is not explained by this run."
    return head + (
        "The gap disappears, within the intervals, with: " + "; ".join(closing) + ". The others leave it in place."
    )


def what_works(df: pd.DataFrame, figure: str) -> str:
    """The fastest strategy per workload and framework, against the in-process ideal."""
    best = versus_ideal(df)
    best = best[best["mode"] == "process"] if (best["mode"] == "process").any() else best
    if best.empty:
        return "This run has no strategy matrix."
    rows = []
    for r in best.to_dict("records"):
        ci = f"{r['low']:.2f} to {r['high']:.2f}" if np.isfinite(r["low"]) else "no interval"
        rows.append(
            f"| {r['workload']} | {r['framework']} | {r['best_strategy']} ({r['endpoint']}) | "
            f"{r['x_ideal']:.2f}x ({ci}) | {r['x_ideal_fastest']:.2f}x |"
        )
    return (
        f"**What makes independent functions run in parallel** ({figure}): the fastest strategy "
        "for each workload, and its wall time against the fastest in-process ideal of the same "
        "tasks (1.00x = serving cost nothing), as a ratio of medians and of the fastest trials "
        "(what each costs when the shared machine does not get in the way):\n\n"
        "| workload | framework | best strategy (endpoint) | x best ideal, medians (95% CI) "
        "| fastest trials |\n|---|---|---|---|---|\n" + "\n".join(rows)
    )


def article_claims(df: pd.DataFrame, timelines: str, times: str, cpu_table: str) -> str:
    """What the article got right and wrong, claim by claim, each against this run's data."""
    ok = _largest(measured(df))
    fa, fl = _article(ok, "fastapi"), _article(ok, "flask")
    if fa.empty or fl.empty:
        return "This run does not have both of the article's servers in process mode."
    par = max(fa["parallelism"].median(), fl["parallelism"].median())
    wall = stats.ratio_ci(fl["client_wall_s"], fa["client_wall_s"])
    cpu = stats.ratio_ci(fa["server_cpu_only_s"], fl["server_cpu_only_s"])
    walls = stats.median_ci(fl["client_wall_s"])
    spread = (walls.high - walls.low) / walls.value if np.isfinite(walls.low) and walls.value else float("nan")
    lines = []
    if par < 1.1:
        lines.append(
            f'- *"FastAPI runs the independent functions in parallel."* **Wrong.** Neither '
            f"framework overlapped them: median parallelism at most {par:.2f} ({timelines}). "
            "Coroutines with no await point run one after another in any event loop."
        )
    else:
        lines.append(
            f'- *"FastAPI runs the independent functions in parallel."* The tasks overlapped '
            f"here (parallelism up to {par:.2f}, {timelines})."
        )
    if wall.contains(1.0) or np.isnan(wall.low):
        words = stats.verdict(wall, a="Flask", b="FastAPI")
        lines.append(f'- *"FastAPI is 2.2x faster."* **Not supported here:** {words} ({times}).')
    elif wall.low > 1.0:
        lines.append(
            f'- *"FastAPI is faster."* **Right in direction:** Flask took {wall.value:.2f}x as long '
            f"(95% CI {wall.low:.2f} to {wall.high:.2f}) ({times}); the article's 2.2x "
            f"{'lies inside' if wall.contains(2.2) else 'lies outside'} that interval, and the "
            "reason is not parallelism (see the controlled comparisons)."
        )
    else:
        lines.append(
            f'- *"FastAPI is faster."* **Wrong here:** Flask took {wall.value:.2f}x as long '
            f"(95% CI {wall.low:.2f} to {wall.high:.2f}) ({times})."
        )
    cpu_words = stats.verdict(
        cpu,
        a="FastAPI",
        b="Flask",
        what="server CPU time",
        lower="lighter on CPU",
        higher="heavier on CPU",
        verb="uses",
        amount="as much",
    )
    lines.append(
        f'- *"FastAPI uses slightly more CPU"* (from `%time`). **Not shown by its evidence:** '
        f"`%time` measured the client process, not the servers ({cpu_table}). Measured on the "
        f"server processes: {cpu_words}."
    )
    lines.append(
        '- *"FastAPI needs less boilerplate."* **Right, by reading the code:** the async '
        "endpoint awaits the gather directly, where the Flask view builds and closes an event "
        "loop by hand. Flask's own `async def` views remove that boilerplate too."
    )
    if np.isfinite(spread):
        lines.append(
            f"- *One trial each, no warm-up.* **Not enough:** the 95% interval of Flask's "
            f"median alone spans {spread:.0%} of it in this run ({times}); a single trial "
            "cannot tell a real gap from noise."
        )
    return "\n".join(lines)


def many_clients(load: Run, probe_figure: str, sweep_figure: str) -> str:
    """What the load run shows: which cases stalled, and how throughput grew with clients."""
    lines = []
    probe = runner.requests_of(load, "probe")
    if not probe.empty:
        s = blocking.summarize(probe)
        cases = s.drop_duplicates("config")
        stalled = list(cases[cases["stalls"]]["config"])
        fine = list(cases[~cases["stalls"]]["config"])
        waited = f"{'; '.join(stalled)} stalled: pings waited behind the heavy work. " if stalled else ""
        lines.append(
            f"**Stalls under load** ({probe_figure}): "
            + (waited or "no case stalled in this run. ")
            + (f"Stayed responsive: {'; '.join(fine)}." if fine else "")
        )
    swept = runner.requests_of(load, "sweep")
    if not swept.empty:
        lines.append(_throughput(sweep.summarize(swept), sweep_figure))
    return "\n\n".join(lines) if lines else "This run has no load measurements."


def _throughput(s: pd.DataFrame, figure: str) -> str:
    top = s.loc[s.groupby(["framework", "server", "workers", "threads"], sort=False)["throughput_rps"].idxmax()]
    parts = [
        f"{r.framework}/{r.server} x{r.workers}: {r.throughput_rps:.1f} req/s at C={r.clients}"
        for r in top.astype({"workers": int, "clients": int}).itertuples()
    ]
    text = f"**Throughput with more clients** ({figure}), best point of each configuration: " + "; ".join(parts) + "."
    one, more = top[top["workers"] == 1], top[top["workers"] > 1]
    if not one.empty and not more.empty:
        gain = more["throughput_rps"].max() / one["throughput_rps"].max()
        text += f" The best multi-process configuration serves {gain:.1f}x the best single-process one: " + (
            "worker processes, whatever the framework, raise the ceiling for these CPU-bound requests."
            if gain >= 1.5
            else "extra processes did not raise the ceiling much here."
        )
    return text
