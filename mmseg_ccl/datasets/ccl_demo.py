"""The built-in synthetic demo dataset (made by ``tools/dataset_converters/make_demo_data.py``)."""
from typing import List

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .folder_check import load_checked_data_list


@DATASETS.register_module()
class CCLDemoDataset(BaseSegDataset):
    """Synthetic images of four classes on a background: ``stripes`` and
    ``checker`` differ only by fine texture, ``disk`` and ``square`` only by
    shape. For trying the method on a CPU; see ``tools/dataset_converters/make_demo_data.py``.

    Layout: ``img_dir/{train,val}/*.png`` and ``ann_dir/{train,val}/*.png``
    (class indices).
    """

    METAINFO = dict(
        classes=('background', 'stripes', 'checker', 'disk', 'square'),
        palette=[[0, 0, 0], [230, 25, 75], [60, 180, 75], [0, 130, 200], [255, 225, 25]])

    def __init__(self, img_suffix: str = '.png', seg_map_suffix: str = '.png', **kwargs) -> None:
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)

    def load_data_list(self) -> List[dict]:
        return load_checked_data_list(self)
