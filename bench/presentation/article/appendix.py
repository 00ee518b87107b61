"""The appendix: each workload's timelines, this run beside the committed runs of its preset, and
every cited figure with the precision it reached."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from bench.analysis import agreement, selection
from bench.analysis.claims import (
    Fact,
)
from bench.analysis.figure import Figure
from bench.analysis.tables import measured
from bench.presentation import timeline_plots
from bench.presentation.article.captions import (
    NOTHING,
    Says,
    Shown,
)
from bench.vocabulary import stats


def strategies(df: pd.DataFrame, workload: str, number: int) -> Shown:
    """One workload's timelines where its strategies are compared, a row per strategy."""
    grid = selection.strategies(measured(df), workload)
    drawing = timeline_plots.strategy_timelines(grid, workload)
    if grid is None:
        return Shown(drawing, f"**Figure {number} ({workload}).** No trials.", NOTHING)
    says = Says.of_rows(grid.trials)
    caption = (
        f"**Figure {number} ({workload}).** When each task ran ({says.words()}): a row per strategy, a column per "
        "framework in its own endpoint style, and the in-process ideal; each panel the trial nearest its "
        "configuration's median."
    )
    drawn = sorted(grid.drawn.items(), key=lambda kv: -float(kv[1]["parallelism"]))
    most = ""
    if drawn:
        (strategy, column), trial = drawn[0]
        most = f"; the most overlapped: {strategy} on {column[0]}, parallelism {float(trial['parallelism']):.1f}"
    alt = (
        f"Task timelines of the {workload} workload, n={grid.n}, size {grid.size}, a row per strategy "
        f"({', '.join(grid.strategies)}) and a column per framework{most}."
    )
    return Shown(drawing, caption, says, (), alt)


#: The figures set beside the committed runs: the headline and the gap's decomposition.
BESIDE = ("headline.*", "gap.*")


def beside_committed(found: Sequence[Figure], committed: Mapping[str, Sequence[Figure]]) -> tuple[pd.DataFrame, str]:
    """This run's headline and decomposition (:data:`BESIDE`) beside the committed runs of its
    preset (run id -> cited figures), judged by :func:`bench.analysis.agreement.agree`: a row per figure
    with each run's estimate and interval and the verdict; and a sentence that counts them."""
    if not committed:
        return pd.DataFrame(), "No committed run of this preset to set this one beside."
    judged = agreement.agree({"this run": found, **committed}, patterns=BESIDE)
    rows = [
        {
            "figure": a.id,
            **{
                e.run: (f"{e.value:.2f} [{e.low:.2f}, {e.high:.2f}]" if e.has_interval else f"{e.value:.2f}")
                for e in a.estimates
            },
            "runs": {True: "agree", False: "disagree", None: "not judged"}[a.agrees],
            "why": a.why,
        }
        for a in judged
    ]
    v = agreement.verdict(judged)
    k = len(committed)
    runs = f"This run and the {k} committed run{'s' if k > 1 else ''} of its preset"
    if v.agrees is None:
        return pd.DataFrame(rows), f"{runs} share no figure with the trials for an interval."
    words = (
        f"{runs} {'agree' if v.agrees else 'disagree'} on the {v.judged} figures they all cite and could judge: "
        f"{v.why}."
    )
    if v.apart:
        words += f" Read {', '.join(v.apart)} as not settled."
    return pd.DataFrame(rows), words


#: The figures that are one configuration's median, not a ratio of two.
MEDIANS = ("cpu.", "parallelism.")


def _reads(f: Figure) -> str:
    """How the article reads a figure: a ratio resolved above or below 1, unresolved (its
    interval includes 1), or with too few trials for an interval; a median as a median."""
    if f.id.startswith(MEDIANS):
        return "a median"
    fact = Fact.of(f)
    if not fact.has_interval:
        return stats.TOO_FEW
    return {1: "above 1", -1: "below 1", 0: "unresolved"}[fact.side]


def precision(found: Sequence[Figure]) -> tuple[pd.DataFrame, str]:
    """Every cited figure with its interval (with the run level, where its preset has one: the run
    spread it added, :mod:`bench.analysis.runlevel`), its own half-width, target and whether it met it, and how
    the article reads it (:func:`_reads`: "unresolved" where its interval includes 1); and a
    sentence that says plainly which targets were not met."""
    table = pd.DataFrame(
        [
            {
                "figure": f.id,
                "value": f.value,
                "95% low": f.low,
                "95% high": f.high,
                "run spread": f.run_spread,
                "half-width": f.half_width,
                "target": f.target,
                "met": f.met,
                "reads": _reads(f),
            }
            for f in found
        ]
    )
    targeted = [f for f in found if f.target is not None]
    short = [f for f in targeted if not f.met]
    if not targeted:
        words = "This run's preset sets no precision targets."
    elif not short:
        words = f"All {len(targeted)} figures with a target met it."
    else:
        words = (
            f"{len(targeted) - len(short)} of {len(targeted)} figures with a target met it. **Not met:** "
            + "; ".join(f"{f.id} (±{f.half_width:.1%}, target {f.target:.0%})" for f in short)
            + "."
        )
    return table, words
