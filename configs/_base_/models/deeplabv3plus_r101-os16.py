# Single DeepLabV3+ with ResNet-101 (mmseg's ResNetV1c), the paper's baseline:
# output stride 16, ASPP dilations (1, 6, 12, 18), no auxiliary head.
_base_ = 'mmseg::_base_/models/deeplabv3plus_r50-d8.py'
model = dict(
    pretrained=None,
    backbone=dict(
        depth=101,
        dilations=(1, 1, 1, 2),
        strides=(1, 2, 2, 1),
        init_cfg=dict(type='Pretrained', checkpoint='open-mmlab://resnet101_v1c')),
    decode_head=dict(dilations=(1, 6, 12, 18)),
    auxiliary_head=None)
