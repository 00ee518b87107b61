"""The vocabulary: what is measured, named (configurations, grids, the presets' model, sides),
the records a run keeps, typed once and versioned, and the statistics every floor shares."""

from bench.vocabulary.config import IDEAL, Config, Grid, Preset
from bench.vocabulary.records import RunDataError, RunMeta, TrialRow
from bench.vocabulary.sides import Side
from bench.vocabulary.stats import MIN_TRIALS, median_ci, ratio_ci

__all__ = ["IDEAL", "MIN_TRIALS", "Config", "Grid", "Preset", "RunDataError", "RunMeta", "Side", "TrialRow"]
__all__ += ["median_ci", "ratio_ci"]
