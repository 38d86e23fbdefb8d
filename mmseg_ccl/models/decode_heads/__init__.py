from .cross_cooperative_aspp_head import COOPERATION_POINTS, CrossCooperativeASPPHead
from .dual_branch_decode_head import DualBranchDecodeHead

__all__ = ['COOPERATION_POINTS', 'CrossCooperativeASPPHead', 'DualBranchDecodeHead']
