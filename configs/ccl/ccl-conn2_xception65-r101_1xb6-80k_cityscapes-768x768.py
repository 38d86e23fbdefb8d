# Ablation (paper, Table 5): CCL without Connection 1 (ASPP, decoder and
# Connection 2, the ASPP output entering the decoder).
_base_ = './ccl_xception65-r101_1xb6-80k_cityscapes-768x768.py'
model = dict(decode_head=dict(cooperation_points=('aspp', 'aspp_out', 'decoder')))
