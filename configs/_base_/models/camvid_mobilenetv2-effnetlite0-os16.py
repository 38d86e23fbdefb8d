# The CamVid experiments' networks: two different ImageNet-pretrained backbones
# standing in for the paper's Xception-65 / ResNet-101 (whose weights cannot be
# had here), each under a DeepLabV3+ head with 256 channels at output stride 16.
#   top:    MobileNetV2 (mmseg), torchvision's ImageNet weights;
#   bottom: EfficientNet-Lite0 (timm's tf_efficientnet_lite0 through mmpretrain's
#           TIMMBackbone), the TF release's ImageNet weights.
# Both load as mmseg-ccl:// checkpoints, converted from their packages as they load
# (mmseg_ccl/models/utils/pretrained_weights.py).
_base_ = '../losses/camvid_median_frequency_ce.py'
norm_cfg = dict(type='SyncBN', requires_grad=True)
imagenet_norm = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])
lite_norm = dict(mean=[127.0] * 3, std=[128.0] * 3)  # what the TF EfficientNet-Lite weights expect
# Pads each image to the crop size.
data_preprocessor = dict(
    type='SegDataPreProcessor', bgr_to_rgb=True, pad_val=0, seg_pad_val=255, size=(180, 240), **imagenet_norm)
lite_data_preprocessor = dict(data_preprocessor, **lite_norm)  # for the single EfficientNet-Lite0
# Features: 24 channels at stride 4 (index 0), 320 at stride 16 (index 1).
mobilenetv2 = dict(
    type='MobileNetV2',
    widen_factor=1.,
    strides=(1, 2, 2, 2, 1, 1, 1),
    dilations=(1, 1, 1, 1, 1, 2, 2),
    out_indices=(1, 6),
    norm_cfg=norm_cfg,
    init_cfg=dict(type='Pretrained', checkpoint='mmseg-ccl://mobilenet_v2_tv-in1k'))
# Features: 24 channels at stride 4 (index 0), 320 at stride 16 (index 1).
effnet_lite0 = dict(
    type='mmpretrain.TIMMBackbone',
    model_name='tf_efficientnet_lite0',
    features_only=True,
    output_stride=16,
    out_indices=(1, 4),
    init_cfg=dict(type='Pretrained', checkpoint='mmseg-ccl://efficientnet_lite0_in1k_timm'))
# ASPP dilations of every DeepLabV3+ head: the stride-16 map of a 180x240 crop is
# 12x15, where the largest dilation's off-centre taps land inside the map 42 % of
# the time (the paper's dilation 18 on its 33x33 map: 33 %); chosen by measured
# runs (docs/method.md, "Decision rules of the CamVid study").
aspp_dilations = (1, 2, 4, 6)
# One DeepLabV3+ head (in_channels / c1_in_channels are set per backbone).
deeplabv3plus_head = dict(
    type='DepthwiseSeparableASPPHead',
    in_channels=320,
    c1_in_channels=24,
    in_index=1,  # the low-level feature is index 0
    channels=256,
    c1_channels=48,
    dilations=aspp_dilations,
    dropout_ratio=0.1,
    num_classes=11,
    norm_cfg=norm_cfg,
    align_corners=False,
    loss_decode={{_base_.loss_decode}})
model = dict(
    type='CooperativeEncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(type='DualBackbone', top=mobilenetv2, bottom=effnet_lite0, bottom_norm=lite_norm),
    # The single head's settings for both branches.
    decode_head=dict(
        deeplabv3plus_head,
        type='CrossCooperativeASPPHead',
        in_channels=(320, 320),
        c1_in_channels=(24, 24),
        in_index=(1, 1),
        c1_in_index=(0, 0),
        direction='cross',
        fusion='reduced'),  # the default; how it was chosen: docs/method.md, "Fusion default"
    train_cfg=dict(),
    test_cfg=dict(mode='whole', output='mean'))
# The single DeepLabV3+ of each branch (replacing the model above): exactly CCL's top
# and bottom networks, each on its own input normalisation.
single_top = dict(
    _delete_=True,
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=mobilenetv2,
    decode_head=deeplabv3plus_head,
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
single_bottom = dict(single_top, data_preprocessor=lite_data_preprocessor, backbone=effnet_lite0)
