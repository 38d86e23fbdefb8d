from .camvid import CamVidDataset
from .ccl_demo import CCLDemoDataset
from .transforms import *  # noqa: F401,F403

__all__ = ['CamVidDataset', 'CCLDemoDataset']
