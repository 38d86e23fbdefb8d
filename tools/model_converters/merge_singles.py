"""Merge two single DeepLabV3+ checkpoints into one two-network checkpoint.

    python tools/model_converters/merge_singles.py TOP.pth BOTTOM.pth OUT.pth

The paper's ensemble adds the outputs of two separately trained networks.
This puts a single model (mmseg's ``EncoderDecoder`` with a
``DepthwiseSeparableASPPHead``) on each branch of a ``direction='none'``
model: ``backbone.*`` -> ``backbone.{top,bottom}.*`` and ``decode_head.*`` ->
``decode_head.heads.{top,bottom}.*``, so that

    python tools/test.py configs/ccl/ensemble_<...>.py OUT.pth

scores each single model (top, bottom) and their ensemble (mean of the
logits) in one pass. Auxiliary heads are dropped (they do not predict).
"""
import argparse
import os
import sys
from collections import OrderedDict
from typing import Dict, Tuple

import torch

import mmseg_ccl  # noqa: F401  (torch's allow-list for mmengine checkpoints)

# (prefix in a single model, prefix in the two-network model); {} is the branch.
KEY_MAP: Tuple[Tuple[str, str], ...] = (('backbone.', 'backbone.{}.'), ('decode_head.', 'decode_head.heads.{}.'))
DROPPED = ('auxiliary_head.', )


def load_state_dict(path: str) -> Tuple[Dict[str, torch.Tensor], dict]:
    if not os.path.isfile(path):
        sys.exit(f'merge_singles: no such checkpoint: {path}')
    checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    if 'state_dict' not in checkpoint:
        sys.exit(f'merge_singles: {path} has no "state_dict"; keys: {sorted(checkpoint)[:10]}')
    return checkpoint['state_dict'], checkpoint.get('meta', {})


def merge(singles: Dict[str, Dict[str, torch.Tensor]], sources: Dict[str, str]) -> Dict[str, torch.Tensor]:
    """Map each branch's single-model state dict into the two-network names."""
    merged = OrderedDict()
    for branch, state_dict in singles.items():
        for key, value in state_dict.items():
            if key.startswith(DROPPED):
                continue
            for single_prefix, dual_prefix in KEY_MAP:
                if key.startswith(single_prefix):
                    merged[dual_prefix.format(branch) + key[len(single_prefix):]] = value
                    break
            else:
                raise KeyError(f'merge_singles: {sources[branch]}: key {key!r} is neither backbone.* nor '
                               'decode_head.*; is it a single DeepLabV3+ (EncoderDecoder) checkpoint?')
        if not any(k.startswith('decode_head.c1_bottleneck.') for k in state_dict):
            raise KeyError(f'merge_singles: {sources[branch]} has no decode_head.c1_bottleneck; '
                           'expected a DeepLabV3+ (DepthwiseSeparableASPPHead) checkpoint')
    return merged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('top', help='checkpoint of the single model for the top branch')
    parser.add_argument('bottom', help='checkpoint of the single model for the bottom branch')
    parser.add_argument('out', help='output checkpoint')
    args = parser.parse_args()
    (top, meta), (bottom, _) = load_state_dict(args.top), load_state_dict(args.bottom)
    try:
        state_dict = merge(dict(top=top, bottom=bottom), dict(top=args.top, bottom=args.bottom))
    except KeyError as error:
        sys.exit(error.args[0])
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    merged_meta = dict(merged_from=dict(top=args.top, bottom=args.bottom))
    if 'dataset_meta' in meta:
        merged_meta['dataset_meta'] = meta['dataset_meta']
    torch.save(dict(state_dict=state_dict, meta=merged_meta), args.out)
    print(f'wrote {len(state_dict)} tensors to {args.out}')


if __name__ == '__main__':
    main()
