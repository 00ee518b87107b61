"""The figures' shared drawing: an interval drawn from its own bounds."""

import pytest
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure as Canvas

from bench.analysis import figure
from bench.presentation import palette


def test_an_interval_that_does_not_contain_its_estimate_is_drawn_from_its_own_bounds():
    """A percentile bootstrap interval of a product of ratios over a few trials can miss its
    estimate (a smoke run's gap.*.rest did): drawn as it is, not refused by matplotlib."""
    ax = Canvas().add_subplot()
    missed = figure.Figure(
        "gap.isolated.rest", "", "isolated", 1.0, 1.05, 1.3, 0.12, None, None, 4, 1000, (("a", 12), ("b", 12))
    )
    palette.points(ax, [missed], ["rest"])
    (bar,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    ((x0, _), (x1, _)) = bar.get_segments()[0]
    assert (x0, x1) == pytest.approx((1.05, 1.3))
