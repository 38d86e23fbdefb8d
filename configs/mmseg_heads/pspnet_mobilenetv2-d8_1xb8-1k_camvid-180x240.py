# mmseg's PSPNet on MobileNetV2, as its model zoo's mobilenet-v2-d8 configs have it
# (output stride 8, auxiliary FCN head), on CamVid with the CCL rows' data,
# schedule, ImageNet weights and class-weighted cross-entropy; nothing else differs
# from mmseg's config.
_base_ = [
    'mmseg::_base_/models/pspnet_r50-d8.py', '../_base_/losses/camvid_median_frequency_ce.py',
    '../_base_/datasets/camvid-180x240.py', '../_base_/default_runtime.py', '../_base_/schedules/schedule_1k_camvid.py'
]
crop_size = (180, 240)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained='mmseg-ccl://mobilenet_v2_tv-in1k',
    backbone=dict(
        _delete_=True,
        type='MobileNetV2',
        widen_factor=1.,
        strides=(1, 2, 2, 1, 1, 1, 1),
        dilations=(1, 1, 1, 2, 2, 4, 4),
        out_indices=(1, 2, 4, 6),
        norm_cfg=dict(type='SyncBN', requires_grad=True)),
    decode_head=dict(
        in_channels=320, num_classes=11,
        loss_decode=dict(
            type='ClassWeightedCrossEntropyLoss', class_weight={{_base_.class_weight}}, avg_non_ignore=True)),
    auxiliary_head=dict(
        in_channels=96, num_classes=11,
        loss_decode=dict(
            type='ClassWeightedCrossEntropyLoss', class_weight={{_base_.class_weight}}, avg_non_ignore=True)))
