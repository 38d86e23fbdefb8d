# Cityscapes (2,975 train / 500 val, 19 classes, 2048x1024): random 768x768
# crops (the paper's), full images at validation. Layout and how to make it:
# docs/usage.md, "Prepare the data"; CheckedCityscapesDataset names what is missing.
_base_ = ['mmseg::_base_/datasets/cityscapes_768x768.py', './tta_views.py']
dataset_type = 'CheckedCityscapesDataset'
# mmseg's pipelines with label maps checked as they load (LoadCheckedAnnotations):
# a bad one stops the run with its file named.
checked_labels = dict(type='LoadCheckedAnnotations', num_classes=19)
train_pipeline = [checked_labels if step['type'] == 'LoadAnnotations' else step for step in _base_.train_pipeline]
test_pipeline = [checked_labels if step['type'] == 'LoadAnnotations' else step for step in _base_.test_pipeline]
# --tta: the test pipeline's steps around the views; each view's label is loaded after
# its resize and flip, so it is the unchanged label map.
tta_pipeline = [
    test_pipeline[0],
    dict(type='TestTimeAug', transforms=_base_.tta_views + [test_pipeline[2:3], test_pipeline[3:]])
]
train_dataloader = dict(batch_size=6, dataset=dict(type=dataset_type, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(type=dataset_type, pipeline=test_pipeline))
test_dataloader = val_dataloader
