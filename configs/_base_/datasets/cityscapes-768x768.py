# Cityscapes (2,975 train / 500 val, 19 classes, 2048x1024): random 768x768
# crops (the paper's), full images at validation.
_base_ = 'mmseg::_base_/datasets/cityscapes_768x768.py'
train_dataloader = dict(batch_size=6)
