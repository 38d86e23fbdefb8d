"""Aligned Xception-65, the backbone of DeepLabV3+: timm's ``xception65`` as an mmseg backbone.

Chen et al., "Encoder-Decoder with Atrous Separable Convolution for Semantic
Image Segmentation", ECCV 2018, Sec. 3.3 and Fig. 4: the "modified aligned
Xception". timm builds it (``timm/models/xception_aligned.py``) and publishes
the DeepLab ImageNet weights (``xception65.tf_in1k``); this file adds only what
mmseg's :class:`~mmseg.models.backbones.TIMMBackbone` cannot express.
"""
from typing import Optional, Sequence, Tuple

import timm
import torch.distributed as dist
from mmengine.logging import MMLogger
from timm.layers import convert_sync_batchnorm
from torch.nn.modules.batchnorm import _BatchNorm

from mmseg.models.backbones import TIMMBackbone
from mmseg.registry import MODELS

WEIGHTS = 'xception65.tf_in1k'
NORM_TYPES = ('BN', 'SyncBN')


@MODELS.register_module()
class Xception65(TIMMBackbone):
    """timm's ``xception65`` (``features_only``) with mmseg's norm and weight conventions.

    Beyond :class:`~mmseg.models.backbones.TIMMBackbone` it takes ``norm_cfg``
    (BN or SyncBN with ``eps``, ``momentum`` and ``requires_grad``), honours
    ``norm_eval``, and loads ImageNet weights in :meth:`init_weights`, so that
    building a model needs none.

    SyncBN: the layers become synchronised (timm's ``convert_sync_batchnorm``,
    which keeps the activation fused into each timm norm layer) when a process
    group is initialised at build time, as it is under ``tools/dist_train.sh``.
    Otherwise they stay BN, which is what mmengine's ``Runner`` makes of SyncBN
    outside distributed runs; its ``revert_sync_batchnorm`` would drop the
    activation of a timm ``SyncBatchNormAct``.

    Feature points (``out_indices`` picks from them), channels and stride at
    ``output_stride=16``: 0 before the strided conv of entry block 1 (128, 2),
    1 before that of entry block 2 (256, 4), 2 before that of entry block 3
    (728, 8), 3 before that of exit block 1 (1024, 16), 4 the output (2048, 16).
    DeepLabV3+ uses 1 (low-level) and 4 (high-level): the default.

    Args:
        output_stride: 8, 16 or 32.
        out_indices: Feature points to return, see above.
        norm_cfg: ``type`` BN or SyncBN; ``eps`` 1e-3 matches the TF-trained weights.
        norm_eval: Keep every norm layer in eval mode while training.
        pretrained: Load timm's ``xception65.tf_in1k`` in :meth:`init_weights`, from
            the Hugging Face hub or its local cache.
        pretrained_file: Load that file instead (timm's ``model.safetensors`` of
            ``xception65.tf_in1k``, or a ``.pth`` state dict of timm's ``xception65``).
        in_channels: Input image channels.
        init_cfg: Initialisation config, used when no weights are named.
    """

    def __init__(self,
                 output_stride: int = 16,
                 out_indices: Sequence[int] = (1, 4),
                 norm_cfg: Optional[dict] = None,
                 norm_eval: bool = False,
                 pretrained: bool = False,
                 pretrained_file: Optional[str] = None,
                 in_channels: int = 3,
                 init_cfg: Optional[dict] = None) -> None:
        norm_cfg = dict(dict(type='BN', eps=1e-3, momentum=0.1, requires_grad=True), **(norm_cfg or {}))
        if norm_cfg['type'] not in NORM_TYPES:
            raise ValueError(f'Xception65: norm_cfg.type must be one of {NORM_TYPES}, got {norm_cfg["type"]!r}')
        if output_stride not in (8, 16, 32):
            raise ValueError(f'Xception65: output_stride must be 8, 16 or 32, got {output_stride}')
        bad = [i for i in out_indices if not 0 <= i < 5]
        if bad:
            raise ValueError(f'Xception65: out_indices {tuple(out_indices)} has {bad}; the feature points are 0..4')
        features = dict(output_stride=output_stride, out_indices=tuple(out_indices))
        super().__init__('xception65', features_only=True, pretrained=False, in_channels=in_channels,
                         init_cfg=init_cfg, **features)
        # What init_weights builds timm's model with, to take its loaded weights.
        self.timm_args = dict(features, features_only=True, in_chans=in_channels)
        self.norm_eval = norm_eval
        self.pretrained = pretrained
        self.pretrained_file = pretrained_file
        for module in self.modules():
            if isinstance(module, _BatchNorm):
                module.eps, module.momentum = norm_cfg['eps'], norm_cfg['momentum']
                module.requires_grad_(norm_cfg['requires_grad'])
        if norm_cfg['type'] == 'SyncBN' and dist.is_available() and dist.is_initialized():
            self.timm_model = convert_sync_batchnorm(self.timm_model)

    @property
    def out_channels(self) -> Tuple[int, ...]:
        """Channels of the returned features, in ``out_indices`` order."""
        return tuple(self.timm_model.feature_info.channels())

    def train(self, mode: bool = True) -> 'Xception65':
        super().train(mode)
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self

    def init_weights(self) -> None:
        if not (self.pretrained or self.pretrained_file):
            super().init_weights()
            return
        overlay = dict(file=self.pretrained_file) if self.pretrained_file else None
        source = self.pretrained_file or f'{WEIGHTS} (Hugging Face hub)'
        try:
            weights = timm.create_model(WEIGHTS, pretrained=True, pretrained_cfg_overlay=overlay, **self.timm_args)
        except Exception as error:  # hub, network and file errors come in many types
            raise RuntimeError(
                f'Xception65: could not load ImageNet weights from {source}: {error}. Download model.safetensors '
                f'of timm/{WEIGHTS} and set pretrained_file=PATH (e.g. --cfg-options '
                'model.backbone.top.pretrained_file=PATH), or make the hub reachable') from error
        self.timm_model.load_state_dict(weights.state_dict())
        MMLogger.get_current_instance().info(f'Xception65: ImageNet weights from {source}')
        self._is_init = True

