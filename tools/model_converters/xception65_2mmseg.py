"""Convert timm's ``xception65`` weights to mmseg-ccl's ``Xception65``.

timm publishes the DeepLab ImageNet checkpoint (ported from TensorFlow) as
``timm/xception65.tf_in1k`` on the Hugging Face hub (``model.safetensors``), and
as ``tf_xception_65-c9ae96e8.pth`` in older timm releases. Either file converts:

    python tools/model_converters/xception65_2mmseg.py model.safetensors [DST]

DST defaults to ``xception65_tf_in1k.pth`` in ``$MMSEG_CCL_HOME`` (else
``~/.cache/mmseg_ccl``), which the paper's configs load from any directory as
``mmseg-ccl://xception65_tf_in1k``; a config can also name a DST of its own:

    backbone=dict(type='Xception65', init_cfg=dict(type='Pretrained', checkpoint=DST))

(``Xception65`` also accepts timm's .pth as it is and converts it on load.)
"""
import argparse
import sys

from mmseg_ccl.models.utils import convert_checkpoint_file, convert_timm_xception65, xception65_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('src', help='timm xception65 weights (.pth or .safetensors)')
    parser.add_argument('dst', nargs='?', help='output .pth for Xception65 (default: %(default)s)',
                        default=xception65_path())
    args = parser.parse_args()
    try:
        count = convert_checkpoint_file(args.src, args.dst, convert_timm_xception65)
    except (FileNotFoundError, KeyError) as error:
        sys.exit(f'xception65_2mmseg: {error.args[0]}')
    print(f'wrote {count} tensors to {args.dst}')


if __name__ == '__main__':
    main()
