"""Xception65: timm's ``xception65`` with mmseg's norm_cfg, norm_eval and weight loading."""
import math
import os

import pytest
import timm
import torch
import torch.distributed as dist
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from safetensors.torch import save_file
from timm.layers import BatchNormAct2d

from mmseg.registry import MODELS
from mmseg_ccl.models import Xception65

from helpers import ROOT

pytestmark = pytest.mark.compat
# (output_stride) -> strides of the five feature points.
STRIDES = {8: (2, 4, 8, 8, 8), 16: (2, 4, 8, 16, 16), 32: (2, 4, 8, 16, 32)}
CHANNELS = (128, 256, 728, 1024, 2048)
REFERENCE = os.path.join(ROOT, 'tests', 'fixtures', 'xception65_features.pt')


def paper_top(**overrides):
    """The paper config's Xception-65, as configs/ccl/voc_xcep_r101.py builds it (ImageNet weights off)."""
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/ccl/voc_xcep_r101.py')).model.backbone.top
    return MODELS.build(dict(cfg, **{'pretrained': False, **overrides}))


def deterministic_weights(state_dict):
    """Every float tensor filled from its position in the sorted keys (no random generator, so the
    same on every torch): weights at Kaiming-uniform scale, non-trivial BN statistics."""
    filled = {}
    for i, (name, tensor) in enumerate(sorted(state_dict.items())):
        if not tensor.is_floating_point():
            filled[name] = tensor
            continue
        wave = torch.sin(torch.arange(tensor.numel(), dtype=torch.float64) * 0.731 + i * 1.37)
        if name.endswith('running_var'):
            value = 1.0 + 0.5 * wave
        elif name.endswith(('running_mean', 'bias')):
            value = 0.1 * wave
        elif tensor.dim() == 1:
            value = 1.0 + 0.3 * wave
        else:
            value = wave * math.sqrt(6.0 / tensor[0].numel())
        filled[name] = value.reshape(tensor.shape).to(tensor.dtype)
    return filled


def test_same_features_as_the_hand_written_xception65():
    """tests/fixtures/xception65_features.pt holds what the hand-written Xception65 this backbone replaced
    (mmcv modules, timm's weights converted to it) computed for these weights and this input: each
    feature point's per-channel means and its channel sums at every pixel. fp32 through 65 layers,
    features up to ~1e3: rtol 1e-4 is far below any change of a weight, a norm or an activation."""
    model = Xception65(output_stride=16, out_indices=(0, 1, 2, 3, 4)).eval()
    model.timm_model.load_state_dict(deterministic_weights(model.timm_model.state_dict()))
    x = torch.sin(torch.arange(3 * 49 * 49, dtype=torch.float64) * 0.173).reshape(1, 3, 49, 49).float()
    with torch.no_grad():
        features = model(x)
    reference = torch.load(REFERENCE, weights_only=True)
    assert len(features) == 5
    for i, feature in enumerate(features):
        scale = reference['channel_sums'][i].abs().max().item()
        torch.testing.assert_close(feature.mean((0, 2, 3)), reference['channel_means'][i], rtol=1e-4,
                                   atol=1e-5 * scale, msg=f'feature {i}, channel means')
        torch.testing.assert_close(feature.sum(1)[0], reference['channel_sums'][i], rtol=1e-4, atol=1e-5 * scale,
                                   msg=f'feature {i}, channel sums')


def test_parameters_as_the_paper_configs_count_them():
    assert sum(p.numel() for p in paper_top().parameters()) == 37_867_312


@pytest.mark.parametrize('output_stride', [8, 16, 32])
def test_feature_shapes(output_stride):
    model = MODELS.build(dict(type='Xception65', output_stride=output_stride, out_indices=(0, 1, 2, 3, 4))).eval()
    with torch.no_grad():
        features = model(torch.randn(1, 3, 64, 64))
    assert [f.shape[1] for f in features] == list(CHANNELS) == list(model.out_channels)
    assert [64 // f.shape[2] for f in features] == list(STRIDES[output_stride])


def test_norm_cfg_sets_every_norm_layer():
    model = Xception65(norm_cfg=dict(type='BN', eps=1e-5, momentum=0.03, requires_grad=False))
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert len(norms) == 132
    assert all(m.eps == 1e-5 and m.momentum == 0.03 for m in norms)
    assert not any(p.requires_grad for m in norms for p in m.parameters())
    assert all(p.requires_grad for name, p in model.named_parameters() if '.conv' in name and 'bn' not in name)
    default = Xception65()  # TF weights: eps 1e-3
    assert {m.eps for m in default.modules() if isinstance(m, torch.nn.BatchNorm2d)} == {1e-3}


def test_norm_eval_keeps_every_norm_layer_in_eval_mode():
    model = paper_top(norm_eval=True).train()
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert model.training and norms and not any(m.training for m in norms)
    assert all(m.training for m in paper_top().train().modules())


@pytest.mark.parametrize('kwargs, match', [
    (dict(norm_cfg=dict(type='GN', num_groups=8)), "norm_cfg.type must be one of .*'GN'"),
    (dict(output_stride=4), 'output_stride must be 8, 16 or 32, got 4'),
    (dict(out_indices=(1, 5)), r'out_indices \(1, 5\) has \[5\]'),
])
def test_bad_arguments_name_the_key(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Xception65(**kwargs)


def test_syncbn_becomes_synchronised_in_a_process_group_keeping_the_activations(tmp_path):
    """The paper configs' SyncBN: built under a process group (as tools/dist_train.sh's ranks build it;
    one gloo process here, as CPU has no SyncBN forward in training) every norm layer is synchronised,
    and timm's fused norm + ReLU layers keep their ReLU. mmengine's revert_sync_batchnorm would drop
    that ReLU, so outside a group the layers stay BN, as the Runner would make them. Same outputs."""
    dist.init_process_group('gloo', init_method=f'file://{tmp_path / "store"}', rank=0, world_size=1)
    try:
        synced = paper_top()
    finally:
        dist.destroy_process_group()
    assert synced.timm_model.stem_0.bn.eps == 1e-3  # the config's norm_cfg
    norms = [m for m in synced.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    assert len(norms) == 132 and all(isinstance(m, torch.nn.SyncBatchNorm) for m in norms)
    assert isinstance(synced.timm_model.stem_0.bn.act, torch.nn.ReLU)
    plain = paper_top()
    assert not any(isinstance(m, torch.nn.SyncBatchNorm) for m in plain.modules())
    assert isinstance(plain.timm_model.stem_0.bn, BatchNormAct2d)
    plain.load_state_dict(synced.state_dict())
    x = torch.randn(1, 3, 33, 33)
    with torch.no_grad():
        for expected, got in zip(plain.eval()(x), synced.eval()(x)):
            torch.testing.assert_close(got, expected)
    assert revert_sync_batchnorm(plain) is plain


@pytest.mark.parametrize('suffix', ['safetensors', 'pth'])
def test_imagenet_weights_load_from_a_local_timm_checkpoint(tmp_path, suffix):
    """timm's xception65 state dict, as the hub's model.safetensors holds it (or saved by torch),
    loads in init_weights; building loads nothing."""
    reference = timm.create_model('xception65', pretrained=False)
    generator = torch.Generator().manual_seed(0)
    for bn in (reference.stem[0].bn, reference.blocks[5].stack.conv2.bn_pw):  # built as 0 / 1: make them tell
        bn.running_mean.copy_(torch.randn(bn.running_mean.shape, generator=generator))
        bn.running_var.copy_(torch.rand(bn.running_var.shape, generator=generator) + 0.5)
    state_dict = {k: v.contiguous() for k, v in reference.state_dict().items()}
    path = tmp_path / f'model.{suffix}'
    save_file(state_dict, str(path)) if suffix == 'safetensors' else torch.save(state_dict, path)
    model = paper_top(pretrained_file=str(path))
    assert not torch.equal(model.timm_model.stem_0.bn.running_var, reference.stem[0].bn.running_var)
    model.init_weights()
    torch.testing.assert_close(model.timm_model.stem_0.bn.running_var, reference.stem[0].bn.running_var)
    torch.testing.assert_close(model.timm_model.blocks_5.stack.conv2.conv_pw.weight,
                               reference.blocks[5].stack.conv2.conv_pw.weight)
    torch.testing.assert_close(model.timm_model.blocks_5.stack.conv2.bn_pw.running_mean,
                               reference.blocks[5].stack.conv2.bn_pw.running_mean)
    torch.testing.assert_close(model.timm_model.blocks_20.stack.conv3.conv_pw.weight,
                               reference.blocks[20].stack.conv3.conv_pw.weight)


def test_missing_weights_name_the_file_and_the_way_out(tmp_path, monkeypatch):
    model = paper_top(pretrained_file=str(tmp_path / 'nowhere.safetensors'))
    with pytest.raises(RuntimeError, match='nowhere.safetensors.*model.backbone.top.pretrained_file=PATH'):
        model.init_weights()
    # The hub out of reach and nothing cached (huggingface_hub reads its environment once, at import).
    from huggingface_hub import constants
    monkeypatch.setattr(constants, 'HF_HUB_OFFLINE', True)
    monkeypatch.setattr(constants, 'HF_HUB_CACHE', str(tmp_path / 'hub'))
    with pytest.raises(RuntimeError, match=r'xception65.tf_in1k \(Hugging Face hub\).*pretrained_file=PATH'):
        paper_top(pretrained=True).init_weights()
