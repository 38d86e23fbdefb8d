"""Fusion of a feature received from the other network into one's own.

The papers do not say how a received feature map is merged (docs/method.md, "How a
received feature is fused"); these are our choices. Every fusion module is
built by the head with ``own_channels, other_channels, norm_cfg, align_corners``
(its own options, an activation among them, come from its config), takes
``(own, other)`` and returns a tensor shaped like ``own``; ``other`` may have
another channel count and spatial size (backbones of different strides).
"""
from typing import Optional

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule, build_activation_layer, build_norm_layer
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
    """``ConvBNReLU_1x1(cat(own, resize(other)))`` back to ``own_channels`` (the papers' most literal reading).

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
        align_corners: ``align_corners`` of the resize.
    """

    def __init__(self,
                 own_channels: int,
                 other_channels: int,
                 project: bool = True,
                 norm_cfg: Optional[dict] = None,
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


def pointwise_conv(x: Tensor, weight: Tensor, residual: Optional[Tensor] = None) -> Tensor:
    """``residual + conv1x1(x, weight)`` (or just the conv) as one batched matrix product.

    ``weight`` is ``(out_channels, in_channels)``, without bias. The product is
    taken in ``x``'s memory layout (NCHW or channels_last), so nothing is
    copied, and the residual is added by the same kernel (``baddbmm``) rather
    than by a separate full-size addition.
    """
    n, _, h, w = x.shape
    batched = weight.expand(n, -1, -1)
    if x.is_contiguous() or not x.is_contiguous(memory_format=torch.channels_last):
        # NCHW: (N, out, in) @ (N, in, HW).
        flat = x.reshape(n, -1, h * w)
        out = (torch.bmm(batched, flat) if residual is None else
               torch.baddbmm(residual.reshape(n, -1, h * w), batched, flat))
        return out.view(n, -1, h, w)
    # channels_last: (N, HW, in) @ (N, in, out), then viewed back as NCHW with NHWC strides.
    flat = x.permute(0, 2, 3, 1).reshape(n, h * w, -1)
    batched = batched.transpose(1, 2)
    out = (torch.bmm(flat, batched) if residual is None else
           torch.baddbmm(residual.permute(0, 2, 3, 1).reshape(n, h * w, -1), flat, batched))
    return out.view(n, h, w, -1).permute(0, 3, 1, 2)


@MODELS.register_module()
class ReducedFusion(BaseModule):
    """The cheap fusion: ``own + expand(resize(reduce(other)))``.

    The received feature is first squeezed to a few ``message_channels`` by a
    1x1 conv + norm + activation (the "message"), resized at that width when
    strides differ, and expanded back by a 1x1 conv whose result is added to
    ``own``. Per pixel it costs ``message_channels * (other_channels +
    own_channels)`` multiply-adds instead of the ``(own_channels +
    other_channels) * own_channels`` of :class:`ConcatFusion`, so exchanging at
    every cooperation point adds about 1 % to two networks' FLOPs.

    What costs time is not the arithmetic but passes over full-size feature
    maps (the decoder's are 512 x 129 x 129 per image at 513 x 513), so the
    full-size side is kept to one pass each way: the expanding conv has no
    norm layer and adds into ``own`` in the same kernel, and both 1x1 convs
    are batched matrix products (:func:`pointwise_conv`) rather than
    convolution calls, whose CPU kernels were several times slower at these
    shapes (16 channels on one side). Measurements: ``configs/ccl/README.md``.
    mmengine's FLOP counter skips ``baddbmm`` (with a warning) unless given its
    handle, as :func:`mmseg_ccl.analysis.complexity.count_flops` gives it.

    Args:
        own_channels: Channels of the receiving branch's feature.
        other_channels: Channels of the received feature.
        message_channels: Width of the message.
        zero_init: Start the expanding conv at zero, so that the untrained
            model computes exactly what two separate networks would (as the
            "zero convolution" of ControlNet, Zhang et al. 2023) and the
            exchange is learnt from there. ``False``: Kaiming init, as mmcv
            initialises a ``ConvModule``.
        gated: Scale the expanded message per channel by a learnable gate
            initialised to zero, ``own + gate * expand(...)``: the untrained
            model is two separate networks, and each channel learns how much
            of the other network to take in.
        norm_cfg: Normalisation config of the message.
        act_cfg: Activation of the message.
        align_corners: ``align_corners`` of the resize.
    """

    def __init__(self,
                 own_channels: int,
                 other_channels: int,
                 message_channels: int = 16,
                 zero_init: bool = False,
                 gated: bool = False,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = dict(type='ReLU'),
                 align_corners: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        if message_channels <= 0:
            raise ValueError(f'ReducedFusion: message_channels must be positive, got {message_channels}')
        self.align_corners = align_corners
        self.reduce_weight = nn.Parameter(torch.empty(message_channels, other_channels))
        # Without a norm layer the message gets a bias, as ConvModule's bias='auto' gives it.
        self.reduce_bias = nn.Parameter(torch.zeros(message_channels)) if norm_cfg is None else None
        self.reduce_norm = build_norm_layer(norm_cfg, message_channels)[1] if norm_cfg is not None else None
        self.reduce_act = build_activation_layer(act_cfg) if act_cfg is not None else None
        self.expand_weight = nn.Parameter(torch.empty(own_channels, message_channels))
        # As mmcv's ConvModule.init_weights initialises its conv; both are (out, in) matrices of a 1x1 conv.
        nn.init.kaiming_normal_(self.reduce_weight, mode='fan_out', nonlinearity='relu')
        if zero_init:
            nn.init.zeros_(self.expand_weight)
        else:
            nn.init.kaiming_normal_(self.expand_weight, mode='fan_out', nonlinearity='relu')
        self.gate = nn.Parameter(torch.zeros(own_channels)) if gated else None

    def message(self, other: Tensor) -> Tensor:
        """The ``message_channels``-wide feature sent, at the sender's size."""
        message = pointwise_conv(other, self.reduce_weight)
        if self.reduce_bias is not None:
            message = message + self.reduce_bias.view(1, -1, 1, 1)
        if self.reduce_norm is not None:
            message = self.reduce_norm(message)
        return self.reduce_act(message) if self.reduce_act is not None else message

    def forward(self, own: Tensor, other: Tensor) -> Tensor:
        message = match_size(self.message(other), own, self.align_corners)
        # The gate scales the expanding conv's output channels, i.e. its weight's rows.
        weight = self.expand_weight if self.gate is None else self.gate[:, None] * self.expand_weight
        return pointwise_conv(message, weight, residual=own)
