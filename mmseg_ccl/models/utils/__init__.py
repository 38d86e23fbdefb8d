from .ckpt_convert import convert_timm_xception65, is_timm_xception_state_dict
from .fusion import AddFusion, ConcatFusion, ReducedFusion, match_size

__all__ = ['convert_timm_xception65', 'is_timm_xception_state_dict', 'AddFusion', 'ConcatFusion', 'ReducedFusion', 'match_size']
