"""The analysis: tables from trials, the figure record and its families
(:mod:`bench.analysis.families`), claims, agreement between runs and the run level."""

from bench.analysis import claims, selection
from bench.analysis.agreement import agree
from bench.analysis.cited_figures import cited, committed_beside
from bench.analysis.figure import Figure
from bench.analysis.tables import measured, summary

__all__ = ["Figure", "agree", "cited", "claims", "committed_beside", "measured", "selection", "summary"]
