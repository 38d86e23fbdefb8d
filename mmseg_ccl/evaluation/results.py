"""The metrics a run wrote: mmengine's ``tools/test.py`` leaves them in ``WORK_DIR/<time>/<time>.json``."""
import glob
import json
import os.path as osp
from typing import Tuple


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
