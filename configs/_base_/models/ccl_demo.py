# Small CCL for the demo (cross exchange, the default): the 1/4-width ResNet-18 (mmseg) on top, the small
# ConvNeXt (mmpretrain) below; DeepLabV3+ heads of 32 channels.
_base_ = './demo_deeplabv3plus.py'
model = dict(
    type='CooperativeEncoderDecoder',
    backbone=dict(type='DualBackbone', top=_base_.resnet18_small, bottom=_base_.convnext_small),
    decode_head=dict(
        type='CrossCooperativeASPPHead',
        in_channels=(128, 96),
        c1_in_channels=(16, 24),
        in_index=(1, 1),
        fusion='concat'),  # the demo tables (docs/experiments.md) were measured with it
    test_cfg=dict(output='mean'))
