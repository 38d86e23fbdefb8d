# FSCN (Ikedo & Hotta, VISAPP 2021): two identical DeepLabV3+ ResNet-101,
# features shared one way, top -> bottom. Scored on the bottom output, the one
# that receives.
_base_ = './ccl_xception65-r101_1xb6-80k_cityscapes-768x768.py'
model = dict(
    backbone=dict(_delete_=True, type='DualBackbone', top={{_base_.resnet101}}, bottom={{_base_.resnet101}}),
    decode_head=dict(in_index=(3, 3), direction='top_to_bottom'),
    test_cfg=dict(output='bottom'))
