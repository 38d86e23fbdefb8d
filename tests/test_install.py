"""tools/install.sh on the environment running the tests: it keeps what is there and
says when an NVIDIA GPU is present that the installed torch cannot use (tools/misc/check_gpu.sh)."""
import os
import re
import stat
import subprocess
import sys

import pytest
import torch

from helpers import ROOT

pytestmark = pytest.mark.slow

# Enough of nvidia-smi's output for the script: the query, and the banner with the driver's CUDA.
FAKE_NVIDIA_SMI = '''#!/bin/sh
case "$*" in
  *--query-gpu*) echo "NVIDIA H100 80GB HBM3, 535.104.05" ;;
  *) echo "| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2 |" ;;
esac
'''
# What nvidia-smi does on a machine with the tool but no working driver; each call is noted beside it.
BROKEN_NVIDIA_SMI = ('#!/bin/sh\n'
                     'echo "$*" >> "$(dirname "$0")/calls"\n'
                     'echo "NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver."\n'
                     'exit 9\n')


def install(tmp_path, nvidia_smi=None, script=('tools/install.sh', )):
    """Run tools/install.sh (or ``script``) on this environment, with ``nvidia_smi`` as the only one on PATH."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    if nvidia_smi:
        (bin_dir / 'nvidia-smi').write_text(nvidia_smi)
        (bin_dir / 'nvidia-smi').chmod(stat.S_IRWXU)
    path = [str(bin_dir)] + [p for p in os.environ['PATH'].split(os.pathsep)
                             if not os.path.exists(os.path.join(p, 'nvidia-smi'))]
    env = dict(os.environ, PATH=os.pathsep.join(path), VENV=sys.prefix)
    result = subprocess.run(['bash', *script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def test_a_gpu_torch_cannot_use_is_reported_with_what_to_do(tmp_path):
    result = install(tmp_path, FAKE_NVIDIA_SMI)
    assert f'keeping torch {torch.__version__}' in result.stdout  # the torch there stays
    if torch.cuda.is_available():  # a GPU machine: its own GPU is used, whatever the stand-in says
        assert 'uses the GPU' in result.stdout and 'WARNING' not in result.stderr
        return
    assert 'WARNING: this machine has an NVIDIA GPU (NVIDIA H100 80GB HBM3, 535.104.05' in result.stderr
    assert 'CUDA up to 12.2' in result.stderr and f'torch {torch.__version__}' in result.stderr
    assert 'TORCH_INDEX_URL=https://download.pytorch.org/whl/' in result.stderr


def test_no_working_gpu_no_warning(tmp_path):
    """The script asks nvidia-smi for a GPU, gets none (no working driver) and says nothing."""
    result = install(tmp_path, BROKEN_NVIDIA_SMI, ('tools/misc/check_gpu.sh', sys.executable, sys.prefix))
    assert '--query-gpu=name,driver_version' in (tmp_path / 'bin' / 'calls').read_text()  # the check ran
    assert 'NVIDIA GPU' not in result.stderr and 'uses the GPU' not in result.stdout


def test_another_torch_is_kept_with_what_it_requires(tmp_path):
    """A tested set that names another torch than the one installed: the installed torch is pinned, and
    the pins of torch's own requirements are left out, so that pip leaves them as that torch has them."""
    import importlib.metadata
    newest = os.path.join(ROOT, 'requirements', 'constraints', 'newest.txt')
    effective = tmp_path / 'effective.txt'
    for tested, drops_requirements in (('2.1.2', True), (torch.__version__.split('+')[0], False)):
        subprocess.run([sys.executable, 'tools/misc/effective_constraints.py', newest, str(effective),
                        '--tested-torch', tested], cwd=ROOT, check=True)
        lines = effective.read_text().splitlines()
        assert f'torch=={torch.__version__.split("+")[0]}' in lines and not [x for x in lines if x.startswith('mmcv')]
        required = {name(r) for r in importlib.metadata.requires('torch') or []} - {'torch'}
        pinned = {name(line) for line in lines if not line.startswith('#')}
        assert bool(required & pinned) != drops_requirements, tested  # e.g. typing_extensions, sympy, triton


def name(requirement):  # as pip compares names
    return re.sub(r'[-_.]+', '-', re.split(r'[ ;<>=!~\[(@]', requirement, maxsplit=1)[0]).lower()
