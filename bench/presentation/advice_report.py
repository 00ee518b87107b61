"""What ``bench advise`` shows: its table and advice as text, the same as a DataFrame, the
figure of predicted against measured, and the accuracy table ``bench docs`` renders.

Every interval says how many trials it rests on; a speed-up whose interval includes 1 is
unresolved, never "no difference"; a row with fewer than 8 trials a side has no interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter, NullLocator

from bench.analysis.advice import TOLERANCE, Advice
from bench.instrument.advice_trials import SERVED
from bench.presentation import palette
from bench.vocabulary import stats
from bench.vocabulary.advice_records import (
    IN_PROCESS,
    AccuracyRecord,
    AccuracySummary,
    AdviceRecord,
    AdviceRow,
    TraitsRecord,
)

#: What the advice says when no row is resolved faster.
NONE_FASTER = "none is resolved faster than one after another"
#: Each kind of row's colour in the figure: in this process, under another Python, served.
_COLORS = {"in process": "#1f77b4", "other": "#dd8452", "served": "#7f7f7f"}


def seconds(x: float | None) -> str:
    """A time: milliseconds below a tenth of a second, else seconds, three significant digits."""
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{x * 1000:.3g} ms" if abs(x) < 0.1 else f"{x:.3g} s"


def _size(b: int) -> str:
    if b < 0:
        return "cannot be pickled"
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if b >= scale:
            return f"{b / scale:.3g} {unit}"
    return f"{b} bytes"


def _speedup(r: AdviceRow) -> str:
    """A row's measured speed-up with its interval and how many trials a side it rests on."""
    if r["speedup"] is None:
        return "not measured"
    if r["verdict"] == "baseline":
        low, high = r["median_low"], r["median_high"]
        ci = stats.interval_text(math.nan if low is None else low, math.nan if high is None else high)
        return f"{seconds(r['median_s'])} {ci} ({r['trials']} trials)"
    if r["speedup_low"] is None:
        return f"{r['speedup']:.2f}x ({stats.TOO_FEW}: {r['trials']})"
    return f"{r['speedup']:.2f}x [{r['speedup_low']:.2f}, {r['speedup_high']:.2f}] ({r['trials']} a side)"


def _predicted(r: AdviceRow) -> str:
    if r["predicted_speedup"] is None:
        return "n/a"
    return seconds(r["predicted_s"]) if r["verdict"] == "baseline" else f"{r['predicted_speedup']:.2f}x"


def _error(r: AdviceRow) -> str:
    return "" if r["error"] is None else f"{r['error']:+.0%}"


def _holds(r: AdviceRow) -> str:
    return {True: "holds", False: "off", None: ""}[r["within"]]


def _parallelism(r: AdviceRow) -> str:
    def one(x: float | None) -> str:
        return "-" if x is None else f"{x:.2f}"

    return f"{one(r['predicted_parallelism'])} / {one(r['parallelism'])}"


def _share(x: float | None) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.0%}"


def _traits_line(t: TraitsRecord) -> str:
    """A function's traits in one sentence."""
    waits = f"; a coroutine: awaits {seconds(t['await_s'])} of {seconds(t['async_wall_s'])}" if t["coroutine"] else ""
    in_processes = (
        f", in two processes {seconds(t['two_processes_s'])} ({_share(t['processes_serial_share'])} in turns)"
        if t["two_processes_s"] is not None and math.isfinite(t["two_processes_s"])
        else ""
    )
    here = (
        f"; result {_size(t['result_bytes'])} pickled; peak memory {_size(t['peak_bytes'])}" if t["sent_bytes"] else ""
    )
    return (
        f"one call {seconds(t['wall_s'])} wall, {seconds(t['cpu_s'])} CPU (on a thread {seconds(t['thread_wall_s'])}); "
        f"two at once: on two threads {seconds(t['two_threads_s'])} ({_share(t['threads_serial_share'])} of a call "
        f"in turns){in_processes}, so it holds the GIL {_share(t['gil_share'])} of its time{waits}{here} (medians "
        f"of {t['repeats']} calls; Python {t['interpreter']}, GIL {'on' if t['gil_enabled'] else 'off'})"
    )


def words(advice: Advice) -> str:
    """The advice in words: the row measured fastest among those resolved faster than one
    after another, with its interval, set against the next fastest; or :data:`NONE_FASTER`."""
    best, runner = advice.best, advice.runner_up
    if best is None:
        return NONE_FASTER
    said = f"{best['row']}: {_speedup(best)} as fast as one after another"
    if runner is None or advice.versus is None:
        return said
    v = advice.versus
    if np.isnan(v.low):
        return f"{said}; against {runner['row']}, too few trials for an interval"
    ci = f"{v.value:.2f}x [{v.low:.2f}, {v.high:.2f}]"
    if v.high < 1:
        return f"{said}, resolved faster than {runner['row']}, the next fastest (its time over that one's: {ci})"
    return (
        f"{said}; unresolved against {runner['row']}, the next fastest (its time over that one's: {ci}, "
        "which includes 1)"
    )


def _accuracy_line(s: AccuracySummary) -> str:
    """How the predictions held, in one sentence."""
    if not s["rows"]:
        return "no prediction could be judged"
    return (
        f"{s['within']} of {s['rows']} predictions hold (within {TOLERANCE:.0%} of the measured speed-up, or inside "
        f"its interval); error median {abs(s['median_error'] or 0):.0%}, worst {abs(s['worst_error'] or 0):.0%} "
        f"({s['worst_row']})"
    )


def _table(rows: Sequence[AdviceRow]) -> list[str]:
    head = (
        "row",
        "predicted",
        "measured (95% CI, trials)",
        "error",
        "prediction",
        "against one after another",
        "parallelism (predicted / measured)",
    )
    body = [(r["row"], _predicted(r), _speedup(r), _error(r), _holds(r), r["verdict"], _parallelism(r)) for r in rows]
    widths = [max(len(x[i]) for x in (head, *body)) for i in range(len(head))]
    return ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in (head, *body)]


def text(record: AdviceRecord) -> str:
    """``bench advise``'s report: what was measured, the traits, the overheads, the table of
    predicted against measured, how the predictions held, and the advice."""
    rounds = f"{record['rounds']} rounds of trials in a shuffled order (seed {record['seed']})"
    lines = [
        f"advise {record['function']}{'(' + record['args'] + ')' if record['args'] else '()'}: n={record['n']} calls, "
        f"{record['cores']} usable cores, a pool of {record['workers']} workers; {rounds}, "
        f"{record['elapsed_s']:.0f} s",
        f"traits: {_traits_line(record['traits'])}",
    ]
    if record["other_traits"]:
        lines.append(f"under {record['other_python']}: {_traits_line(record['other_traits'])}")
    noop = ", ".join(f"{k} {seconds(v)}" for k, v in record["overhead_s"].items())
    lines += [
        f"overheads (the same trials of a call that does nothing): {noop}; the process pool started in "
        f"{seconds(record['pool_start_s'])}, once, and is kept warm as the servers keep theirs",
        "",
        *_table(record["rows"]),
        *(f"{r['row']}: {r['note']}" for r in record["rows"] if r["note"]),
        "",
        "speed-up: one after another's median time over the row's; parallelism: the calls' CPU time over their "
        "span, how many ran at once",
        _accuracy_line(record["accuracy"]),
        f"advice: {record['advice']}",
    ]
    state = record.get("machine_state")
    if state and state.get("busy"):
        lines.append("the machine was busy: " + "; ".join(state["reasons"]))
    return "\n".join(lines)


def frame(record: AdviceRecord) -> pd.DataFrame:
    """The table as a DataFrame: a row per way of running the calls, predicted against measured."""
    columns = (
        "row predicted_speedup speedup speedup_low speedup_high trials error within verdict predicted_s "
        "median_s median_low median_high predicted_parallelism parallelism overlap note"
    ).split()
    return pd.DataFrame([{c: r[c] for c in columns} for r in record["rows"]], columns=columns)  # type: ignore[literal-required]


def _kind(r: AdviceRow) -> str:
    return "in process" if r["where"] == IN_PROCESS else ("served" if r["where"] in SERVED else "other")


def figure(record: AdviceRecord) -> Figure:
    """Predicted against measured speed-up, a point per row with its measured 95% interval, on
    log scales, with the line where they agree and the band of the tolerance; the title says
    the scope (the function, n, the cores, the trials, this machine)."""
    fig = Figure(figsize=(6.4, 5.2))
    ax = fig.subplots()
    shown = [r for r in record["rows"] if r["speedup"] is not None and r["predicted_speedup"] is not None]
    values = [v for r in shown for v in (r["predicted_speedup"], r["speedup"], r["speedup_low"], r["speedup_high"])]
    finite = [v for v in values if v is not None and v > 0]
    low, high = (min(finite) / 1.3, max(finite) * 1.3) if finite else (0.5, 2.0)
    line = np.geomspace(low, high, 50)
    ax.fill_between(line, line / (1 + TOLERANCE), line * (1 + TOLERANCE), color="#ddd", label=f"within {TOLERANCE:.0%}")
    ax.plot(line, line, color="#444", lw=0.8, label="predicted = measured")
    for r in shown:
        color, x, y = _COLORS[_kind(r)], r["predicted_speedup"] or math.nan, r["speedup"] or math.nan
        if r["speedup_low"] is not None and r["speedup_high"] is not None:
            palette.interval(ax, x, r["speedup_low"], r["speedup_high"], horizontal=False, color=color)
            ax.plot([x], [y], "o", color=color)
        else:
            ax.plot([x], [y], "o", mfc="white", color=color)
        ax.annotate(
            f"{r['row']} ({r['trials']})",
            (x, y),
            xytext=(5, 3),
            textcoords="offset points",
            fontsize=7,
        )
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_minor_locator(NullLocator())
        axis.set_major_formatter(FormatStrFormatter("%g"))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_xlabel("predicted speed-up (from the traits)")
    ax.set_ylabel("measured speed-up, 95% interval (trials a side in brackets)")
    ax.legend(fontsize=7, loc="upper left")
    ax.grid(alpha=0.3)
    ax.set_title(
        f"{record['function']}: {record['n']} calls on {record['cores']} cores, this machine, "
        f"{record['rounds']} rounds\npredicted against measured speed-up over one after another",
        fontsize=9,
    )
    return fig


def _by_row(record: AccuracyRecord) -> str:
    """How the predictions held for each way of running the calls, over the functions: "threads:
    9 of 9 hold (worst 11%)", each row in the order the record first has it."""
    rows = [r for f in record["functions"] for r in f["rows"] if r["verdict"] not in ("baseline", "not measured")]
    parts = []
    for name in dict.fromkeys(r["row"] for r in rows):
        mine = [r for r in rows if r["row"] == name and r["error"] is not None]
        worst = max(abs(r["error"] or 0.0) for r in mine) if mine else float("nan")
        held = sum(1 for r in mine if r["within"])
        parts.append(f"{name}: {held} of {len(mine)} hold (worst {worst:.0%})")
    return "By row: " + "; ".join(parts) + "." if parts else ""


def accuracy_markdown(record: AccuracyRecord) -> str:
    """The accuracy record as Markdown: a row per function and way of running it, predicted
    against measured, then the median and worst error, and when and where it was measured."""
    lines = [
        "| function | what it does | row | predicted | measured (95% CI, trials a side) | error | prediction |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in record["functions"]:
        t = f["traits"]
        what = (
            f"holds the GIL {_share(t['gil_share'])}, two processes take {_share(t['processes_serial_share'])} in turns"
        )
        what += f", awaits {seconds(t['await_s'])}" if t["coroutine"] else ""
        for r in f["rows"]:
            if r["verdict"] in ("baseline", "not measured"):
                continue
            lines.append(
                f"| `{f['function']}` | {what} | {r['row']} | {_predicted(r)} | {_speedup(r)} | {_error(r)} | "
                f"{_holds(r)} |"
            )
    missing = {r["row"]: r["note"] for f in record["functions"] for r in f["rows"] if r["verdict"] == "not measured"}
    cpu = record["environment"]["cpu"]
    lines += [
        *(f"\n{row}: {note}." for row, note in missing.items()),
        "",
        f"Over every row: {_accuracy_line(record['summary'])}. {_by_row(record)} "
        f"n={record['n']} calls, on {cpu['model']} "
        f"({cpu['usable_cores']} usable cores), from {record['started_at'][:16].replace('T', ' ')} UTC "
        f"(`data/advice/accuracy.json`).",
    ]
    state = record.get("machine_state")
    if state and state.get("busy"):
        lines.append(f"The machine was busy while it measured: {'; '.join(state['reasons'])}.")
    return "\n".join(lines)
