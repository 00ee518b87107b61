"""Medians with bootstrap intervals, ratios with intervals, and plain-words verdicts.

Intervals are percentile bootstrap intervals (:func:`percentile_interval`: the method that
stays defined for the small, often tied samples of a benchmark), with a fixed seed so that a
report of the same data always prints the same numbers. They are the intervals
:func:`scipy.stats.bootstrap` gives with ``method="percentile"`` and the same generator, to the
last bit (a test checks it); computing them here spares every process scipy's import.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

CONFIDENCE = 0.95
RESAMPLES = 4000
SEED = 20261126
#: The fewest values a sample needs for an interval: below it, every interval here is NaN (a
#: bootstrap over three points is their range, covering far less than 95%), and nothing
#: downstream (a figure, a table, a caption, the JSON) can draw or quote one.
MIN_TRIALS = 8
#: What the article says where a configuration has fewer.
TOO_FEW = "too few trials for an interval"

#: Measured values: a list, an array or a pandas Series; NaN and infinities are left out.
Samples = npt.ArrayLike
#: A vectorized statistic, ``f(x, axis=-1)``, such as ``np.median``.
Statistic = Callable[..., Any]


@dataclass(frozen=True)
class Estimate:
    """A point estimate with a confidence interval (NaN when it cannot be computed)."""

    value: float
    low: float
    high: float

    def contains(self, x: float) -> bool:
        return bool(self.low <= x <= self.high)

    def __str__(self) -> str:
        if np.isnan(self.low):
            return f"{self.value:.3g}"
        return f"{self.value:.3g} [{self.low:.3g}, {self.high:.3g}]"


def interval_text(low: float, high: float, fmt: str = ".3g") -> str:
    """``[low, high]`` in ``fmt``, or ``(no interval)`` where an end is not a number (fewer
    than :data:`MIN_TRIALS` values, or none)."""
    return f"[{low:{fmt}}, {high:{fmt}}]" if math.isfinite(low) and math.isfinite(high) else "(no interval)"


def _clean(x: Samples) -> npt.NDArray[np.float64]:
    a = np.asarray(x, dtype=float)
    return a[np.isfinite(a)]


def percentile_interval(
    samples: Sequence[npt.NDArray[Any]],
    statistic: Statistic,
    *,
    seed: int = SEED,
    resamples: int = RESAMPLES,
    batch: int | None = None,
    vectorized: bool = True,
) -> tuple[Any, Any]:
    """The percentile bootstrap 95% interval of ``statistic(*samples)``: each sample (values
    along its last axis) resampled with replacement, independently of the others, ``resamples``
    times from ``np.random.default_rng(seed)``; the interval runs from the 2.5th to the 97.5th
    percentile of the statistic over the resamples (Hyndman and Fan's definition 7, numpy's
    default). ``statistic`` takes ``axis=-1`` when ``vectorized``, else one resample of each
    sample at a time and may return an array (then so are the bounds). ``batch`` bounds how
    many resamples are drawn at once (memory); the draws go batch by batch, sample by sample."""
    rng = np.random.default_rng(seed)
    step = batch or resamples
    parts = []
    for start in range(0, resamples, step):
        size = min(step, resamples - start)
        drawn = [s[..., rng.integers(0, s.shape[-1], (size, s.shape[-1]))] for s in samples]
        if vectorized:
            parts.append(np.asarray(statistic(*drawn, axis=-1)))
        else:
            parts.append(
                np.stack([np.asarray(statistic(*(d[..., i, :] for d in drawn))) for i in range(size)], axis=-1)
            )
    values = np.sort(np.concatenate(parts, axis=-1), axis=-1)
    tail = (1 - CONFIDENCE) / 2
    return _percentile(values, tail), _percentile(values, 1 - tail)


def _percentile(ordered: npt.NDArray[Any], p: float) -> Any:
    """The ``p`` quantile of values sorted along the last axis, by Hyndman and Fan's
    definition 7: at 1-based position h = p (m - 1) + 1 among m values, the weighted mean
    of the values at floor(h) and the one above."""
    m = ordered.shape[-1]
    h = p * m + (1 - p)
    whole = np.floor(h)
    frac = h - whole if whole >= 1 else 0.0
    below = int(min(max(whole - 1, 0), m - 1))
    above = int(min(max(whole, 0), m - 1))
    return (1 - frac) * ordered[..., below] + frac * ordered[..., above]


def statistic_ci(x: Samples, statistic: Statistic, seed: int = SEED) -> Estimate:
    """``statistic(x)`` (a vectorized function with an ``axis`` argument, such as a
    percentile) with a bootstrap 95% interval; NaN interval below :data:`MIN_TRIALS` values."""
    a = _clean(x)
    if a.size == 0:
        return Estimate(float("nan"), float("nan"), float("nan"))
    value = float(statistic(a, axis=-1))
    if a.size < MIN_TRIALS:
        return Estimate(value, float("nan"), float("nan"))
    if np.all(a == a[0]):
        return Estimate(value, value, value)
    low, high = percentile_interval((a,), statistic, seed=seed)
    return Estimate(value, float(low), float(high))


def median_ci(x: Samples, seed: int = SEED) -> Estimate:
    """Median of ``x`` with a bootstrap 95% interval; NaN interval below :data:`MIN_TRIALS` values."""
    return statistic_ci(x, np.median, seed)


def median_ratio(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], axis: int = -1) -> Any:
    """The ratio of two samples' medians: how many times longer one side takes than the other,
    as a reader recomputes it from the trials. Not moved by a few spikes; and ratios of one
    chain of samples telescope (a/b times b/c is a/c), so the steps of a decomposition multiply
    to its whole exactly. Vectorized along the leading axes of ``x`` and ``y`` (the last axis
    holds a sample)."""
    return np.median(x, axis=axis) / np.median(y, axis=axis)


def ratio_ci(a: Samples, b: Samples, seed: int = SEED, resamples: int = RESAMPLES) -> Estimate:
    """``a`` relative to ``b`` (both positive, such as wall times): the ratio of their medians
    (:func:`median_ratio`), with a bootstrap 95% interval resampling ``a`` and ``b``
    independently. NaN interval where a sample has fewer than :data:`MIN_TRIALS` values."""
    x, y = _positive(a), _positive(b)
    return _ratio_ci(x.tobytes(), y.tobytes(), seed, resamples)


@functools.lru_cache(maxsize=4096)
def _ratio_ci(a: bytes, b: bytes, seed: int, resamples: int) -> Estimate:
    """:func:`ratio_ci` of two samples given as their float64 bytes. Remembered: the stopping
    rule looks at every figure after each round, most of them on the same trials as before,
    and the same samples always give the same interval (the seed is fixed)."""
    x, y = np.frombuffer(a), np.frombuffer(b)
    if x.size == 0 or y.size == 0:
        return Estimate(float("nan"), float("nan"), float("nan"))
    ratio = float(median_ratio(x, y))
    if x.size < MIN_TRIALS or y.size < MIN_TRIALS:
        return Estimate(ratio, float("nan"), float("nan"))
    low, high = percentile_interval(
        (x, y), median_ratio, seed=seed, resamples=resamples, batch=_batch(max(x.size, y.size))
    )
    return Estimate(ratio, float(low), float(high))


def joint_ci(
    samples: Sequence[Samples], statistic: Callable[..., Any], seed: int = SEED, resamples: int = RESAMPLES
) -> Estimate:
    """``statistic(*samples)`` (vectorized, each sample along the last axis) with a bootstrap
    95% interval resampling every sample independently: for numbers made of several ratios,
    such as what is left of a gap once named factors are divided out. NaN interval where a
    sample has fewer than :data:`MIN_TRIALS` values."""
    clean = tuple(_positive(s) for s in samples)
    if any(c.size == 0 for c in clean):
        return Estimate(float("nan"), float("nan"), float("nan"))
    value = float(statistic(*clean))
    if any(c.size < MIN_TRIALS for c in clean):
        return Estimate(value, float("nan"), float("nan"))
    biggest = max(c.size for c in clean)
    low, high = percentile_interval(clean, statistic, seed=seed, resamples=resamples, batch=_batch(biggest * biggest))
    return Estimate(value, float(low), float(high))


def _positive(x: Samples) -> npt.NDArray[np.float64]:
    a = _clean(x)
    return a[a > 0]


def _batch(cells: int) -> int:
    """Resamples per batch, so that a batch of pairwise tables stays near 4 million numbers."""
    return max(1, 4_000_000 // max(cells, 1))


def half_width(e: Estimate) -> float:
    """Half the 95% interval's width, relative to the value: (high - low) / 2 / value."""
    if not (np.isfinite(e.low) and np.isfinite(e.high) and e.value):
        return float("nan")
    return float((e.high - e.low) / 2 / abs(e.value))


#: The normal quantile of a two-sided 95% interval: the standard normal's 97.5th percentile
#: (``scipy.stats.norm.ppf(0.975)``, to the last bit; a test checks it).
Z95 = 1.959963984540054


def _continued_fraction(term: Callable[[int], float], *, tolerance: float = 1e-14, most: int = 500) -> float:
    """The value of 1 + a1 / (1 + a2 / (1 + ...)) with ``term(k)`` the k-th numerator a_k
    (k >= 1), by the modified Lentz method."""
    tiny = 1e-300
    f = c = 1.0
    d = 0.0
    for k in range(1, most):
        a = term(k)
        d = 1.0 + a * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + a / c
        c = c if abs(c) > tiny else tiny
        f *= c * d
        if abs(c * d - 1.0) < tolerance:
            break
    return f


def _regularized_beta(x: float, a: float, b: float) -> float:
    """The regularized incomplete beta function I_x(a, b), 0 <= x <= 1, from its continued
    fraction (the symmetric form is used where it converges faster)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    if x > (a + 1.0) / (a + b + 2.0):
        return 1.0 - _regularized_beta(1.0 - x, b, a)
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)) / a

    def term(k: int) -> float:
        m = k // 2
        if k % 2 == 0:
            return m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        return -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))

    return front / _continued_fraction(term)


def _regularized_gamma(a: float, x: float) -> float:
    """The regularized lower incomplete gamma function P(a, x): its series below a + 1, one
    less its upper part's continued fraction above."""
    if x <= 0.0:
        return 0.0
    front = math.exp(a * math.log(x) - x - math.lgamma(a))
    if x < a + 1.0:
        total, term, k = 1.0 / a, 1.0 / a, 0
        while abs(term) > abs(total) * 1e-15 and k < 1000:
            k += 1
            term *= x / (a + k)
            total += term
        return front * total
    # Q(a, x) = front / (x + 1 - a - 1 (1 - a) / (x + 3 - a - ...)), written with unit denominators
    tiny = 1e-300
    b = x + 1.0 - a
    c, d = 1.0 / tiny, 1.0 / b
    h = d
    for k in range(1, 1000):
        an = -k * (k - a)
        b += 2.0
        d = an * d + b
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = b + an / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return 1.0 - front * h


def _quantile(
    cdf: Callable[[float], float],
    p: float,
    low: float,
    high: float,
    pdf: Callable[[float], float] | None = None,
) -> float:
    """The x in [low, high] where the increasing ``cdf`` reaches ``p``: Newton's steps on its
    density ``pdf`` where given, each kept inside the bracket that bisection keeps (a step that
    would leave it bisects instead), so it converges whatever the start."""
    while cdf(high) < p:
        high *= 2
    x = (low + high) / 2
    for _ in range(200):
        below = cdf(x) < p
        low, high = (x, high) if below else (low, x)
        if high - low <= 1e-12 * max(1.0, abs(high)):
            break
        step = x - (cdf(x) - p) / pdf(x) if pdf is not None and pdf(x) > 0 else math.nan
        close = pdf is not None and abs(step - x) <= 1e-13 * max(1.0, abs(x))
        if close:
            return step
        x = step if low < step < high else (low + high) / 2
    return (low + high) / 2


def t_quantile(p: float, df: float) -> float:
    """Student's t distribution's ``p`` quantile with ``df`` degrees of freedom
    (``scipy.stats.t.ppf``; a test checks it to 1e-9)."""
    if not 0 < p < 1 or df <= 0:
        raise ValueError(f"t_quantile needs 0 < p < 1 and df > 0, got p={p}, df={df}")
    if p < 0.5:
        return -t_quantile(1 - p, df)
    if p == 0.5:  # the median, where the cdf's formula loses t's precision (it sees t squared)
        return 0.0

    def cdf(t: float) -> float:
        return 1.0 - 0.5 * _regularized_beta(df / (df + t * t), df / 2, 0.5)

    scale = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)

    def pdf(t: float) -> float:
        return math.exp(scale - (df + 1) / 2 * math.log1p(t * t / df))

    return _quantile(cdf, p, 0.0, 10.0, pdf)


def chi2_quantile(p: float, df: float) -> float:
    """The chi-square distribution's ``p`` quantile with ``df`` degrees of freedom
    (``scipy.stats.chi2.ppf``; a test checks it to 1e-9)."""
    if not 0 < p < 1 or df <= 0:
        raise ValueError(f"chi2_quantile needs 0 < p < 1 and df > 0, got p={p}, df={df}")
    return _quantile(lambda x: _regularized_gamma(df / 2, x / 2), p, 0.0, max(10.0, 4 * df))


def verdict(
    ratio: Estimate,
    *,
    a: str = "FastAPI",
    b: str = "Flask",
    what: str = "wall time",
    lower: str = "faster",
    higher: str = "slower",
    verb: str = "takes",
    amount: str = "as long",
) -> str:
    """Plain words for ``ratio``, a's ``what`` over b's (:func:`ratio_ci`): below 1, a is
    ``lower`` ("faster"); above 1, ``higher``; an interval that includes 1, unresolved, with
    how large a difference it still allows; no interval, no conclusion."""
    if np.isnan(ratio.value):
        return f"no {what} ratio: one side has no successful trials"
    if np.isnan(ratio.low):
        return f"{a}'s {what} is {ratio.value:.2f}x {b}'s, from too few trials for an interval: no conclusion"
    ci = f"95% CI {ratio.low:.2f} to {ratio.high:.2f}"
    if ratio.contains(1.0):
        allowed = max(ratio.high - 1.0, 1.0 - ratio.low)
        return (
            f"unresolved: {a}'s {what} is {ratio.value:.2f}x {b}'s ({ci}, which includes 1: a difference of "
            f"up to {allowed:.0%} either way is not ruled out)"
        )
    if ratio.high < 1.0:
        return (
            f"{a} is {lower}: its {what} is {ratio.value:.2f}x {b}'s ({ci}), "
            f"i.e. {b} {verb} {1 / ratio.value:.2f}x {amount}"
        )
    return f"{a} is {higher}: its {what} is {ratio.value:.2f}x {b}'s ({ci})"
