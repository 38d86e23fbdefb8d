# The paper's Cityscapes schedule: as for VOC but lr 0.035.
_base_ = './schedule_80k_voc.py'
optimizer = dict(lr=0.035)
optim_wrapper = dict(optimizer=optimizer)
