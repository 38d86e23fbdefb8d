# CCL on CamVid with the residual 'add' fusion: own + ConvBN_1x1(other).
_base_ = './ccl_mobilenetv2-effnetlite0_1xb8-1k_camvid-180x240.py'
model = dict(decode_head=dict(fusion='add'))
