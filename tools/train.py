"""Train a segmentor: mmseg's ``tools/train.py`` with mmseg-ccl registered.

    python tools/train.py CONFIG [--work-dir DIR] [--resume] [--amp]
                          [--cfg-options KEY=VALUE ...] [--launcher {none,pytorch,slurm,mpi}]
"""
from mmseg_ccl.engine import run_mmseg_tool

if __name__ == '__main__':
    run_mmseg_tool('train.py')
