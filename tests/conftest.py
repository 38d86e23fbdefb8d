"""Fixtures every test folder shares; the modules registered once. Builders and tool runners: helpers.py."""
import os

import mmengine.config.utils
import pytest
import torch

import mmseg_ccl  # noqa: F401  (registers the modules)
from mmseg.utils import register_all_modules

from helpers import run

register_all_modules(init_default_scope=True)

# One worker per core (pytest-xdist): each worker's torch, and the tools it starts, take a share of
# the cores rather than all of them, so that workers do not contend for the same cores.
if os.environ.get('PYTEST_XDIST_WORKER_COUNT'):
    threads = max(1, (os.cpu_count() or 1) // int(os.environ['PYTEST_XDIST_WORKER_COUNT']))
    torch.set_num_threads(threads)
    os.environ.setdefault('OMP_NUM_THREADS', str(threads))


def _remembered(function):
    """``function``'s result, or the ValueError it raised, per argument tuple."""
    outcomes = {}

    def remembered(*args):
        if args not in outcomes:
            try:
                outcomes[args] = (function(*args), None)
            except ValueError as error:
                outcomes[args] = (None, error)
        result, error = outcomes[args]
        if error is not None:
            raise error
        return result

    return remembered


# mmengine looks every ``mmseg::`` path up in all of mmseg's metafiles before it takes it as a base
# config (a ValueError), which is most of the time a config takes to load. The metafiles do not
# change while the tests run, so each lookup is made once.
mmengine.config.utils._get_cfg_metainfo = _remembered(mmengine.config.utils._get_cfg_metainfo)


def pytest_runtest_setup(item):
    """A ``gpu`` test fails, saying why, where no CUDA GPU is visible: it never passes unrun."""
    if item.get_closest_marker('gpu') and not torch.cuda.is_available():
        pytest.fail('no visible CUDA GPU (torch.cuda.is_available() is False): the gpu tests need one; '
                    'make test runs the rest', pytrace=False)


@pytest.fixture
def seeded():
    torch.manual_seed(0)
    return torch.Generator().manual_seed(0)


@pytest.fixture(scope='session')
def demo_data(tmp_path_factory):
    """A few images of the synthetic demo dataset (8 train, 4 val)."""
    root = tmp_path_factory.mktemp('demo') / 'data'
    run('tools/dataset_converters/make_demo_data.py', '--out', str(root), '--train', '8', '--val', '4')
    return root
