"""The article's sections from one run, as it numbers them, and every claim it states."""

from __future__ import annotations

from bench.analysis.cited_figures import cited
from bench.analysis.claims import (
    Claim,
)
from bench.instrument.store import Run
from bench.presentation.article.captions import (
    Shown,
)
from bench.presentation.article.decomposition import decomposition
from bench.presentation.article.faster import cpu_table, faster
from bench.presentation.article.framework_or_server import framework_or_server
from bench.presentation.article.in_parallel import timelines
from bench.presentation.article.many_clients import clients, throughput
from bench.presentation.article.speedup_against_n import speedup_against_n
from bench.presentation.article.summary import conclusion, summary_of
from bench.presentation.article.task_size import sizes
from bench.presentation.article.what_works import what_works


def sections(run: Run, load: Run | None, *, n: int, size: int, cores: int | None) -> dict[str, Shown]:
    """Every section's figure of the main text, as the article numbers them."""
    df, found = run.trials(), cited(run)
    out = {
        "parallel": timelines(df, 1, n=n, size=size),
        "faster": faster(found, 2),
        "table": cpu_table(df, found, 1, n=n, size=size),
        "works": what_works(df, 3),
        "gap": decomposition(found, 4),
        "size": sizes(found, 5),
    }
    if load is not None:
        out["clients"] = clients(load, 6)
    out["servers"] = framework_or_server(df, found, load, 7, n=n)
    out["scaling"] = speedup_against_n(df, 8, cores=cores)
    return out


def claims_of(run: Run, load: Run | None = None) -> list[Claim]:
    """Every claim the article states about ``run`` (and its load run): each section's
    captions, the summary's and the conclusion's."""
    meta = run.meta()
    preset = meta.get("preset", {})
    shown = sections(
        run,
        load,
        n=int(preset["n"]),
        size=int(preset["size"]),
        cores=meta.get("cpu", {}).get("usable_cores"),
    )
    out = [c for s in shown.values() for c in s.claims]
    out += summary_of(shown)[1] + conclusion(shown)[1]
    if load is not None:
        out += list(throughput(load, 10).claims)
    return out
