"""Class weights by median frequency balancing, from a config's training labels.

    python tools/analysis_tools/class_weights.py CONFIG [--cfg-options KEY=VALUE ...]

Eigen and Fergus (ICCV 2015), as SegNet weighted CamVid: ``freq(c)`` is the
pixels of class ``c`` divided by the pixels of the images where ``c`` appears,
and ``weight(c) = median(freq) / freq(c)``. Ignored pixels (255, and whatever the
dataset maps there) count for nothing. Prints the list for
``CrossEntropyLoss(class_weight=...)``.
"""
import argparse

import numpy as np
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

import mmseg_ccl  # noqa: F401
from mmseg.registry import DATASETS, TRANSFORMS


def median_frequency_weights(label_maps, num_classes: int) -> np.ndarray:
    """``median(freq) / freq`` over ``label_maps`` (arrays of class indices; others ignored)."""
    class_pixels = np.zeros(num_classes)
    image_pixels = np.zeros(num_classes)
    for labels in label_maps:
        counts = np.bincount(labels[labels < num_classes].ravel(), minlength=num_classes)[:num_classes]
        class_pixels += counts
        image_pixels[counts > 0] += (labels < num_classes).sum()
    if not (class_pixels > 0).all():
        missing = np.flatnonzero(class_pixels == 0).tolist()
        raise ValueError(f'class_weights: classes {missing} never appear in the labels')
    freq = class_pixels / image_pixels
    return np.median(freq) / freq


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={})
    args = parser.parse_args()
    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset_cfg = cfg.train_dataloader.dataset
    dataset = DATASETS.build(dict(dataset_cfg, pipeline=[]))
    load = TRANSFORMS.build(dict(type='LoadAnnotations'))
    label_maps = (load(dict(dataset.get_data_info(i)))['gt_seg_map'] for i in range(len(dataset)))
    weights = median_frequency_weights(label_maps, len(dataset.metainfo['classes']))
    for name, weight in zip(dataset.metainfo['classes'], weights):
        print(f'{name:>12}: {weight:.4f}')
    print('class_weight = [' + ', '.join(f'{w:.4f}' for w in weights) + ']')


if __name__ == '__main__':
    main()
