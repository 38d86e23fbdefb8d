# MobileNetV2-D8 in one of mmseg's models, as mmseg's model zoo's mobilenet-v2-d8 configs
# have it (output stride 8, auxiliary FCN head), with the CamVid CCL rows' ImageNet weights and
# class-weighted cross-entropy. A config of configs/mmseg_heads/ lists it after mmseg's model
# and says `model = _base_.mobilenetv2_d8`, which merges into mmseg's model.
_base_ = '../losses/camvid_median_frequency_ce.py'
class_weighted_ce = dict(type='ClassWeightedCrossEntropyLoss', class_weight=_base_.class_weight, avg_non_ignore=True)
mobilenetv2_d8 = dict(
    data_preprocessor=dict(size=(180, 240)),
    pretrained='mmseg-ccl://mobilenet_v2_tv-in1k',
    backbone=dict(
        _delete_=True,
        type='MobileNetV2',
        widen_factor=1.,
        strides=(1, 2, 2, 1, 1, 1, 1),
        dilations=(1, 1, 1, 2, 2, 4, 4),
        out_indices=(1, 2, 4, 6),
        norm_cfg=dict(type='SyncBN', requires_grad=True)),
    decode_head=dict(in_channels=320, num_classes=11, loss_decode=class_weighted_ce),
    auxiliary_head=dict(in_channels=96, num_classes=11, loss_decode=class_weighted_ce))
