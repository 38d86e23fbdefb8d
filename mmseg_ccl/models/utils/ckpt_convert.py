"""Checkpoint key converters for weights published by other libraries."""
import re
from collections import OrderedDict
from typing import Dict, Mapping

from torch import Tensor

# timm's SeparableConv2d names -> mmcv's DepthwiseSeparableConvModule names.
_TIMM_SEPARABLE = {
    'conv_dw': 'depthwise_conv.conv',
    'bn_dw': 'depthwise_conv.bn',
    'conv_pw': 'pointwise_conv.conv',
    'bn_pw': 'pointwise_conv.bn',
}
_TIMM_BLOCK_CONV = re.compile(r'^blocks\.(\d+)\.stack\.conv(\d)\.(conv_dw|bn_dw|conv_pw|bn_pw)\.(.+)$')
# timm's features_only wrapper flattens ``stem.0`` / ``blocks.3`` to ``stem_0`` / ``blocks_3``.
_TIMM_FLATTENED = re.compile(r'^(stem|blocks)_(\d+)\.')


def _unflatten(key: str) -> str:
    return _TIMM_FLATTENED.sub(r'\1.\2.', key)


def is_timm_xception_state_dict(state_dict: Mapping[str, Tensor]) -> bool:
    """Whether ``state_dict`` uses timm's aligned-Xception key names."""
    return any(_TIMM_BLOCK_CONV.match(_unflatten(key)) for key in state_dict)


def convert_timm_xception65(state_dict: Mapping[str, Tensor]) -> Dict[str, Tensor]:
    """Map a timm ``xception65`` state dict to :class:`~mmseg_ccl.models.Xception65`.

    The stem (``stem.{0,1}.{conv,bn}``) and the shortcuts
    (``blocks.N.shortcut.{conv,bn}``) already share names; each separable conv
    ``blocks.N.stack.convK.{conv_dw,bn_dw,conv_pw,bn_pw}`` becomes
    ``blocks.N.convs.{K-1}.{depthwise_conv,pointwise_conv}.{conv,bn}``. The
    ImageNet classifier (``head.*``) is dropped. Keys of timm's ``features_only``
    model (``stem_0.*``, ``blocks_3.*``) convert too.

    Raises:
        KeyError: on a key that is neither of these, naming it.
    """
    converted = OrderedDict()
    for original_key, value in state_dict.items():
        key = _unflatten(original_key)
        if key.startswith('head.'):
            continue
        match = _TIMM_BLOCK_CONV.match(key)
        if match:
            block, conv, part, rest = match.groups()
            converted[f'blocks.{block}.convs.{int(conv) - 1}.{_TIMM_SEPARABLE[part]}.{rest}'] = value
        elif re.match(r'^(stem\.[01]\.(conv|bn)|blocks\.\d+\.shortcut\.(conv|bn))\.', key):
            converted[key] = value
        else:
            raise KeyError(f'convert_timm_xception65: unexpected key {original_key!r}; '
                           'is this a timm xception65 state dict?')
    return converted
