# The paper's VOC model (voc_xcep_r101.py) scored by mmseg's whole-image protocol
# instead of the centre crop (docs/method.md, "Evaluation on VOC"): the shorter side
# to 512, the prediction resized back to the image and scored against the label
# map at its full size. Train with voc_xcep_r101.py; test either way:
#   tools/test.py configs/ccl/voc_xcep_r101_whole-image-eval.py CHECKPOINT
# For another VOC config, write the same lines with its name as _base_.
_base_ = './voc_xcep_r101.py'
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(2048, 512), keep_ratio=True),
    dict(type='LoadCheckedAnnotations', num_classes=21),
    dict(type='PackSegInputs')
]
tta_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='TestTimeAug',
        transforms=[[dict(type='Resize', scale_factor=r, keep_ratio=True) for r in [1.0, 0.5, 0.75, 1.25, 1.5, 1.75]],
                    [dict(type='RandomFlip', prob=0., direction='horizontal'),
                     dict(type='RandomFlip', prob=1., direction='horizontal')],
                    [dict(type='LoadCheckedAnnotations', num_classes=21)], [dict(type='PackSegInputs')]])
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
