# Ablation (paper, Table 5): CCL without Connection 1 and 2, i.e. exchanging
# only inside the ASPP and the decoder.
_base_ = './ccl_xception65-r101_1xb6-80k_cityscapes-768x768.py'
model = dict(decode_head=dict(cooperation_points=('aspp', 'decoder')))
