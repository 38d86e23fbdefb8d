# mmseg's DeepLabV3 on MobileNetV2, as its model zoo's mobilenet-v2-d8 configs have it
# (output stride 8, auxiliary FCN head), on CamVid with the CCL rows' data,
# schedule, ImageNet weights and class-weighted cross-entropy
# (configs/_base_/models/camvid_mobilenetv2-d8.py); nothing else differs from mmseg's config.
_base_ = [
    'mmseg::_base_/models/deeplabv3_r50-d8.py', '../_base_/models/camvid_mobilenetv2-d8.py',
    '../_base_/datasets/camvid-180x240.py', '../_base_/default_runtime.py', '../_base_/schedules/schedule_1k_camvid.py'
]
model = _base_.mobilenetv2_d8
