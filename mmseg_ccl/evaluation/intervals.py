"""Confidence intervals for differences of mIoU between rows trained over seeds.

Rows trained on the same seeds see the same data order and move together, so
their difference is taken per seed (paired); rows without a shared pairing are
compared with Welch's interval. Several variants compared against one reference
get Holm-corrected levels.
"""
import math
import statistics
from typing import List, NamedTuple, Sequence

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


def holm_levels(p_values: Sequence[float], alpha: float = 0.05) -> List[float]:
    """Holm's step-down levels: the comparison with the k-th smallest p-value (k from 0) of m
    gets the level ``1 - alpha / (m - k)``."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    levels = [0.0] * len(p_values)
    for rank, i in enumerate(order):
        levels[i] = 1 - alpha / (len(p_values) - rank)
    return levels
