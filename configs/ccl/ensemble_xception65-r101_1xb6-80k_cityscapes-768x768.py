# Ensemble baseline: the same two networks trained jointly without any
# exchange (paper, Table 1 "without cross path"); scored on the mean of the
# two outputs. For the post-hoc ensemble of two separately trained singles,
# merge them with tools/model_converters/merge_singles.py and test with this config.
_base_ = './ccl_xception65-r101_1xb6-80k_cityscapes-768x768.py'
model = dict(decode_head=dict(direction='none'), test_cfg=dict(output='mean'))
