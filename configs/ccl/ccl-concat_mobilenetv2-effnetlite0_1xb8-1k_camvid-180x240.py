# CCL on CamVid with the 'concat' fusion: ConvBNReLU_1x1(cat(own, other)), a freshly
# initialised layer across each pretrained path.
_base_ = './ccl_mobilenetv2-effnetlite0_1xb8-1k_camvid-180x240.py'
model = dict(decode_head=dict(fusion='concat'))
