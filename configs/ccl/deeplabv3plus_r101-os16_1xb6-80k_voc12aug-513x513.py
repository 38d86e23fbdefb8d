# Baseline: single DeepLabV3+ with ResNet-101, VOC 2012 aug, 513x513.
_base_ = [
    '../_base_/models/deeplabv3plus_r101-os16.py', '../_base_/datasets/voc12aug-513x513.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_80k_voc.py'
]
crop_size = (513, 513)
data_preprocessor = dict(size=crop_size)
model = dict(data_preprocessor=data_preprocessor, decode_head=dict(num_classes=21))
