# The paper's VOC model (voc_xcep_r101.py) scored by mmseg's whole-image protocol
# instead of the centre crop (docs/method.md, "Evaluation on VOC"): the shorter side
# to 512, the prediction resized back to the image and scored against the label
# map at its full size. Train with voc_xcep_r101.py; test either way:
#   tools/test.py configs/ccl/voc_xcep_r101_whole-image-eval.py CHECKPOINT
# For another VOC config, write the same lines with its name as _base_.
_base_ = './voc_xcep_r101.py'
# mmseg's VOC resize, no crop; the base's loading steps, the label map loaded after
# the resize so that it keeps its full size.
test_pipeline = [
    _base_.test_pipeline[0],
    dict(type='Resize', scale=(2048, 512), keep_ratio=True),
    _base_.test_pipeline[1],
    dict(type='PackSegInputs')
]
# --tta: mmseg's views (configs/_base_/datasets/tta_views.py) around the same steps.
tta_pipeline = [
    test_pipeline[0],
    dict(type='TestTimeAug', transforms=_base_.tta_views + [test_pipeline[2:3], test_pipeline[3:]])
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
