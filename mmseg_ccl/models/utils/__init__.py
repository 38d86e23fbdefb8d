from .ckpt_convert import (
    convert_checkpoint_file,
    convert_efficientnet_lite,
    convert_timm_xception65,
    convert_torchvision_mobilenetv2,
    is_timm_xception_state_dict,
)
from .fusion import AddFusion, ConcatFusion, ReducedFusion, match_size

__all__ = [
    'convert_checkpoint_file', 'convert_efficientnet_lite', 'convert_timm_xception65',
    'convert_torchvision_mobilenetv2', 'is_timm_xception_state_dict', 'AddFusion', 'ConcatFusion', 'ReducedFusion',
    'match_size'
]
