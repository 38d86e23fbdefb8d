"""Confidence intervals and tests for differences of mIoU between rows trained over seeds.

Rows trained on the same seeds see the same data order, so their difference is
taken per seed (paired); that narrows the interval where their per-seed scores
rise and fall together (positive correlation) and widens it where they move
apart (:func:`correlation` tells which). Rows without a shared pairing are
compared with Welch's interval. A family of comparisons is decided by Holm's
step-down test (:func:`holm`), and its simultaneous intervals are Bonferroni's
(:func:`bonferroni_level`).
"""
import math
import statistics
from typing import List, NamedTuple, Sequence

import numpy as np
from scipy import stats


class Interval(NamedTuple):
    """``a - b``: its estimate, the interval ``[low, high]`` at ``level``, the number of
    seeds (pairs, or ``a``'s and ``b``'s), and the two-sided p-value against zero."""
    difference: float
    low: float
    high: float
    level: float
    n: tuple
    p: float

    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def _t_interval(difference: float, se: float, df: float, level: float, n: tuple) -> Interval:
    if se == 0:
        return Interval(difference, difference, difference, level, n, 0.0 if difference else 1.0)
    half = stats.t.ppf(0.5 + level / 2, df) * se
    p = 2 * stats.t.sf(abs(difference) / se, df)
    return Interval(difference, difference - half, difference + half, level, n, float(p))


def paired_interval(a: Sequence[float], b: Sequence[float], level: float = 0.95) -> Interval:
    """Mean of the per-seed differences ``a[i] - b[i]`` with its t interval (n - 1 degrees of freedom)."""
    if len(a) != len(b) or len(a) < 2:
        raise ValueError(f'paired_interval needs two or more pairs, got {len(a)} and {len(b)} values')
    differences = [x - y for x, y in zip(a, b)]
    se = statistics.stdev(differences) / math.sqrt(len(differences))
    return _t_interval(statistics.mean(differences), se, len(differences) - 1, level, (len(differences), ))


def welch_interval(a: Sequence[float], b: Sequence[float], level: float = 0.95) -> Interval:
    """``mean(a) - mean(b)`` with Welch's t interval (Welch-Satterthwaite degrees of freedom)."""
    if len(a) < 2 or len(b) < 2:
        raise ValueError(f'welch_interval needs two or more values on each side, got {len(a)} and {len(b)}')
    va, vb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1)) if se else 1.0
    return _t_interval(statistics.mean(a) - statistics.mean(b), se, df, level, (len(a), len(b)))


def holm(p_values: Sequence[float], alpha: float = 0.05) -> List[bool]:
    """Holm's step-down test of m hypotheses at family-wise error ``alpha``: which are rejected.

    The p-values are taken from the smallest; the k-th (k from 0) is rejected while it is at
    most ``alpha / (m - k)``. The first that is not stops the test: it and every larger one are
    kept, whatever their own thresholds.
    """
    rejected = [False] * len(p_values)
    for rank, i in enumerate(sorted(range(len(p_values)), key=lambda i: p_values[i])):
        if p_values[i] > alpha / (len(p_values) - rank):
            break
        rejected[i] = True
    return rejected


def bonferroni_level(m: int, alpha: float = 0.05) -> float:
    """The level of each of ``m`` intervals that hold together with probability ``1 - alpha``."""
    return 1 - alpha / m


def correlation(a: Sequence[float], b: Sequence[float]) -> float:
    """Pearson's correlation of paired scores (NaN where either is constant)."""
    if np.std(a) == 0 or np.std(b) == 0:
        return float('nan')
    return float(np.corrcoef(a, b)[0, 1])


def pairs_needed(sd: float, gain: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """The fewest pairs with which a two-sided paired t-test at ``alpha`` detects a mean
    difference ``gain`` with probability ``power``, when the differences' standard deviation is
    ``sd`` (noncentral t)."""
    n = 2
    while True:
        df, shift = n - 1, gain / (sd / math.sqrt(n))
        critical = stats.t.ppf(1 - alpha / 2, df)
        if stats.nct.sf(critical, df, shift) + stats.nct.cdf(-critical, df, shift) >= power:
            return n
        n += 1
