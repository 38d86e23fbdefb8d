"""`make test-gpu` where no CUDA GPU is visible: it says so and fails, as do the gpu tests run by
pytest directly; nothing passes unrun."""
import os
import subprocess

import pytest

from helpers import PY, ROOT

pytestmark = pytest.mark.slow


def test_gpu_lane_fails_without_a_gpu():
    env = dict(os.environ, CUDA_VISIBLE_DEVICES='')
    make = subprocess.run(['make', 'test-gpu', f'PY={PY}', 'INSTALL='], cwd=ROOT, env=env, capture_output=True,
                          text=True)
    assert make.returncode != 0 and 'make test-gpu: no visible CUDA GPU' in make.stderr
    tests = subprocess.run([PY, '-m', 'pytest', 'tests/test_gpu.py', '-q', '-m', 'gpu', '-p', 'no:xdist', '-p',
                            'no:cacheprovider'], cwd=ROOT, env=env, capture_output=True, text=True)
    assert tests.returncode != 0 and 'no visible CUDA GPU' in tests.stdout
    assert '3 errors' in tests.stdout  # fp32, --amp and the distributed run: each refused at setup, none run
