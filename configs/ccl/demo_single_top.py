# Demo baseline: single DeepLabV3+ with the demo's top backbone (ResNet-18, 1/4 width).
_base_ = [
    '../_base_/models/demo_deeplabv3plus.py', '../_base_/datasets/ccl_demo.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_demo.py'
]
model = dict(
    type='EncoderDecoder',
    backbone=_base_.resnet18_small,
    decode_head=dict(type='DepthwiseSeparableASPPHead', in_channels=128, c1_in_channels=16, in_index=1))
