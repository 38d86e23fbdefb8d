from .dual_backbone import DualBackbone
from .xception import Xception65

__all__ = ['DualBackbone', 'Xception65']
