"""Every shipped config parses and builds; the models run a training and a test step."""
import glob
import os

import pytest
import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm

from mmseg.registry import MODELS

from conftest import tiny_resnet
from helpers import data_samples

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, 'configs', 'ccl', '*.py')))
PAPER_ROWS = ['ccl', 'ccl-noconn', 'ccl-conn1', 'ccl-conn2', 'ensemble', 'fscn', 'deeplabv3plus_xception65',
              'deeplabv3plus_r101']


def load(path):
    return Config.fromfile(os.path.join(ROOT, path))


def shrink(model_cfg):
    """Swap in 1/8-width ResNet-18 backbones (8..64 channels); keep everything else."""
    backbone = tiny_resnet(out_indices=(0, 1, 2, 3))
    if model_cfg.type == 'CooperativeEncoderDecoder':
        model_cfg.backbone.top = backbone
        model_cfg.backbone.bottom = backbone
        model_cfg.decode_head.update(in_channels=(64, 64), c1_in_channels=(8, 8), in_index=(3, 3), channels=16,
                                     c1_channels=8)
    else:
        model_cfg.backbone = backbone
        model_cfg.decode_head.update(in_channels=64, c1_in_channels=8, in_index=3, channels=16, c1_channels=8)
    return model_cfg


def test_every_paper_row_has_a_config_per_dataset():
    names = [os.path.basename(p) for p in CONFIGS]
    for dataset in ('voc12aug-513x513', 'cityscapes-768x768'):
        for row in PAPER_ROWS:
            assert any(n.startswith((row + '_', row + '-')) and dataset in n for n in names), (row, dataset)
    assert 'voc_xcep_r101.py' in names and 'cityscapes_xcep_r101.py' in names


@pytest.mark.parametrize('path', CONFIGS)
def test_config_builds(path):
    cfg = load(path)
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0
    if cfg.model.type == 'CooperativeEncoderDecoder':
        assert cfg.val_evaluator.type == 'CooperativeIoUMetric'
        assert cfg.tta_model.type == 'CooperativeSegTTAModel'
    num_classes = cfg.model.decode_head.num_classes
    assert num_classes == (21 if 'voc' in path else 19 if 'cityscapes' in path else 5)


@pytest.mark.parametrize('path', [p for p in CONFIGS if 'demo' not in p])
def test_shrunk_model_trains_and_predicts(path, seeded):
    cfg = load(path)
    model = revert_sync_batchnorm(MODELS.build(shrink(cfg.model)))
    model.init_weights()
    images = torch.randn(2, 3, 33, 33, generator=seeded)
    losses = model.loss(images, data_samples(2, 33, seeded, num_classes=cfg.model.decode_head.num_classes))
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total)
    total.backward()
    model.eval()
    with torch.no_grad():
        results = model.predict(images, data_samples(2, 33, seeded))
    assert results[0].pred_sem_seg.shape == (33, 33)


def test_paper_model_runs_at_full_size(seeded):
    """The real Xception-65 x ResNet-101 model, one training step on a small crop."""
    cfg = load('configs/ccl/voc_xcep_r101.py')
    model = revert_sync_batchnorm(MODELS.build(cfg.model))
    images = torch.randn(2, 3, 65, 65, generator=seeded)
    losses = model.loss(images, data_samples(2, 65, seeded, num_classes=21))
    assert {'decode.loss_ce_top', 'decode.loss_ce_bottom'} <= set(losses)
    model.parse_losses(losses)[0].backward()
    assert model.backbone.top.stem[0].conv.weight.grad.abs().sum() > 0
    assert model.backbone.bottom.stem[0].weight.grad.abs().sum() > 0


def test_metafile_lists_every_model_zoo_config():
    import yaml
    with open(os.path.join(ROOT, 'configs', 'ccl', 'metafile.yaml')) as f:
        metafile = yaml.safe_load(f)
    listed = {model['Config'] for model in metafile['Models']}
    zoo = {p for p in CONFIGS if not os.path.basename(p).startswith(('demo_', 'voc_', 'cityscapes_'))}
    assert listed == zoo
    for model in metafile['Models']:
        assert model['Name'] == os.path.splitext(os.path.basename(model['Config']))[0]
