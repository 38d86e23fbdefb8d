"""interleaved_times: every round times each call once, every other round in reverse order;
median_interval: the order statistics that cover a median at a level."""
import math
import random

import pytest

from mmseg_ccl.analysis.timing import interleaved_times, median_interval


def test_rounds_alternate_and_warmup_is_not_timed():
    order, syncs = [], []
    calls = {name: (lambda n=name: order.append(n)) for name in 'ABC'}
    times = interleaved_times(calls, rounds=3, warmup=1, sync=lambda: syncs.append(len(order)))
    assert ''.join(order) == 'ABC' 'CBA' 'ABC' 'CBA'  # warm-up round first, then three timed rounds
    assert {name: len(t) for name, t in times.items()} == {'A': 3, 'B': 3, 'C': 3}
    assert all(t >= 0 for samples in times.values() for t in samples)
    assert len(syncs) == 2 * len(order)  # before and after every call


def test_no_rounds_no_samples():
    assert interleaved_times({'A': lambda: None}, rounds=0, warmup=0) == {'A': []}


@pytest.mark.parametrize('n, k', [(6, 1), (10, 2), (30, 10), (31, 10), (100, 40)])
def test_median_interval_is_the_binomial_order_statistics(n, k):
    """95 %: the k-th smallest and k-th largest of n, k from the binomial tables."""
    values = [float(v) for v in range(100, 100 + n)][::-1]
    assert median_interval(values) == (100.0 + k - 1, 100.0 + n - k)


def test_median_interval_is_unbounded_for_too_few_values():
    assert median_interval([1.0, 2.0, 3.0, 4.0, 5.0]) == (-math.inf, math.inf)
    assert median_interval([]) == (-math.inf, math.inf)
    assert median_interval([1.0, 2.0, 3.0, 4.0, 5.0], level=0.9) == (1.0, 5.0)


def test_median_interval_covers_the_median_at_its_level():
    """Skewed per-round ratios (log-normal, median exactly 1.1): 30 rounds, 4000 experiments."""
    rng = random.Random(0)
    covered = 0
    for _ in range(4000):
        lower, upper = median_interval([1.1 * math.exp(rng.gauss(0, 0.2)) for _ in range(30)])
        covered += lower <= 1.1 <= upper
    assert 0.95 <= covered / 4000 <= 0.97  # its exact coverage at n = 30 is 0.957
