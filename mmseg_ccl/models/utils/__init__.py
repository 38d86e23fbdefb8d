from .ckpt_convert import (
    EFFICIENTNET_HEAD_KEYS,
    convert_checkpoint,
    convert_checkpoint_file,
    convert_efficientnet_lite,
    convert_timm_xception65,
    convert_torchvision_mobilenetv2,
    is_timm_xception_state_dict,
)
from .fusion import AddFusion, ConcatFusion, ReducedFusion, match_size
from .pretrained_weights import PRETRAINED, SCHEME, weights_home, xception65_path

__all__ = [
    'EFFICIENTNET_HEAD_KEYS', 'convert_checkpoint', 'convert_checkpoint_file', 'convert_efficientnet_lite',
    'convert_timm_xception65', 'convert_torchvision_mobilenetv2', 'is_timm_xception_state_dict', 'AddFusion',
    'ConcatFusion', 'ReducedFusion', 'match_size', 'PRETRAINED', 'SCHEME', 'weights_home', 'xception65_path'
]
