# The dataloaders and evaluator of a dataset whose splits are folders (CamVid, the demo):
# shuffled batches without end for training, one ordered pass for validation and test, mIoU.
# A dataset config adds its dataset and pipelines to each.
train_dataloader = dict(
    batch_size=8, num_workers=2, persistent_workers=True, sampler=dict(type='InfiniteSampler', shuffle=True))
val_dataloader = dict(
    batch_size=1, num_workers=2, persistent_workers=True, sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
