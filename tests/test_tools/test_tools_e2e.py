"""tools/train.py, tools/test.py, --resume, mmseg's own train.py and merge_singles.py,
run as subprocesses on a few demo images."""
import glob
import os
import shutil
import subprocess

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from PIL import Image

from mmseg.apis import init_model
from mmseg.registry import MODELS
from mmseg_ccl.analysis import newest_metrics

from helpers import PY, ROOT, data_options, run

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def trained(demo_data, tmp_path_factory):
    work = tmp_path_factory.mktemp('ccl')
    run('tools/train.py', 'configs/ccl/demo_ccl.py', '--work-dir', str(work), *data_options(demo_data, 4))
    return work


@pytest.mark.compat
def test_make_demo_data_is_deterministic(demo_data, tmp_path):
    again = tmp_path / 'again'
    run('tools/dataset_converters/make_demo_data.py', '--out', str(again), '--train', '8', '--val', '4')
    for split in ('img_dir/train/0003.png', 'ann_dir/val/0001.png'):
        assert (demo_data / split).read_bytes() == (again / split).read_bytes()
    labels = np.concatenate([np.array(Image.open(p)).ravel()
                             for p in glob.glob(str(demo_data / 'ann_dir' / 'train' / '*.png'))])
    assert set(np.unique(labels)) <= set(range(5)) and len(np.unique(labels)) >= 3


@pytest.mark.compat
def test_train_writes_checkpoints_with_everything_needed(trained):
    assert (trained / 'last_checkpoint').read_text().strip().endswith('iter_4.pth')
    checkpoint = torch.load(trained / 'iter_4.pth', map_location='cpu')  # weights_only default
    assert checkpoint['meta']['iter'] == 4
    assert checkpoint['meta']['dataset_meta']['classes'][1] == 'stripes'
    assert {'state_dict', 'optimizer', 'param_schedulers', 'message_hub'} <= set(checkpoint)
    assert any(k.startswith('decode_head.fusions.bottom.') for k in checkpoint['state_dict'])


@pytest.mark.compat
def test_test_scores_top_bottom_and_mean(trained, demo_data, tmp_path):
    run('tools/test.py', 'configs/ccl/demo_ccl.py', str(trained / 'iter_4.pth'), '--work-dir', str(tmp_path),
        *data_options(demo_data, 4))
    metrics = newest_metrics(tmp_path)[1]
    for key in ('mIoU', 'mIoU_top', 'mIoU_bottom', 'mIoU_mean', 'aAcc_top', 'mAcc_bottom'):
        assert 0 <= metrics[key] <= 100, key
    assert metrics['mIoU'] == metrics['mIoU_mean']  # demo_ccl predicts with the mean output


def test_test_with_tta_scores_every_output(demo_data, tmp_path):
    """--tta: the config's tta_pipeline (the image and its mirror) through CooperativeSegTTAModel; each
    output's mIoU is that of the two views' softmax averaged, computed here from the model's own logits.
    The model is initialised, not trained, so that its two views disagree."""
    torch.manual_seed(0)
    initialised = MODELS.build(Config.fromfile(os.path.join(ROOT, 'configs/ccl/demo_ccl.py')).model)
    initialised.init_weights()
    checkpoint = str(tmp_path / 'initialised.pth')
    torch.save(dict(state_dict=initialised.state_dict(), meta={}), checkpoint)
    result = run('tools/test.py', 'configs/ccl/demo_ccl.py', checkpoint, '--tta', '--work-dir', str(tmp_path),
                 *data_options(demo_data, 4))
    assert 'CooperativeSegTTAModel' in result.stdout + result.stderr
    metrics = newest_metrics(tmp_path)[1]

    from mmseg.apis import inference_model
    model = init_model(Config.fromfile(os.path.join(ROOT, 'configs/ccl/demo_ccl.py')), checkpoint, device='cpu')
    confusion, disagree = {name: np.zeros((5, 5)) for name in ('top', 'bottom', 'mean')}, 0
    for path in sorted(glob.glob(str(demo_data / 'img_dir' / 'val' / '*.png'))):
        image = mmcv.imread(path)  # BGR, as LoadImageFromFile reads it
        plain, mirrored = inference_model(model, image), inference_model(model, np.ascontiguousarray(image[:, ::-1]))
        label = np.array(Image.open(path.replace('img_dir', 'ann_dir'))).ravel()
        for name, matrix in confusion.items():
            views = (plain.get(f'seg_logits_{name}').data, mirrored.get(f'seg_logits_{name}').data.flip(-1))
            disagree += int((views[0].argmax(0) != views[1].argmax(0)).sum())
            probs = sum(logits.softmax(dim=0) for logits in views) / 2
            np.add.at(matrix, (label, probs.argmax(0).numpy().ravel()), 1)
    for name, matrix in confusion.items():
        iou = np.diag(matrix) / (matrix.sum(0) + matrix.sum(1) - np.diag(matrix))
        assert metrics[f'mIoU_{name}'] == pytest.approx(np.nanmean(iou) * 100, abs=0.01), name
    assert disagree > 0  # the views differ, so averaging them matters


@pytest.mark.compat
def test_resume_continues_from_the_last_checkpoint(trained, demo_data, tmp_path):
    work = tmp_path / 'work'
    shutil.copytree(trained, work)  # the shared run stays as it is for the other tests
    (work / 'last_checkpoint').write_text(str(work / 'iter_4.pth'))
    result = run('tools/train.py', 'configs/ccl/demo_ccl.py', '--work-dir', str(work), '--resume',
                 *data_options(demo_data, 6))
    assert 'resumed' in (result.stdout + result.stderr).lower()
    checkpoint = torch.load(work / 'iter_6.pth', map_location='cpu')
    assert checkpoint['meta']['iter'] == 6
    assert 'Iter(train) [5/6]' in result.stdout + result.stderr
    assert 'Iter(train) [1/6]' not in result.stdout + result.stderr


def test_merged_singles_score_like_averaged_logits(demo_data, tmp_path):
    """Two single models (initialised, not trained: training is tested above) merged and scored by
    tools/test.py: each output's mIoU as numpy gives it from the singles' own logits."""
    checkpoints = {}
    for seed, branch in enumerate(('top', 'bottom')):
        torch.manual_seed(seed)
        model = MODELS.build(Config.fromfile(os.path.join(ROOT, f'configs/ccl/demo_single_{branch}.py')).model)
        model.init_weights()
        checkpoints[branch] = str(tmp_path / f'{branch}.pth')
        torch.save(dict(state_dict=model.state_dict(), meta={}), checkpoints[branch])
    merged = str(tmp_path / 'merged.pth')
    run('tools/model_converters/merge_singles.py', checkpoints['top'], checkpoints['bottom'], merged)
    run('tools/test.py', 'configs/ccl/demo_ensemble.py', merged, '--work-dir', str(tmp_path / 'test'),
        *data_options(demo_data, 2))
    metrics = newest_metrics(tmp_path / 'test')[1]

    # Independent: run the two single models, average their logits, score with numpy.
    from mmseg.apis import inference_model
    models = [init_model(Config.fromfile(os.path.join(ROOT, f'configs/ccl/demo_single_{b}.py')), checkpoints[b],
                         device='cpu') for b in ('top', 'bottom')]
    confusion = {name: np.zeros((5, 5)) for name in ('top', 'bottom', 'mean')}
    for image in sorted(glob.glob(str(demo_data / 'img_dir' / 'val' / '*.png'))):
        top, bottom = (inference_model(m, image).seg_logits.data for m in models)
        label = np.array(Image.open(image.replace('img_dir', 'ann_dir'))).ravel()
        for name, logits in (('top', top), ('bottom', bottom), ('mean', (top + bottom) / 2)):
            np.add.at(confusion[name], (label, logits.argmax(0).numpy().ravel()), 1)
    assert not np.array_equal(confusion['top'], confusion['bottom'])  # two different models
    for name, matrix in confusion.items():
        iou = np.diag(matrix) / (matrix.sum(0) + matrix.sum(1) - np.diag(matrix))
        assert metrics[f'mIoU_{name}'] == pytest.approx(np.nanmean(iou) * 100, abs=0.01), name


def test_merge_singles_names_a_foreign_checkpoint(tmp_path):
    bad = tmp_path / 'bad.pth'
    torch.save({'state_dict': {'neck.conv.weight': torch.zeros(1)}}, bad)
    tool = 'tools/model_converters/merge_singles.py'
    result = subprocess.run([PY, tool, str(bad), str(bad), str(tmp_path / 'out.pth')], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode != 0
    assert 'bad.pth' in result.stderr and "'neck.conv.weight'" in result.stderr
    assert not (tmp_path / 'out.pth').exists()
