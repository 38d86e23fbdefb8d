# Ablation (paper, Table 5) on CamVid: CCL without Connection 2 (ASPP, decoder and
# Connection 1, the backbone output entering the ASPP).
_base_ = './ccl_mobilenetv2-effnetlite0_1xb8-1k_camvid-180x240.py'
model = dict(decode_head=dict(cooperation_points=('backbone', 'aspp', 'decoder')))
