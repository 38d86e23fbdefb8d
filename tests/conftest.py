"""Fixtures every test folder shares; the modules registered once. Builders and tool runners: helpers.py."""
import pytest
import torch

import mmseg_ccl  # noqa: F401  (registers the modules)
from mmseg.utils import register_all_modules

from helpers import run

register_all_modules(init_default_scope=True)


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
