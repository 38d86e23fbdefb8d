# Baseline on CamVid: the two networks trained jointly (one loss) without any
# exchange; the mean output is their ensemble. Also scores a post-hoc ensemble
# of the two single models (tools/model_converters/merge_singles.py).
_base_ = './ccl_mobilenetv2-effnetlite0_1xb8-1k_camvid-180x240.py'
model = dict(decode_head=dict(direction='none'))
