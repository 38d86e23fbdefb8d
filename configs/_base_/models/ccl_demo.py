# Small CCL for the demo: the 1/4-width ResNet-18 (mmseg) on top, the small
# ConvNeXt (mmpretrain) below; DeepLabV3+ heads of 32 channels.
_base_ = './demo_backbones.py'
model = dict(
    type='CooperativeEncoderDecoder',
    data_preprocessor={{_base_.data_preprocessor}},
    backbone=dict(type='DualBackbone', top={{_base_.resnet18_small}}, bottom={{_base_.convnext_small}}),
    decode_head=dict(
        type='CrossCooperativeASPPHead',
        in_channels=(128, 96),
        c1_in_channels=(16, 24),
        in_index=(1, 1),
        c1_in_index=(0, 0),
        channels=32,
        c1_channels=8,
        dilations=(1, 2, 3, 4),
        direction='cross',
        fusion='concat',  # the demo tables (docs/experiments.md) were measured with it
        dropout_ratio=0.1,
        num_classes=5,
        norm_cfg=dict(type='BN', requires_grad=True),
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole', output='mean'))
