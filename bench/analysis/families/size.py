"""Does the gap depend on the size of the task? The headline's ratio at each size the run
measured (``size.<measure>.<size>``): measured sizes only, never a line carried beyond them.
"""

from __future__ import annotations

from collections.abc import Sequence

from bench.analysis.families.headline import HEADLINE
from bench.analysis.figure import TIMED, Figure, Spec

#: The article's claim: Flask took 2.2 times FastAPI's time (71 s against 31.9 s, one trial each).
ARTICLE_RATIO = 2.2
ARTICLE_SIZE = 10_000


def specs(sizes: Sequence[int]) -> list[Spec]:
    """The headline's ratio of each timed measure at each of ``sizes``."""
    flask, fastapi = HEADLINE
    return [
        Spec(f"size.{m}.{size}", f"Flask / FastAPI at size {size}", m, (flask, fastapi), size=size)
        for size in sizes
        for m in TIMED
    ]


def lines(found: Sequence[Figure]) -> dict[str, list[Figure]]:
    """What the sizes' figure draws and its caption cites: per timed measure the run has,
    its ratio at every size (the headline's among them), by size."""
    out = {
        m: sorted((f for f in found if f.id.startswith(f"size.{m}.") or f.id == f"headline.{m}"), key=lambda f: f.size)
        for m in TIMED
    }
    return {m: shown for m, shown in out.items() if shown}
