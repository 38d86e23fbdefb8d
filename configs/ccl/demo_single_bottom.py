# Demo baseline: single DeepLabV3+ with the demo's bottom backbone (ConvNeXt, mmpretrain).
_base_ = [
    '../_base_/models/demo_backbones.py', '../_base_/datasets/ccl_demo.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_demo.py'
]
model = dict(
    type='EncoderDecoder',
    data_preprocessor={{_base_.data_preprocessor}},
    backbone={{_base_.convnext_small}},
    decode_head=dict(
        type='DepthwiseSeparableASPPHead',
        in_channels=96,
        c1_in_channels=24,
        in_index=1,
        channels=32,
        c1_channels=8,
        dilations=(1, 2, 3, 4),
        dropout_ratio=0.1,
        num_classes=5,
        norm_cfg=dict(type='BN', requires_grad=True),
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
