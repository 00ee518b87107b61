"""``bench compare``'s words: each configuration's new-over-base time as faster, slower or
unresolved, the figures both runs cite side by side, and what the interval includes."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from bench.analysis.comparison import Compared, SideBySide
from bench.analysis.runlevel import Spread
from bench.vocabulary import stats


def _interval(t: tuple[float, float, float]) -> str:
    value, low, high = t
    return f"{value:.3g} [{low:.3g}, {high:.3g}]" if math.isfinite(low) else f"{value:.3g} [{stats.TOO_FEW}]"


def text(
    found: Sequence[Compared],
    figures: Sequence[SideBySide],
    *,
    base: str,
    new: str,
    factors: Mapping[str, float],
    level: Mapping[str, Spread],
    busy: Sequence[str] = (),
) -> str:
    """The comparison as a table a person reads: the machine factor, a line per configuration
    and measure, the counts of each reading, and the figures side by side."""
    lines = [f"base: {base}", f"new:  {new}", ""]
    said = ", ".join(f"{m} {f:.2f}x" for m, f in factors.items() if math.isfinite(f))
    lines.append(
        f"The machine took {said} as long in the new run, every configuration alike (the median of new over base): "
        "each ratio below is over it, so it shows what changed one configuration against the others. A change "
        "that slowed every configuration alike would show in that factor, not below."
    )
    if level:
        spreads = ", ".join(f"{m} {s.spread:.1%} (from {s.runs} runs)" for m, s in level.items())
        lines.append(
            f"Each interval includes the run level of configuration medians (the machine factor divided out) twice, "
            f"once for each run: {spreads}."
        )
    else:
        lines.append(
            "The intervals are the runs' own: their preset has fewer than two committed runs to estimate the run "
            "level from, so they are narrower than what separate runs of the same code show."
        )
    lines.append("")
    width = max((len(c.config) for c in found), default=0)
    for c in found:
        lines.append(f"{c.config:<{width}}  {c.measure:<12}  {c.base_s:.4g} s -> {c.new_s:.4g} s  {c.words()}")
    counts = {r: sum(c.reads == r for c in found) for r in ("faster", "slower", "unresolved", "not judged")}
    lines += ["", "new over base: " + ", ".join(f"{k} {v}" for k, v in counts.items() if v)]
    if counts["not judged"]:
        lines.append(f"not judged: {stats.TOO_FEW} (fewer than {stats.MIN_TRIALS} trials on a side)")
    if figures:
        lines += ["", "figures both cite (base, then new):"]
        lines += [f"  {f.id}: {_interval(f.base)}  ->  {_interval(f.new)}" for f in figures]
    if busy:
        lines += ["", f"made on a busy machine (meta.json's machine_state): {', '.join(busy)}"]
    return "\n".join(lines)
