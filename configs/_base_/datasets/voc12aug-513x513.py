# PASCAL VOC 2012 + SBD augmented set (10,582 train images / 1,449 val), the
# paper's setting: random 513x513 crops for training, a centre crop at
# validation and test. Layout and how to make it: docs/usage.md, "Prepare the
# data"; CheckedPascalVOCDataset names what is missing. Label maps are checked
# as they load (LoadCheckedAnnotations): a bad one stops the run, naming it.
_base_ = ['mmseg::_base_/datasets/pascal_voc12_aug.py', './tta_views.py']
dataset_type = 'CheckedPascalVOCDataset'
data_root = 'data/VOCdevkit/VOC2012'
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
# The test protocol (docs/method.md, "Evaluation on VOC"): the shorter side to 513
# (labels with nearest), then the central 513x513, padded with ignored labels where
# the image is thinner; the prediction and the label are compared on that crop.
# eval_crop (the crop's place) lets --show-dir draw on the crop.
meta_keys = ('img_path', 'seg_map_path', 'ori_shape', 'img_shape', 'pad_shape', 'scale_factor', 'flip',
             'flip_direction', 'reduce_zero_label', 'eval_crop')
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadCheckedAnnotations', num_classes=21),
    dict(type='ResizeShortestEdge', scale=513, max_size=4096),  # binds only past an aspect ratio of 8
    dict(type='EvalCenterCrop', crop_size=crop_size),
    dict(type='PackSegInputs', meta_keys=meta_keys)
]
# --tta: the same crop, seen in each of mmseg's views (tta_views.py); scores are
# averaged back on the crop.
tta_pipeline = [
    *test_pipeline[:4],
    dict(type='TestTimeAug', transforms=_base_.tta_views + [test_pipeline[4:]])
]
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
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
