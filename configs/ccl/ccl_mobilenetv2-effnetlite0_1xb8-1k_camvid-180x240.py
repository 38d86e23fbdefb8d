# CCL on CamVid: MobileNetV2 (top) and EfficientNet-Lite0 (bottom), both
# ImageNet-pretrained, exchanging at every ASPP and decoder layer (reduced fusion).
_base_ = [
    '../_base_/models/camvid_mobilenetv2-effnetlite0-os16.py', '../_base_/datasets/camvid-180x240.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_1k_camvid.py'
]
val_evaluator = dict(type='CooperativeIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
tta_model = dict(type='CooperativeSegTTAModel')
