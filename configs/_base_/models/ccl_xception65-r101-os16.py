# Cross Cooperative Learning (Ikedo & Hotta, VISAPP 2022): DeepLabV3+ with
# Xception-65 (top) and DeepLabV3+ with ResNet-101 (bottom), exchanging
# features in both directions at every ASPP and decoder layer. mmseg's DeepLabV3+
# base gives the data preprocessor and the head's settings; its model is replaced.
_base_ = 'mmseg::_base_/models/deeplabv3plus_r50-d8.py'
norm_cfg = dict(type='SyncBN', requires_grad=True)
xception65 = dict(
    type='Xception65',
    output_stride=16,
    out_indices=(1, 4),
    norm_cfg=dict(norm_cfg, eps=1e-3),
    pretrained=True)  # timm's xception65.tf_in1k (docs/usage.md, "Xception-65 weights")
resnet101 = dict(
    type='ResNetV1c',
    depth=101,
    num_stages=4,
    out_indices=(0, 1, 2, 3),
    dilations=(1, 1, 1, 2),
    strides=(1, 2, 2, 1),
    norm_cfg=norm_cfg,
    norm_eval=False,
    style='pytorch',
    contract_dilation=True,
    init_cfg=dict(type='Pretrained', checkpoint='open-mmlab://resnet101_v1c'))
model = dict(
    _delete_=True,
    type='CooperativeEncoderDecoder',
    data_preprocessor=_base_.data_preprocessor,
    backbone=dict(
        type='DualBackbone',
        top=xception65,
        bottom=resnet101,
        # Xception's TF weights expect [-1, 1]; ResNet's the data preprocessor's ImageNet statistics.
        top_norm=dict(mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5])),
    # Each branch is mmseg's DeepLabV3+ head (512 channels, a 48-channel low-level projection,
    # dropout 0.1, cross-entropy) at the paper's dilations.
    decode_head=dict(
        _base_.model.decode_head,
        type='CrossCooperativeASPPHead',
        in_channels=(2048, 2048),
        c1_in_channels=(256, 256),
        in_index=(1, 3),
        c1_in_index=(0, 0),
        dilations=(1, 6, 12, 18),
        direction='cross',
        fusion='reduced',  # the default; how it was chosen: docs/method.md, "Fusion default"
        cooperation_points=('backbone', 'aspp', 'aspp_out', 'decoder'),
        loss_weights=(1.0, 1.0),
        norm_cfg=norm_cfg),
    train_cfg=dict(),
    test_cfg=dict(mode='whole', output='mean'))
