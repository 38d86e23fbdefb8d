# A short CPU schedule for the demo: the CamVid schedule's SGD with poly decay over
# 1,000 iterations, one evaluation and one checkpoint at the end.
_base_ = './schedule_1k_camvid.py'
train_cfg = dict(val_interval={{_base_.max_iters}})
default_hooks = dict(checkpoint=dict(interval={{_base_.max_iters}}, max_keep_ckpts=-1))
