"""What a run wrote: mmengine's ``tools/test.py`` leaves its metrics in ``WORK_DIR/<time>/<time>.json``,
and every sitting of a run logs its scalars (losses, validation scores) to
``WORK_DIR/<time>/vis_data/scalars.json``."""
import glob
import json
import os.path as osp
from typing import Iterator, Tuple


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


def logged_scalars(work_dir: str) -> Iterator[dict]:
    """Every entry the run in ``work_dir`` logged (``step`` and its losses, or validation scores),
    over all its sittings (``*/vis_data/scalars.json``), oldest sitting first.

    Raises:
        FileNotFoundError: naming ``work_dir`` when it holds no such log.
    """
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')), key=osp.getmtime)
    if not files:
        raise FileNotFoundError(f'no training log (*/vis_data/scalars.json) under {work_dir}; '
                                'run tools/train.py with --work-dir')
    for path in files:
        with open(path) as f:
            yield from map(json.loads, f)
