# Demo baseline: single DeepLabV3+ with the demo's bottom backbone (ConvNeXt, mmpretrain);
# the rest as demo_single_top.py.
_base_ = './demo_single_top.py'
model = dict(backbone=dict(_base_.convnext_small, _delete_=True), decode_head=dict(in_channels=96, c1_in_channels=24))
