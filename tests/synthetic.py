"""Measurements made up to a known shape, for the tests that check an analysis on them: rows of
trials.csv at given wall times, the gap's chain of servers, and a probe case's load records at
known latencies."""

import numpy as np
import pandas as pd

from bench.analysis.families import gap
from bench.instrument.load.loops import Record
from bench.vocabulary.config import IDEAL, Config


def trials(spec):
    """Rows of measured trials: spec maps a Config to its wall times."""
    rows = []
    for c, walls in spec.items():
        for w in walls:
            rows.append(
                {
                    **c.to_dict(),
                    "warmup": False,
                    "status": 200,
                    "client_wall_s": w,
                    "client_cpu_s": 0.001,
                    "client_process_cpu_s": 0.001,
                    "server_process_cpu_s": w,
                    "server_is_client_process": c.framework == IDEAL,
                    "parallelism": 1.0,
                    "overlap": 1.0,
                    "peak_rss_bytes": 2**20,
                    "minor_faults": 100.0,
                    "major_faults": 0.0,
                    "b2b_wall_s": w if c.back_to_back else np.nan,
                    "server_cpu_to_idle_s": w if c.back_to_back else np.nan,
                }
            )
    return pd.DataFrame(rows)


def jitter(center, k=8, seed=0):
    return list(center * (1 + np.random.default_rng(seed).uniform(-0.02, 0.02, k)))


def article(fw, endpoint="", variant="", size=1000):
    return Config(fw, "process", "article", "gather", 5, size, endpoint, variant, back_to_back=True)


def chain(*walls, size=1000, k=8):
    """Trials of every side of the chain, the article's Flask first, at the given wall times."""
    return {
        article(side.framework, side.endpoint, side.variant, size): jitter(w, k=k, seed=i)
        for i, (side, w) in enumerate(zip(gap.CHAIN, walls, strict=True))
    }


def probe_records(ping_ms: float, heavy_ms: float, pings: int = 60) -> list[Record]:
    """A probe case on known latencies: pings alone take 2 ms, under load ``ping_ms`` (with
    a little spread), heavy requests ``heavy_ms``."""
    rng = np.random.default_rng(0)
    out = [Record("baseline", 0, i, i * 0.05, i * 0.05, i * 0.05 + 0.002, 0.002, 200, "") for i in range(20)]
    for i in range(pings):
        lat = ping_ms / 1000 * rng.uniform(0.95, 1.05)
        out.append(Record("ping", 0, i, 1 + i * 0.05, 1 + i * 0.05, 1 + i * 0.05 + lat, lat, 200, ""))
    for i in range(10):
        out.append(
            Record("heavy", 1, i, 1 + i * 0.3, 1 + i * 0.3, 1 + i * 0.3 + heavy_ms / 1000, heavy_ms / 1000, 200, "")
        )
    return out
