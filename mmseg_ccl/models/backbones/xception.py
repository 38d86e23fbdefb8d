"""Aligned Xception-65, the backbone of DeepLabV3+.

Chen et al., "Encoder-Decoder with Atrous Separable Convolution for Semantic
Image Segmentation", ECCV 2018, Sec. 3.3 and Fig. 4: the "modified aligned
Xception". Neither mmseg nor mmpretrain ships it. The structure and the
parameter order follow timm's ``xception65`` (``timm/models/xception_aligned.py``)
so that its ported DeepLab ImageNet weights (``xception65.tf_in1k``) load
through :func:`mmseg_ccl.models.utils.convert_timm_xception65`.

The file reads top to bottom: the residual block, then the backbone.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch.nn as nn
from mmcv.cnn import ConvModule, DepthwiseSeparableConvModule, build_activation_layer
from mmengine.logging import MMLogger
from mmengine.model import BaseModule
from mmengine.runner.checkpoint import CheckpointLoader, load_state_dict
from torch import Tensor
from torch.nn.modules.batchnorm import _BatchNorm

from mmseg.registry import MODELS

from ..utils.ckpt_convert import convert_timm_xception65, is_timm_xception_state_dict


class XceptionBlock(BaseModule):
    """Three depthwise-separable 3x3 convs with a residual shortcut.

    Args:
        in_channels: Input channels.
        out_channels: Output channels of each of the three convs (an int means
            the same for all three).
        stride: Stride of the last conv and of the shortcut.
        dilation: Dilation of the three depthwise convs.
        start_with_relu: Pre-activation block: a ReLU before each separable conv
            and none inside it. Otherwise (the last exit-flow block) each conv
            ends with BN + ReLU.
        with_skip: Add the (projected, if shapes differ) input to the output.
        norm_cfg: Normalisation layer config.
        act_cfg: Activation config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: Union[int, Sequence[int]],
                 stride: int = 1,
                 dilation: int = 1,
                 start_with_relu: bool = True,
                 with_skip: bool = True,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        if isinstance(out_channels, int):
            out_channels = (out_channels, ) * 3
        assert len(out_channels) == 3, out_channels
        act_cfg = act_cfg or dict(type='ReLU')
        self.start_with_relu = start_with_relu
        self.with_skip = with_skip

        # Not in-place: the first pre-activation's input is also the shortcut's.
        self.activate = build_activation_layer(
            dict(act_cfg, inplace=False)) if start_with_relu else None
        block_in = in_channels
        convs = []
        for i, channels in enumerate(out_channels):
            convs.append(
                DepthwiseSeparableConvModule(
                    in_channels,
                    channels,
                    3,
                    stride=stride if i == 2 else 1,
                    padding=dilation,
                    dilation=dilation,
                    norm_cfg=norm_cfg,
                    act_cfg=None if start_with_relu else act_cfg))
            in_channels = channels
        self.convs = nn.ModuleList(convs)

        needs_projection = out_channels[-1] != block_in or stride != 1
        self.shortcut = ConvModule(
            block_in,
            out_channels[-1],
            1,
            stride=stride,
            norm_cfg=norm_cfg,
            act_cfg=None) if with_skip and needs_projection else None

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """Returns the block output and the input of its last (strided) conv:
        the full-resolution feature DeepLabV3+ takes as its low-level one."""
        out = x
        for conv in self.convs:
            if self.activate is not None:
                out = self.activate(out)
            before_last = out
            out = conv(out)
        if self.with_skip:
            out = out + (x if self.shortcut is None else self.shortcut(x))
        return out, before_last


@MODELS.register_module()
class Xception65(BaseModule):
    """Aligned Xception-65 (DeepLabV3+).

    Entry flow: conv 3x3/2 (32), conv 3x3 (64), blocks of 128/2, 256/2, 728/2.
    Middle flow: 16 blocks of 728. Exit flow: a block 728-1024-1024/2 and a
    block of separable convs 1536, 1536, 2048 without shortcut. Strides past
    ``output_stride`` become dilations.

    Feature points (``out_indices`` picks from them; the same five as timm's
    ``features_only``), with channels and stride at ``output_stride=16``:

    ====  ==========================================  ========  ======
    idx   where                                       channels  stride
    ====  ==========================================  ========  ======
    0     before the strided conv of entry block 1    128       2
    1     before the strided conv of entry block 2    256       4
    2     before the strided conv of entry block 3    728       8
    3     before the strided conv of exit block 1     1024      16
    4     backbone output                              2048      16
    ====  ==========================================  ========  ======

    DeepLabV3+ uses 1 (low-level) and 4 (high-level): the default.

    Args:
        in_channels: Input image channels.
        output_stride: 8, 16 or 32.
        out_indices: Feature points to return, see the table.
        frozen_stages: Stages whose parameters are frozen and whose norm layers
            stay in eval mode: -1 none, 0 the stem, 1 + entry flow, 2 + middle
            flow, 3 + exit flow (everything).
        norm_cfg: Normalisation config. eps=1e-3 matches the TF-trained weights.
        act_cfg: Activation config.
        norm_eval: Keep every norm layer in eval mode while training.
        init_cfg: Initialisation config. ``dict(type='Pretrained',
            checkpoint=...)`` accepts our state dict or timm's ``xception65``
            one (converted on load).
    """

    # (in, out, stride, start_with_relu, with_skip) for the 21 blocks.
    arch: List[Tuple] = [
        (64, 128, 2, True, True),
        (128, 256, 2, True, True),
        (256, 728, 2, True, True),
        *[(728, 728, 1, True, True)] * 16,
        (728, (728, 1024, 1024), 2, True, True),
        (1024, (1536, 1536, 2048), 1, False, False),
    ]
    # Stage boundaries for frozen_stages: entry, middle and exit flow.
    stage_blocks: Tuple[range, ...] = (range(0, 3), range(3, 19), range(19, 21))

    def __init__(self,
                 in_channels: int = 3,
                 output_stride: int = 16,
                 out_indices: Sequence[int] = (1, 4),
                 frozen_stages: int = -1,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = None,
                 norm_eval: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        if output_stride not in (8, 16, 32):
            raise ValueError(f'Xception65: output_stride must be 8, 16 or 32, got {output_stride}')
        norm_cfg = norm_cfg or dict(type='BN', eps=1e-3, requires_grad=True)
        act_cfg = act_cfg or dict(type='ReLU')
        self.out_indices = tuple(out_indices)
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval

        self.stem = nn.Sequential(
            ConvModule(in_channels, 32, 3, stride=2, padding=1, norm_cfg=norm_cfg, act_cfg=act_cfg),
            ConvModule(32, 64, 3, padding=1, norm_cfg=norm_cfg, act_cfg=act_cfg))

        blocks = []
        self.feature_blocks: List[int] = []  # blocks whose "before_last" is a feature point
        self.feature_info: List[Dict[str, int]] = []
        stride, dilation = 2, 1
        for i, (block_in, block_out, block_stride, start_with_relu, with_skip) in enumerate(self.arch):
            block_dilation = dilation
            if block_stride > 1:
                self.feature_blocks.append(i)
                self.feature_info.append(dict(channels=_last(block_out, -2), stride=stride))
                if stride * block_stride > output_stride:
                    dilation *= block_stride  # from the next block on
                    block_stride = 1
                else:
                    stride *= block_stride
            blocks.append(
                XceptionBlock(block_in, block_out, block_stride, block_dilation, start_with_relu, with_skip,
                              norm_cfg=norm_cfg, act_cfg=act_cfg))
        self.blocks = nn.ModuleList(blocks)
        self.feature_info.append(dict(channels=_last(self.arch[-1][1], -1), stride=stride))

        num_points = len(self.feature_info)
        bad = [i for i in self.out_indices if not -num_points <= i < num_points]
        if bad:
            raise ValueError(f'Xception65: out_indices {self.out_indices} has {bad}, '
                             f'but there are {num_points} feature points (0..{num_points - 1})')
        self.out_indices = tuple(i % num_points for i in self.out_indices)
        self._freeze_stages()

    @property
    def out_channels(self) -> Tuple[int, ...]:
        """Channels of the returned features, in ``out_indices`` order."""
        return tuple(self.feature_info[i]['channels'] for i in self.out_indices)

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        x = self.stem(x)
        points = []
        for i, block in enumerate(self.blocks):
            x, before_last = block(x)
            if i in self.feature_blocks:
                points.append(before_last)
        points.append(x)
        return tuple(points[i] for i in self.out_indices)

    def _frozen_modules(self) -> List[nn.Module]:
        modules: List[nn.Module] = [self.stem] if self.frozen_stages >= 0 else []
        for stage in self.stage_blocks[:max(self.frozen_stages, 0)]:
            modules.extend(self.blocks[i] for i in stage)
        return modules

    def _freeze_stages(self) -> None:
        for module in self._frozen_modules():
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> 'Xception65':
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self

    def init_weights(self) -> None:
        if not (isinstance(self.init_cfg, dict) and self.init_cfg.get('type') == 'Pretrained'):
            super().init_weights()
            return
        # Own loading so that timm's checkpoint works as it is.
        checkpoint = CheckpointLoader.load_checkpoint(self.init_cfg['checkpoint'], map_location='cpu')
        state_dict = checkpoint.get('state_dict', checkpoint)
        if is_timm_xception_state_dict(state_dict):
            state_dict = convert_timm_xception65(state_dict)
        load_state_dict(self, state_dict, strict=False, logger=MMLogger.get_current_instance())


def _last(channels: Union[int, Sequence[int]], index: int) -> int:
    return channels if isinstance(channels, int) else channels[index]
