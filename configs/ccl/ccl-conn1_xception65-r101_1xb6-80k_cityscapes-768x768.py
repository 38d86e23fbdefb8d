# Ablation (paper, Table 5): CCL without Connection 2 (ASPP, decoder and
# Connection 1, the backbone output entering the ASPP).
_base_ = './ccl_xception65-r101_1xb6-80k_cityscapes-768x768.py'
model = dict(decode_head=dict(cooperation_points=('backbone', 'aspp', 'decoder')))
