# CCL on the built-in synthetic demo data (tools/dataset_converters/make_demo_data.py); trains on
# 2 CPU cores in a few minutes.
_base_ = [
    '../_base_/models/ccl_demo.py', '../_base_/datasets/ccl_demo.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_demo.py'
]
val_evaluator = dict(type='CooperativeIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
tta_model = dict(type='CooperativeSegTTAModel')
