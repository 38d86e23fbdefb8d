from .camvid import CamVidDataset
from .ccl_demo import CCLDemoDataset
from .cityscapes import CheckedCityscapesDataset
from .transforms import *  # noqa: F401,F403
from .voc import CheckedPascalVOCDataset

__all__ = ['CamVidDataset', 'CCLDemoDataset', 'CheckedCityscapesDataset', 'CheckedPascalVOCDataset']
