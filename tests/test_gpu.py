"""On CUDA (``make test-gpu``): the paper's VOC model as shipped, Xception-65 and ResNet-101 at
513x513, on synthetic images in the VOC layout. It trains in fp32 and with ``--amp``, validates,
resumes and tests; ``tools/dist_train.sh`` trains it over every visible GPU with NCCL, its BN
synchronised across the processes (SyncBN, as the config has it). Each run prints its iteration
time and peak memory; nothing about speed is asserted. Without a visible GPU each test fails,
saying so (conftest.py)."""
import glob
import json
import math
import os
import statistics
import subprocess

import pytest
import torch

from mmseg_ccl.analysis import newest_metrics

from helpers import PY, ROOT, make_voc_fixture, run

pytestmark = pytest.mark.gpu

CONFIG = 'configs/ccl/voc_xcep_r101.py'
# No ImageNet weights on the test machine: both backbones start from mmcv's initialisation.
OPTIONS = ['model.backbone.top.init_cfg=None', 'model.backbone.bottom.init_cfg=None', 'default_hooks.logger.interval=1']


def schedule(iters, val_interval):
    return [f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={val_interval}',
            'default_hooks.checkpoint.interval=2']


@pytest.fixture(scope='module')
def voc_root(tmp_path_factory):
    """Images of VOC's sizes: three to train on (VOC train and SBD), two to validate on."""
    root = tmp_path_factory.mktemp('gpu') / 'data'
    make_voc_fixture(root, train=((375, 500), (500, 333)), aug=((333, 500), ), val=((375, 500), (500, 281)))
    return str(root / 'VOCdevkit' / 'VOC2012')


def data_options(voc_root):
    return [f'train_dataloader.dataset.datasets.0.data_root={voc_root}',
            f'train_dataloader.dataset.datasets.1.data_root={voc_root}',
            f'val_dataloader.dataset.data_root={voc_root}', f'test_dataloader.dataset.data_root={voc_root}']


def logged_steps(work_dir):
    """The training iterations the newest run under ``work_dir`` logged."""
    scalars = sorted(glob.glob(os.path.join(work_dir, '*', 'vis_data', 'scalars.json')))[-1]
    return [entry for entry in map(json.loads, open(scalars)) if 'loss' in entry]


def report(steps, label):
    """Prints the median iteration time after the first two (cuDNN's autotuning) and the peak
    memory mmengine logged."""
    timed = steps[2:] or steps
    print(f'\n{label}: {statistics.median(e["time"] for e in timed):.3f} s an iteration (median of iterations '
          f'{timed[0]["step"]}-{timed[-1]["step"]}), peak memory {max(e["memory"] for e in steps)} MiB '
          f'({torch.cuda.get_device_name(0)}, torch {torch.__version__})')


@pytest.mark.parametrize('amp', [False, True], ids=['fp32', 'amp'])
def test_paper_config_trains_resumes_and_tests_on_cuda(amp, voc_root, tmp_path):
    work_dir = str(tmp_path / 'work')
    extra = ['--amp'] if amp else []
    options = ['--cfg-options', *OPTIONS, *data_options(voc_root)]
    run('tools/train.py', CONFIG, '--work-dir', work_dir, *extra, *options, *schedule(6, 6))
    steps = logged_steps(work_dir)
    report(steps, f'{CONFIG}, batch 6, 513x513, {"--amp" if amp else "fp32"}')
    assert [e['step'] for e in steps] == list(range(1, 7)) and all(math.isfinite(e['loss']) for e in steps)
    assert os.path.isfile(os.path.join(work_dir, 'iter_6.pth'))
    result = run('tools/train.py', CONFIG, '--work-dir', work_dir, '--resume', *extra, *options, *schedule(8, 6))
    assert 'resumed' in (result.stdout + result.stderr).lower()
    assert [e['step'] for e in logged_steps(work_dir)] == [7, 8]
    run('tools/test.py', CONFIG, os.path.join(work_dir, 'iter_8.pth'), '--work-dir', os.path.join(work_dir, 'test'),
        *options)
    metrics = newest_metrics(os.path.join(work_dir, 'test'))[1]
    assert all(0 <= metrics[f'mIoU_{o}'] <= 100 for o in ('top', 'bottom', 'mean'))


def test_dist_train_over_every_visible_gpu(voc_root, tmp_path):
    gpus = torch.cuda.device_count()
    work_dir = str(tmp_path / 'work')
    result = run_dist(gpus, '--work-dir', work_dir, '--cfg-options', *OPTIONS, *data_options(voc_root),
                      *schedule(4, 4))
    output = result.stdout + result.stderr
    assert 'Distributed training: True' in output and f'GPU number: {gpus}' in output
    # The config's SyncBN stays SyncBN (mmengine reverts it to BN only when not distributed).
    assert 'reverted to BatchNormXd' not in output
    report(logged_steps(work_dir), f'{CONFIG}, tools/dist_train.sh on {gpus} GPU(s), batch 6 each')
    assert os.path.isfile(os.path.join(work_dir, 'iter_4.pth'))


def run_dist(gpus, *args):
    result = subprocess.run(['bash', 'tools/dist_train.sh', CONFIG, str(gpus), *args], cwd=ROOT, capture_output=True,
                            text=True, env=dict(os.environ, PYTHON=PY))
    assert result.returncode == 0, f'STDOUT:\n{result.stdout[-3000:]}\nSTDERR:\n{result.stderr[-3000:]}'
    return result
