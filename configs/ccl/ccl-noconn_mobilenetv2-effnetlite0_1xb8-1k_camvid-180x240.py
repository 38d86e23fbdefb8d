# Ablation (paper, Table 5) on CamVid: CCL without Connection 1 and 2 (ASPP and decoder only).
_base_ = './ccl_mobilenetv2-effnetlite0_1xb8-1k_camvid-180x240.py'
model = dict(decode_head=dict(cooperation_points=('aspp', 'decoder')))
