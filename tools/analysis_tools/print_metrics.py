"""Print the mIoU of each output from the newest evaluation under a work dir.

    python tools/analysis_tools/print_metrics.py WORK_DIR

Reads the metrics mmengine's ``tools/test.py`` wrote (``WORK_DIR/<time>/<time>.json``).
"""
import argparse
import sys

from mmseg_ccl.analysis import newest_metrics
from mmseg_ccl.structures import OUTPUTS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('work_dir')
    args = parser.parse_args()
    try:
        path, metrics = newest_metrics(args.work_dir)
    except FileNotFoundError as error:
        sys.exit(f'print_metrics: {error}')
    rows = [(name, metrics.get(f'mIoU_{name}')) for name in OUTPUTS]
    if any(value is None for _, value in rows):
        rows = [('prediction', metrics.get('mIoU'))]
    print(f'mIoU from {path}:')
    for name, value in rows:
        print(f'  {name:>10}: {value:.2f}')


if __name__ == '__main__':
    main()
