"""Clear errors, at build time, for a dataset folder that is missing or empty."""
import os.path as osp
from typing import List

from mmseg.datasets import BaseSegDataset


def load_checked_data_list(dataset: BaseSegDataset) -> List[dict]:
    """``BaseSegDataset.load_data_list`` that fails with the folder, suffix and
    ``data_root`` named when a split folder is missing or holds no image, rather than
    deep inside the Runner (or, with ``serialize_data=False``, with a sampler that
    waits forever for a first sample).

    Raises:
        FileNotFoundError: naming what was looked for and how to set ``data_root``.
    """
    name, data_root = type(dataset).__name__, dataset.data_root
    hint = (f'data_root is {data_root!r}; point it at the dataset, e.g. --cfg-options '
            'train_dataloader.dataset.data_root=PATH val_dataloader.dataset.data_root=PATH '
            'test_dataloader.dataset.data_root=PATH')
    img_dir, seg_dir = dataset.data_prefix.get('img_path', ''), dataset.data_prefix.get('seg_map_path', '')
    for kind, folder in (('image', img_dir), ('label map', seg_dir)):
        if folder and not osp.isdir(folder):
            raise FileNotFoundError(f'{name}: the {kind} folder {folder} does not exist; {hint}')
    data_list = BaseSegDataset.load_data_list(dataset)
    if not data_list:
        source = f'the list {dataset.ann_file}' if dataset.ann_file else f'{img_dir}'
        raise FileNotFoundError(f'{name}: no images ending in {dataset.img_suffix!r} in {source}; {hint}')
    return data_list
