"""Every shipped config: its name tells the truth, its model is wired as built, and
the rows of the paper carry the settings they are documented with."""
import os
import re

import pytest
import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm

from mmseg.registry import MODELS

from helpers import CONFIGS, ROOT, data_samples

SHORT_NAMES = {'configs/ccl/voc_xcep_r101.py': 'configs/ccl/ccl_xception65-r101_1xb6-80k_voc12aug-513x513.py',
               'configs/ccl/cityscapes_xcep_r101.py':
               'configs/ccl/ccl_xception65-r101_1xb6-80k_cityscapes-768x768.py'}
# The paper's VOC model scored by mmseg's whole-image protocol: a variant of the short name, not a zoo row.
WHOLE_IMAGE_EVAL = 'configs/ccl/voc_xcep_r101_whole-image-eval.py'
ZOO = [p for p in CONFIGS
       if not os.path.basename(p).startswith('demo_') and p not in SHORT_NAMES and p != WHOLE_IMAGE_EVAL]
# algo_backbone_{gpus}x{batch}-{N}k_dataset-{h}x{w}.py
ZOO_NAME = re.compile(r'_(\d+)xb(\d+)-(\d+)k_[a-z0-9]+-(\d+)x(\d+)\.py$')
DATASETS = {'voc12aug-513x513': 21, 'cityscapes-768x768': 19, 'camvid-180x240': 11}
NUM_CLASSES = {'voc': 21, 'cityscapes': 19, 'camvid': 11, 'demo': 5}  # by a word of the file name
PAPER_ROWS = ['ccl', 'ccl-noconn', 'ccl-conn1', 'ccl-conn2', 'ensemble', 'fscn', 'deeplabv3plus']
ALL_POINTS = ('backbone', 'aspp', 'aspp_out', 'decoder')


def load(path):
    return Config.fromfile(os.path.join(ROOT, path))


def zoo_config(row, dataset, backbones=''):
    matches = [p for p in ZOO if os.path.basename(p).startswith(row + '_') and dataset in p
               and backbones in p]
    assert len(matches) == 1, (row, dataset, backbones, matches)
    return matches[0]


def count_params(model_cfg):
    with torch.device('meta'):
        return sum(p.numel() for p in MODELS.build(model_cfg).parameters())


def test_every_paper_row_has_a_config_per_dataset():
    for dataset in DATASETS:
        for row in PAPER_ROWS:
            assert any(os.path.basename(n).startswith(row + '_') and dataset in n for n in ZOO), (
                row, dataset)
    for head in ('fcn', 'pspnet', 'deeplabv3'):
        zoo_config(head, 'camvid')


@pytest.mark.parametrize('path', ZOO)
def test_name_tells_batch_schedule_and_crop(path):
    """``{gpus}x{batch}``, ``{N}k`` and ``{h}x{w}`` of the file name are what the config trains with."""
    match = ZOO_NAME.search(path)
    assert match, f'{path} is not named algo_backbone_NxB-Nk_dataset-HxW.py'
    gpus, batch, kilo_iters, height, width = map(int, match.groups())
    cfg = load(path)
    assert gpus == 1  # every shipped config is for one GPU; batch is per GPU
    assert cfg.train_dataloader.batch_size == batch
    assert cfg.train_cfg.max_iters == kilo_iters * 1000
    assert [s.end for s in cfg.param_scheduler] == [kilo_iters * 1000]
    dataset = cfg.train_dataloader.dataset
    pipelines = [d.pipeline for d in dataset.datasets] if 'datasets' in dataset else [dataset.pipeline]  # VOC aug
    for pipeline in pipelines:
        assert [tuple(t.crop_size) for t in pipeline if t.type == 'RandomCrop'] == [(height, width)]
    assert tuple(cfg.model.data_preprocessor.size) == (height, width)


@pytest.mark.parametrize('short, full', SHORT_NAMES.items())
def test_short_names_are_the_paper_configs(short, full):
    assert load(short).to_dict() == load(full).to_dict()


@pytest.mark.compat
@pytest.mark.parametrize('path', CONFIGS)
def test_model_is_wired_as_configured(path):
    """Built on the meta device as configured (no weights, no compute), the model maps
    an image to logits of every output at the decoder's stride: each backbone feature
    the head picks has the channels it expects."""
    cfg = load(path)
    num_classes = cfg.model.decode_head.num_classes
    assert [n for word, n in NUM_CLASSES.items() if word in os.path.basename(path)] == [num_classes]
    two_networks = cfg.model.type == 'CooperativeEncoderDecoder'
    if two_networks:
        assert cfg.val_evaluator.type == 'CooperativeIoUMetric'
        assert cfg.tta_model.type == 'CooperativeSegTTAModel'
    # The demo's ConvNeXt computes its drop-path rates with .item() as it is built, which
    # the meta device cannot; the demo models are small enough to build for real.
    with torch.device('cpu' if 'demo' in path else 'meta'):
        model = revert_sync_batchnorm(MODELS.build(cfg.model))
        logits = model._forward(torch.zeros(2, 3, 64, 96))
    logits = logits if two_networks else (logits, )
    stride = 8 if 'mmseg_heads' in path else 4  # FCN / PSPNet / DeepLabV3: output stride 8, no decoder
    assert [tuple(x.shape) for x in logits] == [(2, num_classes, 64 // stride, 96 // stride)] * len(logits)


@pytest.mark.parametrize('dataset, backbones', [('voc12aug', 'xception65-r101'), ('cityscapes', 'xception65-r101'),
                                                ('camvid', 'mobilenetv2-effnetlite0')])
def test_rows_carry_their_documented_settings(dataset, backbones):
    """The ablations exchange where the paper's Table 5 says; FSCN is one-way, the
    ensemble exchanges nothing, and the ensemble is exactly the two single models."""
    heads = {row: load(zoo_config(row, dataset, backbones if row != 'fscn' or dataset == 'camvid' else ''))
             for row in ('ccl', 'ccl-noconn', 'ccl-conn1', 'ccl-conn2', 'ensemble', 'fscn')}
    points = {row: tuple(cfg.model.decode_head.get('cooperation_points', ALL_POINTS)) for row, cfg in heads.items()}
    assert points['ccl'] == ALL_POINTS
    assert points['ccl-noconn'] == ('aspp', 'decoder')
    assert points['ccl-conn1'] == ('backbone', 'aspp', 'decoder')  # Connection 1: the backbone output
    assert points['ccl-conn2'] == ('aspp', 'aspp_out', 'decoder')  # Connection 2: the ASPP output
    directions = {row: cfg.model.decode_head.direction for row, cfg in heads.items()}
    assert directions == dict(ccl='cross', **{'ccl-noconn': 'cross', 'ccl-conn1': 'cross', 'ccl-conn2': 'cross'},
                              ensemble='none', fscn='top_to_bottom')
    assert not any(cfg.model.decode_head.get('detach', False) for cfg in heads.values())
    singles = [load(p) for p in ZOO if os.path.basename(p).startswith('deeplabv3plus_') and dataset in p]
    assert len(singles) == 2
    assert count_params(heads['ensemble'].model) == sum(count_params(cfg.model) for cfg in singles)
    assert count_params(heads['ccl'].model) > count_params(heads['ensemble'].model)


def valid_tap_share(height: int, width: int, dilation: int) -> float:
    """Share of a 3x3 convolution's off-centre taps at ``dilation`` that land inside a height x width map
    (zero padding elsewhere), over every output position."""
    inside = {0: (height, width), 1: (max(0, height - dilation), max(0, width - dilation))}
    taps = [(dy, dx) for dy in (0, 1) for dx in (0, 1) if (dy, dx) != (0, 0)]
    count = {(0, 1): 2, (1, 0): 2, (1, 1): 4}  # a shift of +-d on one axis or both
    return sum(count[t] * inside[t[0]][0] * inside[t[1]][1] for t in taps) / (8 * height * width)


def test_valid_tap_share_against_the_method_figures():
    assert round(valid_tap_share(33, 33, 18), 2) == 0.33  # the paper's 513x513 crop at output stride 16
    assert [round(valid_tap_share(12, 15, d), 2) for d in (6, 7, 12, 18)] == [0.42, 0.35, 0.05, 0.0]


# The VOC and Cityscapes configs keep the paper's dilations at its crops (33 % and more).
CAMVID_DEEPLABV3PLUS = [p for p in ZOO if 'camvid' in p and load(p).model.decode_head.type in (
    'DepthwiseSeparableASPPHead', 'CrossCooperativeASPPHead')]


@pytest.mark.parametrize('path', CAMVID_DEEPLABV3PLUS)
def test_aspp_sees_context_at_the_training_crop(path):
    """The widest ASPP branch's off-centre taps land inside the backbone's high-level map at the training crop
    at least 30 % of the time (the paper's setting: 33 %), measured on the model built on the meta device."""
    cfg = load(path)
    crop = next(t['crop_size'] for t in cfg.train_pipeline if t['type'] == 'RandomCrop')
    with torch.device('meta'):
        feats = MODELS.build(cfg.model).extract_feat(torch.zeros(1, 3, *crop))
    head = cfg.model.decode_head
    index = head.in_index if isinstance(head.in_index, int) else head.in_index[0]
    features = feats if isinstance(feats[0], torch.Tensor) else feats[0]  # two networks: the top's
    height, width = features[index].shape[-2:]
    assert valid_tap_share(height, width, max(head.dilations)) >= 0.30, (height, width, head.dilations)


@pytest.mark.parametrize('path', [
    'configs/ccl/fscn_r101-r101_1xb6-80k_voc12aug-513x513.py',
    'configs/ccl/deeplabv3plus_xception65-os16_1xb6-80k_voc12aug-513x513.py',
    'configs/ccl/ccl_mobilenetv2-effnetlite0_1xb8-1k_camvid-180x240.py',
    'configs/ccl/deeplabv3plus_effnetlite0-os16_1xb8-1k_camvid-180x240.py',
    'configs/mmseg_heads/pspnet_mobilenetv2-d8_1xb8-1k_camvid-180x240.py',
])
def test_model_trains_and_predicts(path, seeded):
    """A training step and a prediction of the real model, on a small crop."""
    cfg = load(path)
    num_classes = cfg.model.decode_head.num_classes
    model = revert_sync_batchnorm(MODELS.build(cfg.model))
    images = torch.randn(2, 3, 49, 49, generator=seeded)
    losses = model.loss(images, data_samples(2, 49, seeded, num_classes=num_classes))
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total)
    total.backward()
    assert all(p.grad is not None for p in model.backbone.parameters() if p.requires_grad)
    model.eval()
    with torch.no_grad():
        results = model.predict(images, data_samples(2, 49, seeded))
    assert results[0].pred_sem_seg.shape == (49, 49)


def test_paper_model_runs_at_full_size(seeded):
    """The real Xception-65 x ResNet-101 model, one training step on a small crop."""
    cfg = load('configs/ccl/voc_xcep_r101.py')
    model = revert_sync_batchnorm(MODELS.build(cfg.model))
    images = torch.randn(2, 3, 65, 65, generator=seeded)
    losses = model.loss(images, data_samples(2, 65, seeded, num_classes=21))
    assert {'decode.loss_ce_top', 'decode.loss_ce_bottom'} <= set(losses)
    model.parse_losses(losses)[0].backward()
    assert model.backbone.top.timm_model.stem_0.conv.weight.grad.abs().sum() > 0
    assert model.backbone.bottom.stem[0].weight.grad.abs().sum() > 0


def test_metafile_lists_every_model_zoo_config():
    import yaml
    with open(os.path.join(ROOT, 'configs', 'ccl', 'metafile.yaml')) as f:
        metafile = yaml.safe_load(f)
    listed = {model['Config'] for model in metafile['Models']}
    assert listed == {p for p in ZOO if p.startswith('configs/ccl/')}
    for model in metafile['Models']:
        assert model['Name'] == os.path.splitext(os.path.basename(model['Config']))[0]
        assert model['Metadata']['Batch Size'] == load(model['Config']).train_dataloader.batch_size
