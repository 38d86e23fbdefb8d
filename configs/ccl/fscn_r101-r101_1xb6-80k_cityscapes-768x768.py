# FSCN (Ikedo & Hotta, VISAPP 2021): two identical DeepLabV3+ ResNet-101,
# features shared one way, top -> bottom. Scored on the bottom output, the one
# that receives.
_base_ = './ccl_xception65-r101_1xb6-80k_cityscapes-768x768.py'
norm_cfg = dict(type='SyncBN', requires_grad=True)
resnet101 = dict(
    type='ResNetV1c',
    depth=101,
    num_stages=4,
    out_indices=(0, 1, 2, 3),
    dilations=(1, 1, 1, 2),
    strides=(1, 2, 2, 1),
    norm_cfg=norm_cfg,
    contract_dilation=True,
    init_cfg=dict(type='Pretrained', checkpoint='open-mmlab://resnet101_v1c'))
model = dict(
    backbone=dict(top=dict(resnet101, _delete_=True), top_norm=None),
    decode_head=dict(in_index=(3, 3), direction='top_to_bottom'),
    test_cfg=dict(output='bottom'))
