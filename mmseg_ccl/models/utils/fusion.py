"""Fusion of a feature received from the other network into one's own.

The papers do not say how a received feature map is merged (METHOD.md, "How a
received feature is fused"); these are our choices. Every fusion module takes
``(own, other)`` and returns a tensor shaped like ``own``; ``other`` may have
another channel count and spatial size (backbones of different strides).
"""
from typing import Optional

import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

from mmseg.models.utils import resize
from mmseg.registry import MODELS


def match_size(other: Tensor, own: Tensor, align_corners: bool) -> Tensor:
    """Bilinearly resize ``other`` to ``own``'s spatial size, only if they differ."""
    if other.shape[2:] == own.shape[2:]:
        return other
    return resize(other, size=own.shape[2:], mode='bilinear', align_corners=align_corners)


@MODELS.register_module()
class ConcatFusion(BaseModule):
    """``ConvBNReLU_1x1(cat(own, resize(other)))`` back to ``own_channels`` (the default).

    Args:
        own_channels: Channels of the receiving branch's feature.
        other_channels: Channels of the received feature.
        norm_cfg: Normalisation config of the 1x1 conv.
        act_cfg: Activation config of the 1x1 conv.
        align_corners: ``align_corners`` of the resize.
    """

    def __init__(self,
                 own_channels: int,
                 other_channels: int,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = dict(type='ReLU'),
                 align_corners: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        self.align_corners = align_corners
        self.fuse = ConvModule(own_channels + other_channels, own_channels, 1, norm_cfg=norm_cfg, act_cfg=act_cfg)

    def forward(self, own: Tensor, other: Tensor) -> Tensor:
        return self.fuse(torch.cat([own, match_size(other, own, self.align_corners)], dim=1))


@MODELS.register_module()
class AddFusion(BaseModule):
    """``own + proj(resize(other))``, ``proj`` a 1x1 ConvBN (no activation).

    Args:
        own_channels: Channels of the receiving branch's feature.
        other_channels: Channels of the received feature.
        project: Use the 1x1 ConvBN. ``False`` adds ``other`` as it is, which
            needs equal channel counts.
        norm_cfg: Normalisation config of the projection.
        act_cfg: Unused; accepted so that every fusion is built alike.
        align_corners: ``align_corners`` of the resize.
    """

    def __init__(self,
                 own_channels: int,
                 other_channels: int,
                 project: bool = True,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = None,
                 align_corners: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        if not project and own_channels != other_channels:
            raise ValueError(f'AddFusion(project=False) needs equal channels, got own_channels={own_channels} '
                             f'and other_channels={other_channels}')
        self.align_corners = align_corners
        self.proj = ConvModule(other_channels, own_channels, 1, norm_cfg=norm_cfg,
                               act_cfg=None) if project else None

    def forward(self, own: Tensor, other: Tensor) -> Tensor:
        other = match_size(other, own, self.align_corners)
        return own + (other if self.proj is None else self.proj(other))


@MODELS.register_module()
class ReducedFusion(BaseModule):
    """The cheap fusion: ``own + expand(resize(reduce(other)))``.

    The received feature is first squeezed to a few ``message_channels`` by a
    1x1 ConvBNReLU (the "message"), resized at that width when strides differ,
    and expanded back by a 1x1 ConvBN added to ``own``. Per pixel it costs
    ``message_channels * (other_channels + own_channels)`` multiply-adds instead
    of the ``(own_channels + other_channels) * own_channels`` of
    :class:`ConcatFusion`, so exchanging at every cooperation point adds about
    1 % to two networks' FLOPs (see ``configs/ccl/README.md``).

    Args:
        own_channels: Channels of the receiving branch's feature.
        other_channels: Channels of the received feature.
        message_channels: Width of the message.
        norm_cfg: Normalisation config of both 1x1 convs.
        act_cfg: Activation of the reducing conv.
        align_corners: ``align_corners`` of the resize.
    """

    def __init__(self,
                 own_channels: int,
                 other_channels: int,
                 message_channels: int = 16,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = dict(type='ReLU'),
                 align_corners: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        if message_channels <= 0:
            raise ValueError(f'ReducedFusion: message_channels must be positive, got {message_channels}')
        self.align_corners = align_corners
        self.reduce = ConvModule(other_channels, message_channels, 1, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.expand = ConvModule(message_channels, own_channels, 1, norm_cfg=norm_cfg, act_cfg=None)

    def forward(self, own: Tensor, other: Tensor) -> Tensor:
        return own + self.expand(match_size(self.reduce(other), own, self.align_corners))
