# Single DeepLabV3+ with the aligned Xception-65 (DeepLabV3+'s own backbone).
# Its ImageNet weights are timm's xception65.tf_in1k (docs/usage.md, "Xception-65 weights"). They
# expect inputs in [-1, 1], hence mean = std = 127.5 here.
_base_ = 'mmseg::_base_/models/deeplabv3plus_r50-d8.py'
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5])
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        _delete_=True,
        type='Xception65',
        output_stride=16,
        out_indices=(1, 4),  # stride-4 low-level (256 ch), output (2048 ch)
        norm_cfg=dict(norm_cfg, eps=1e-3),
        pretrained=True),
    decode_head=dict(in_index=1, dilations=(1, 6, 12, 18)),
    auxiliary_head=None)
