# CCL, the paper's model: Xception-65 (top) x ResNet-101 (bottom), cross
# exchange at every cooperation point, reduced fusion; VOC 2012 aug, 513x513.
_base_ = [
    '../_base_/models/ccl_xception65-r101-os16.py', '../_base_/datasets/voc12aug-513x513.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_80k_voc.py'
]
crop_size = (513, 513)
data_preprocessor = dict(size=crop_size)
model = dict(data_preprocessor=data_preprocessor, decode_head=dict(num_classes=21))
# mIoU of top, bottom and mean in one pass; `mIoU` is that of test_cfg.output.
val_evaluator = dict(type='CooperativeIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
tta_model = dict(type='CooperativeSegTTAModel')
