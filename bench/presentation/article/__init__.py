"""The article: a module a section, each making its figure and caption from one selection of
the run's data, the caption's sentences as claims (:mod:`bench.analysis.claims`).

- :mod:`.captions`: what a figure is made of (:class:`Says`, :class:`Shown`), the sections and
  the words captions share;
- :mod:`.in_parallel` (1), :mod:`.faster` (2, and Table 1), :mod:`.what_works` (3),
  :mod:`.decomposition` (4), :mod:`.task_size` (5), :mod:`.many_clients` (6),
  :mod:`.framework_or_server` (7), :mod:`.speedup_against_n` (8): the sections;
- :mod:`.without_gil`: the appendix's section from a run of the gil preset;
- :mod:`.what_to_do`: one row per situation a developer meets, what to do and what was measured;
- :mod:`.answer` and :mod:`.summary`: the three sentences of the answer, and the conclusion;
- :mod:`.how_measured`: which runs it reads, and how they were measured;
- :mod:`.appendix`: each workload's timelines, the run beside the committed runs, every figure's precision;
- :mod:`.contents`: every section of a run, and every claim the article states.

What the article notebook calls is named here.
"""

from bench.presentation.article import without_gil
from bench.presentation.article.appendix import beside_committed, precision, strategies
from bench.presentation.article.captions import SECTIONS, Says, Shown
from bench.presentation.article.contents import claims_of, sections
from bench.presentation.article.how_measured import box, code, made_by
from bench.presentation.article.many_clients import throughput
from bench.presentation.article.summary import SUMMARY_WORDS, conclusion, summary_of, words

__all__ = [
    "SECTIONS",
    "SUMMARY_WORDS",
    "Says",
    "Shown",
    "beside_committed",
    "box",
    "code",
    "claims_of",
    "conclusion",
    "made_by",
    "precision",
    "sections",
    "strategies",
    "summary_of",
    "throughput",
    "without_gil",
    "words",
]
