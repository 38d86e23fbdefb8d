# The demo's DeepLabV3+ (heads of 32 channels, five classes) and its two small backbones: a
# 1/4-width ResNet-18 (mmseg) and a small ConvNeXt (mmpretrain), both seeing 64x64 images. The
# demo's models (_base_/models/ccl_demo.py, configs/ccl/demo_single_*.py) pick the backbones and
# the head.
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=(64, 64))
# Features: 16 ch at stride 4 and 128 ch at stride 8 (dilated).
resnet18_small = dict(
    type='ResNetV1c',
    depth=18,
    base_channels=16,
    stem_channels=16,
    num_stages=4,
    out_indices=(0, 3),
    dilations=(1, 1, 2, 4),
    strides=(1, 2, 1, 1),
    norm_cfg=norm_cfg,
    contract_dilation=True)
# Features: 24 ch at stride 4 and 96 ch at stride 16.
convnext_small = dict(
    type='mmpretrain.ConvNeXt',
    arch=dict(depths=[1, 1, 2], channels=[24, 48, 96]),
    out_indices=(0, 2),
    gap_before_final_norm=False)
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(
        channels=32,
        c1_channels=8,
        dilations=(1, 2, 3, 4),
        dropout_ratio=0.1,
        num_classes=5,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
