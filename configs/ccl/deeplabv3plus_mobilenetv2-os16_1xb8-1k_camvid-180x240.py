# Baseline on CamVid: single DeepLabV3+ with the top backbone (MobileNetV2,
# ImageNet), exactly CCL's top network.
_base_ = [
    '../_base_/models/camvid_mobilenetv2-effnetlite0-os16.py', '../_base_/datasets/camvid-180x240.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_1k_camvid.py'
]
model = {{_base_.single_top}}
