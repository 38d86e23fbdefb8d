from .ckpt_convert import (
    EFFICIENTNET_HEAD_KEYS,
    convert_checkpoint,
    convert_checkpoint_file,
    convert_efficientnet_lite,
    convert_torchvision_mobilenetv2,
)
from .fusion import AddFusion, ConcatFusion, ReducedFusion, match_size
from .pretrained_weights import PRETRAINED, SCHEME

__all__ = [
    'EFFICIENTNET_HEAD_KEYS', 'convert_checkpoint', 'convert_checkpoint_file', 'convert_efficientnet_lite',
    'convert_torchvision_mobilenetv2', 'AddFusion',
    'ConcatFusion', 'ReducedFusion', 'match_size', 'PRETRAINED', 'SCHEME'
]
