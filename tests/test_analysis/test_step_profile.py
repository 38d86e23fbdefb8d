"""step_profile: a training step's profile by part of the model and by kind of operation."""
import json
import subprocess
import sys

import pytest
import torch
from torch.autograd import DeviceType
from torch.autograd.profiler_util import FunctionEvent
from torch.profiler import profile, record_function

from mmseg.registry import MODELS
from mmseg_ccl.analysis import step_profile
from mmseg_ccl.analysis.step_profile import breakdown, breakdown_table, event_parts, labelled_parts, profile_steps

from helpers import ROOT, data_samples, head_cfg, segmentor_cfg

AUTOGRAD = 'autograd::engine::evaluate_function: '


class Trace:
    """Profiler events written by hand, as torch.profiler gives them for a CUDA step."""

    def __init__(self) -> None:
        self.events = []

    def cpu(self, name, start, end, parent=None, thread=1, seq=-1, fwd_thread=None, kernels=()):
        event = FunctionEvent(id=len(self.events), name=name, thread=thread, start_us=start, end_us=end,
                              fwd_thread=fwd_thread, sequence_nr=seq, use_device='cuda')
        if parent is not None:
            event.set_cpu_parent(parent)
            parent.append_cpu_child(event)
        at = start
        for duration in kernels:  # each kernel a device event too, and one of the event's kernels
            event.append_kernel('kernel', 0, duration)
            self.events.append(FunctionEvent(id=len(self.events), name='kernel', thread=7, start_us=at,
                                             end_us=at + duration, device_type=DeviceType.CUDA, use_device='cuda'))
            at += duration
        self.events.append(event)
        return event


def cuda_step() -> Trace:
    trace = Trace()
    step = trace.cpu('ccl::step', 0, 1000)
    exchange = trace.cpu('ccl::exchange', 10, 100, step)
    baddbmm = trace.cpu('aten::baddbmm', 20, 60, exchange, seq=7, kernels=[30])
    trace.cpu('cudaLaunchKernel', 25, 30, baddbmm)
    backbone = trace.cpu('ccl::backbone', 100, 300, step)
    conv = trace.cpu('aten::conv2d', 110, 200, backbone, seq=8)
    trace.cpu('aten::cudnn_convolution', 120, 190, conv, kernels=[40])
    trace.cpu('aten::add_', 250, 260, backbone, seq=9)  # no autograd node: seq is the next one's
    loss = trace.cpu('ccl::loss', 300, 350, step)
    trace.cpu('aten::upsample_bilinear2d', 310, 320, loss, seq=9, kernels=[4])
    # The backward pass, on the autograd thread, linked to the forward by (thread, sequence number).
    for name, seq, start, op, kernels in (('BaddbmmBackward0', 7, 400, 'aten::bmm', [20, 20]),
                                          ('ConvolutionBackward0', 8, 500, 'aten::convolution_backward', [60]),
                                          ('UpsampleBilinear2DBackward0', 9, 560, 'aten::upsample_bilinear2d_backward',
                                           [6]),
                                          ('torch::autograd::AccumulateGrad', -1, 580, 'aten::add_', [1])):
        node = trace.cpu(AUTOGRAD + name, start, start + 20, thread=2, seq=seq, fwd_thread=1)
        trace.cpu(op, start + 5, start + 15, node, thread=2, kernels=kernels)
    optimiser = trace.cpu('Optimizer.step#SGD.step', 700, 800, step)
    trace.cpu('aten::_foreach_add_', 710, 790, optimiser, kernels=[5])
    item = trace.cpu('aten::_local_scalar_dense', 900, 950, step)
    trace.cpu('cudaStreamSynchronize', 905, 945, item)
    trace.events.append(FunctionEvent(id=99, name='Memcpy DtoH', thread=7, start_us=946, end_us=949,
                                      device_type=DeviceType.CUDA, use_device='cuda'))
    return trace


def test_breakdown_of_a_cuda_step_by_part_and_kind():
    result = breakdown(cuda_step().events)
    assert result['steps'] == 1 and result['wall_ms'] == pytest.approx(1.0)
    assert result['busy_ms'] == pytest.approx(0.189)  # every device event: kernels and the copy
    assert result['device_ms'] == pytest.approx(0.186) and result['kernels'] == 9  # each kernel once
    parts = result['part']
    assert {name: row['device_ms'] for name, row in parts.items()} == pytest.approx(
        dict(exchange=0.070, backbone=0.100, loss=0.010, optimiser=0.005, other=0.001))
    assert {name: row['kernels'] for name, row in parts.items()} == dict(exchange=3, backbone=2, loss=2, optimiser=1,
                                                                         other=1)
    kind = {name: row['device_ms'] for name, row in result['kind'].items() if row['device_ms']}
    assert kind == pytest.approx(dict(matmul=0.070, convolution=0.100, resize=0.010, optimiser=0.005,
                                      other=0.001))
    sync = result['kind']['synchronisation']
    assert sync['cpu_ms'] == pytest.approx(0.050) and sync['ops'] == 1  # the op and the wait it encloses
    assert result['part']['other']['cpu_ms'] == pytest.approx(0.050 + 0.020)  # the sync, AccumulateGrad


def test_breakdown_names_its_missing_step_scope():
    events = [event for event in cuda_step().events if event.name != 'ccl::step']
    with pytest.raises(ValueError, match="no 'ccl::step' events"):
        breakdown(events)


def test_mean_breakdown_weighs_each_profile_by_its_steps():
    one = dict(steps=1, wall_ms=10.0, busy_ms=0.0, cpu_ms=8.0, device_ms=0.0, kernels=0.0, ops=100.0,
               part=dict(head=dict(cpu_ms=5.0, device_ms=0.0, kernels=0.0, ops=60.0),
                         exchange=dict(cpu_ms=3.0, device_ms=0.0, kernels=0.0, ops=40.0)),
               kind=dict(convolution=dict(cpu_ms=8.0, device_ms=0.0, kernels=0.0, ops=100.0)))
    three = dict(one, steps=3, wall_ms=14.0, cpu_ms=4.0, ops=60.0,
                 part=dict(head=dict(one['part']['head'], cpu_ms=4.0)),
                 kind=dict(convolution=dict(one['kind']['convolution'], cpu_ms=4.0, ops=60.0)))
    mean = step_profile.mean_breakdown([one, three])
    assert mean['steps'] == 4 and mean['wall_ms'] == 13.0 and mean['cpu_ms'] == 5.0 and mean['ops'] == 70.0
    assert mean['part']['head'] == dict(cpu_ms=4.25, device_ms=0.0, kernels=0.0, ops=60.0)
    assert mean['part']['exchange']['cpu_ms'] == 0.75  # absent from the second profile: zero there
    assert mean['kind']['convolution']['cpu_ms'] == 5.0


def tiny_training_step(direction, seeded):
    model = MODELS.build(segmentor_cfg(head=head_cfg(fusion='reduced', direction=direction)))
    images = [torch.randint(0, 256, (3, 32, 32), generator=seeded).float() for _ in range(2)]
    data = dict(inputs=images, data_samples=data_samples(2, 32, seeded))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

    def step():
        optimizer.zero_grad()
        model.parse_losses(model.loss(**model.data_preprocessor(data, True)))[0].backward()
        optimizer.step()
    return model, step


@pytest.mark.compat
def test_profiled_ccl_step_sets_the_exchange_apart(seeded):
    """CPU profile of real steps: the reduced fusion's batched products, forward and backward, are the
    exchange's; the two networks' parts are the same size with and without it (in operations)."""
    model, step = tiny_training_step('cross', seeded)
    with labelled_parts(model), profile() as prof:
        with record_function('ccl::step'):
            step()
    events = list(prof.events())
    parts = event_parts(events)
    products = [e for e in events if 'baddbmm' in e.name.lower()]
    assert {e.name.startswith(AUTOGRAD) for e in products} == {False, True}  # forward and backward
    assert {parts[id(e)] for e in products} == {'exchange'}
    backbone_backward = [e for e in events if e.name == AUTOGRAD + 'ConvolutionBackward0'
                         and parts[id(e)] == 'backbone']
    assert backbone_backward
    assert model.decode_head.forward.__func__ is type(model.decode_head).forward  # labels taken off

    ccl = profile_steps(model, step, 2, 'cpu')
    ensemble = profile_steps(*tiny_training_step('none', seeded), 2, 'cpu')
    assert ccl['steps'] == 2 and ccl['part']['exchange']['ops'] > 0 and 'exchange' not in ensemble['part']
    for name in ('backbone', 'head', 'loss', 'data'):  # torch 2.1's event tree varies by an op or two a step
        assert ccl['part'][name]['ops'] == pytest.approx(ensemble['part'][name]['ops'], rel=0.01), name
    assert sum(row['ops'] for row in ccl['part'].values()) == ccl['ops']
    assert sum(row['cpu_ms'] for row in ccl['kind'].values()) == pytest.approx(ccl['cpu_ms'])
    table = breakdown_table(dict(ccl=ccl, ensemble=ensemble), 'ccl', 'ensemble')
    assert '| part: exchange | 0.0 / ' in table and 'GPU' not in table


def test_benchmark_profiles_each_model_against_the_reference(tmp_path):
    ensemble, ccl = 'configs/ccl/demo_ensemble.py', 'configs/ccl/demo_ccl.py#model.decode_head.fusion=reduced'
    out = tmp_path / 'bench.json'
    result = subprocess.run(
        [sys.executable, 'tools/analysis_tools/benchmark.py', ensemble, ccl, '--shape', '32', '32', '--rounds', '0',
         '--profile', '2', '--trace-dir', str(tmp_path / 'traces'), '--out', str(out)],
        cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f'profile of 2 training steps, per step: {ccl} against {ensemble}' in result.stdout
    results = json.loads(out.read_text())['results']
    assert results[ccl]['profile']['steps'] == 2 == results[ensemble]['profile']['steps']
    assert 'exchange' in results[ccl]['profile']['part'] and 'exchange' not in results[ensemble]['profile']['part']
    traces = sorted(p.name for p in (tmp_path / 'traces').iterdir())
    assert traces == ['0_demo_ensemble.py.trace.json', '1_demo_ccl.py_model.decode_head.fusion=reduced.trace.json']
    assert json.loads((tmp_path / 'traces' / traces[1]).read_text())['traceEvents']
