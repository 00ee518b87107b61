"""bench: the instrument that measures the servers of :mod:`servers` through HTTP.

What notebooks and users call is named here; the rest is the floors' own
(:mod:`bench.vocabulary`, :mod:`bench.instrument`, :mod:`bench.analysis`,
:mod:`bench.presentation`, :mod:`bench.frontends`), each importing only the ones below it.

- Measure: :func:`run_preset` (a preset of :data:`PRESETS` into a run folder), the article's
  two runs (:func:`article_runs`, :func:`scope`), and one request at a time in a notebook
  (:class:`Explorer`, its widgets :class:`Panel`, :func:`check` of a prediction, :func:`show`,
  :func:`show_curve`, :func:`history_view`, :func:`request_timeline`, :data:`EXPLAINED`);
- read: :class:`Run`, :func:`runs`, :func:`latest`; every figure a run cites (:func:`cited`)
  and the committed runs beside it (:func:`committed_beside`);
- present: :mod:`~bench.presentation.article`, :mod:`~bench.presentation.report`, and the
  claims they check (:mod:`~bench.analysis.claims`); the analysis's :mod:`~bench.analysis.selection`;
- advise on a function of one's own (:func:`advise`: its traits, each strategy's speed-up
  predicted then measured, the advice, as a DataFrame and a figure);
- the workshop's settings (:mod:`~bench.frontends.workshop`), the machine's usable cores
  (:func:`usable_cores`), and ``python -m bench`` (:func:`main`).
"""

from bench.analysis import cited, claims, committed_beside, selection
from bench.frontends import (
    Explorer,
    Panel,
    advise,
    article_runs,
    check,
    free_threaded_here,
    history_view,
    main,
    run_preset,
    scope,
    show,
    show_curve,
    workshop,
)
from bench.instrument import EXPLAINED, PRESETS, Run, latest, runs, usable_cores
from bench.presentation import article, report, request_timeline

__all__ = [
    "EXPLAINED",
    "PRESETS",
    "Explorer",
    "Panel",
    "Run",
    "advise",
    "article",
    "article_runs",
    "check",
    "cited",
    "claims",
    "committed_beside",
    "free_threaded_here",
    "history_view",
    "latest",
    "main",
    "report",
    "request_timeline",
    "run_preset",
    "runs",
    "scope",
    "selection",
    "show",
    "show_curve",
    "usable_cores",
    "workshop",
]
