"""Clear errors, at build time, for a dataset that is missing, empty or not prepared."""
import os.path as osp
from typing import List, Mapping, Optional

from mmseg.datasets import BaseSegDataset


def load_checked_data_list(dataset: BaseSegDataset, made_by: Optional[Mapping[str, str]] = None) -> List[dict]:
    """``BaseSegDataset.load_data_list`` that fails with what is missing named, rather
    than with a bare assertion, deep inside the Runner, at the first missing label map
    mid-training or (with ``serialize_data=False``) with a sampler that waits forever for
    a first sample.

    Checked, in order: the image and label-map folders, the list file (``ann_file``),
    that the split holds an image, and, for local files, that every listed image's label
    map exists.

    Args:
        dataset: The dataset being built (``data_root`` already joined).
        made_by: The step that makes a missing path, by a part of that path (e.g.
            ``{'SegmentationClassAug': "mmseg's voc_aug converter ..."}``); a missing
            path matching none is explained by ``data_root``.

    Raises:
        FileNotFoundError: naming the missing folder or file and the step that makes it.
    """
    name, data_root = type(dataset).__name__, dataset.data_root
    where = (f'data_root is {data_root!r}; point it at the dataset, e.g. --cfg-options '
             'train_dataloader.dataset.data_root=PATH val_dataloader.dataset.data_root=PATH '
             'test_dataloader.dataset.data_root=PATH')

    def missing(what: str, path: str, note: str = '') -> FileNotFoundError:
        steps = [step for part, step in (made_by or {}).items() if part in path]
        return FileNotFoundError(f'{name}: {what} {path} does not exist{note}; '
                                 + (f'it is made by {steps[0]} ({where})' if steps else where))

    img_dir, seg_dir = dataset.data_prefix.get('img_path', ''), dataset.data_prefix.get('seg_map_path', '')
    for kind, folder in (('image', img_dir), ('label map', seg_dir)):
        if folder and not osp.isdir(folder):
            raise missing(f'the {kind} folder', folder)
    if dataset.ann_file and not osp.isfile(dataset.ann_file):
        raise missing('the list file', dataset.ann_file)
    data_list = BaseSegDataset.load_data_list(dataset)
    if not data_list:
        source = f'the list {dataset.ann_file}' if dataset.ann_file else f'{img_dir}'
        raise FileNotFoundError(f'{name}: no images ending in {dataset.img_suffix!r} in {source}; {where}')
    if dataset.backend_args is None:  # local files: a stat each
        absent = [info['seg_map_path'] for info in data_list if not osp.isfile(info['seg_map_path'])]
        if absent:
            raise missing('the label map', absent[0],
                          f' ({len(absent)} of the split\'s {len(data_list)} label maps are missing; each is '
                          f'looked for as {seg_dir}/NAME{dataset.seg_map_suffix})')
    return data_list
