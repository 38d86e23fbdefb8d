"""Checkpoint key converters for weights published by other libraries."""
import os
import re
from collections import OrderedDict
from typing import Callable, Dict, Mapping

import torch
from torch import Tensor


def _map_keys(state_dict: Mapping[str, Tensor], rules, dropped: tuple, name: str) -> Dict[str, Tensor]:
    """Rename each key by the first ``(pattern, replacement)`` of ``rules`` that matches it;
    drop keys starting with ``dropped``; raise ``KeyError`` naming a key that no rule covers."""
    converted = OrderedDict()
    for key, value in state_dict.items():
        if key.startswith(dropped):
            continue
        for pattern, replacement in rules:
            new_key, count = pattern.subn(replacement, key)
            if count:
                converted[new_key] = value
                break
        else:
            raise KeyError(f'{name}: unexpected key {key!r}')
    return converted


# torchvision's MobileNetV2 ``features.1`` ... ``features.17`` are mmseg's
# ``layer1.0`` ... ``layer7.0`` (1, 2, 3, 4, 3, 3, 1 blocks per layer).
_MOBILENETV2_BLOCKS = [(layer, block) for layer, num in enumerate((1, 2, 3, 4, 3, 3, 1), 1) for block in range(num)]


def convert_torchvision_mobilenetv2(state_dict: Mapping[str, Tensor]) -> Dict[str, Tensor]:
    """Map torchvision's ``mobilenet_v2`` state dict to mmseg's ``MobileNetV2``.

    torchvision's inverted residual is ``conv = [ConvBNReLU6 (expand), ConvBNReLU6
    (depthwise), Conv2d, BatchNorm2d]`` (no expand layer when the ratio is 1); mmseg's
    is ``conv = [ConvModule, ConvModule, ConvModule]``, each with ``conv`` / ``bn``.
    The last 1x1 conv to 1280 channels (``features.18``) and the classifier are
    ImageNet-only and dropped.

    Raises:
        KeyError: on a key of neither form, naming it.
    """
    rules = [(re.compile(r'^features\.0\.0\.'), 'conv1.conv.'), (re.compile(r'^features\.0\.1\.'), 'conv1.bn.')]
    for index, (layer, block) in enumerate(_MOBILENETV2_BLOCKS, 1):
        # ConvBNReLU6 layers come first, then the projection's Conv2d and BatchNorm2d.
        num_cna = 2 if f'features.{index}.conv.3.weight' in state_dict else 1
        prefix, target = rf'^features\.{index}\.conv\.', f'layer{layer}.{block}.conv.'
        for k in range(num_cna):
            rules += [(re.compile(rf'{prefix}{k}\.0\.'), f'{target}{k}.conv.'),
                      (re.compile(rf'{prefix}{k}\.1\.'), f'{target}{k}.bn.')]
        rules += [(re.compile(rf'{prefix}{num_cna}\.'), f'{target}{num_cna}.conv.'),
                  (re.compile(rf'{prefix}{num_cna + 1}\.'), f'{target}{num_cna}.bn.')]
    return _map_keys(state_dict, rules, ('features.18.', 'classifier.'), 'convert_torchvision_mobilenetv2')


# EfficientNet-Lite0's stages (blocks per stage); EfficientNet-PyTorch numbers the blocks flat.
_EFFICIENTNET_LITE0_STAGES = (1, 2, 2, 3, 3, 4, 1)
# EfficientNet-PyTorch block names -> timm's, for the first stage (depthwise separable,
# no expansion) and for inverted residuals.
_EFFNET_DS_BLOCK = {'_depthwise_conv': 'conv_dw', '_bn1': 'bn1', '_project_conv': 'conv_pw', '_bn2': 'bn2'}
_EFFNET_IR_BLOCK = {'_expand_conv': 'conv_pw', '_bn0': 'bn1', '_depthwise_conv': 'conv_dw', '_bn1': 'bn2',
                    '_project_conv': 'conv_pwl', '_bn2': 'bn3'}


def convert_efficientnet_lite(state_dict: Mapping[str, Tensor],
                              stages: tuple = _EFFICIENTNET_LITE0_STAGES) -> Dict[str, Tensor]:
    """Map an EfficientNet-PyTorch-style EfficientNet-Lite state dict (the
    ``efficientnet_lite_pytorch`` packages) to timm's ``tf_efficientnet_lite*``.

    ``_blocks.N.*`` becomes ``blocks.S.J.*`` (stage ``S``, block ``J`` of it;
    ``stages`` gives the blocks per stage), the stem and head convs keep their
    roles (``_conv_stem`` / ``_bn0`` -> ``conv_stem`` / ``bn1``, ``_conv_head`` /
    ``_bn1`` -> ``conv_head`` / ``bn2``) and ``_fc`` -> ``classifier``. The TF
    ports pad like TensorFlow ("same"), which timm's ``tf_`` models reproduce.

    Raises:
        KeyError: on a key of neither form, naming it.
    """
    rules = [(re.compile(r'^_conv_stem\.'), 'conv_stem.'), (re.compile(r'^_bn0\.'), 'bn1.'),
             (re.compile(r'^_conv_head\.'), 'conv_head.'), (re.compile(r'^_bn1\.'), 'bn2.'),
             (re.compile(r'^_fc\.'), 'classifier.')]
    flat = 0
    for stage, num_blocks in enumerate(stages):
        names = _EFFNET_DS_BLOCK if stage == 0 else _EFFNET_IR_BLOCK
        for block in range(num_blocks):
            rules += [(re.compile(rf'^_blocks\.{flat}\.{old}\.'), f'blocks.{stage}.{block}.{new}.')
                      for old, new in names.items()]
            flat += 1
    return _map_keys(state_dict, rules, (), 'convert_efficientnet_lite')


# EfficientNet's ImageNet-only layers (timm names), left out of a backbone's weights.
EFFICIENTNET_HEAD_KEYS = ('conv_head.', 'bn2.', 'classifier.')


def convert_checkpoint(src: str, converter: Callable[[Mapping[str, Tensor]], Dict[str, Tensor]], prefix: str = '',
                       dropped: tuple = ()) -> Dict[str, Tensor]:
    """Load ``src`` (a state dict, or a checkpoint holding ``state_dict``; ``.pth`` or
    ``.safetensors``), convert it, drop keys starting with ``dropped`` (after
    conversion) and prefix the rest with ``prefix``.

    Raises:
        FileNotFoundError: if ``src`` does not exist.
        KeyError: from ``converter``, with ``src`` named.
    """
    if not os.path.isfile(src):
        raise FileNotFoundError(f'no such checkpoint: {src}')
    if src.endswith('.safetensors'):
        from safetensors.torch import load_file
        state_dict = load_file(src)
    else:
        state_dict = torch.load(src, map_location='cpu', weights_only=True)
        state_dict = state_dict.get('state_dict', state_dict)
    try:
        converted = converter(state_dict)
    except KeyError as error:
        raise KeyError(f'{src}: {error.args[0]}') from None
    return OrderedDict((prefix + k, v) for k, v in converted.items() if not k.startswith(dropped))


def convert_checkpoint_file(src: str, dst: str, converter: Callable[[Mapping[str, Tensor]], Dict[str, Tensor]],
                            prefix: str = '', dropped: tuple = ()) -> int:
    """:func:`convert_checkpoint` saved as ``{'state_dict': ...}`` to ``dst``, which
    mmengine's ``Pretrained`` init loads. Returns the number of tensors."""
    converted = convert_checkpoint(src, converter, prefix, dropped)
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    torch.save({'state_dict': converted}, dst)
    return len(converted)
