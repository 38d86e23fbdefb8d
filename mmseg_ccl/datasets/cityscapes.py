"""Cityscapes (fine annotations, 19 classes), checked as it is built."""
from typing import List

from mmseg.datasets import CityscapesDataset
from mmseg.registry import DATASETS

from .folder_check import load_checked_data_list


@DATASETS.register_module()
class CheckedCityscapesDataset(CityscapesDataset):
    """mmseg's :class:`CityscapesDataset` (same classes, palette and layout) that
    names what is missing and the step that makes it, where mmseg's would fail
    only when a label map is first read.

    Layout, under ``data_root`` (``data/cityscapes``):
    ``leftImg8bit/{train,val}/CITY/*_leftImg8bit.png`` and
    ``gtFine/{train,val}/CITY/*_gtFine_labelTrainIds.png``, the label maps made by
    mmseg's ``cityscapes`` converter (``docs/usage.md``, "Prepare the data").
    """

    MADE_BY = {
        '_labelTrainIds': "mmseg's cityscapes converter: python tools/dataset_converters/cityscapes.py "
                          'data/cityscapes --nproc 8 (docs/usage.md, "Prepare the data")',
        'cityscapes': 'extracting leftImg8bit_trainvaltest.zip and gtFine_trainvaltest.zip into data/cityscapes '
                      '(docs/usage.md, "Prepare the data")',
    }

    def load_data_list(self) -> List[dict]:
        return load_checked_data_list(self, self.MADE_BY)
