"""The paper's VOC and Cityscapes configs through the README's commands, started from a folder
that holds data/ as a user's does (synthetic images in each dataset's real layout): train with a
validation and a checkpoint, resume, test scoring top, bottom and mean. The backbones are
shrunk, the schedule shortened and ImageNet init left out (--cfg-options); the datasets,
pipelines, evaluator, segmentor, head and test_cfg are the shipped ones."""
import json
import os

import numpy as np
import pytest
from PIL import Image

from mmseg_ccl.analysis import newest_metrics

from helpers import PY, ROOT, SHRUNK, make_cityscapes_fixture, make_voc_fixture, run

pytestmark = pytest.mark.slow

def schedule(iters):
    return [f'train_cfg.max_iters={iters}', 'train_cfg.val_interval=2', 'default_hooks.checkpoint.interval=2']


def readme_commands(config):
    """The README's `python tools/...py` commands for ``config``, as argument lists."""
    with open(os.path.join(ROOT, 'README.md')) as f:
        lines = [line.split('#')[0].split() for line in f if line.startswith('.venv/bin/python tools/')]
    return [[PY, *words[1:]] for words in lines if words[2] == config]


@pytest.fixture(scope='module')
def user_folder(tmp_path_factory):
    """Where a user starts runs: data/ in each dataset's layout, the repository's tools/ and configs/."""
    folder = tmp_path_factory.mktemp('user')
    make_voc_fixture(folder / 'data', val=((160, 120), (120, 160)))
    make_cityscapes_fixture(folder / 'data', size=(256, 512))
    for name in ('tools', 'configs'):
        (folder / name).symlink_to(os.path.join(ROOT, name))
    return folder


def train_resume_test(folder, config):
    """Runs the README's train, resume and test commands of ``config``; returns the work dir
    and the test run's output."""
    name = os.path.splitext(os.path.basename(config))[0]
    train, resume, test = readme_commands(config)
    assert '--resume' in resume and train + ['--resume'] == resume
    assert test[3] == f'work_dirs/{name}/iter_80000.pth'
    run(*train[1:], '--cfg-options', *SHRUNK, *schedule(2), cwd=folder)
    work_dir = folder / 'work_dirs' / name
    assert (work_dir / 'iter_2.pth').exists()
    logs = [json.loads(line) for line in open(sorted(work_dir.glob('*/vis_data/scalars.json'))[-1])]
    assert [entry['step'] for entry in logs if 'mIoU_top' in entry] == [2]  # validated at iteration 2
    result = run(*resume[1:], '--cfg-options', *SHRUNK, *schedule(3), cwd=folder)
    assert 'resumed' in (result.stdout + result.stderr).lower() and (work_dir / 'iter_3.pth').exists()
    test[3] = f'work_dirs/{name}/iter_3.pth'
    return work_dir, test


def assert_scores_every_output(output, metrics):
    for key in ('mIoU_top', 'mIoU_bottom', 'mIoU_mean'):
        assert key in output and 0 <= metrics[key] <= 100, key
    assert metrics['mIoU'] == metrics['mIoU_mean']  # test_cfg.output='mean'


def test_voc_paper_config_end_to_end(user_folder):
    """configs/ccl/voc_xcep_r101.py: train, resume, test on the centre crop; --show-dir draws on the
    crop; --tta scores the crop seen at six scales, flipped; the whole-image override scores the
    same checkpoint by mmseg's protocol."""
    work_dir, test = train_resume_test(user_folder, 'configs/ccl/voc_xcep_r101.py')
    show = user_folder / 'show'
    result = run(*test[1:], '--show-dir', str(show), '--cfg-options', *SHRUNK, 'default_hooks.visualization.interval=1',
                 cwd=user_folder)
    metrics = newest_metrics(str(work_dir))[1]
    assert_scores_every_output(result.stdout + result.stderr, metrics)
    drawn = np.array(Image.open(next(show.rglob('*.png'))))
    assert drawn.shape[:2] == (513, 4 * 513)  # ground truth | top | bottom | mean, each on the 513x513 crop

    result = run(*test[1:], '--tta', '--work-dir', str(user_folder / 'tta'), '--cfg-options', *SHRUNK,
                 cwd=user_folder)
    assert 'CooperativeSegTTAModel' in result.stdout + result.stderr
    assert_scores_every_output(result.stdout + result.stderr, newest_metrics(str(user_folder / 'tta'))[1])

    whole = ['tools/test.py', 'configs/ccl/voc_xcep_r101_whole-image-eval.py', test[3]]
    result = run(*whole, '--work-dir', str(user_folder / 'whole'), '--cfg-options', *SHRUNK, cwd=user_folder)
    assert_scores_every_output(result.stdout + result.stderr, newest_metrics(str(user_folder / 'whole'))[1])


def test_cityscapes_paper_config_end_to_end(user_folder):
    work_dir, test = train_resume_test(user_folder, 'configs/ccl/cityscapes_xcep_r101.py')
    result = run(*test[1:], '--cfg-options', *SHRUNK, cwd=user_folder)
    assert_scores_every_output(result.stdout + result.stderr, newest_metrics(str(work_dir))[1])
