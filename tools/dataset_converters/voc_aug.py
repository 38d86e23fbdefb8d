"""SBD's augmented VOC labels in mmseg's layout: mmseg's ``voc_aug`` converter, run as it is.

    python tools/dataset_converters/voc_aug.py data/VOCdevkit data/VOCdevkit/VOCaug --nproc 8

Writes ``VOC2012/SegmentationClassAug/*.png`` and ``VOC2012/ImageSets/Segmentation/aug.txt``
(docs/usage.md, "Prepare the data").
"""
from mmseg_ccl.engine import run_mmseg_tool

if __name__ == '__main__':
    run_mmseg_tool('dataset_converters/voc_aug.py')
