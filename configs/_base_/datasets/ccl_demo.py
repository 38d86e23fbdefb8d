# The built-in synthetic demo dataset (tools/dataset_converters/make_demo_data.py): 64x64 images,
# 300 train / 60 val, five classes. Synthetic: for trying things out on a CPU.
dataset_type = 'CCLDemoDataset'  # classes and palette: mmseg_ccl/datasets/ccl_demo.py
data_root = 'data/ccl_demo'
num_classes = 5
crop_size = (64, 64)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadCheckedAnnotations', num_classes=num_classes),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadCheckedAnnotations', num_classes=num_classes),
    dict(type='PackSegInputs')
]
tta_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='TestTimeAug',
        transforms=[[dict(type='RandomFlip', prob=0., direction='horizontal'),
                     dict(type='RandomFlip', prob=1., direction='horizontal')],
                    [dict(type='LoadCheckedAnnotations', num_classes=num_classes)], [dict(type='PackSegInputs')]])
]
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
