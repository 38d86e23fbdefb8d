"""Per-class IoU outside an evaluator, computed as mmseg's :class:`IoUMetric` computes it."""
from typing import Sequence

import numpy as np
import torch

from mmseg.evaluation.metrics import IoUMetric


def class_areas(pred: np.ndarray, label: np.ndarray, num_classes: int, ignore_index: int) -> np.ndarray:
    """Per class, the (intersection, union, prediction, label) pixel counts of one prediction,
    pixels labelled ``ignore_index`` left out: mmseg's ``IoUMetric.intersect_and_union``, as a
    ``(4, num_classes)`` float64 array that sums over images without losing counts."""
    areas = IoUMetric.intersect_and_union(torch.from_numpy(np.asarray(pred)).long(),
                                          torch.from_numpy(np.asarray(label)).long(), num_classes, ignore_index)
    return np.stack([area.double().numpy() for area in areas])


def class_iou(areas: Sequence[np.ndarray], present_only: bool = False) -> np.ndarray:
    """Per-class IoU (%) of summed ``areas`` (intersection, union, prediction, label), as
    ``IoUMetric.total_area_to_metrics`` gives it: NaN where a class has no union. With
    ``present_only``, NaN also where a class has no labelled pixel, so that ``np.nanmean`` averages
    the classes present in the labels only."""
    intersect, union, pred, label = (torch.as_tensor(np.asarray(a, np.float64)) for a in areas)
    iou = 100 * IoUMetric.total_area_to_metrics(intersect, union, pred, label, ['mIoU'])['IoU']
    if present_only:
        iou[label.numpy() == 0] = np.nan
    return iou
