# CCL on CamVid with the cheap 'reduced' fusion: own + expand(reduce(other)), 16-channel messages.
_base_ = './ccl_mobilenetv2-effnetlite0_1xb8-1k_camvid-180x240.py'
model = dict(decode_head=dict(fusion='reduced'))
