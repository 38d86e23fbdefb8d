"""Convert timm's ``xception65`` weights to mmseg-ccl's ``Xception65``.

timm publishes the DeepLab ImageNet checkpoint (ported from TensorFlow) as
``timm/xception65.tf_in1k`` on the Hugging Face hub (``model.safetensors``), and
as ``tf_xception_65-c9ae96e8.pth`` in older timm releases. Either file converts:

    python tools/convert_xception65.py model.safetensors pretrain/xception65_tf_in1k.pth

then point a config at it:

    backbone=dict(type='Xception65',
                  init_cfg=dict(type='Pretrained', checkpoint='pretrain/xception65_tf_in1k.pth'))

(``Xception65`` also accepts timm's .pth as it is and converts it on load.)
"""
import argparse
import os
import sys

import torch

from mmseg_ccl.models.utils import convert_timm_xception65


def load(path: str) -> dict:
    if not os.path.isfile(path):
        sys.exit(f'convert_xception65: no such file: {path}')
    if path.endswith('.safetensors'):
        from safetensors.torch import load_file
        return load_file(path)
    checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    return checkpoint.get('state_dict', checkpoint)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('src', help='timm xception65 weights (.pth or .safetensors)')
    parser.add_argument('dst', help='output .pth for Xception65')
    args = parser.parse_args()
    try:
        state_dict = convert_timm_xception65(load(args.src))
    except KeyError as error:
        sys.exit(f'convert_xception65: {args.src}: {error.args[0]}')
    os.makedirs(os.path.dirname(os.path.abspath(args.dst)), exist_ok=True)
    torch.save({'state_dict': state_dict}, args.dst)
    print(f'wrote {len(state_dict)} tensors to {args.dst}')


if __name__ == '__main__':
    main()
