"""Run mmseg's own command-line tools with mmseg-ccl registered."""
import os
import runpy
import sys
from typing import List

import torch
import torch.distributed as dist

import mmseg

# DDP on CPU modules takes no device ids; mmengine's default wrapper passes LOCAL_RANK.
CPU_DDP_OPTIONS = ['--cfg-options', 'model_wrapper_cfg.type=MMDistributedDataParallel',
                   'model_wrapper_cfg.device_ids=None', 'model_wrapper_cfg.broadcast_buffers=False']


def _launcher(argv: List[str]) -> str:
    for i, arg in enumerate(argv):
        if arg == '--launcher' and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith('--launcher='):
            return arg.split('=', 1)[1]
    return 'none'


def cpu_data_parallel_args(argv: List[str]) -> List[str]:
    """Make ``--launcher pytorch`` work on machines without CUDA; returns extra arguments.

    mmengine 0.10.7's ``pytorch`` launcher always calls ``torch.cuda.set_device``
    and wraps the model with ``device_ids=[LOCAL_RANK]``, so data-parallel runs
    on CPU fail. mmengine skips its own initialisation when a process group
    exists, so we join torchrun's group with gloo here and ask for a
    device-less DDP wrapper. With CUDA, nothing changes.
    """
    if _launcher(argv) != 'pytorch' or torch.cuda.is_available():
        return []
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    return CPU_DDP_OPTIONS


def run_mmseg_tool(relative_path: str) -> None:
    """Run ``<mmseg package>/.mim/tools/<relative_path>`` as ``__main__``.

    Users get exactly mmseg's arguments and behaviour; importing mmseg_ccl
    first registers our modules even for configs without ``custom_imports``.
    """
    import mmseg_ccl  # noqa: F401
    path = os.path.join(os.path.dirname(mmseg.__file__), '.mim', 'tools', relative_path)
    if not os.path.isfile(path):
        sys.exit(f'mmseg-ccl: mmseg\'s {relative_path} is not installed at {path}; '
                 'install mmsegmentation from PyPI (its wheel ships the tools)')
    sys.argv += cpu_data_parallel_args(sys.argv[1:])
    runpy.run_path(path, run_name='__main__')
    # mmengine never tears its process group down; leaving gloo's threads to
    # interpreter shutdown can abort a finished run ("terminate called without
    # an active exception"). Every rank gets here only after a clean finish.
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
