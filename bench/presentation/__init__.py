"""The presentation: a run's report as text and JSON, its plots, and the article (a package, a
module a section, :mod:`bench.presentation.article`)."""

from bench.presentation import article, report
from bench.presentation.drawings import write_all
from bench.presentation.timeline_plots import request_timeline

__all__ = ["article", "report", "request_timeline", "write_all"]
