# The built-in synthetic demo dataset (tools/dataset_converters/make_demo_data.py): 64x64 images,
# 300 train / 60 val, five classes. Synthetic: for trying things out on a CPU.
_base_ = ['./folder_loaders.py', './tta_views.py']
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
# --tta: the test pipeline's steps around the flips.
tta_pipeline = [
    test_pipeline[0],
    dict(type='TestTimeAug', transforms=[_base_.flips, test_pipeline[1:2], test_pipeline[2:]])
]
# Each split: its image and label-map folders. Loaded in the main process: small images, and
# tests that start many runs.
demo = dict(type=dataset_type, data_root=data_root)
train_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        demo, data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(demo, data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'), pipeline=test_pipeline))
test_dataloader = val_dataloader
