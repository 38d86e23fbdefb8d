"""interleaved_times: every round times each call once, every other round in reverse order."""
from mmseg_ccl.evaluation.timing import interleaved_times


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
