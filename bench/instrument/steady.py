"""Steady state: whether a server's recent times have stopped drifting.

A server fresh from its start can get faster (or slower) over its first requests; a run's
medians then depend on how many trials it happens to take. :func:`steady` is the detector the
warm-up asks after each warm-up trial of a server: the median of its last ``window`` times
against the median of the ``window`` before, within ``tolerance`` of each other (relative).
A median of a few times, not a mean, so that one slow request (the host's other guests)
neither makes a server look unsteady nor hides a trend. The rule and its numbers are chosen
from measurements (docs/method.md, "Steady state").
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

#: Times in each of the two windows compared.
WINDOW = 3
#: Largest relative difference between the two windows' medians of a steady server.
TOLERANCE = 0.15


@dataclass(frozen=True)
class Steadiness:
    """What the detector said of one series of times: whether it is steady, and the two
    windows' medians and their relative difference (NaN until there are two windows)."""

    steady: bool
    before_s: float
    last_s: float
    change: float


def steadiness(times: Sequence[float], *, window: int = WINDOW, tolerance: float = TOLERANCE) -> Steadiness:
    """The detector on ``times`` (in the order they were taken; NaN, a failed trial, left
    out): steady when there are at least ``2 * window`` times and the median of the last
    ``window`` differs from the median of the ``window`` before by at most ``tolerance`` of
    the latter. ValueError for a window under 1 or a negative tolerance."""
    if window < 1:
        raise ValueError(f"window must be at least 1, not {window}")
    if not tolerance >= 0:
        raise ValueError(f"tolerance must be 0 or more, not {tolerance}")
    kept = [t for t in times if not math.isnan(t)]
    if len(kept) < 2 * window:
        return Steadiness(False, math.nan, math.nan, math.nan)
    before = statistics.median(kept[-2 * window : -window])
    last = statistics.median(kept[-window:])
    change = (last - before) / before if before > 0 else math.inf
    return Steadiness(abs(change) <= tolerance, before, last, change)


def steady(times: Sequence[float], *, window: int = WINDOW, tolerance: float = TOLERANCE) -> bool:
    """Whether ``times`` have stopped drifting (:func:`steadiness`)."""
    return steadiness(times, window=window, tolerance=tolerance).steady
