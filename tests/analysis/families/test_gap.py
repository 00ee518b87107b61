"""The gap from the article's Flask to its FastAPI, one change at a time, on known trials:
the step that makes it is named, and what no named change explains is the rest."""

import pytest

from bench.analysis import cited_figures, figure, tables
from bench.instrument import presets
from bench.vocabulary.config import Config
from tests.synthetic import chain, trials


def test_the_decomposition_names_the_step_that_makes_the_gap_and_leaves_no_rest():
    # The article's Flask, plain, on one thread, FastAPI freeing first: all 1.6; FastAPI: 1.0.
    df = trials(chain(1.6, 1.6, 1.6, 1.6, 1.0))
    found = figure.by_id(cited_figures.compute(tables.measured(df), n=5, size=1000, targets=presets.QUICK_TARGETS))
    assert found["gap.isolated.settle"].low > 1.5 and found["gap.isolated.total"].value == pytest.approx(1.6, rel=0.03)
    for step in ("debug", "thread", "framework"):
        f = found[f"gap.isolated.{step}"]
        assert f.low <= 1 <= f.high, step
    assert found["gap.isolated.named"].value == pytest.approx(1.6, rel=0.04)
    rest = found["gap.isolated.rest"]
    assert rest.low <= 1 <= rest.high and rest.value == pytest.approx(1.0, rel=0.04)
    assert found["headline.isolated"].value == pytest.approx(1.6, rel=0.03) and found["headline.isolated"].met
    assert found["gap.isolated.settle"].target == 0.10 and found["gap.isolated.rest"].target is None
    assert [c.variant for c in found["gap.isolated.settle"].configs] == ["settle", ""]


def test_the_rest_is_what_no_named_change_explains():
    # The frameworks themselves make the gap: everything Flask 1.3, everything FastAPI 1.0.
    df = trials(chain(1.3, 1.3, 1.3, 1.0, 1.0))
    found = figure.by_id(cited_figures.compute(tables.measured(df), n=5, size=1000))
    assert found["gap.isolated.rest"].low > 1.2 and found["gap.isolated.framework"].low > 1.2
    named = found["gap.isolated.named"]
    assert named.low <= 1 <= named.high


def test_no_decomposition_without_the_articles_two_servers():
    df = trials({Config("flask", "thread", "sleep", "threads", 2, 10): [0.1, 0.1]})
    assert [f for f in cited_figures.compute(tables.measured(df), n=5, size=1000) if f.id.startswith("gap.")] == []
