"""mmseg_ccl/analysis: per-class IoU for the tools (mmseg's computation) and a run's newest metrics."""
import json
import os
import re
import sys

import numpy as np
import pytest

from mmseg_ccl.analysis import class_areas, class_iou, newest_metrics

from helpers import load_tool

LABEL = np.array([[0, 0, 1, 1], [2, 2, 255, 255]])
PRED = np.array([[0, 1, 1, 1], [3, 2, 0, 0]])  # the two 0s under the ignored labels do not count
# Per class: intersection / union. Class 3 is predicted but never labelled; class 4 is neither.
EXPECTED = [100 * 1 / 2, 100 * 2 / 3, 100 * 1 / 2, 0.0, np.nan]


@pytest.mark.parametrize('present_only', [False, True])
def test_class_iou(present_only):
    iou = class_iou(class_areas(PRED, LABEL, 5, 255), present_only=present_only)
    expected = EXPECTED[:3] + [np.nan, np.nan] if present_only else EXPECTED
    np.testing.assert_allclose(iou, expected)


def test_areas_sum_over_images():
    """Summed per image, the areas give the IoU of all pixels together (as the metric counts)."""
    summed = sum(class_areas(PRED[i:i + 1], LABEL[i:i + 1], 5, 255) for i in range(2))
    np.testing.assert_allclose(class_iou(summed), EXPECTED)


def write_metrics(folder, name, metrics, mtime):
    os.makedirs(folder / name)
    path = folder / name / f'{name}.json'
    path.write_text(json.dumps(metrics))
    os.utime(path, (mtime, mtime))


def test_newest_metrics_is_the_last_written(tmp_path):
    write_metrics(tmp_path, '20261205_100000', {'mIoU': 1.0}, mtime=1000)
    write_metrics(tmp_path, '20261204_100000', {'mIoU': 2.0}, mtime=2000)  # an older name, written later
    path, metrics = newest_metrics(str(tmp_path))
    assert metrics == {'mIoU': 2.0} and path.endswith('20261204_100000.json')


def test_no_metrics_names_the_folder(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        newest_metrics(str(tmp_path))
    monkeypatch.setattr(sys, 'argv', ['print_metrics.py', str(tmp_path)])
    with pytest.raises(SystemExit, match=re.escape(f'print_metrics: no metrics (*/*.json) under {tmp_path}')):
        load_tool('tools/analysis_tools/print_metrics.py').main()
