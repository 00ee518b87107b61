"""The article's section "Without the GIL", from a run of the ``gil`` (or ``gil-smoke``) preset.

The article's own run has no free-threaded trials; the section reads another run, named by
the notebook's ``gil_run`` parameter (:func:`gil_run_of`). With one, :func:`section` shows one
figure (:func:`bench.presentation.gil_plots.without_gil`) whose text's sentences are claims
(:mod:`bench.analysis.claims`) on that run's gil figures (:mod:`bench.analysis.families.gil`),
drawn and cited from one selection (:func:`_selected`), each scoped by n, workload, size,
interpreter and whether its GIL was off as every trial recorded it (``gil_enabled``). Without
one, the section says how to make the data, and claims nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.analysis.claims import Claim, Fact, Rule, Scope, general, ratio, stated, value_range
from bench.analysis.families import gil
from bench.analysis.figure import Figure
from bench.analysis.tables import measured
from bench.instrument.store import GIL_REFERENCE, Run
from bench.presentation import gil_plots
from bench.presentation.article.captions import SERIAL, Says, Shown, said, started
from bench.vocabulary.config import FREE_THREADED, IDEAL, IN_PROCESS

#: The presets whose runs the section reads.
PRESETS = ("gil", "gil-smoke")
#: The ``gil_run`` value that means "the newest folder under :data:`~bench.instrument.store.GIL_REFERENCE`, if any".
AUTO = "auto"
#: The sides the speed-up panel draws, in its order: Flask first (the article's question).
SIDES = ("flask", IDEAL)
#: The workload and strategy of the speed-up panel and its claims.
WORKLOAD, STRATEGY = "python", "threads"
#: How the section names each interpreter and each side.
WITH_OR_WITHOUT = gil.WITH_OR_WITHOUT
SIDE_NAMES = {"flask": "Flask (process mode)", IDEAL: "the in-process ideal", "fastapi": "FastAPI (process mode)"}

#: What the section says when the build has no gil run: what it would show, how to make the data.
NO_RUN = (
    "This build read no run under CPython's free-threaded build, so this part shows nothing and claims "
    "nothing; the project's page on free-threading says how to make one."
)
#: What the section says before its figure, when it has one.
INTRO = (
    "Every answer above about threads rests on CPython's global interpreter lock (the **GIL**): one thread runs "
    "Python code at a time, so pure-Python tasks on threads overlap without running at once. CPython's "
    "free-threaded build (PEP 703) has no GIL. Does a plain thread pool in a plain Flask view then do what the "
    "article hoped `asyncio.gather` did? This part reads a separate run that measures the same tasks under both "
    "interpreters, each **speed-up** over the same interpreter's own one-after-another time."
)


def default_run(root: Path) -> Path | None:
    """The newest run folder (one with trials) under ``root`` / :data:`~bench.instrument.store.GIL_REFERENCE`,
    or None."""
    folder = root / GIL_REFERENCE
    found = sorted(p for p in folder.iterdir() if (p / "trials.csv").exists()) if folder.is_dir() else []
    return found[-1] if found else None


def gil_run_of(value: str, root: Path) -> Run | None:
    """The run the notebook's ``gil_run`` names: :data:`AUTO` the newest under
    :data:`~bench.instrument.store.GIL_REFERENCE`
    (None if there is none), ``""`` none, else a folder (relative to ``root`` or absolute)
    holding a run of a preset of :data:`PRESETS`; anything else is refused with a clear error."""
    if value == AUTO:
        path = default_run(root)
        return None if path is None else _checked(Run(path))
    if not value:
        return None
    path = Path(value) if Path(value).is_absolute() else root / value
    if not (path / "trials.csv").exists():
        raise ValueError(f"gil_run {value!r} is not a run folder (no trials.csv in it)")
    return _checked(Run(path))


def _checked(run: Run) -> Run:
    preset = run.meta().get("preset", {}).get("name")
    if preset not in PRESETS:
        raise ValueError(
            f"gil_run {run.path.name!r} is a run of the {preset!r} preset, not of {' or '.join(PRESETS)}: "
            "make one with `python -m bench run --preset gil`"
        )
    return run


@dataclass(frozen=True)
class Selected:
    """What the section draws and cites, selected once from a gil run: the speed-up figures of
    pure-Python threads per (interpreter, side), by n; the single-thread costs; the article's
    gather's parallelism; the interpreters as the trials recorded them; and how many
    trials each interpreter ran and in how many the GIL was on (free-threaded: on or unknown)."""

    speedups: dict[tuple[str, str], list[Figure]]
    costs: list[Figure]
    gathers: list[Figure]
    interpreters: dict[str, str]
    free_threaded: int
    gil_on: int
    project: int
    project_gil_on: int


def _selected(run: Run) -> Selected:
    """The section's selection from ``run`` (intervals dropped where a side had fewer than
    :data:`bench.vocabulary.stats.MIN_TRIALS` trials)."""
    ok = measured(run.trials())
    found = gil.figures(ok)
    speedups = {}
    for python in (FREE_THREADED, ""):
        for side in SIDES:
            prefix = f"gil.{gil.LABEL[python]}.{side}.{WORKLOAD}.{STRATEGY}.n"
            mine = sorted((f for f in found if f.id.startswith(prefix) and f.id[len(prefix) :].isdigit()), key=_n)
            if mine:
                speedups[(python, side)] = mine
    costs = sorted((f for f in found if f.id.startswith("gil.cost.")), key=lambda f: f.id)
    gathers = sorted((f for f in found if f.id.endswith(".parallelism")), key=lambda f: f.id)
    interpreters = {}
    for python in ("", FREE_THREADED):
        names = sorted({str(v) for v in ok[ok["python"] == python]["interpreter"].dropna() if str(v)})
        interpreters[python] = " / ".join(names) or "unknown"
    return Selected(
        speedups,
        costs,
        gathers,
        interpreters,
        int((ok["python"] == FREE_THREADED).sum()),
        len(gil.gil_came_back(ok)),
        int((ok["python"] == "").sum()),
        int((ok[ok["python"] == ""]["gil_enabled"] == True).sum()),  # noqa: E712 -- the column holds bools
    )


def _n(f: Figure) -> int:
    return int(f.n)


def _state(f: Fact) -> str:
    """Where a speed-up stands: above, below or around 1 by its interval, or without one."""
    if not f.has_interval:
        return "none"
    return {1: "above", -1: "below", 0: "around"}[f.side]


#: Each state of a speed-up in words.
VERDICT = {
    "above": "faster than one after another",
    "below": "slower than one after another",
    "around": "unresolved, the interval includes 1",
    "none": "no conclusion",
}


def _as_stated(states: tuple[str, ...], values: tuple[float, ...]) -> Rule:
    """A rule that holds when each fact stands where the words put it (:func:`_state`) and has
    the value they give it (to their two decimals)."""
    return Rule(
        "each speed-up lies where the words put it (" + ", ".join(states) + ") at the value they give",
        lambda facts: (
            tuple(_state(f) for f in facts) == states
            and all(abs(f.value - v) <= 0.005 for f, v in zip(facts, values, strict=True))
        ),
    )


def _interpreter(s: Selected, python: str) -> str:
    """An interpreter as a claim names it: its version and build, and, without the GIL, whether
    every trial recorded the GIL off."""
    name = s.interpreters.get(python, "unknown")
    if python != FREE_THREADED:
        on = "GIL on in every trial" if s.project_gil_on == s.project else f"GIL on in {s.project_gil_on} trials"
        return f"{name}, {on}"
    return f"{name}, GIL off in every trial" if s.gil_on == 0 else f"{name}, GIL on in {s.gil_on} trials"


def _at(figures: list[Figure]) -> int | None:
    """The n the claims cite: 2 where measured (the issue's line), else the smallest above 1."""
    ns = sorted({_n(f) for f in figures if _n(f) > 1})
    return 2 if 2 in ns else (ns[0] if ns else None)


def _threads(s: Selected, side: str, number: int) -> Claim | None:
    """Pure-Python threads on ``side`` at the cited n: the speed-up without the GIL and with it,
    each said to stand where its interval puts it."""
    at = _at([f for (p, sd), fs in s.speedups.items() if sd == side for f in fs])
    found = {
        python: next((f for f in s.speedups.get((python, side), []) if _n(f) == at), None)
        for python in (FREE_THREADED, "")
    }
    shown, gil_shown = found[FREE_THREADED], found[""]
    if at is None or shown is None or gil_shown is None:
        return None
    ft, with_gil = Fact.of(shown, WITH_OR_WITHOUT[FREE_THREADED]), Fact.of(gil_shown, WITH_OR_WITHOUT[""])
    states = (_state(ft), _state(with_gil))
    name = SIDE_NAMES.get(side, side)
    size = shown.size
    text = (
        f"{name}, {at} threads of pure-Python tasks (size {size}): without the GIL a speed-up of {ft.words()}, "
        f"{VERDICT[states[0]]}; with it {with_gil.words()}, {VERDICT[states[1]]}"
    )
    mode = IN_PROCESS if side == IDEAL else "process"
    scope = Scope((at,), (size,), (mode,), (_interpreter(s, FREE_THREADED), _interpreter(s, "")))
    return stated(
        f"nogil.threads.{side}",
        text,
        (ft, with_gil),
        _as_stated(states, (round(ft.value, 2), round(with_gil.value, 2))),
        cites=f"Figure {number}",
        scope=scope,
    )


def _gil_off(s: Selected, number: int) -> Claim:
    """Whether every free-threaded trial recorded its GIL off (``gil_enabled`` False)."""
    fact = Fact("free-threaded trials whose GIL was on or unknown", float(s.gil_on), np.nan, np.nan, s.free_threaded)
    if s.gil_on == 0:
        text = f"every one of the {s.free_threaded} free-threaded trials recorded its GIL off"
    else:
        text = (
            f"{s.gil_on} of the {s.free_threaded} free-threaded trials recorded the GIL on or did not say: "
            "those ran with a GIL, whatever the build"
        )
    k = s.gil_on
    return stated(
        "nogil.gil_enabled",
        text,
        (fact,),
        Rule(f"{k} free-threaded trials had the GIL on", lambda fs: fs[0].value == k),
        cites=f"Figure {number}",
        scope=Scope(servers=(s.interpreters.get(FREE_THREADED, "unknown"),)),
    )


def _cost(f: Figure, s: Selected, number: int) -> Claim:
    """One task alone, its time on the free-threaded build over the project's."""
    workload = f.id.rsplit(".", 1)[-1]
    c = ratio(
        f"nogil.cost.{workload}",
        Fact.of(f, workload),
        cites=f"Figure {number}",
        scope=Scope((1,), (f.size,), (IN_PROCESS,), (_interpreter(s, FREE_THREADED), _interpreter(s, ""))),
        a="the free-threaded build",
        b="the project's interpreter",
    )
    prefix = f"one {_workload_name(workload)} task alone (n=1, size {f.size}, in-process): "
    return Claim(c.id, prefix + c.text, c.cites, c.scope, c.facts, c.rule)


def _workload_name(workload: str) -> str:
    return {"python": "pure-Python", "article": "article's"}.get(workload, workload)


def _gather(s: Selected, number: int) -> Claim | None:
    """The article's gather: one task at a time under both interpreters."""
    if not s.gathers:
        return None
    facts = [Fact.of(f, _gather_label(f)) for f in s.gathers]
    values = [f.value for f in facts]
    return general(
        "nogil.gather",
        facts,
        lambda f: f.value < SERIAL,
        cites=f"Figure {number}",
        scope=Scope(
            tuple(sorted({_n(f) for f in s.gathers})),
            tuple(sorted({f.size for f in s.gathers})),
            tuple(sorted({c.mode for f in s.gathers for c in f.configs})),
            (_interpreter(s, FREE_THREADED), _interpreter(s, "")),
        ),
        said=f"the article's gather ran its tasks one after another (median parallelism {value_range(values)})",
        every="with and without the GIL, whatever the side and n",
        over="side, interpreter and n",
    )


def _gather_label(f: Figure) -> str:
    """``Flask (process mode) at n=2 without the GIL``: one label per parallelism figure."""
    _, python, side, *_ = f.id.split(".")
    interp = FREE_THREADED if python == gil.LABEL[FREE_THREADED] else ""
    return f"{SIDE_NAMES.get(side, side)} at n={f.n} {WITH_OR_WITHOUT[interp]}"


def _section_claims(s: Selected, number: int) -> list[Claim]:
    """The caption's claims, in its order: pure-Python threads per side (Flask first), the GIL
    as every free-threaded trial recorded it, the single-thread cost per workload, the gather."""
    out = [c for c in (_threads(s, side, number) for side in SIDES) if c is not None]
    out.append(_gil_off(s, number))
    out += [_cost(f, s, number) for f in s.costs]
    gather = _gather(s, number)
    return out + ([gather] if gather is not None else [])


def claims_of(run: Run | None, number: int = 9) -> list[Claim]:
    """Every claim the section states about ``run`` (none without one)."""
    return [] if run is None else _section_claims(_selected(run), number)


def section(run: Run | None, number: int) -> Shown:
    """The section's figure, caption and text from ``run``; without one, no figure and no claim,
    and a text saying how to make the data (:data:`NO_RUN`)."""
    if run is None:
        return Shown("", "", Says((), (), (), ()), text=NO_RUN)
    s = _selected(run)
    drawing = gil_plots.without_gil(s.speedups, s.costs, s.gathers, labels=SIDE_NAMES)
    claims = _section_claims(s, number)
    drawn = [f for shown in s.speedups.values() for f in shown]
    says = Says.of(c for f in [*drawn, *s.costs] for c in f.configs)
    caption = (
        f"**Figure {number}. Without the GIL** ({says.words()}; pure-Python tasks). Left: pure-Python threads' "
        "speed-up over the same tasks one after another, under each interpreter (grey: every task at once); "
        "middle: one task alone, its time on the free-threaded build over the project's interpreter"
        + ("; right: the article's gather's parallelism under both" if s.gathers else "")
        + f". From a separate run started {started(run)}."
    )
    text = f"With the GIL: {_interpreter(s, '')}; without: {_interpreter(s, FREE_THREADED)}. " + said(claims)
    return Shown(drawing, caption, says, tuple(claims), _alt(s, claims), text=text)


def _alt(s: Selected, claims: list[Claim]) -> str:
    """The figure's alternative text, from its own data."""
    parts = []
    for c in claims:
        if c.id.startswith("nogil.threads."):
            ft, with_gil = c.facts
            side = c.id.rsplit(".", 1)[-1]
            parts.append(
                f"{SIDE_NAMES.get(side, side)} at n={c.scope.n[0]}: {ft.value:.2f}x without the GIL, "
                f"{with_gil.value:.2f}x with it"
            )
    costs = "; ".join(f"{f.id.rsplit('.', 1)[-1]} {f.value:.2f}x" for f in s.costs)
    return (
        "Speed-up of pure-Python threads against n with and without the GIL, the free-threaded build's "
        f"single-thread cost and the article's gather's parallelism: {'; '.join(parts) or 'no speed-up at n=2'}"
        + (f"; one task alone on the free-threaded build over the project's: {costs}" if costs else "")
        + "."
    )
