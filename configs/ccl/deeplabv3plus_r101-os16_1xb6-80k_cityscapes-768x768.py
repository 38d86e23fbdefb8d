# Baseline: single DeepLabV3+ with ResNet-101, Cityscapes, 768x768.
_base_ = [
    '../_base_/models/deeplabv3plus_r101-os16.py', '../_base_/datasets/cityscapes-768x768.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_80k_cityscapes.py'
]
crop_size = (768, 768)
data_preprocessor = dict(size=crop_size)
model = dict(data_preprocessor=data_preprocessor, decode_head=dict(num_classes=19),
              test_cfg=dict(mode='slide', crop_size=crop_size, stride=(512, 512)))
