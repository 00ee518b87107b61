"""The text ``python -m bench docs`` renders: measured numbers from the committed runs
(``data/reference/<run-id>/``), and parameters from bench's own tables (presets, formats).

Every function here returns Markdown and is deterministic: the same run folders and the same
code give the same text, so that a rendered region can be checked for staleness by rendering
it again. A renderer takes the committed runs (:class:`Committed`, oldest first).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.instrument import store
from bench.instrument.load.load_presets import LOAD_PRESETS
from bench.instrument.presets import PRESETS
from bench.instrument.store import CHECKOUT, REFERENCE
from bench.presentation import advice_report
from bench.presentation.report import as_json
from bench.vocabulary import records
from bench.vocabulary.advice_records import ACCURACY_RECORD, read_accuracy
from bench.vocabulary.config import Preset

#: The preset whose runs answer the question in the README.
ANSWER_PRESET = "quick"
#: The headline's measures, in the README's order, with what each means in words.
HEADLINE = (
    ("headline.isolated", "one request after the server went idle (what the article's `%time` saw)"),
    ("headline.back_to_back", "the same request again the moment the first answered"),
    ("headline.server_cpu", "the server's CPU per request, until it is idle again"),
)


@dataclass(frozen=True)
class Committed:
    """One committed run: its id, preset, when and where it ran, how it stopped, and every
    figure of its JSON report (``python -m bench report --json``)."""

    id: str
    preset: str
    started_at: str
    ended_at: str
    machine: str
    stopping: dict[str, Any]
    figures: tuple[dict[str, Any], ...]
    #: The run level its ratios include: the committed runs it came from, and each group's run
    #: spread with its 95% interval (the JSON report's ``run_level``).
    run_level: dict[str, Any] = field(default_factory=dict)

    def figure(self, key: tuple[str, int, int]) -> dict[str, Any] | None:
        """The figure with this (id, n, size), or None when the run has none."""
        return next((f for f in self.figures if _figure_key(f) == key), None)


def _figure_key(figure: dict[str, Any]) -> tuple[str, int, int]:
    """A figure's identity across runs: its id, n and size (one id can occur at two sizes)."""
    return (str(figure["id"]), int(figure["n"]), int(figure["size"]))


def committed(root: Path) -> list[Committed]:
    """The complete preset runs under ``root``/data/reference, oldest first; an empty list
    when there are none. A damaged or unknown folder is an error, not a silent omission."""
    folder = root / REFERENCE
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(p for p in folder.iterdir() if p.is_dir()):
        run = store.Run(path)
        meta = run.meta()
        if meta["kind"] != "trials" or not meta["completed"]:
            raise store.RunDataError(f"{path}: a committed run must be a complete preset run")
        report = as_json(run)
        cpu = meta["cpu"]
        found.append(
            Committed(
                id=run.id,
                preset=str(report["preset"]),
                started_at=meta["started_at"],
                ended_at=meta.get("ended_at") or meta["started_at"],
                machine=f"{cpu['model']}, {cpu['usable_cores']} usable cores",
                stopping=dict(report.get("stopping") or {}),
                figures=tuple(report["figures"]),
                run_level=dict(report.get("run_level") or {}),
            )
        )
    return sorted(found, key=lambda c: (c.started_at, c.id))


def _of_preset(runs: Sequence[Committed], preset: str) -> list[Committed]:
    return [r for r in runs if r.preset == preset]


# -- numbers ---------------------------------------------------------------------------------
def ratio(value: float | None) -> str:
    """A ratio with two decimals; a small value (a time in seconds) with two significant digits."""
    if value is None:
        return "n/a"
    return f"{value:.2g}" if 0 < abs(value) < 0.1 else f"{value:.2f}"


def _estimate(figure: dict[str, Any] | None) -> str:
    """``1.49 [1.34, 1.58], 10 trials``: the estimate, its 95% interval and the trials of its
    least-measured side; or why it has none."""
    if figure is None:
        return "not measured"
    if figure["low"] is None or figure["high"] is None:
        return f"{ratio(figure['ratio'])} ({figure.get('no_interval') or 'no interval'})"
    trials = f", {figure['trials']} trials" if "trials" in figure else ""
    return f"{ratio(figure['ratio'])} [{ratio(figure['low'])}, {ratio(figure['high'])}]{trials}"


def _spread(found: Sequence[dict[str, Any] | None]) -> str:
    """The range of the estimates across runs: ``1.30 to 1.51 (3 runs)``."""
    values = [f["ratio"] for f in found if f is not None and f["ratio"] is not None]
    if not values:
        return "not measured"
    runs = "1 run" if len(values) == 1 else f"{len(values)} runs"
    if ratio(min(values)) == ratio(max(values)):
        return f"{ratio(values[0])} ({runs})" if len(values) == 1 else f"{ratio(values[0])} in each of {runs}"
    return f"{ratio(min(values))} to {ratio(max(values))} ({runs})"


def _above_one(found: Sequence[dict[str, Any] | None]) -> str:
    """In how many runs the whole interval lies above 1, of the runs that measured it."""
    measured = [f for f in found if f is not None]
    above = sum(1 for f in measured if f["low"] is not None and f["low"] > 1)
    return f"{above} of {len(measured)}"


def _when(stamp: str) -> str:
    return datetime.fromisoformat(stamp).strftime("%Y-%m-%d %H:%M UTC")


def _minutes(seconds: float) -> str:
    whole = round(seconds)
    if whole % 3600 == 0 and whole > 0:
        return f"{whole // 3600} h"
    if whole % 60 == 0 and whole > 0:
        return f"{whole // 60} min"
    return f"{whole // 60} min {whole % 60:02d} s" if whole >= 60 else f"{whole} s"


def _took(run: Committed) -> str:
    elapsed = datetime.fromisoformat(run.ended_at) - datetime.fromisoformat(run.started_at)
    return _minutes(elapsed.total_seconds())


# -- regions ---------------------------------------------------------------------------------
def answer(runs: Sequence[Committed]) -> str:
    """The README's answer: the headline's three measures across the committed runs of the
    answering preset, each run's estimate and interval, and the range of the estimates."""
    ours = _of_preset(runs, ANSWER_PRESET)
    if not ours:
        return f"No run of the `{ANSWER_PRESET}` preset is committed in `{REFERENCE}/` yet."
    head = next((f for f in ours[0].figures if f["id"] == HEADLINE[0][0]), None)
    if head is None:
        return f"The committed run `{ours[0].id}` has no `{HEADLINE[0][0]}` figure."
    n, size = int(head["n"]), int(head["size"])
    made = (
        f"1 committed run of the `{ANSWER_PRESET}` preset (made {_when(ours[0].started_at)})"
        if len(ours) == 1
        else f"{len(ours)} committed runs of the `{ANSWER_PRESET}` preset (made between "
        f"{_when(ours[0].started_at)} and {_when(ours[-1].started_at)})"
    )
    lines = [
        f"Flask's time over FastAPI's (above 1: FastAPI is faster), the article's two servers in "
        f"process mode at n={n}, size {size}, in {made}:",
        "",
        "| measure | range across runs | runs whose interval lies above 1 | each run: estimate [95% interval] |",
        "|---|---|---|---|",
    ]
    for fid, words in HEADLINE:
        found = [r.figure((fid, n, size)) for r in ours]
        each = "; ".join(_estimate(f) for f in found)
        lines.append(f"| {words} (`{fid}`) | {_spread(found)} | {_above_one(found)} | {each} |")
    at_once = [
        f"{name} {_spread([r.figure((f'parallelism.{name.lower()}', n, size)) for r in ours])}"
        for name in ("Flask", "FastAPI")
    ]
    lines += [
        "",
        f"The parallelism of the article's gather (the CPU time of the threads that ran its {n} tasks over "
        "their span: 1.0, one core's worth at a time; at most the cores), the median per request, in the runs "
        f"that measured it: {', '.join(at_once)}.",
    ]
    return "\n".join(lines)


def _runs_table(runs: Sequence[Committed]) -> str:
    """One row per committed run: preset, start, machine, duration, how the stopping rule ended."""
    lines = [
        "| run | preset | started | machine | took | stopped because | added rounds | targets missed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        missed = ", ".join(f"`{m}`" for m in r.stopping.get("unmet", [])) or "none"
        lines.append(
            f"| `{r.id}` | `{r.preset}` | {_when(r.started_at)} | {r.machine} | {_took(r)} | "
            f"{r.stopping.get('stopped', 'n/a')} | {r.stopping.get('added_rounds', 'n/a')} | {missed} |"
        )
    return "\n".join(lines)


def figures_table(runs: Sequence[Committed]) -> str:
    """Every figure of one preset's runs: each run's estimate with its interval, and the range."""
    keys: dict[tuple[str, int, int], str] = {}
    for r in runs:
        for f in r.figures:
            keys.setdefault(_figure_key(f), str(f["what"]))
    header = " | ".join(f"run {i}" for i in range(1, len(runs) + 1))
    lines = [
        f"| figure | n | size | range across runs | {header} | what |",
        "|---|---|---|---|" + "---|" * len(runs) + "---|",
    ]
    for key, what in keys.items():
        found = [r.figure(key) for r in runs]
        cells = " | ".join(_estimate(f) for f in found)
        lines.append(f"| `{key[0]}` | {key[1]} | {key[2]} | {_spread(found)} | {cells} | {what} |")
    return "\n".join(lines)


def _run_level(runs: Sequence[Committed]) -> str:
    """What the run level (docs/method.md, "The run level") adds to one preset's ratios: each
    group's run spread with its 95% interval, and the committed runs it was estimated from."""
    level = runs[-1].run_level if runs else {}
    groups = level.get("groups", {})
    if not groups:
        return (
            "Its ratios' intervals are each run's own: the run level needs two committed runs of a preset "
            "(see [method.md](method.md#the-run-level))."
        )
    came = [r for r in runs if r.id in set(level.get("runs", ()))]
    lines = [
        f"Its ratios' intervals include the run level, estimated from these {len(came)} runs, made between "
        f"{_when(came[0].started_at)} and {_when(came[-1].started_at)} "
        "([method.md](method.md#the-run-level)): each group's run spread, the relative spread a run adds "
        "beyond its own interval, with its 95% interval (chi-square, the runs less one degrees of freedom).",
        "",
        "| group | run spread | 95% interval | figures | runs |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| `{g}` | {v['spread']:.1%} | {v['low']:.1%} to {v['high']:.1%} | {v['figures']} | {v['runs']} |"
        for g, v in groups.items()
    ]
    return "\n".join(lines)


def results(runs: Sequence[Committed]) -> str:
    """docs/results.md, whole."""
    parts = [
        "# Results",
        "",
        "<!-- Rendered by `python -m bench docs` from data/reference/: do not edit by hand. -->",
        "",
        "Every number on this page is computed from the run folders committed in "
        f"`{REFERENCE}/` by `python -m bench docs`, from the same figures as "
        "the JSON report (95% intervals; the range is that of the estimates "
        "across the runs). Separate runs of one preset show how far apart runs land: a claim "
        "stands when they agree. To add a run, see `data/reference/README.md`.",
        "",
        "## The committed runs",
        "",
        _runs_table(runs) if runs else "None yet.",
    ]
    for preset in dict.fromkeys(r.preset for r in runs):
        ours = _of_preset(runs, preset)
        parts += [
            "",
            f"## The `{preset}` preset",
            "",
            "Runs, in the columns below: " + ", ".join(f"run {i} `{r.id}`" for i, r in enumerate(ours, 1)) + ".",
            "",
            _run_level(ours),
            "",
            figures_table(ours),
        ]
    return "\n".join(parts) + "\n"


def _warm_up(p: Preset) -> str:
    """A preset's warm-up in words: its fixed rounds, and its warm-up until steady if it has one."""
    rounds = f"{p.warmup} round{'s' if p.warmup != 1 else ''}"
    if p.warmup_max <= p.warmup:
        return rounds
    return f"{rounds}, then until steady (at most {p.warmup_max} trials of a server, {_minutes(p.warmup_budget_s)})"


def _presets_table(runs: Sequence[Committed]) -> str:
    """Every preset of ``bench/instrument/presets.py``, from the code: what it measures, its starting
    repeats, its blocks and warm-up, its precision targets, its time budget and its cap of trials."""
    lines = [
        "| preset | what | n | size | repeats to start | blocks | warm-up | targets (half-width of the 95% "
        "interval) | budget | trials cap |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in PRESETS.values():
        targets = ", ".join(f"`{pattern}` {width:.0%}" for pattern, width in p.targets) or "none"
        size = "the largest that fits in memory" if p.size is None else str(p.size)
        lines.append(
            f"| `{p.name}` | {p.description} | {p.n} | {size} | {p.repeats} | {p.blocks} | {_warm_up(p)} | "
            f"{targets} | {_minutes(p.budget_s)} | {p.max_repeats} |"
        )
    return "\n".join(lines)


def _load_presets_table(runs: Sequence[Committed]) -> str:
    """Every load preset of ``bench/instrument/load/load_presets.py``, from the code."""
    lines = ["| load preset | what |", "|---|---|"]
    lines += [f"| `{p.name}` | {p.description} |" for p in LOAD_PRESETS.values()]
    return "\n".join(lines)


def _formats(runs: Sequence[Committed]) -> str:
    """The run folder's format, from ``bench/vocabulary/records.py``."""
    known = ", ".join(str(f) for f in records.KNOWN_FORMATS)
    return (
        f'This version of bench writes run folders in format {records.META_FORMAT} (`"format": '
        f"{records.META_FORMAT}` in `meta.json`) and reads formats {known}, upgrading the older "
        "ones as it reads them."
    )


def _advice_accuracy(runs: Sequence[Committed]) -> str:
    """The advice model's accuracy, from the committed record (``data/advice/accuracy.json``,
    ``python -m bench advise --accuracy``) of this checkout; or how to make one."""
    path = CHECKOUT / ACCURACY_RECORD
    if not path.exists():
        return f"No accuracy record is committed yet: advise's `--accuracy` writes it, `{ACCURACY_RECORD}`."
    return advice_report.accuracy_markdown(read_accuracy(json.loads(path.read_text()), str(path)))


#: The regions a document may hold, by name: ``<!-- bench docs: NAME -->``.
REGIONS: dict[str, Callable[[Sequence[Committed]], str]] = {
    "answer": answer,
    "runs": _runs_table,
    "presets": _presets_table,
    "load-presets": _load_presets_table,
    "formats": _formats,
    "advice-accuracy": _advice_accuracy,
}
#: Documents rendered whole, relative to the repository's root.
WHOLE: dict[Path, Callable[[Sequence[Committed]], str]] = {Path("docs") / "results.md": results}
