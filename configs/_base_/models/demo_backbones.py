# The demo's two small backbones: a 1/4-width ResNet-18 (mmseg) and a small
# ConvNeXt (mmpretrain), both seeing 64x64 images.
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
