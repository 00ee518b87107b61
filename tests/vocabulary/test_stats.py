import math

import numpy as np
import pytest

from bench.vocabulary import stats


def test_median_ci_on_known_input():
    e = stats.median_ci([5, 1, 4, 2, 3, 7, 6, 8, 9])
    assert e.value == 5
    assert 1 <= e.low <= 5 <= e.high <= 9 and e.low < e.high


def test_median_ci_is_reproducible():
    x = np.random.default_rng(1).normal(10, 1, 30)
    assert stats.median_ci(x) == stats.median_ci(x)


def test_median_ci_covers_the_true_median_of_a_large_sample():
    x = np.random.default_rng(2).normal(10, 1, 400)
    e = stats.median_ci(x)
    assert e.contains(10.0) and e.high - e.low < 0.4


def test_degenerate_and_tiny_samples():
    assert stats.median_ci([2.0] * 8) == stats.Estimate(2.0, 2.0, 2.0)
    one = stats.median_ci([3.0])
    assert one.value == 3.0 and math.isnan(one.low)
    assert math.isnan(stats.median_ci([]).value)
    assert stats.median_ci([1.0, float("nan"), 3.0]).value == 2.0


def test_no_interval_from_fewer_than_eight_values():
    """Every interval here needs :data:`stats.MIN_TRIALS` values a sample: seven give the
    estimate alone, eight give an interval."""
    x = np.random.default_rng(5).lognormal(0, 0.2, 8)
    for seven, eight in (
        (stats.median_ci(x[:7]), stats.median_ci(x)),
        (stats.ratio_ci(x[:7], x), stats.ratio_ci(x, x[::-1])),
        (stats.ratio_ci(x, x[:7]), stats.ratio_ci(x[::-1], x)),
        (stats.joint_ci([x[:7], x], stats.median_ratio), stats.joint_ci([x, x[::-1]], stats.median_ratio)),
    ):
        assert math.isfinite(seven.value) and math.isnan(seven.low) and math.isnan(seven.high)
        assert math.isfinite(eight.low) and math.isfinite(eight.high)
    assert stats.MIN_TRIALS == 8


def test_the_t_and_chi_square_quantiles_are_scipys():
    scipy_stats = pytest.importorskip("scipy.stats")
    for df in (1, 2, 3, 5, 8, 13, 40, 200):
        for p in (0.005, 0.025, 0.1, 0.5, 0.9, 0.975, 0.995):
            assert stats.t_quantile(p, df) == pytest.approx(scipy_stats.t.ppf(p, df), abs=1e-9)
            assert stats.chi2_quantile(p, df) == pytest.approx(scipy_stats.chi2.ppf(p, df), rel=1e-9, abs=1e-9)
    with pytest.raises(ValueError):
        stats.t_quantile(1.0, 3)


def test_ratio_ci_recovers_a_known_ratio():
    rng = np.random.default_rng(3)
    a, b = rng.normal(2.0, 0.05, 60), rng.normal(1.0, 0.05, 60)
    r = stats.ratio_ci(a, b)
    assert r.value == pytest.approx(2.0, rel=0.02) and r.contains(2.0) and not r.contains(1.0)


def _pairwise_median_of_differences(x, y, axis=-1):
    return np.median((x[..., :, None] - y[..., None, :]).reshape(*x.shape[:-1], -1), axis=-1)


@pytest.mark.parametrize("case", range(12))
def test_the_percentile_interval_is_scipys_to_the_last_bit(case):
    """Same generator, same intervals as scipy.stats.bootstrap(method="percentile"): one and
    two samples, tied values, batches, and a statistic that returns several numbers."""
    scipy_stats = pytest.importorskip("scipy.stats")
    g = np.random.default_rng(case)
    x, y = g.lognormal(0, 0.3, int(g.integers(2, 30))), g.lognormal(0.1, 0.3, int(g.integers(2, 30)))
    if case % 2:
        x = np.round(x, 1)
    for data, statistic, batch in (
        ((x,), np.median, None),
        ((x, y), _pairwise_median_of_differences, 300),
        ((x, y), stats.median_ratio, None),
    ):
        want = scipy_stats.bootstrap(
            data,
            statistic,
            n_resamples=1000,
            batch=batch,
            vectorized=True,
            paired=False,
            method="percentile",
            rng=np.random.default_rng(7),
        ).confidence_interval
        assert stats.percentile_interval(data, statistic, seed=7, resamples=1000, batch=batch) == (want.low, want.high)
    units = np.arange(x.size)

    def mean_and_spread(idx):
        return np.array([x[idx].mean(), x[idx].std()])

    want = scipy_stats.bootstrap(
        (units,), mean_and_spread, n_resamples=200, vectorized=False, method="percentile", rng=np.random.default_rng(7)
    ).confidence_interval
    low, high = stats.percentile_interval((units,), mean_and_spread, seed=7, resamples=200, vectorized=False)
    assert np.array_equal(low, want.low) and np.array_equal(high, want.high)


def test_z95_is_the_normal_quantile():
    scipy_stats = pytest.importorskip("scipy.stats")
    assert stats.Z95 == float(scipy_stats.norm.ppf(0.975))


@pytest.mark.parametrize(
    "a, b, words",
    [
        (
            [1.0, 1.1, 0.9, 1.05, 0.95, 1.02, 0.98, 1.0],
            [2.0, 2.1, 1.9, 2.05, 1.95, 2.02, 1.98, 2.0],
            "FastAPI is faster",
        ),
        (
            [2.0, 2.1, 1.9, 2.05, 1.95, 2.02, 1.98, 2.0],
            [1.0, 1.1, 0.9, 1.05, 0.95, 1.02, 0.98, 1.0],
            "FastAPI is slower",
        ),
        ([1.0, 1.2, 0.8, 1.1, 0.9, 1.0, 1.2, 0.8], [1.0, 1.15, 0.85, 1.05, 0.95, 1.0, 1.15, 0.85], "unresolved"),
        ([1.0, 1.1, 0.9, 1.05, 0.95], [2.0, 2.1, 1.9, 2.05, 1.95], "too few trials"),
    ],
)
def test_verdicts(a, b, words):
    assert words in stats.verdict(stats.ratio_ci(a, b))


def test_verdict_without_data():
    assert "no successful trials" in stats.verdict(stats.ratio_ci([], [1.0]))
