# One-way cooperation (FSCN's direction: top -> bottom only) on CamVid, with the
# same two different backbones as CCL, so that it differs from CCL only in the
# direction (the FSCN paper used two identical networks). Scored on the bottom
# output, the one that receives; nothing is detached (docs/method.md).
_base_ = './ccl_mobilenetv2-effnetlite0_1xb8-1k_camvid-180x240.py'
model = dict(decode_head=dict(direction='top_to_bottom'), test_cfg=dict(output='bottom'))
