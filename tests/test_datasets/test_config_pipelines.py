"""Every shipped config's datasets and pipelines, run as shipped (``data/...`` relative to
where the run starts) on a few samples in their dataset's real layout: VOC 2012 with the
aug set, Cityscapes, CamVid and the demo."""
import os

import mmcv
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.dataset import Compose

from mmseg.registry import DATASETS
from mmseg_ccl.datasets.transforms import image_on_eval_crop

from helpers import CONFIGS, ROOT, make_camvid_fixture, make_cityscapes_fixture, make_voc_fixture

pytestmark = pytest.mark.compat
# A VOC image thinner than the 1:8 that the test pipeline's max_size allows.
THIN = (40, 400)


@pytest.fixture(scope='module')
def run_folder(tmp_path_factory, demo_data):
    """A folder to start runs from, holding data/ as the configs name it."""
    folder = tmp_path_factory.mktemp('run')
    make_voc_fixture(folder / 'data', val=((160, 120), THIN))
    make_cityscapes_fixture(folder / 'data', size=(1024, 2048))  # the real size: TTA scales from it
    make_camvid_fixture(folder / 'data' / 'camvid', train=2, val=1, test=1)
    (folder / 'data' / 'ccl_demo').symlink_to(demo_data)
    return folder


def data_settings(path):
    cfg = Config.fromfile(os.path.join(ROOT, path))
    return repr([cfg[key] for key in ('train_dataloader', 'val_dataloader', 'test_dataloader', 'tta_pipeline')]
                + [cfg.model.decode_head.num_classes])


def configs_by_data():
    """The shipped configs grouped by their datasets and pipelines: each group runs once."""
    groups = {}
    for path in CONFIGS:
        groups.setdefault(data_settings(path), []).append(path)
    return [pytest.param(paths, id=f'{os.path.basename(paths[0])}+{len(paths) - 1}') for paths in groups.values()]


CONFIG_GROUPS = configs_by_data()


def test_every_config_is_in_a_group():
    assert sorted(p for group in CONFIG_GROUPS for p in group.values[0]) == CONFIGS
    assert len(CONFIG_GROUPS) >= 5  # VOC (crop, whole image), Cityscapes, CamVid, demo


def datasets(cfg):
    """The config's datasets as the runner builds them, by dataloader."""
    return {loader: DATASETS.build(cfg[loader].dataset)
            for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')}


@pytest.mark.parametrize('paths', CONFIG_GROUPS)
def test_pipelines_run_on_the_dataset_layout(paths, run_folder, monkeypatch):
    monkeypatch.chdir(run_folder)
    cfg = Config.fromfile(os.path.join(ROOT, paths[0]))
    num_classes = cfg.model.decode_head.num_classes
    for loader, dataset in datasets(cfg).items():
        assert len(dataset.metainfo['classes']) == num_classes
        for index in range(min(2, len(dataset))):
            sample = dataset[index]
            image, data_sample = sample['inputs'], sample['data_samples']
            labels = data_sample.gt_sem_seg.data
            values = set(np.unique(labels.numpy()).tolist())
            assert values <= set(range(num_classes)) | {255} and values - {255}, (loader, values)
            if loader == 'train_dataloader':
                assert labels.shape[-2:] == image.shape[-2:], (loader, index)
            else:  # the segmentor resizes its prediction to ori_shape; the metric compares it with the label
                assert tuple(data_sample.ori_shape) == tuple(labels.shape[-2:]), (loader, index)


@pytest.mark.parametrize('paths', CONFIG_GROUPS)
def test_tta_pipeline_keeps_the_test_views_label_first(paths, run_folder, monkeypatch):
    """The first test-time view is not flipped and has the plain test view's label
    (CooperativeSegTTAModel keeps view 0's label and metainfo); every view's prediction is resized
    to the same ori_shape, and on the VOC crop every view covers the same crop."""
    monkeypatch.chdir(run_folder)
    cfg = Config.fromfile(os.path.join(ROOT, paths[0]))
    test_set = DATASETS.build(cfg.test_dataloader.dataset)
    plain = test_set[0]
    views = Compose(cfg.tta_pipeline)(dict(test_set.get_data_info(0)))
    first = views['data_samples'][0]
    assert not first.flip
    assert torch_equal(first.gt_sem_seg.data, plain['data_samples'].gt_sem_seg.data)
    assert {tuple(s.ori_shape) for s in views['data_samples']} == {tuple(plain['data_samples'].ori_shape)}
    if 'eval_crop' in plain['data_samples']:
        assert torch_equal(views['inputs'][0], plain['inputs'])
        assert all(s.eval_crop == plain['data_samples'].eval_crop for s in views['data_samples'])
    assert len(views['inputs']) == np.prod([len(group) for group in cfg.tta_pipeline[-1].transforms])


def torch_equal(a, b):
    return a.shape == b.shape and bool((a == b).all())


def test_voc_crop_pads_a_thin_image_with_ignored_labels(run_folder, monkeypatch):
    """The VOC test protocol on an image of 1:10: the crop is 513x513 and what lies past the
    scaled image is ignored (255), where the image is zeros."""
    monkeypatch.chdir(run_folder)
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/ccl/voc_xcep_r101.py'))
    val = DATASETS.build(cfg.val_dataloader.dataset)
    thin = [i for i in range(len(val)) if val.get_data_info(i)['img_path'].endswith('2008_000001.jpg')]
    sample = val[thin[0]]
    labels, image = sample['data_samples'].gt_sem_seg.data[0], sample['inputs']
    assert tuple(labels.shape) == (513, 513) and tuple(sample['data_samples'].ori_shape) == (513, 513)
    height = round(THIN[0] * 4096 / THIN[1])  # max_size binds: the longer side is 4096
    assert (labels[height + 1:] == 255).all() and (labels[:height - 1] != 255).any()
    assert (image[:, height + 1:] == 0).all()


@pytest.mark.parametrize('name', ['2008_000000.jpg', '2008_000001.jpg'])
def test_image_on_eval_crop_is_the_scored_crop(name, run_folder, monkeypatch):
    """What --show-dir draws on: the original image mapped by the sample's eval_crop is the image the
    model was given (the visualizer's resize is the pipeline's, up to rounding)."""
    monkeypatch.chdir(run_folder)
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/ccl/voc_xcep_r101.py'))
    val = DATASETS.build(cfg.val_dataloader.dataset)
    index = next(i for i in range(len(val)) if val.get_data_info(i)['img_path'].endswith(name))
    sample = val[index]
    original = mmcv.imread(val.get_data_info(index)['img_path'])
    mapped = image_on_eval_crop(original, sample['data_samples'].eval_crop)
    given = sample['inputs'].permute(1, 2, 0).numpy()
    assert mapped.shape == given.shape == (513, 513, 3)
    assert np.abs(mapped.astype(int) - given).max() <= 1
