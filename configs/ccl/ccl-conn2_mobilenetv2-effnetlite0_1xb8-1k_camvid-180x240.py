# Ablation (paper, Table 5) on CamVid: CCL without Connection 1 (ASPP, decoder and
# Connection 2, the ASPP output entering the decoder).
_base_ = './ccl_mobilenetv2-effnetlite0_1xb8-1k_camvid-180x240.py'
model = dict(decode_head=dict(cooperation_points=('aspp', 'aspp_out', 'decoder')))
