"""Interleaved wall-clock timing of several callables, for side-by-side cost ratios."""
import time
from typing import Callable, Dict, Hashable, List, Optional


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
