"""Each workload's best strategy against the in-process ideal: ``best.<workload>.<framework>``,
the fastest strategy (and endpoint style) of a framework's plain server in process mode over
the fastest in-process ideal of the same tasks (:func:`bench.analysis.tables.versus_ideal`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from bench.analysis.figure import Figure, judged
from bench.analysis.tables import versus_ideal
from bench.vocabulary import stats
from bench.vocabulary.config import IDEAL, IN_PROCESS, Config


def figures(ok: pd.DataFrame, *, targets: Sequence[tuple[str, float]]) -> list[Figure]:
    out = []
    for r in versus_ideal(ok).to_dict("records"):
        if r["mode"] != "process":
            continue
        e = stats.Estimate(r["x_ideal"], r["low"], r["high"])
        fid = f"best.{r['workload']}.{r['framework']}"
        hw = stats.half_width(e)
        target, met = judged(fid, hw, targets)
        n, size = int(r["n"]), int(r["size"])
        served = Config(r["framework"], "process", r["workload"], r["best_strategy"], n, size, r["endpoint"])
        ideal = Config(IDEAL, IN_PROCESS, r["workload"], r["ideal_strategy"], n, size)
        what = f"{r['best_strategy']} ({r['endpoint']} endpoint) against the in-process ideal {r['ideal_strategy']}"
        sides = ((served.label, int(r["trials"])), (ideal.label, int(r["ideal_trials"])))
        out.append(
            Figure(fid, what, "isolated", e.value, e.low, e.high, hw, target, met, n, size, sides, (served, ideal))
        )
    return out
