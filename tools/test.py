"""Test (and evaluate) a segmentor: mmseg's ``tools/test.py`` with mmseg-ccl registered.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out DIR] [--show-dir DIR]
                         [--tta] [--cfg-options KEY=VALUE ...] [--launcher ...]

With a CCL config, the evaluator (CooperativeIoUMetric) scores the top, bottom
and mean outputs in this one pass.
"""
from mmseg_ccl.engine import run_mmseg_tool

if __name__ == '__main__':
    run_mmseg_tool('test.py')
