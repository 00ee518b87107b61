"""Does the server stay responsive while it works? The blocking probe for every framework,
endpoint style and strategy.

Each case runs :func:`bench.instrument.load.loops.blocking_probe`: pings alone, then pings while heavy
requests of the case keep the server busy. A case **stalls** when the lower end of the 95%
interval of its pings' p99 latency under load reaches :data:`STALL_SHARE` of the heavy
requests' median latency (and at least :data:`STALL_MIN_MS`): pings waited for the heavy
work itself, not merely beside it. Sharing two cores and the GIL with busy threads costs a
ping tens of milliseconds; waiting behind a blocked event loop costs it a whole request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from bench.instrument.load import loops
from bench.vocabulary import stats
from servers import harness

#: Share of a heavy request's median latency that a ping's p99 must reach to be a stall.
STALL_SHARE = 0.5
#: And never below this, so that a light heavy request cannot make jitter a stall.
STALL_MIN_MS = 50.0


@dataclass(frozen=True)
class Case:
    """One probed case: a framework's endpoint style and strategy, on the framework's own
    server or on another (``variant``, see :data:`servers.harness.VARIANTS`)."""

    framework: str
    endpoint: str
    strategy: str
    variant: str = ""

    @property
    def label(self) -> str:
        on = f" [{self.variant}]" if self.variant else ""
        return f"{self.framework}{on} {self.endpoint} endpoint, {self.strategy}"


CASES: tuple[Case, ...] = tuple(
    Case(fw, ep, s) for fw in harness.FRAMEWORKS for ep in harness.ENDPOINTS for s in harness.STRATEGIES
)


def run(
    cases: tuple[Case, ...],
    params: dict[str, Any],
    *,
    heavy_clients: int,
    ping_rate: float,
    duration_s: float,
    baseline_s: float,
    size: int = 1000,
    progress: Callable[[str], None] | None = None,
    keep: loops.Keep | None = None,
) -> pd.DataFrame:
    """Every case, each framework and variant's server started once (process mode); one row
    per request, each case's rows also handed to ``keep`` as soon as they are measured."""
    frames = []
    for fw, variant in dict.fromkeys((c.framework, c.variant) for c in cases):
        with harness.serve(fw, "process", size=size, variant=variant, timeout=60) as s:
            for case in (c for c in cases if (c.framework, c.variant) == (fw, variant)):
                if progress:
                    progress(case.label)
                recs = loops.blocking_probe(
                    s.url + "/ping",
                    s.url + f"/run/{case.endpoint}",
                    {**params, "strategy": case.strategy},
                    heavy_clients=heavy_clients,
                    ping_rate=ping_rate,
                    duration_s=duration_s,
                    baseline_s=baseline_s,
                )
                frame = loops.frame(recs).assign(
                    framework=fw,
                    endpoint=case.endpoint,
                    strategy=case.strategy,
                    server=s.options.server,
                    config=case.label,
                )
                if keep is not None:
                    keep(frame)
                frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def summarize(df: pd.DataFrame) -> pd.DataFrame:
    """Per case and phase: the load summary, with ``stalls`` on the case's rows."""
    parts = []
    for config, g in df.groupby("config", sort=False):
        s = loops.summarize(g)
        s.insert(0, "config", config)
        ping, heavy = s[s["phase"] == "ping"], s[s["phase"] == "heavy"]
        threshold = max(STALL_MIN_MS, STALL_SHARE * heavy["p50_ms"].iloc[0]) if len(heavy) else np.nan
        low = ping["p99_low_ms"].iloc[0] if len(ping) else np.nan
        s["stall_threshold_ms"] = threshold
        s["stalls"] = bool(np.isfinite(low) and np.isfinite(threshold) and low >= threshold)
        parts.append(s)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def verdicts(summary: pd.DataFrame, *, light: str = "/ping") -> list[str]:
    """One plain line per case: stalled or not, with the numbers behind it and how many
    answers each rests on; ``light`` names what the pings asked for."""
    out = []
    for config, g in summary.groupby("config", sort=False):
        base = g[g["phase"] == "baseline"].iloc[0]
        ping = g[g["phase"] == "ping"].iloc[0]
        heavy = g[g["phase"] == "heavy"].iloc[0]
        word = "STALLS" if ping["stalls"] else "stays responsive"
        out.append(
            f"- {config}: {word}: {light} p99 {ping['p99_ms']:.0f} ms "
            f"{stats.interval_text(ping['p99_low_ms'], ping['p99_high_ms'], '.0f')} ({answered(ping)} pings) "
            f"during heavy requests of median {heavy['p50_ms']:.0f} ms ({answered(heavy)} of them) "
            f"(stall from {ping['stall_threshold_ms']:.0f} ms), {base['p99_ms']:.1f} ms without "
            f"({answered(base)} pings); {int(ping['errors'])} ping errors"
        )
    return out


def answered(row: pd.Series) -> int:
    """How many requests of a summary's row were answered: the values its percentiles rest on."""
    return int(row["requests"]) - int(row["errors"])
