"""Configurations: a variant applies only where it means something."""

from bench.vocabulary import config


def test_variants_apply_only_where_they_mean_something():
    assert config.variant_allowed("flask", "process", "debug")
    assert not config.variant_allowed("fastapi", "process", "debug")
    assert not config.variant_allowed("flask", "thread", "arena1")
    assert config.variant_allowed("fastapi", "process", "arena1")
