"""Claims: every sentence the article states about its data holds on the data it cites, and a
claim whose words no longer fit its data fails."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bench.analysis import claims, figure
from bench.analysis.claims import Fact, Scope
from bench.instrument import store
from bench.presentation import article
from bench.presentation.article import without_gil
from bench.vocabulary import stats
from tests import ROOT

#: The newest committed run: the one make article builds beside.
REFERENCE = [p for p in sorted((ROOT / "data" / "reference").iterdir()) if (p / "trials.csv").exists()][-1]
SCOPE = Scope((5,), (1000,), ("process",), ("Flask, plain threaded server",))


def fact(label: str, value: float, low: float, high: float, trials: int = 16) -> Fact:
    return Fact(label, value, low, high, trials)


@pytest.mark.slow  # seconds of resampling: make test, not make test-fast
def test_every_claim_of_the_reference_run_holds_and_states_its_scope():
    found = claims.check(article.claims_of(store.Run(REFERENCE)))
    # and the section without the GIL, on the committed gil run the article reads by default (if any)
    claims.check(without_gil.claims_of(without_gil.gil_run_of(without_gil.AUTO, ROOT)))
    ids = {c.id for c in found}
    assert {"parallel.every", "faster.isolated", "cpu.client", "gap.total", "size.every"} <= ids
    assert {"works.resolved", "works.hatched"} <= ids and any(i.startswith("answer.") for i in ids)
    assert any(i.startswith("conclusion.") for i in ids) and any(i.startswith("do.") for i in ids)
    for c in found:
        assert c.text and c.cites and c.facts, c
    # The run's own "whatever the server" claim, on data where one server ran two tasks at once: false.
    gather = next(c for c in found if c.id == "parallel.every")
    assert gather.text.endswith("whatever the server and mode") and len(gather.facts) >= 2
    doctored = replace(gather, facts=(replace(gather.facts[0], value=2.0), *gather.facts[1:]))
    with pytest.raises(claims.FalseClaim, match="parallel.every"):
        claims.check([*found, doctored])
    # an interval is cited only from a figure every side of which had enough trials
    for c in found:
        for f in c.facts:
            assert not f.has_interval or f.trials >= stats.MIN_TRIALS, c.why_not()
            assert f.has_interval or stats.TOO_FEW in f.words()


@pytest.mark.slow
def test_every_claim_of_the_smoke_run_holds(smoke_run):
    found = claims.check(article.claims_of(smoke_run))
    assert len(found) >= 15


def test_a_whatever_the_framework_claim_is_made_only_when_every_framework_bears_it_out():
    faster = [fact("flask", 1.4, 1.2, 1.6), fact("quart", 1.3, 1.1, 1.5)]
    c = claims.general(
        "x",
        faster,
        lambda f: f.side == 1,
        cites="Figure 7",
        scope=SCOPE,
        said="slower",
        every="whatever the framework",
        over="framework",
    )
    assert c.text == "slower, whatever the framework" and c.holds
    # The same words on data where one framework contradicts them: the claim fails.
    doctored = replace(c, facts=(faster[0], fact("quart", 0.8, 0.7, 0.9)))
    assert not doctored.holds
    with pytest.raises(claims.FalseClaim, match="whatever the framework"):
        claims.check([doctored])
    # Made from that data, the words name who bears it out, and who does not.
    honest = claims.general(
        "x",
        doctored.facts,
        lambda f: f.side == 1,
        cites="Figure 7",
        scope=SCOPE,
        said="slower",
        every="whatever the framework",
        over="framework",
    )
    assert "whatever" not in honest.text and honest.text == "slower for flask, not for quart" and honest.holds
    assert not replace(honest, facts=tuple(faster)).holds  # and they too fail where the data changes
    # Over more cases, only the fewer side is named, with the count.
    five = [
        fact(name, v, v - 0.05, v + 0.05) for name, v in (("a", 1.4), ("b", 1.3), ("c", 0.8), ("d", 1.0), ("e", 1.0))
    ]
    few = claims.general("x", five, lambda f: f.side == 1, cites="F", scope=SCOPE, said="slower", every="-", over="-")
    assert few.text == "slower for a and b only, 2 of the 5 cases" and few.holds
    most = claims.general("x", five, lambda f: f.side != 1, cites="F", scope=SCOPE, said="not", every="-", over="-")
    assert most.text == "not for all but a and b, 3 of the 5 cases" and most.holds


def test_a_ratio_says_faster_only_where_its_interval_excludes_1():
    resolved = claims.ratio(
        "r", fact("after idle", 1.4, 1.3, 1.5), cites="Figure 2", scope=SCOPE, a="Flask", b="FastAPI"
    )
    assert resolved.text.endswith("FastAPI is faster") and "95% CI 1.30-1.50" in resolved.text and resolved.holds
    assert not replace(resolved, facts=(fact("after idle", 1.1, 0.9, 1.3),)).holds
    unresolved = claims.ratio("r", fact("a", 1.1, 0.9, 1.3), cites="Figure 2", scope=SCOPE, a="Flask", b="FastAPI")
    assert "unresolved" in unresolved.text and unresolved.holds
    few = claims.ratio(
        "r", fact("a", 1.4, np.nan, np.nan, trials=3), cites="Figure 2", scope=SCOPE, a="Flask", b="FastAPI"
    )
    assert stats.TOO_FEW in few.text and "faster" not in few.text and few.holds


def test_no_interval_from_fewer_than_eight_trials():
    def made(counts):
        sides = tuple(zip("ab", counts, strict=True))
        return figure.Figure("headline.isolated", "", "isolated", 1.4, 1.2, 1.6, 0.14, 0.1, True, 5, 1000, sides)

    three = made((3, 16))
    assert three.value == 1.4 and np.isnan([three.low, three.high, three.half_width]).all() and three.met is False
    assert three.no_interval == f"{stats.TOO_FEW}: 3 and 16 trials (at least 8 a side)"
    record = three.to_json()
    assert record["low"] is record["high"] is record["half_width"] is None and record["trials"] == 3
    assert not Fact.of(three).has_interval
    eight = made((8, 8))
    assert (eight.low, eight.high, eight.met, eight.no_interval) == (1.2, 1.6, True, None)
    assert Fact.of(eight).has_interval


def test_a_claim_states_its_scope():
    assert SCOPE.words() == "n=5, size 1000, process mode"
    with pytest.raises(ValueError, match="one fact per case"):
        claims.general(
            "x",
            [fact("a", 1, 1, 1), fact("a", 2, 2, 2)],
            lambda f: True,
            cites="",
            scope=SCOPE,
            said="",
            every="",
            over="",
        )
