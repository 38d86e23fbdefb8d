"""Parameter counts of the paper's models, built on CPU (no weights needed).

    python tools/analysis_tools/count_params.py [--num-classes 21]

Prints a markdown table: single DeepLabV3+ Xception-65 and ResNet-101 (output
stride 16, ASPP dilations 1/6/12/18, no auxiliary head), the two added up, and
the two-network models: ensemble (``direction='none'``), one-way (FSCN-style)
and cross cooperation with each fusion, with the ratio to the two singles.
"""
import argparse

from mmengine.config import ConfigDict

import mmseg_ccl  # noqa: F401  (registers the modules)
from mmseg.registry import MODELS
from mmseg.utils import register_all_modules

NORM = dict(type='BN', requires_grad=True)
XCEPTION65 = dict(type='Xception65', output_stride=16, out_indices=(1, 4), norm_cfg=dict(NORM, eps=1e-3))
RESNET101 = dict(type='ResNetV1c', depth=101, num_stages=4, out_indices=(0, 3), dilations=(1, 1, 1, 2),
                 strides=(1, 2, 2, 1), norm_cfg=NORM, contract_dilation=True)


def head_args(num_classes: int) -> dict:
    return dict(channels=512, c1_channels=48, dilations=(1, 6, 12, 18), num_classes=num_classes, norm_cfg=NORM,
                dropout_ratio=0.1, align_corners=False)


def single(backbone: dict, num_classes: int) -> ConfigDict:
    return ConfigDict(type='EncoderDecoder', backbone=backbone, test_cfg=dict(mode='whole'),
                      decode_head=dict(type='DepthwiseSeparableASPPHead', in_channels=2048, c1_in_channels=256,
                                       in_index=1, **head_args(num_classes)))


def cooperative(num_classes: int, **head_kwargs) -> ConfigDict:
    return ConfigDict(type='CooperativeEncoderDecoder', test_cfg=dict(mode='whole'),
                      backbone=dict(type='DualBackbone', top=XCEPTION65, bottom=RESNET101),
                      decode_head=dict(type='CrossCooperativeASPPHead', in_channels=(2048, 2048),
                                       c1_in_channels=(256, 256), in_index=(1, 1), **head_args(num_classes),
                                       **head_kwargs))


def count(cfg: ConfigDict) -> int:
    return sum(p.numel() for p in MODELS.build(cfg).parameters())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--num-classes', type=int, default=21)
    args = parser.parse_args()
    register_all_modules()
    n = args.num_classes
    rows = {
        'single DeepLabV3+ Xception-65': count(single(XCEPTION65, n)),
        'single DeepLabV3+ ResNet-101': count(single(RESNET101, n)),
    }
    rows['two singles added up'] = sum(rows.values())
    for name, kwargs in [('ensemble (direction=none)', dict(direction='none')),
                         ('one-way top_to_bottom, reduced', dict(direction='top_to_bottom')),
                         ('CCL cross, reduced (default)', dict()),
                         ('CCL cross, add', dict(fusion='add')),
                         ('CCL cross, concat', dict(fusion='concat'))]:
        rows[name] = count(cooperative(n, **kwargs))
    reference = rows['two singles added up']
    print('| model | parameters | ratio to two singles |\n|---|---|---|')
    for name, params in rows.items():
        print(f'| {name} | {params / 1e6:.2f} M | {params / reference:.3f} |')


if __name__ == '__main__':
    main()
