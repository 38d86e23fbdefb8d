# The paper's model on PASCAL VOC 2012 aug (short name of
# ccl_xception65-r101_1xb6-80k_voc12aug-513x513.py).
_base_ = './ccl_xception65-r101_1xb6-80k_voc12aug-513x513.py'
