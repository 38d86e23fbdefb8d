"""Interleaved wall-clock timing of several callables, and an interval for a median of
their per-round ratios, for side-by-side cost comparisons."""
import math
import time
from typing import Callable, Dict, Hashable, List, Optional, Sequence, Tuple


def interleaved_times(calls: Dict[Hashable, Callable[[], object]], rounds: int, warmup: int = 1,
                      sync: Optional[Callable[[], None]] = None) -> Dict[Hashable, List[float]]:
    """Seconds each call took in each of ``rounds`` rounds, after ``warmup`` untimed rounds.

    Every round calls each callable once, every other round in reverse order
    (A, B, C, C, B, A, A, ...), so that the machine's noise and drift hit all
    alike; per-round ratios between them are then paired. ``sync`` (e.g.
    ``torch.cuda.synchronize``) runs before and after each timed call.
    """
    times: Dict[Hashable, List[float]] = {name: [] for name in calls}
    items = list(calls.items())
    for round_index in range(warmup + rounds):
        for name, call in (items if round_index % 2 == 0 else items[::-1]):
            if sync is not None:
                sync()
            start = time.perf_counter()
            call()
            if sync is not None:
                sync()
            if round_index >= warmup:
                times[name].append(time.perf_counter() - start)
    return times


def median_interval(values: Sequence[float], level: float = 0.95) -> Tuple[float, float]:
    """Distribution-free interval for the median of ``values``.

    The order statistics ``x(k)`` and ``x(n + 1 - k)`` with the largest ``k``
    whose tail ``P(B < k)``, ``B ~ Binomial(n, 1/2)``, is at most
    ``(1 - level) / 2``: the interval covers the median with probability at
    least ``level`` whatever the (continuous) distribution. ``(-inf, inf)``
    where ``values`` are too few for ``level`` (fewer than 6 at 95 %).
    """
    ordered = sorted(values)
    n = len(ordered)
    k, tail = 0, 0.0  # tail = P(B < k)
    while k < n and tail + math.comb(n, k) / 2**n <= (1 - level) / 2:
        tail += math.comb(n, k) / 2**n
        k += 1
    return (ordered[k - 1], ordered[n - k]) if k else (-math.inf, math.inf)
