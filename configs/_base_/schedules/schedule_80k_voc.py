# The paper's VOC schedule: SGD, lr 0.007, batch 6 (set in the dataset config);
# poly decay (power 0.9), momentum 0.9, weight decay 5e-4, 80k iterations (ours
# where the paper is silent: mmseg's DeepLabV3+ defaults).
_base_ = 'mmseg::_base_/schedules/schedule_80k.py'
optimizer = dict(type='SGD', lr=0.007, momentum=0.9, weight_decay=0.0005)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer, clip_grad=None)
# Atomic checkpoints that resume exactly (mmseg-ccl's ResumableCheckpointHook).
default_hooks = dict(checkpoint=dict(type='ResumableCheckpointHook'))
