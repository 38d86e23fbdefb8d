"""Mixed precision, channels_last, torch.compile (each against eager fp32, outputs and gradients), the
cheap fusion's cost and the benchmark tool."""
import argparse
import copy
import json
import os
import statistics
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm

from mmseg.registry import MODELS
from mmseg_ccl.analysis.complexity import count_flops

from helpers import ROOT, data_samples, features, head_cfg, load_tool, segmentor_cfg, tiny_resnet

FUSIONS = ['concat', 'add', 'reduced']


def train_batch(generator, n=2, size=32):
    images = [torch.randint(0, 256, (3, size, size), generator=generator).float() for _ in range(n)]
    return dict(inputs=images, data_samples=data_samples(n, size, generator))


@pytest.mark.parametrize('dtype', [torch.bfloat16, torch.float16])
@pytest.mark.parametrize('fusion', FUSIONS)
def test_autocast_training_steps(dtype, fusion, seeded):
    """Mixed-precision steps on CPU: autocast (what ``--amp``'s AmpOptimWrapper does on GPU, which
    mmengine allows only there) with loss scaling for fp16; no dtype errors, finite, learning."""
    model = MODELS.build(segmentor_cfg(head=head_cfg(fusion=fusion)))
    model.init_weights()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    scaler = torch.amp.GradScaler('cpu', init_scale=256.0, enabled=dtype == torch.float16)
    data = model.data_preprocessor(train_batch(seeded), True)
    losses = []
    for _ in range(4):
        with torch.autocast('cpu', dtype=dtype):
            loss, _ = model.parse_losses(model(**data, mode='loss'))
        optimizer.zero_grad()
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        losses.append(loss.item())
    assert all(torch.isfinite(torch.tensor(losses)))
    assert losses[-1] < losses[0]


@pytest.mark.parametrize('fusion', FUSIONS)
def test_bf16_autocast_forward_keeps_outputs_close(fusion, seeded):
    head = MODELS.build(head_cfg(in_channels=(64, 96), c1_in_channels=(8, 12), fusion=fusion)).eval()
    inputs = (features(1, ((8, 16), (64, 2)), seeded), features(1, ((12, 16), (96, 4)), seeded))
    with torch.no_grad():
        reference = head(inputs)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            mixed = head(inputs)
    for r, m in zip(reference, mixed):
        assert m.dtype == torch.bfloat16
        torch.testing.assert_close(m.float(), r, atol=0.1, rtol=0.1)


def test_channels_last_model_matches_contiguous(seeded):
    reference = MODELS.build(segmentor_cfg()).eval()
    cfg = segmentor_cfg()
    cfg['channels_last'] = True
    fast = MODELS.build(cfg).eval()
    fast.load_state_dict(reference.state_dict())
    conv = fast.backbone.top.stem[0]
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    images = torch.randn(2, 3, 32, 32, generator=seeded)
    with torch.no_grad():
        a, b = reference.predict(images), fast.predict(images)
    for x, y in zip(a, b):
        torch.testing.assert_close(y.seg_logits_mean.data, x.seg_logits_mean.data, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize('direction', ['cross', 'top_to_bottom', 'none'])
@pytest.mark.parametrize('fusion', FUSIONS)
def test_no_graph_breaks_in_our_modules(direction, fusion, seeded):
    model = MODELS.build(segmentor_cfg(head=head_cfg(direction=direction, fusion=fusion)))
    images = torch.randn(2, 3, 32, 32, generator=seeded)
    feats = model.extract_feat(images)
    torch._dynamo.reset()
    head_explain = torch._dynamo.explain(model.decode_head.forward)(feats)
    assert head_explain.graph_break_count == 0, head_explain.break_reasons
    assert head_explain.graph_count == 1
    torch._dynamo.reset()
    backbone_explain = torch._dynamo.explain(model.backbone.forward)(images)
    assert backbone_explain.graph_break_count == 0, backbone_explain.break_reasons


def test_compiled_model_matches_eager(seeded):
    model = MODELS.build(segmentor_cfg(head=head_cfg(fusion='reduced'))).eval()
    images = torch.randn(1, 3, 32, 32, generator=seeded)
    with torch.no_grad():
        eager = model._forward(images)
        torch._dynamo.reset()
        # aot_eager: dynamo's capture and AOT autograd as with inductor, without its slow code generation.
        compiled = torch.compile(model._forward, backend='aot_eager')(images)
    for e, c in zip(eager, compiled):
        torch.testing.assert_close(c, e, atol=1e-4, rtol=1e-4)


def loss_logits_and_gradients(model, data):
    """A training forward and backward, as mmseg's ``loss`` runs them, through the parts the
    execution paths replace (``extract_feat``, ``decode_head.forward``)."""
    model.train()
    model.zero_grad()
    batch = model.data_preprocessor(copy.deepcopy(data), True)
    logits = model.decode_head.forward(model.extract_feat(batch['inputs']))
    loss, _ = model.parse_losses(model.decode_head.loss_by_feat(logits, batch['data_samples']))
    loss.backward()
    return loss.item(), [x.float() for x in logits], {n: p.grad for n, p in model.named_parameters()}


# The fp32 execution paths against eager fp32, from the same weights and batch, in train mode (batch
# statistics). The model is dilated to output stride 8 and the batch is 8, so that every BatchNorm
# averages over at least 8 values: with 2 values (a batch of 2 at 1x1) its backward turns the 1e-7
# differences of another summation order into gradients several per cent apart.
# Tolerances: loss 1e-5 and logits 1e-4 (relative); gradients 1e-2 of the norm of all of them together
# and 5e-2 of each parameter's own (relative L2). Seen: channels_last up to 2e-3, compile 1e-6.
# bf16 autocast is not among them: in this untrained network its logits differ from fp32 by about
# 20 % of their norm; its checks are test_autocast_training_steps and the device's loss curves.
PATHS = {
    'channels_last (model option)': (dict(channels_last=True), dict()),
    'channels_last (benchmark.py --channels-last)': (dict(), dict(channels_last=True)),
    'torch.compile (benchmark.py --compile --compile-backend aot_eager)': (dict(), dict(compile=True)),
}


def relative_error(value: torch.Tensor, reference: torch.Tensor) -> float:
    return ((value - reference).norm() / reference.norm()).item()


@pytest.mark.parametrize('path', PATHS)
def test_execution_path_matches_eager_fp32_in_train_mode(path, seeded):
    benchmark = load_tool('tools/analysis_tools/benchmark.py')
    model_options, tool_options = PATHS[path]
    backbone = dict(tiny_resnet(), strides=(1, 2, 1, 1), dilations=(1, 1, 2, 4))
    cfg = segmentor_cfg(top=backbone, bottom=copy.deepcopy(backbone), head=head_cfg(fusion='reduced'))
    eager_args = argparse.Namespace(device='cpu', channels_last=False, compile=False, compile_backend='aot_eager')
    eager = benchmark.build(Config(dict(model=copy.deepcopy(cfg))), eager_args)
    fast = benchmark.build(Config(dict(model=dict(cfg, **model_options))),
                           argparse.Namespace(**dict(vars(eager_args), **tool_options)))
    fast.load_state_dict(eager.state_dict())
    data = train_batch(seeded, n=8)
    torch._dynamo.reset()
    loss, logits, grads = loss_logits_and_gradients(eager, data)
    fast_loss, fast_logits, fast_grads = loss_logits_and_gradients(fast, data)
    assert fast_loss == pytest.approx(loss, rel=1e-5)
    assert max(relative_error(x, y) for x, y in zip(fast_logits, logits)) <= 1e-4
    assert fast_grads.keys() == grads.keys() and all(g is not None for g in fast_grads.values())
    flat, fast_flat = (torch.cat([g.flatten() for g in gs.values()]) for gs in (grads, fast_grads))
    assert relative_error(fast_flat, flat) <= 1e-2
    worst = max(grads, key=lambda name: relative_error(fast_grads[name], grads[name]))
    assert relative_error(fast_grads[worst], grads[worst]) <= 5e-2, worst


def test_reduced_fusion_costs_little_at_the_paper_setting():
    """FLOPs are deterministic: reduced fusion at every point adds <= 10 % over no exchange."""
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/ccl/voc_xcep_r101.py'))
    flops = {}
    for fusion, direction in (('reduced', 'cross'), ('reduced', 'none')):
        cfg.model.decode_head.update(fusion=fusion, direction=direction)
        model = revert_sync_batchnorm(MODELS.build(cfg.model)).eval()
        flops[direction] = count_flops(model, torch.randn(1, 3, 129, 129))
    assert flops['none'] < flops['cross'] <= 1.10 * flops['none']


def test_time_ratios_are_paired_by_round():
    """The median of per-round ratios, with their IQR; not the ratio of the medians."""
    benchmark = load_tool('tools/analysis_tools/benchmark.py')
    model, reference = [1.0, 10.0, 3.0], [1.0, 5.0, 6.0]  # per round: 1, 2, 0.5
    ratio = benchmark.paired_ratio(model, reference)
    assert ratio['median'] == 1.0 and ratio['n'] == 3
    assert ratio['iqr'] == pytest.approx(statistics.quantiles([0.5, 1.0, 2.0], n=4)[2] - 0.5)
    assert statistics.median(model) / statistics.median(reference) == 0.6  # what an unpaired ratio would say
    assert ratio['ci95'] is None  # too few rounds for a 95 % interval of the median
    rounds = benchmark.paired_ratio([1.0, 10.0, 3.0, 4.0, 2.0, 1.5], [1.0, 5.0, 6.0, 2.0, 1.0, 1.0])
    assert rounds['ci95'] == [0.5, 2.0]  # 6 rounds: the smallest and largest per-round ratio


def test_benchmark_refuses_fp16_loss_scaling_on_cpu():
    result = subprocess.run([sys.executable, 'tools/analysis_tools/benchmark.py', 'configs/ccl/demo_ccl.py',
                             '--device', 'cpu', '--amp', '--amp-dtype', 'float16'],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and '--amp-dtype float16' in result.stderr and 'CUDA only' in result.stderr


@pytest.mark.slow
def test_benchmark_tool_prints_ratios_and_json(tmp_path):
    out = tmp_path / 'bench.json'
    configs = {'ccl': 'configs/ccl/demo_ccl.py', 'ensemble': 'configs/ccl/demo_ensemble.py',
               'cheap': 'configs/ccl/demo_ccl.py#model.decode_head.fusion=reduced'}
    result = subprocess.run(
        [sys.executable, 'tools/analysis_tools/benchmark.py', *configs.values(), '--reference', configs['ensemble'],
         '--shape', '32', '32', '--batch', '2', '--rounds', '2', '--warmup', '1', '--out', str(out)],
        cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert '| config | params (M) | FLOPs (G)' in result.stdout
    results = json.loads(out.read_text())['results']
    # Parameters counted here, independently of the tool.
    cfg = Config.fromfile(os.path.join(ROOT, configs['ccl']))
    params = {}
    for name, fusion, direction in (('ccl', 'concat', 'cross'), ('ensemble', 'concat', 'none'),
                                    ('cheap', 'reduced', 'cross')):
        cfg.model.decode_head.update(fusion=fusion, direction=direction)
        params[name] = sum(p.numel() for p in MODELS.build(cfg.model).parameters())
    for name, spec in configs.items():
        assert results[spec]['params'] == params[name]
        assert results[spec]['ratio']['params'] == pytest.approx(params[name] / params['ensemble'])
    assert results[configs['ccl']]['flops'] > results[configs['cheap']]['flops'] > results[configs['ensemble']][
        'flops']
    for r in results.values():
        assert r['latency']['n'] == 2 and r['step']['n'] == 2 and r['latency']['median'] > 0
        assert r['ratio_ci95'] == dict(latency=None, step=None)  # 2 rounds bound no 95 % interval
        assert len(r['samples']['step']) == 2 and r['memory_mib'] > 0
