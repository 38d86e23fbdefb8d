"""Clear errors, at build time, for a dataset that is missing, empty or not prepared."""
import os.path as osp
from typing import List, Mapping, Optional, Sequence

from mmengine import fileio

from mmseg.datasets import BaseSegDataset

# Where a config built from mmseg's dataloaders sets each dataset's data_root.
DATA_ROOT_KEYS = ('train_dataloader.dataset.data_root', 'val_dataloader.dataset.data_root',
                  'test_dataloader.dataset.data_root')


def load_checked_data_list(dataset: BaseSegDataset, made_by: Optional[Mapping[str, str]] = None,
                           data_root_keys: Sequence[str] = DATA_ROOT_KEYS) -> List[dict]:
    """``BaseSegDataset.load_data_list`` that fails with what is missing named, rather
    than with a bare assertion, deep inside the Runner, at the first missing image or
    label map mid-training or (with ``serialize_data=False``) with a sampler that waits
    forever for a first sample.

    Checked, in order: the image and label-map folders, the list file (``ann_file``),
    that the split holds an image, and, for local files, that every listed image and
    its label map exist. Without a list file the split is the images found, so every
    label map found is checked to have its image instead (a partly extracted image
    archive would otherwise train on part of the split without a word).

    Args:
        dataset: The dataset being built (``data_root`` already joined).
        made_by: The step that makes a missing path, by a part of that path (e.g.
            ``{'SegmentationClassAug': "mmseg's voc_aug converter ..."}``); a missing
            path matching none is explained by ``data_root``.
        data_root_keys: The config keys that set this dataset's ``data_root`` in the
            configs that use it, given in the error as ``--cfg-options KEY=PATH ...``.

    Raises:
        FileNotFoundError: naming the missing folder or file and the step that makes it.
    """
    name, data_root = type(dataset).__name__, dataset.data_root
    where = (f'data_root is {data_root!r}; point it at the dataset, e.g. --cfg-options '
             + ' '.join(f'{key}=PATH' for key in data_root_keys))

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
    if dataset.backend_args is None and not dataset.ann_file and seg_dir:
        images = {info['img_path'] for info in data_list}
        labels = sorted(fileio.list_dir_or_file(seg_dir, list_dir=False, suffix=dataset.seg_map_suffix,
                                                recursive=True))
        absent = [osp.join(img_dir, label[:-len(dataset.seg_map_suffix)] + dataset.img_suffix) for label in labels]
        absent = [image for image in absent if image not in images]
        if absent:
            raise missing('the image', absent[0],
                          f' ({len(absent)} of the {len(labels)} label maps in {seg_dir} have no image; each is '
                          f'looked for as {img_dir}/NAME{dataset.img_suffix} for NAME{dataset.seg_map_suffix})')
    if dataset.backend_args is None:  # local files: a stat each
        # A scanned split's images were found on disk; a listed split's are stat'ed.
        listed_images = (('image', 'img_path', img_dir, dataset.img_suffix), ) if dataset.ann_file else ()
        for kind, key, folder, suffix in (*listed_images,
                                          ('label map', 'seg_map_path', seg_dir, dataset.seg_map_suffix)):
            absent = [info[key] for info in data_list if not osp.isfile(info[key])]
            if absent:
                names = f', NAME as listed in {dataset.ann_file}' if dataset.ann_file else ''
                raise missing(f'the {kind}', absent[0],
                              f' ({len(absent)} of the split\'s {len(data_list)} {kind}s are missing; each is '
                              f'looked for as {folder}/NAME{suffix}{names})')
    return data_list
