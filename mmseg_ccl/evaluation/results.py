"""What a run wrote: mmengine's ``tools/test.py`` leaves its metrics in ``WORK_DIR/<time>/<time>.json``,
and every sitting of a run logs its scalars (losses, validation scores) to
``WORK_DIR/<time>/vis_data/scalars.json``."""
import glob
import json
import os.path as osp
from typing import List, Tuple


def newest_metrics(work_dir: str) -> Tuple[str, dict]:
    """The newest ``WORK_DIR/*/*.json`` (by modification time) and the metrics it holds.

    Raises:
        FileNotFoundError: naming ``work_dir`` when it holds no such file.
    """
    files = glob.glob(osp.join(work_dir, '*', '*.json'))
    if not files:
        raise FileNotFoundError(f'no metrics (*/*.json) under {work_dir}; run tools/test.py with --work-dir')
    path = max(files, key=osp.getmtime)
    with open(path) as f:
        return path, json.load(f)


def scalar_logs(work_dir: str) -> List[str]:
    """The ``scalars.json`` of every sitting of the run in ``work_dir``, oldest first.

    Raises:
        FileNotFoundError: naming ``work_dir`` when it holds none.
    """
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')), key=osp.getmtime)
    if not files:
        raise FileNotFoundError(f'no training log (*/vis_data/scalars.json) under {work_dir}; '
                                'run tools/train.py with --work-dir')
    return files
