from .cooperative_encoder_decoder import CooperativeEncoderDecoder
from .cooperative_seg_tta import CooperativeSegTTAModel

__all__ = ['CooperativeEncoderDecoder', 'CooperativeSegTTAModel']
