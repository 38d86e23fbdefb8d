"""mmseg-ccl: Cross Cooperative Learning for MMSegmentation 1.x.

Importing the package registers its models, metrics, hooks, transforms and visualizer into
mmseg's registries (configs need only ``custom_imports =
dict(imports=['mmseg_ccl'])``) and lets torch's safe checkpoint loading read
mmengine checkpoints.
"""
from .engine import register_safe_globals

register_safe_globals()

from .datasets import *  # noqa: E402,F401,F403
from .evaluation import *  # noqa: E402,F401,F403
from .models import *  # noqa: E402,F401,F403
from .visualization import *  # noqa: E402,F401,F403

__version__ = '0.1.0'
