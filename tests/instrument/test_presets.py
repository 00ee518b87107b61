"""The named presets made concrete: what each grid covers, and the article's size picked on
the machine."""

import pytest

from bench.analysis.families import gap
from bench.instrument import presets
from bench.vocabulary.config import IDEAL
from servers import memory, strategies, workloads
from servers.strategies import GATHER
from servers.workloads import ARTICLE


def test_presets_cover_both_frameworks_modes_and_the_ideal():
    for name in ("smoke", "quick"):
        configs = presets.get(name).configs()
        assert {(c.framework, c.mode) for c in configs} == {
            ("flask", "thread"),
            ("flask", "process"),
            ("fastapi", "thread"),
            ("fastapi", "process"),
            ("quart", "process"),  # the framework x server grid only
            ("litestar", "process"),
            (IDEAL, "inprocess"),
        }
        assert {c.variant for c in configs if c.framework in ("quart", "litestar")} == {"", "gunicorn-asgi", "granian"}
        assert len(configs) == len(set(configs))


def test_quick_covers_the_whole_matrix_and_the_controlled_comparisons():
    configs = presets.get("quick").configs()
    pairs = {(w, s) for w in workloads.WORKLOADS for s in strategies.STRATEGIES}
    for fw in ("flask", "fastapi", IDEAL):
        assert {(c.workload, c.strategy) for c in configs if c.framework == fw} == pairs
    assert {(c.framework, c.endpoint) for c in configs if c.framework != IDEAL and c.workload == "sleep"} == {
        ("flask", "sync"),
        ("flask", "async"),
        ("fastapi", "sync"),
        ("fastapi", "async"),
    }
    assert {(c.framework, c.variant) for c in configs if c.variant and c.variant not in presets.SERVER_VARIANTS} == {
        ("flask", "debug"),
        ("flask", "one-thread"),
        ("fastapi", "settle"),
    }
    assert all(c.mode == "process" and c.back_to_back for c in configs if c.variant)
    # Every side of the controlled comparisons is measured, each request sent twice.
    for side in gap.CHAIN:
        assert [
            c
            for c in configs
            if (c.framework, c.endpoint, c.variant, c.size, c.back_to_back)
            == (side.framework, side.endpoint, side.variant, 1000, True)
        ], side


def test_quick_measures_the_gap_at_four_sizes_from_500():
    sizes = {
        c.size
        for c in presets.get("quick").configs()
        if c.workload == "article" and c.back_to_back and c.variant == "" and c.n == 5
    }
    assert len(sizes) >= 4 and min(sizes) == 500


def test_article_preset_takes_the_largest_size_the_guard_admits(monkeypatch):
    article = presets.get("article")
    assert article.n == 5 and article.size is None
    monkeypatch.setattr(memory, "available_bytes", lambda: 8 * 2**30)
    resolved = presets.resolve(article).size
    assert resolved is not None and 0 < resolved < 10_000
    limit = memory.limit_bytes() - presets.SERVERS_MARGIN_BYTES

    def est(size):
        return memory.estimate_peak_bytes(ARTICLE, GATHER, n=5, size=size)

    assert est(resolved) <= limit < est(resolved + 100)
    monkeypatch.setattr(memory, "available_bytes", lambda: 2**50)
    assert presets.resolve(article).size == 10_000
    monkeypatch.setattr(memory, "available_bytes", lambda: 0)
    with pytest.raises(ValueError, match="not enough memory"):
        presets.resolve(article)
