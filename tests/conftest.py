"""Shared tiny model configs: small enough to train a few steps on a CPU."""
import copy

import pytest
import torch
from mmengine.config import ConfigDict

import mmseg_ccl  # noqa: F401  (registers the modules)
from mmseg.utils import register_all_modules

register_all_modules(init_default_scope=True)

NORM_CFG = dict(type='BN', requires_grad=True)
NUM_CLASSES = 4


def tiny_resnet(out_indices=(0, 3)):
    """ResNet-18 (V1c) at 1/8 width: 8, 16, 32, 64 channels at strides 4..32."""
    return dict(type='ResNetV1c', depth=18, base_channels=8, stem_channels=8, num_stages=4,
                out_indices=out_indices, norm_cfg=NORM_CFG)


def tiny_convnext(out_indices=(0, 3)):
    """mmpretrain ConvNeXt, one block a stage: 12, 24, 48, 96 channels at strides 4..32."""
    return dict(type='mmpretrain.ConvNeXt', arch=dict(depths=[1, 1, 1, 1], channels=[12, 24, 48, 96]),
                out_indices=out_indices, gap_before_final_norm=False)


def head_cfg(in_channels=(64, 64), c1_in_channels=(8, 8), **kwargs):
    cfg = dict(type='CrossCooperativeASPPHead', in_channels=in_channels, c1_in_channels=c1_in_channels,
               in_index=(1, 1), c1_in_index=(0, 0), channels=16, c1_channels=8, dilations=(1, 2, 3),
               num_classes=NUM_CLASSES, norm_cfg=NORM_CFG, align_corners=False, dropout_ratio=0.0,
               loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0))
    cfg.update(kwargs)
    return cfg


def segmentor_cfg(top=None, bottom=None, head=None, output='mean', mode='whole', **backbone_kwargs):
    top = top or tiny_resnet()
    bottom = bottom or tiny_resnet()
    return ConfigDict(
        type='CooperativeEncoderDecoder',
        data_preprocessor=dict(type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53],
                               std=[58.395, 57.12, 57.375], bgr_to_rgb=True, pad_val=0, seg_pad_val=255,
                               size=(32, 32)),
        backbone=dict(type='DualBackbone', top=top, bottom=bottom, **backbone_kwargs),
        decode_head=head or head_cfg(),
        train_cfg=dict(),
        test_cfg=dict(mode=mode, output=output, crop_size=(32, 32), stride=(24, 24)))


@pytest.fixture
def seeded():
    torch.manual_seed(0)
    return torch.Generator().manual_seed(0)


def clone(cfg):
    return copy.deepcopy(cfg)


@pytest.fixture(scope='session')
def demo_data(tmp_path_factory):
    """A few images of the synthetic demo dataset (8 train, 4 val)."""
    from helpers import run
    root = tmp_path_factory.mktemp('demo') / 'data'
    run('tools/dataset_converters/make_demo_data.py', '--out', str(root), '--train', '8', '--val', '4')
    return root
