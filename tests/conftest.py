"""Fixtures every test folder shares; the modules registered once. Builders and tool runners: helpers.py."""
import pytest
import torch

import mmseg_ccl  # noqa: F401  (registers the modules)
from mmseg.utils import register_all_modules

from helpers import run

register_all_modules(init_default_scope=True)


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
