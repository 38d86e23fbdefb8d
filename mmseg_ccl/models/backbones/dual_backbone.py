"""Two backbones side by side: the top and bottom networks of CCL."""
from typing import Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule
from torch import Tensor

from mmseg.registry import MODELS

from ...structures import BRANCHES


@MODELS.register_module()
class DualBackbone(BaseModule):
    """Run two backbones on the same image; return ``(top_feats, bottom_feats)``.

    Any config mmseg's ``MODELS`` registry builds works for either branch,
    mmpretrain's too through its scope prefix (``type='mmpretrain.ConvNeXt'``).

    Pretrained backbones expect the input normalised as in their own training
    (Xception-65's TF weights: mean = std = 127.5; ResNet: ImageNet mean/std),
    while the data preprocessor normalises once for both. ``top_norm`` /
    ``bottom_norm`` give a branch its own statistics; the branch then sees
    ``(img - mean_b) / std_b``, computed from the preprocessor's output
    ``(img - mean_p) / std_p`` as the affine map
    ``x * std_p / std_b + (mean_p - mean_b) / std_b``.

    Args:
        top: Config of the top backbone.
        bottom: Config of the bottom backbone.
        top_norm: ``dict(mean=[...], std=[...])`` the top branch expects, or
            ``None`` to pass the preprocessor's output on unchanged.
        bottom_norm: Same for the bottom branch.
        input_norm: ``dict(mean=[...], std=[...])`` of the data preprocessor.
            Required when a branch norm is set; :class:`CooperativeEncoderDecoder`
            fills it from its ``data_preprocessor``.
        init_cfg: Initialisation config; each branch's own ``init_cfg`` (e.g.
            pretrained weights) applies to it.
    """

    def __init__(self,
                 top: dict,
                 bottom: dict,
                 top_norm: Optional[dict] = None,
                 bottom_norm: Optional[dict] = None,
                 input_norm: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        self.top = MODELS.build(top)
        self.bottom = MODELS.build(bottom)
        for name, norm in zip(BRANCHES, (top_norm, bottom_norm)):
            scale, shift = self._affine(name, norm, input_norm) if norm is not None else (None, None)
            # Not persistent: derived from the config, never from a checkpoint.
            self.register_buffer(f'{name}_scale', scale, persistent=False)
            self.register_buffer(f'{name}_shift', shift, persistent=False)

    @staticmethod
    def _affine(name: str, norm: dict, input_norm: Optional[dict]) -> Tuple[Tensor, Tensor]:
        """(scale, shift) mapping the preprocessor's normalisation to the branch's."""
        if input_norm is None:
            raise ValueError(f'DualBackbone: {name}_norm is set, so input_norm (the data preprocessor\'s mean/std) '
                             'is needed too')
        stats = {}
        for source, cfg in ((f'{name}_norm', norm), ('input_norm', input_norm)):
            for key in ('mean', 'std'):
                if key not in cfg:
                    raise KeyError(f'DualBackbone: {source} has no {key!r}: {cfg}')
                stats[source, key] = torch.as_tensor(cfg[key], dtype=torch.float32).view(1, -1, 1, 1)
        mean_b, std_b = stats[f'{name}_norm', 'mean'], stats[f'{name}_norm', 'std']
        mean_p, std_p = stats['input_norm', 'mean'], stats['input_norm', 'std']
        if not mean_b.numel() == std_b.numel() == mean_p.numel() == std_p.numel():
            raise ValueError(f'DualBackbone: {name}_norm and input_norm have different channel counts: '
                             f'{norm} vs {input_norm}')
        return std_p / std_b, (mean_p - mean_b) / std_b

    def forward(self, x: Tensor) -> Tuple[Sequence[Tensor], Sequence[Tensor]]:
        features = []
        for name in BRANCHES:
            backbone, scale, shift = getattr(self, name), getattr(self, f'{name}_scale'), getattr(self, f'{name}_shift')
            feats = backbone(x if scale is None else x * scale + shift)
            if isinstance(feats, Tensor):
                feats = (feats, )
            bad = [tuple(f.shape) for f in feats if f.shape[0] != x.shape[0]]
            if bad:
                raise ValueError(f'DualBackbone: the {name} backbone ({type(backbone).__name__}) returned features of '
                                 f'shapes {bad} for a batch of {x.shape[0]} images; expected batch size {x.shape[0]}')
            features.append(tuple(feats))
        return features[0], features[1]
