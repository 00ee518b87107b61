"""Framework or server? Every framework behind the same servers, so that one can be held
constant while the other changes.

The article's comparison changed both at once: Flask on Werkzeug against FastAPI on uvicorn.
Here each framework runs its native endpoint style with the article's gather (process mode,
one worker) behind three *server families*: its own server (Werkzeug for Flask, uvicorn for
the ASGI frameworks), gunicorn (its sync worker for Flask, its ASGI worker for the others)
and Granian (WSGI for Flask, ASGI for the others, one blocking thread). Each
(framework, family) is a :class:`bench.vocabulary.sides.Side`, a family other than a framework's own
is a server variant (:data:`servers.harness.VARIANTS`), and the figures are ratios with
95% intervals (:mod:`bench.analysis.cited_figures`, ids below):

- ``fxs.<measure>.framework.<family>.<framework>``: the framework over FastAPI behind the
  same family (the server held constant);
- ``fxs.<measure>.server.<framework>.<family>``: the framework behind the family over behind
  its own server (the framework held constant).

:func:`bench.instrument.load.load_presets.probe_cases` are the blocking probe's cases for the same cells (a
light ``/ping`` while heavy requests run), and :func:`conclusion` says what the run shows, in words computed
from its figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from bench.analysis.figure import MEASURES as COLUMNS
from bench.analysis.figure import Spec, article_trials
from bench.instrument.load.load_presets import probe_cases
from bench.instrument.presets import SERVER_VARIANTS
from bench.vocabulary import stats
from bench.vocabulary.sides import FAMILIES, server_of, side
from servers import harness

#: The measures compared: one request after idle, and the same again back to back.
MEASURES: tuple[str, ...] = ("isolated", "back_to_back")
#: The framework the others are held against behind each server: the article's winner.
REFERENCE = "fastapi"
#: A ratio whose whole interval lies within this factor of 1 is "no difference that matters".
EQUIVALENCE = 0.10


@dataclass(frozen=True)
class Comparison:
    """One ratio of the framework x server figure, as the conclusion reads it."""

    id: str
    held: str  # "server" or "framework": what stays the same
    measure: str
    framework: str
    family: str
    value: float
    low: float
    high: float

    @property
    def verdict(self) -> str:
        """``faster``, ``slower`` (the interval excludes 1), ``same`` (the interval lies within
        :data:`EQUIVALENCE` of 1 and includes it) or ``unresolved``."""
        if not np.isfinite(self.low):
            return "unresolved"
        if self.high < 1.0:
            return "faster"
        if self.low > 1.0:
            return "slower"
        if self.low >= 1 - EQUIVALENCE and self.high <= 1 + EQUIVALENCE:
            return "same"
        return "unresolved"

    @property
    def width(self) -> float:
        """How far from 1 the interval still reaches (the difference it leaves possible)."""
        return float(max(self.high - 1.0, 1.0 - self.low)) if np.isfinite(self.low) else float("nan")


def figure_ids(measure: str) -> list[tuple[str, str, str, str]]:
    """(id, held, framework, family) of every ratio of ``measure``."""
    out = []
    for family in FAMILIES:
        for f in harness.FRAMEWORKS:
            if f != REFERENCE:
                out.append((f"fxs.{measure}.framework.{family}.{f}", "server", f, family))
    for f in harness.FRAMEWORKS:
        for family in FAMILIES[1:]:
            out.append((f"fxs.{measure}.server.{f}.{family}", "framework", f, family))
    return out


def specs(size: int) -> list[Spec]:
    """The framework x server ratios at ``size``."""
    out = []
    for m in MEASURES:
        for fid, held, f, family in figure_ids(m):
            a = side(f, family)
            b = side(REFERENCE, family) if held == "server" else side(f, "own")
            out.append(Spec(fid, f"{a.label} / {b.label}", m, (a, b), size=size))
    return out


def size_of(article: pd.DataFrame) -> int | None:
    """The size at which the run measured framework x server (the largest, if several)."""
    sizes = article[article["variant"].isin(SERVER_VARIANTS)]["size"]
    return int(sizes.max()) if len(sizes) else None


def comparisons(figures: Mapping[str, Any], measure: str = "isolated") -> list[Comparison]:
    """The run's ratios of ``measure`` (figures by id: :func:`bench.analysis.figure.by_id`)."""
    out = []
    for fid, held, f, family in figure_ids(measure):
        fig = figures.get(fid)
        if fig is not None:
            out.append(Comparison(fid, held, measure, f, family, fig.value, fig.low, fig.high))
    return out


def times(ok: pd.DataFrame, *, n: int, size: int) -> pd.DataFrame:
    """Every cell's median time of each measure with its 95% interval, from the measured
    trials (the figure's bars)."""
    article = article_trials(ok, n)
    article = article[article["size"] == size]
    rows = []
    for f in harness.FRAMEWORKS:
        for family in FAMILIES:
            t = side(f, family).of(article)
            row: dict[str, Any] = {
                "framework": f,
                "family": family,
                "server": server_of(f, family),
                "trials": len(t),
            }
            for m in MEASURES:
                e = stats.median_ci(t[COLUMNS[m]].dropna()) if len(t) else stats.Estimate(np.nan, np.nan, np.nan)
                row |= {f"{m}_s": e.value, f"{m}_low_s": e.low, f"{m}_high_s": e.high}
            rows.append(row)
    return pd.DataFrame(rows)


def probe_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Each cell's ``/ping`` p99 under load and whether it stalls, from the blocking probe's
    summary (:func:`bench.instrument.load.blocking.summarize`); cells the run did not probe are left out."""
    rows = []
    for f in harness.FRAMEWORKS:
        for family, case in zip(FAMILIES, probe_cases((f,)), strict=True):
            g = summary[(summary["config"] == case.label) & (summary["phase"] == "ping")] if len(summary) else summary
            if g.empty:
                continue
            ping = g.iloc[0]
            rows.append(
                {
                    "framework": f,
                    "family": family,
                    "server": server_of(f, family),
                    "p99_ms": float(ping["p99_ms"]),
                    "p99_low_ms": float(ping["p99_low_ms"]),
                    "p99_high_ms": float(ping["p99_high_ms"]),
                    "stalls": bool(ping["stalls"]),
                    "threshold_ms": float(ping["stall_threshold_ms"]),
                    "pings": int(ping["requests"]),
                }
            )
    return pd.DataFrame(rows)


def _name(framework: str) -> str:
    return harness.framework(framework).label


def _phrase(c: Comparison) -> str:
    ci = f"(95% CI {c.low:.2f} to {c.high:.2f})"
    server = server_of(c.framework, c.family)
    if c.held == "server":
        return f"{_name(c.framework)} takes {c.value:.2f}x FastAPI's time on {server} {ci}"
    return f"{_name(c.framework)} on {server} takes {c.value:.2f}x its time on {server_of(c.framework, 'own')} {ci}"


def _side_sentence(cs: Sequence[Comparison], held: str, what: str) -> str:
    """One sentence on the comparisons that hold ``held`` constant."""
    mine = [c for c in cs if c.held == held]
    if not mine:
        return f"With the {held} held constant: not measured in this run."
    differ = [c for c in mine if c.verdict in ("faster", "slower")]
    same = [c for c in mine if c.verdict == "same"]
    open_ = [c for c in mine if c.verdict == "unresolved"]
    parts = [f"With the {held} held constant ({what}), {len(mine)} ratios:"]
    if differ:
        ordered = sorted(differ, key=lambda c: -abs(np.log(c.value)))
        parts.append(
            f"{len(differ)} resolved as a difference (largest first: {'; '.join(_phrase(c) for c in ordered)});"
        )
    if same:
        parts.append(f"{len(same)} resolved as no difference beyond {EQUIVALENCE:.0%};")
    if open_:
        widest = max(open_, key=lambda c: c.width if np.isfinite(c.width) else np.inf)
        reach = f"{widest.width:.0%}" if np.isfinite(widest.width) else "an unknown amount"
        parts.append(
            f"{len(open_)} unresolved (their intervals include 1 yet still allow a difference of up to {reach}, "
            f"widest for {_name(widest.framework)} on {server_of(widest.framework, widest.family)})."
        )
    text = " ".join(parts).rstrip(";")
    text += "" if text.endswith(".") else "."
    values = [c.value for c in mine if np.isfinite(c.value)]
    if values:
        text += f" Together: {min(values):.2f}x to {max(values):.2f}x."
    return text


def conclusion(figures: Mapping[str, Any], probe: pd.DataFrame | None = None, *, measure: str = "isolated") -> str:
    """What the run says about framework against server, in sentences computed from its
    figures (``measure``'s ratios) and, if given, :func:`probe_table`'s rows."""
    cs = comparisons(figures, measure)
    lines = [
        _side_sentence(cs, "server", "each framework over FastAPI behind the same server"),
        _side_sentence(cs, "framework", "each server over the framework's own"),
    ]
    if probe is not None and len(probe):
        stall = probe[probe["stalls"]]
        free = probe[~probe["stalls"]]

        def cells(t: pd.DataFrame) -> str:
            return ", ".join(f"{_name(str(r.framework))} on {r.server}" for r in t.itertuples()) or "none"

        lines.append(
            f"A light request during heavy ones (the article's gather in each framework's own endpoint "
            f"style): it waits for the heavy work in {len(stall)} of {len(probe)} cells ({cells(stall)}) and "
            f"not in {len(free)} ({cells(free)})."
        )
    return " ".join(lines)
