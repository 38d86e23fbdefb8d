"""Parameter counts of the paper's models, from the shipped VOC configs (no weights needed).

    python tools/study/count_params.py [--num-classes N]

Prints a markdown table: single DeepLabV3+ Xception-65 and ResNet-101 (output
stride 16, ASPP dilations 1/6/12/18), the two added up, and the two-network
models: ensemble (``direction='none'``), one-way (FSCN-style) and cross
cooperation with each fusion, with the ratio to the two singles. Models are
built on the meta device: shapes only.
"""
import argparse
import os.path as osp
from typing import Dict, Optional

import torch
from mmengine.config import Config

import mmseg_ccl  # noqa: F401  (registers the modules)
from mmseg.registry import MODELS
from mmseg.utils import register_all_modules

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
VOC = 'configs/ccl/{}_1xb6-80k_voc12aug-513x513.py'
CCL = 'ccl_xception65-r101'
# (row, config, overrides of the config's decode_head)
ROWS = [
    ('single DeepLabV3+ Xception-65', 'deeplabv3plus_xception65-os16', {}),
    ('single DeepLabV3+ ResNet-101', 'deeplabv3plus_r101-os16', {}),
    ('ensemble (direction=none)', 'ensemble_xception65-r101', {}),
    ('one-way top_to_bottom, reduced', CCL, dict(direction='top_to_bottom')),
    ('CCL cross, reduced (default)', CCL, {}),
    ('CCL cross, add', CCL, dict(fusion='add')),
    ('CCL cross, concat', CCL, dict(fusion='concat')),
]


def count(config: str, head: dict, num_classes: Optional[int]) -> int:
    model = Config.fromfile(osp.join(ROOT, VOC.format(config))).model
    model.decode_head.update(head)
    if num_classes:
        model.decode_head.num_classes = num_classes
    with torch.device('meta'):
        return sum(p.numel() for p in MODELS.build(model).parameters())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--num-classes', type=int, help='default: the configs\' (21, VOC)')
    args = parser.parse_args()
    register_all_modules()
    counts: Dict[str, int] = {row: count(config, head, args.num_classes) for row, config, head in ROWS}
    rows = dict(list(counts.items())[:2])
    rows['two singles added up'] = sum(rows.values())
    rows.update(list(counts.items())[2:])
    reference = rows['two singles added up']
    print('| model | parameters | ratio to two singles |\n|---|---|---|')
    for name, params in rows.items():
        print(f'| {name} | {params / 1e6:.2f} M | {params / reference:.3f} |')


if __name__ == '__main__':
    main()
