from .cooperative_encoder_decoder import OUTPUTS, CooperativeEncoderDecoder
from .cooperative_seg_tta import CooperativeSegTTAModel

__all__ = ['OUTPUTS', 'CooperativeEncoderDecoder', 'CooperativeSegTTAModel']
