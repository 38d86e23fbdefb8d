# PASCAL VOC 2012 + SBD augmented set (10,582 train / 1,449 val), the paper's
# setting: random 513x513 crops for training, a centre crop at validation.
# Label maps are checked as they load (LoadCheckedAnnotations): a bad one stops
# the run with its file named.
_base_ = 'mmseg::_base_/datasets/pascal_voc12_aug.py'
crop_size = (513, 513)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadCheckedAnnotations', num_classes=21),
    dict(type='RandomResize', scale=(2048, 512), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='Pad', size=crop_size),
    dict(type='PackSegInputs')
]
# The shorter side to 513, then the central 513x513 (the paper's centre crop).
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadCheckedAnnotations', num_classes=21),
    dict(type='ResizeShortestEdge', scale=513),
    dict(type='CenterCrop', crop_size=crop_size),
    dict(type='PackSegInputs')
]
dataset_type = 'PascalVOCDataset'
data_root = 'data/VOCdevkit/VOC2012'
dataset_train = dict(
    type=dataset_type,
    data_root=data_root,
    data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass'),
    ann_file='ImageSets/Segmentation/train.txt',
    pipeline=train_pipeline)
dataset_aug = dict(
    type=dataset_type,
    data_root=data_root,
    data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClassAug'),
    ann_file='ImageSets/Segmentation/aug.txt',
    pipeline=train_pipeline)
train_dataloader = dict(
    batch_size=6,
    dataset=dict(type='ConcatDataset', datasets=[dataset_train, dataset_aug]))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
