from .cross_cooperative_aspp_head import COOPERATION_POINTS, CrossCooperativeASPPHead

__all__ = ['COOPERATION_POINTS', 'CrossCooperativeASPPHead']
