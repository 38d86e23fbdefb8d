"""PASCAL VOC 2012 with SBD's augmented labels, checked as it is built."""
from typing import List

from mmseg.datasets import BaseSegDataset, PascalVOCDataset
from mmseg.registry import DATASETS

from .folder_check import DATA_ROOT_KEYS, load_checked_data_list


@DATASETS.register_module()
class CheckedPascalVOCDataset(PascalVOCDataset):
    """mmseg's :class:`PascalVOCDataset` (same classes, palette and layout) that
    names what is missing and the step that makes it, where mmseg's asserts
    without a message.

    Layout, under ``data_root`` (``data/VOCdevkit/VOC2012``): ``JPEGImages/*.jpg``,
    ``SegmentationClass/*.png``, ``ImageSets/Segmentation/{train,val}.txt`` from
    VOC 2012; ``SegmentationClassAug/*.png`` and ``ImageSets/Segmentation/aug.txt``
    made by mmseg's ``voc_aug`` converter from SBD (``docs/usage.md``, "Prepare
    the data").
    """

    MADE_BY = {
        part: 'mmseg\'s voc_aug converter from SBD\'s benchmark.tgz: python tools/dataset_converters/voc_aug.py '
              'data/VOCdevkit data/VOCdevkit/VOCaug --nproc 8 (docs/usage.md, "Prepare the data")'
        for part in ('SegmentationClassAug', 'aug.txt')
    }
    MADE_BY['VOC2012'] = 'extracting VOCtrainval_11-May-2012.tar into data/ (docs/usage.md, "Prepare the data")'

    # The VOC configs' training set is a ConcatDataset of VOC's train list and SBD's aug list.
    DATA_ROOT_KEYS = ('train_dataloader.dataset.datasets.0.data_root', 'train_dataloader.dataset.datasets.1.data_root',
                      *DATA_ROOT_KEYS[1:])

    def __init__(self, ann_file: str, img_suffix: str = '.jpg', seg_map_suffix: str = '.png', **kwargs) -> None:
        # PascalVOCDataset.__init__ adds only an assert, which load_data_list's checks replace.
        BaseSegDataset.__init__(self, img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, ann_file=ann_file,
                                **kwargs)

    def load_data_list(self) -> List[dict]:
        return load_checked_data_list(self, self.MADE_BY, self.DATA_ROOT_KEYS)
