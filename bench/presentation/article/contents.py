"""The article's sections from its runs, as it numbers them, and every claim it states."""

from __future__ import annotations

from bench.analysis.cited_figures import cited
from bench.analysis.claims import Claim
from bench.instrument.store import Run
from bench.presentation.article import what_to_do, without_gil
from bench.presentation.article.captions import Shown
from bench.presentation.article.decomposition import decomposition
from bench.presentation.article.faster import cpu_table, faster
from bench.presentation.article.framework_or_server import framework_or_server
from bench.presentation.article.in_parallel import timelines
from bench.presentation.article.many_clients import clients, throughput
from bench.presentation.article.speedup_against_n import speedup_against_n
from bench.presentation.article.summary import conclusion, summary_of
from bench.presentation.article.task_size import sizes
from bench.presentation.article.what_works import what_works


def sections(
    run: Run, load: Run | None, gil_run: Run | None, *, n: int, size: int, cores: int | None
) -> dict[str, Shown]:
    """What to do (``do``), every section's figure of the main text as the article numbers
    them, and the appendix's section without the GIL (``nogil``, from ``gil_run``)."""
    df, found = run.trials(), cited(run)
    out = {
        "do": what_to_do.table(what_to_do.rows(df, load, gil_run, n=n, size=size, cores=cores)),
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
    out["nogil"] = without_gil.section(gil_run, 9)
    return out


def claims_of(run: Run, load: Run | None = None, gil_run: Run | None = None) -> list[Claim]:
    """Every claim the article states about ``run`` (and its load and gil runs): What to do's,
    each section's captions, the answer's and the conclusion's."""
    meta = run.meta()
    preset = meta.get("preset", {})
    shown = sections(
        run,
        load,
        gil_run,
        n=int(preset["n"]),
        size=int(preset["size"]),
        cores=meta.get("cpu", {}).get("usable_cores"),
    )
    found = cited(run)
    out = [c for s in shown.values() for c in s.claims]
    out += summary_of(found, shown)[1] + conclusion(found, shown)[1]
    if load is not None:
        out += list(throughput(load, 10).claims)
    return out
