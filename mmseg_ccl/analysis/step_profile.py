"""Where a training step's time goes: ``torch.profiler`` events summed by part of the model
(data, backbone, head, exchange, loss, optimiser) and by kind of operation (convolution,
resize, concatenation, synchronisation, ...), on the CPU side and on the GPU.

Backward operations are given the part of the forward operation that recorded them
(the autograd sequence number links the two); each GPU kernel is counted once, with the
operation that launched it.
"""
import contextlib
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Tuple

import torch
import torch.nn as nn
from torch.profiler import ProfilerActivity, profile, record_function

ROW = ('cpu_ms', 'device_ms', 'kernels', 'ops')
TOTALS = ('wall_ms', 'busy_ms') + ROW
PREFIX = 'ccl::'
STEP = PREFIX + 'step'
BACKWARD = 'autograd::engine::evaluate_function:'
OPTIMISER = 'Optimizer.'  # torch's scopes of an optimiser's step and zero_grad
# The segmentor's parts, by attribute; ``exchange`` (the head's ``exchange_modules()``) and ``loss`` are set apart
# from ``head``.
PARTS = ('data_preprocessor', 'backbone', 'neck', 'decode_head', 'auxiliary_head')
PART_NAMES = dict(data_preprocessor='data', decode_head='head')
# Kinds of operation, by the first of these substrings (lower case) in the name of the operation or of the
# nearest enclosing one; first rule first.
KINDS = (
    ('synchronisation', ('synchronize', '_local_scalar_dense', 'aten::item', 'aten::is_nonzero')),
    ('optimiser', ('_foreach_', 'aten::_fused_sgd', OPTIMISER.lower())),
    ('convolution', ('conv', )),
    ('resize', ('upsample', 'interpolate', 'grid_sampler')),
    ('matmul', ('bmm', 'addmm', 'aten::mm', 'matmul', 'aten::linear')),
    ('norm', ('batch_norm', 'group_norm', 'layer_norm')),
    ('concatenation', ('aten::cat', 'aten::stack', 'catbackward', 'stackbackward')),
    ('loss', ('cross_entropy', 'nll_loss', 'log_softmax')),
    ('activation', ('relu', 'threshold', 'clamp', 'hardtanh', 'sigmoid', 'silu', 'gelu')),
    ('pooling', ('pool', )),
    ('copy', ('copy', 'memcpy', 'memset', 'contiguous', 'clone', 'fill_', 'zero_')),
)


def _part_modules(model: nn.Module) -> Iterator[Tuple[str, nn.Module]]:
    for attribute in PARTS:
        module = getattr(model, attribute, None)
        if isinstance(module, nn.Module):
            yield PART_NAMES.get(attribute, attribute), module
    exchange_modules = getattr(getattr(model, 'decode_head', None), 'exchange_modules', None)
    if callable(exchange_modules):
        yield from (('exchange', fusion) for fusion in exchange_modules())


@contextlib.contextmanager
def labelled_parts(model: nn.Module) -> Iterator[None]:
    """Within it, each ``forward`` of a part of ``model`` (and the head's ``loss_by_feat``) runs in a
    ``record_function`` scope ``ccl::<part>``; the innermost one names an operation's part.

    Methods, not forward hooks: mmseg's segmentors call ``decode_head.loss``, which calls the head's
    ``forward`` without ``__call__``.
    """
    wrapped = []

    def label(owner: nn.Module, method: str, name: str) -> None:
        original = getattr(owner, method)

        def labelled(*args, **kwargs):
            with record_function(PREFIX + name):
                return original(*args, **kwargs)

        wrapped.append((owner, method, owner.__dict__.get(method)))
        setattr(owner, method, labelled)

    for name, module in _part_modules(model):
        label(module, 'forward', name)
    head = getattr(model, 'decode_head', None)
    if hasattr(head, 'loss_by_feat'):
        label(head, 'loss_by_feat', 'loss')
    try:
        yield
    finally:
        for owner, method, previous in reversed(wrapped):
            if previous is None:
                delattr(owner, method)
            else:
                setattr(owner, method, previous)


def _ancestors(event) -> Iterator:
    while event is not None:
        yield event
        event = event.cpu_parent


def _kind(event) -> str:
    for enclosing in _ancestors(event):
        name = enclosing.name.lower()
        if name.startswith(PREFIX):
            break
        for kind, patterns in KINDS:
            if any(pattern in name for pattern in patterns):
                return kind
    return 'other'


def breakdown(events: Iterable) -> dict:
    """Per step: wall time, GPU busy time, CPU time in operations and the counts of kernels and
    operations, in all and by part (``part``) and by kind (``kind``) of operation.

    ``events`` are a profile's ``events()`` of steps each run inside ``record_function('ccl::step')``.
    Times in milliseconds.
    """
    events = list(events)
    cpu = [e for e in events if e.device_type == torch.autograd.DeviceType.CPU]
    device = [e for e in events if e.device_type != torch.autograd.DeviceType.CPU]
    steps = [e for e in cpu if e.name == STEP]
    if not steps:
        raise ValueError(f'breakdown: no {STEP!r} events; run each step inside record_function({STEP!r})')

    parts = event_parts(cpu)
    total = dict.fromkeys(ROW, 0.0)
    by_part: Dict[str, dict] = {}
    by_kind: Dict[str, dict] = {}
    for event in cpu:
        if event.name.startswith((PREFIX, OPTIMISER)):
            continue
        self_cpu = event.self_cpu_time_total / 1e3
        kernel_ms = sum(kernel.duration for kernel in event.kernels) / 1e3
        is_op = event.name.startswith('aten::')
        for row in (total, by_part.setdefault(parts[id(event)], dict.fromkeys(ROW, 0.0)),
                    by_kind.setdefault(_kind(event), dict.fromkeys(ROW, 0.0))):
            row['cpu_ms'] += self_cpu
            row['device_ms'] += kernel_ms
            row['kernels'] += len(event.kernels)
            row['ops'] += is_op
    n = len(steps)

    def per_step(rows: Dict[str, dict]) -> Dict[str, dict]:
        return {key: {k: v / n for k, v in row.items()} for key, row in rows.items()}

    return dict(steps=n, wall_ms=sum(s.time_range.elapsed_us() for s in steps) / 1e3 / n,
                busy_ms=sum(e.time_range.elapsed_us() for e in device) / 1e3 / n,
                **{k: v / n for k, v in total.items()}, part=per_step(by_part), kind=per_step(by_kind))


def event_parts(events: Iterable) -> Dict[int, str]:
    """The part of each event (by ``id``): its innermost ``ccl::<part>`` scope, ``optimiser`` in the
    optimiser's step or ``zero_grad``, for a backward operation the part of the forward operation that
    made its autograd node (the last one with its thread and sequence number), else ``other``."""
    forward_part: Dict[Tuple[int, int], str] = {}
    parts: Dict[int, str] = {}
    # In time order, so that each backward operation comes after the forward operations of its node.
    for event in sorted(events, key=lambda e: e.time_range.start):
        part, forward = 'other', True
        for enclosing in _ancestors(event):
            if enclosing.name.startswith(PREFIX) and enclosing.name != STEP:
                part = enclosing.name[len(PREFIX):]
                break
            if enclosing.name.startswith(OPTIMISER):
                part = 'optimiser'
                break
            if enclosing.name.startswith(BACKWARD):
                part = forward_part.get((enclosing.fwd_thread, enclosing.sequence_nr), 'other')
                forward = False
                break
        parts[id(event)] = part
        if forward and event.sequence_nr >= 0:
            forward_part[(event.thread, event.sequence_nr)] = part
    return parts


def profile_steps(model: nn.Module, step: Callable[[], object], steps: int, device: str,
                  trace: Optional[str] = None) -> dict:
    """:func:`breakdown` of ``steps`` calls of ``step`` (a training step of ``model``), each ended by a
    device synchronisation; ``trace``: also write the profile there as a Chrome trace."""
    on_gpu = device.startswith('cuda')
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if on_gpu else [])
    with labelled_parts(model), profile(activities=activities) as prof:
        for _ in range(steps):
            with record_function(STEP):
                step()
                if on_gpu:
                    torch.cuda.synchronize()
    if trace:
        prof.export_chrome_trace(trace)
    return breakdown(prof.events())


def mean_breakdown(breakdowns: List[dict]) -> dict:
    """The per-step mean of :func:`breakdown` s of separate profiles (a part or kind missing from
    one counts as zero there)."""
    steps = sum(b['steps'] for b in breakdowns)

    def mean(values: List[float]) -> float:
        return sum(value * b['steps'] for value, b in zip(values, breakdowns)) / steps

    result = dict(steps=steps, **{key: mean([b[key] for b in breakdowns]) for key in TOTALS})
    for table in ('part', 'kind'):
        names = dict.fromkeys(name for b in breakdowns for name in b[table])
        result[table] = {name: {key: mean([b[table].get(name, {}).get(key, 0) for b in breakdowns]) for key in ROW}
                         for name in names}
    return result


def breakdown_table(results: Dict[str, dict], name: str, reference: str) -> str:
    """Markdown: ``name``'s step against ``reference``'s, per step, in all, by part and by kind."""
    ref, res = results[reference], results[name]
    on_gpu = ref['busy_ms'] > 0 or res['busy_ms'] > 0
    columns = ['device_ms', 'kernels', 'cpu_ms'] if on_gpu else ['cpu_ms', 'ops']
    titles = dict(device_ms='GPU kernels (ms)', kernels='kernels', cpu_ms='CPU in ops (ms)', ops='ops')

    def cells(a: dict, b: dict) -> str:
        digits = dict(cpu_ms=1, device_ms=1)  # times to 0.1 ms, counts whole
        return ' | '.join(f'{a.get(c, 0):.{digits.get(c, 0)}f} / {b.get(c, 0):.{digits.get(c, 0)}f} / '
                          f'{b.get(c, 0) - a.get(c, 0):+.{digits.get(c, 0)}f}' for c in columns)

    def triple(key: str) -> str:
        return f'{ref[key]:.1f} / {res[key]:.1f} / {res[key] - ref[key]:+.1f}'

    lines = ['step wall time (ms): ' + triple('wall_ms') + ('; GPU busy (ms): ' + triple('busy_ms') if on_gpu else ''),
             '', '| per step | ' + ' | '.join(f'{titles[c]}' for c in columns) + ' |',
             '|---' * (len(columns) + 1) + '|', f'| all operations | {cells(ref, res)} |']
    for table in ('part', 'kind'):
        keys = sorted(set(ref[table]) | set(res[table]),
                      key=lambda k: -abs(res[table].get(k, {}).get(columns[0], 0)
                                         - ref[table].get(k, {}).get(columns[0], 0)))
        lines += [f'| {table}: {key} | {cells(ref[table].get(key, {}), res[table].get(key, {}))} |' for key in keys]
    return '\n'.join(lines) + '\n\n(each cell: reference / this / difference)'
