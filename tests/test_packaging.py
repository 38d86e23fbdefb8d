"""A wheel built from the repository carries what mim reads (configs, tools, the model
index) and no results data; installed without the repository, and as ``make install``
installs this checkout (editable), `mim search`, `mim run`, `mim train` and `mim test` work
from another directory."""
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from mmseg_ccl.analysis import newest_metrics

from helpers import ROOT

pytestmark = pytest.mark.slow

# What the wheel is built from: the repository less what is not part of it.
NOT_SHIPPED = shutil.ignore_patterns('.git', '.venv*', 'work_dirs', 'data', 'build', '*.egg-info', '__pycache__',
                                     '.mim', '.pytest_cache')


@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    """``pip wheel --no-deps .`` on a copy of the repository (the build writes mmseg_ccl/.mim)."""
    tmp = tmp_path_factory.mktemp('wheel')
    shutil.copytree(ROOT, tmp / 'src', ignore=NOT_SHIPPED)
    # --no-build-isolation: the environment's setuptools builds it, with nothing to download.
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q', '.', '-w',
                    str(tmp / 'dist')],
                   cwd=tmp / 'src', check=True, capture_output=True, timeout=600)
    (path, ) = (tmp / 'dist').glob('mmseg_ccl-*.whl')
    return path


@pytest.fixture(scope='module', params=['wheel', 'editable'])
def installed(request, tmp_path_factory):
    """The package as mim sees it, from a run directory outside the repository: the wheel
    installed (not editable) into a folder of its own, first on PYTHONPATH; or the editable
    install that ``make install`` made of this checkout, which the tests run in. Gives the
    folder the package is imported from, the run directory and the environment."""
    run_dir = tmp_path_factory.mktemp('run')
    env = dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ['PATH']]))
    env.pop('PYTHONPATH', None)
    if request.param == 'editable':
        return Path(ROOT), run_dir, env
    site = tmp_path_factory.mktemp('site')
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--no-deps', '-q', '--target', str(site),
                    str(request.getfixturevalue('wheel'))], check=True, capture_output=True, timeout=600)
    return site, run_dir, dict(env, PYTHONPATH=str(site))


def mim(installed, *args, timeout=600):
    site, run_dir, env = installed
    result = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'mim'), *args], cwd=run_dir, env=env,
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f'mim {args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}'
    return result.stdout + result.stderr


def test_wheel_carries_configs_tools_and_model_index_only(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    mim_files = [n for n in names if n.startswith('mmseg_ccl/.mim/')]
    for expected in ('mmseg_ccl/.mim/model-index.yml', 'mmseg_ccl/.mim/configs/ccl/metafile.yaml',
                     'mmseg_ccl/.mim/configs/ccl/demo_ccl.py', 'mmseg_ccl/.mim/configs/_base_/default_runtime.py',
                     'mmseg_ccl/.mim/tools/train.py', 'mmseg_ccl/.mim/tools/dataset_converters/make_demo_data.py',
                     'mmseg_ccl/.mim/tools/dist_train.sh', 'mmseg_ccl/.mim/tools/analysis_tools/benchmark.py',
                     'mmseg_ccl/.mim/tools/analysis_tools/analyze_cooperation.py',
                     'mmseg_ccl/.mim/tools/deployment/pytorch2onnx.py',
                     'mmseg_ccl/.mim/tools/model_converters/merge_singles.py',
                     'mmseg_ccl/.mim/tools/dataset_converters/voc_aug.py'):
        assert expected in mim_files, expected
    assert not [n for n in mim_files if n.endswith(('.json', '.md', '.png'))]  # no results data or pictures
    assert not [n for n in names if '/study/' in n or 'ccl_study' in n]  # the study stays in the repository
    assert 'mmseg_ccl/models/decode_heads/cross_cooperative_aspp_head.py' in names


def test_the_installed_copy_is_the_one_used(installed):
    site, run_dir, env = installed
    result = subprocess.run([sys.executable, '-c', 'import mmseg_ccl; print(mmseg_ccl.__file__)'], cwd=run_dir,
                            env=env, capture_output=True, text=True, check=True)
    assert os.path.realpath(result.stdout.strip()) == os.path.realpath(site / 'mmseg_ccl' / '__init__.py')


def test_mim_search_lists_the_models(installed):
    out = mim(installed, 'search', 'mmseg_ccl')
    assert 'ccl_mobilenetv2-effnetlite0_1xb8-1k_camvid-180x240' in out


def test_mim_run_train_and_test_the_demo_from_another_directory(installed):
    site, run_dir, env = installed
    mim(installed, 'run', 'mmseg_ccl', 'make_demo_data', '--out', 'data/ccl_demo', '--train', '8', '--val', '4')
    assert (run_dir / 'data' / 'ccl_demo' / 'img_dir' / 'val' / '0003.png').is_file()
    options = ['--cfg-options', 'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
               'default_hooks.checkpoint.interval=2', 'train_dataloader.batch_size=4']
    mim(installed, 'train', 'mmseg_ccl', 'demo_ccl.py', '--gpus', '0', '--work-dir', 'work', *options)
    assert (run_dir / 'work' / 'iter_2.pth').is_file()
    mim(installed, 'test', 'mmseg_ccl', 'demo_ccl.py', '--gpus', '0', '--checkpoint', 'work/iter_2.pth', '--work-dir',
        'work/test')
    metrics = newest_metrics(run_dir / 'work' / 'test')[1]
    assert {'mIoU_top', 'mIoU_bottom', 'mIoU_mean'} <= set(metrics)
