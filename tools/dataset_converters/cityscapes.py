"""Cityscapes label maps of the 19 train ids: mmseg's ``cityscapes`` converter, run as it is
(it needs ``pip install cityscapesscripts``).

    python tools/dataset_converters/cityscapes.py data/cityscapes --nproc 8

Writes ``gtFine/*/*/*_gtFine_labelTrainIds.png`` and the split lists (docs/usage.md, "Prepare
the data").
"""
from mmseg_ccl.engine import run_mmseg_tool

if __name__ == '__main__':
    run_mmseg_tool('dataset_converters/cityscapes.py')
