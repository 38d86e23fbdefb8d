import numpy as np
import pytest
import torch

from mmseg.registry import METRICS

CLASSES = ('a', 'b', 'c')


def numpy_scores(preds, labels, num_classes=3, ignore_index=255):
    """Independent reference from a numpy confusion matrix: mIoU, aAcc (pixel accuracy)
    and mAcc (mean per-class accuracy), in %."""
    confusion = np.zeros((num_classes, num_classes))
    for pred, label in zip(preds, labels):
        keep = label != ignore_index
        np.add.at(confusion, (label[keep], pred[keep]), 1)
    hits = np.diag(confusion)
    iou = hits / (confusion.sum(0) + confusion.sum(1) - hits)
    return dict(mIoU=float(np.nanmean(iou)) * 100, aAcc=hits.sum() / confusion.sum() * 100,
                mAcc=float(np.nanmean(hits / confusion.sum(1))) * 100)


def make_sample(rng, size=8):
    label = rng.integers(0, 3, (size, size))
    label[0, :3] = 255  # ignored pixels
    preds = {name: rng.integers(0, 3, (size, size)) for name in ('top', 'bottom', 'mean')}
    sample = {'gt_sem_seg': {'data': torch.from_numpy(label)[None]}, 'img_path': 'x.png'}
    for name, pred in preds.items():
        sample[f'pred_sem_seg_{name}'] = {'data': torch.from_numpy(pred)[None]}
    sample['pred_sem_seg'] = sample['pred_sem_seg_mean']
    return sample, label, preds


@pytest.mark.compat
def test_reports_each_output_against_numpy():
    rng = np.random.default_rng(0)
    metric = METRICS.build(dict(type='CooperativeIoUMetric'))
    metric.dataset_meta = dict(classes=CLASSES)
    labels, preds = [], {name: [] for name in ('top', 'bottom', 'mean')}
    for _ in range(3):
        batch = [make_sample(rng) for _ in range(2)]
        metric.process({}, [s for s, _, _ in batch])
        for _, label, pred in batch:
            labels.append(label)
            for name in preds:
                preds[name].append(pred[name])
    results = metric.evaluate(6)
    for name in ('top', 'bottom', 'mean'):
        for key, value in numpy_scores(preds[name], labels).items():
            assert results[f'{key}_{name}'] == pytest.approx(value, abs=0.01), (key, name)
    assert results['mIoU'] == results['mIoU_mean']
    assert len({results['mIoU_top'], results['mIoU_bottom'], results['mIoU_mean']}) == 3


@pytest.mark.compat
def test_prediction_without_the_three_outputs_is_named():
    metric = METRICS.build(dict(type='CooperativeIoUMetric'))
    metric.dataset_meta = dict(classes=CLASSES)
    sample, _, _ = make_sample(np.random.default_rng(0))
    del sample['pred_sem_seg_bottom']
    with pytest.raises(KeyError, match="'x.png' has no 'pred_sem_seg_bottom'"):
        metric.process({}, [sample])
