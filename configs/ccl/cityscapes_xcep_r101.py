# The paper's model on Cityscapes (short name of
# ccl_xception65-r101_1xb6-80k_cityscapes-768x768.py).
_base_ = './ccl_xception65-r101_1xb6-80k_cityscapes-768x768.py'
