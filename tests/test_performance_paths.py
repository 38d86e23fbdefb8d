"""Mixed precision, channels_last, torch.compile, the cheap fusion's cost and the benchmark tool."""
import json
import os
import statistics
import subprocess
import sys

import pytest
import torch
from mmengine.analysis import get_model_complexity_info
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm

from mmseg.registry import MODELS

from conftest import head_cfg, segmentor_cfg
from helpers import data_samples, features

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
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
        compiled = torch.compile(model._forward)(images)
    for e, c in zip(eager, compiled):
        torch.testing.assert_close(c, e, atol=1e-4, rtol=1e-4)


def test_reduced_fusion_costs_little_at_the_paper_setting():
    """FLOPs are deterministic: reduced fusion at every point adds <= 10 % over no exchange."""
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/ccl/voc_xcep_r101.py'))
    flops = {}
    for fusion, direction in (('reduced', 'cross'), ('reduced', 'none')):
        cfg.model.decode_head.update(fusion=fusion, direction=direction)
        model = revert_sync_batchnorm(MODELS.build(cfg.model)).eval()
        flops[direction] = get_model_complexity_info(model, inputs=torch.randn(1, 3, 129, 129),
                                                     show_table=False, show_arch=False)['flops']
    assert flops['none'] < flops['cross'] <= 1.10 * flops['none']


def test_benchmark_tool_prints_ratios_and_json(tmp_path):
    out = tmp_path / 'bench.json'
    result = subprocess.run(
        [sys.executable, 'tools/benchmark.py', 'configs/ccl/demo_ccl.py', 'configs/ccl/demo_ensemble.py',
         'configs/ccl/demo_ccl.py#model.decode_head.fusion=reduced', '--reference', 'configs/ccl/demo_ensemble.py',
         '--shape', '32', '32', '--batch', '2', '--rounds', '2', '--warmup', '1', '--out', str(out)],
        cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert '| config | params (M) | FLOPs (G)' in result.stdout
    report = json.loads(out.read_text())
    results = report['results']
    reference = results['configs/ccl/demo_ensemble.py']
    assert reference['ratio'] == dict(params=1.0, flops=1.0, latency=1.0, step=1.0, memory=1.0)
    ccl = results['configs/ccl/demo_ccl.py']
    cheap = results['configs/ccl/demo_ccl.py#model.decode_head.fusion=reduced']
    assert ccl['params'] > cheap['params'] > reference['params']
    assert ccl['flops'] > cheap['flops'] > reference['flops']
    for r in results.values():
        assert r['latency']['n'] == 2 and r['step']['n'] == 2 and r['latency']['median'] > 0
        assert r['memory_mib'] > 0
        # Time ratios are paired by round: the median of per-round ratios, not a ratio of medians.
        for kind in ('latency', 'step'):
            per_round = [a / b for a, b in zip(r['samples'][kind], reference['samples'][kind])]
            assert len(per_round) == 2
            assert r['ratio'][kind] == pytest.approx(statistics.median(per_round))
