"""CamVid: the dataset maps void to the ignore index, the class weights are median
frequency balancing, and the weighted loss averages as PyTorch's does."""
import os

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from PIL import Image

from mmseg.registry import DATASETS, MODELS

from helpers import ROOT, load_tool, make_camvid_fixture

CONFIG = 'configs/ccl/ccl_mobilenetv2-effnetlite0_1xb8-1k_camvid-180x240.py'


@pytest.fixture(scope='module')
def camvid(tmp_path_factory):
    return make_camvid_fixture(tmp_path_factory.mktemp('camvid') / 'CamVid')


def test_dataset_reads_camvid_with_void_ignored(camvid):
    """The configs' validation pipeline over a CamVid folder: 11 classes, void (11) becomes 255."""
    cfg = Config.fromfile(os.path.join(ROOT, CONFIG))
    dataset = DATASETS.build(dict(cfg.val_dataloader.dataset, data_root=str(camvid)))
    assert len(dataset) == 2 and len(dataset.metainfo['classes']) == 11
    sample = dataset[0]
    labels = sample['data_samples'].gt_sem_seg.data
    raw = torch.from_numpy(np.array(Image.open(os.path.join(camvid, 'valannot', '0000.png'))).astype(np.int64))
    assert labels.shape[-2:] == raw.shape  # scored at the label maps' own size
    assert (raw == 11).any()
    assert torch.equal(labels[0] == 255, raw == 11)
    assert torch.equal(labels[0][raw != 11], raw[raw != 11].to(labels.dtype))


def test_median_frequency_weights():
    weights = load_tool('tools/analysis_tools/class_weights.py').median_frequency_weights
    # Class 0 fills image A (4 px); class 1 has 1 px of image B, class 2 the other 3; 255 ignored.
    maps = [np.zeros((2, 2), np.int64), np.array([[1, 2], [2, 2]]), np.full((2, 2), 255)]
    freq = np.array([4 / 4, 1 / 4, 3 / 4])
    np.testing.assert_allclose(weights(maps, 3), np.median(freq) / freq)
    with pytest.raises(ValueError, match=r'classes \[3\] never appear'):
        weights(maps, 4)


def test_class_weighted_loss_ignores_void_and_averages_like_pytorch():
    weight = [0.5, 1.0, 4.0]
    logits = torch.randn(2, 3, 6, 6, generator=torch.Generator().manual_seed(0))
    labels = torch.randint(0, 3, (2, 6, 6), generator=torch.Generator().manual_seed(1))
    labels[0, :2] = 255
    loss = MODELS.build(dict(type='ClassWeightedCrossEntropyLoss', class_weight=weight, avg_non_ignore=True))
    expected = F.cross_entropy(logits, labels, weight=torch.tensor(weight), ignore_index=255)
    torch.testing.assert_close(loss(logits, labels, ignore_index=255), expected)
