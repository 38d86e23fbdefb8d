"""Two DeepLabV3+ heads that exchange feature maps at every layer.

Ikedo and Hotta, "Fusion of Different Features by Cross Cooperative Learning
for Semantic Segmentation", VISAPP 2022 (CCL); and the one-way predecessor,
"Feature Sharing Cooperative Network for Semantic Segmentation", VISAPP 2021
(FSCN). See docs/method.md for what the papers say and what is our choice.
"""
import inspect
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from torch import Tensor

from mmseg.models.decode_heads import DepthwiseSeparableASPPHead
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import SampleList

from ...utils import BRANCHES

DIRECTIONS = ('cross', 'top_to_bottom', 'none')
FUSIONS = {'concat': 'ConcatFusion', 'add': 'AddFusion', 'reduced': 'ReducedFusion'}
# Where the branches exchange (docs/method.md), in the order a forward pass meets
# them: the layers of a branch's DepthwiseSeparableASPPHead (by attribute name)
# whose outputs are exchanged, the cooperation point each belongs to, and whether
# each layer of it (a list of layers) is exchanged rather than its output.
# 'backbone' is the backbone's high-level feature itself.
EXCHANGE_LAYERS = (
    ('backbone', 'backbone', False),  # Connection 1: the feature entering the ASPP
    ('image_pool', 'aspp', False),  # the ASPP's image pooling branch (exchanged at 1x1)
    ('aspp_modules', 'aspp', True),  # each 1x1 / atrous separable conv branch
    ('bottleneck', 'aspp_out', False),  # Connection 2: the ASPP output entering the decoder
    ('c1_bottleneck', 'decoder', False),  # the low-level 1x1 projection
    ('sep_bottleneck', 'decoder', True),  # each decoder separable conv
)
COOPERATION_POINTS = tuple(dict.fromkeys(point for _, point, _ in EXCHANGE_LAYERS))

Pair = Tuple[Tensor, Tensor]


def _pair(key: str, value: Sequence, kind: type = int) -> tuple:
    """Check that ``value`` is one entry per branch, (top, bottom)."""
    if not isinstance(value, (list, tuple)) or len(value) != 2 or not all(isinstance(v, kind) for v in value):
        raise TypeError(f'CrossCooperativeASPPHead: {key} must be a pair of {kind.__name__} (top, bottom), '
                        f'got {value!r}')
    return tuple(value)


@MODELS.register_module()
class CrossCooperativeASPPHead(BaseDecodeHead):
    """Cross Cooperative Learning head: two DeepLabV3+ heads in lockstep.

    Each branch is an mmseg :class:`DepthwiseSeparableASPPHead` (so one
    branch's weights load into a single DeepLabV3+ and back). At every enabled
    cooperation point both branches first compute their layer, then each one
    that receives (``direction``) fuses the other's result into its own
    (``fusion``) before going on. The two classifier outputs stay separate and
    are trained with ``Loss = w_top * Loss_top + w_bottom * Loss_bottom``
    (paper, eq. 1; the weights are ours).

    Args:
        in_channels: High-level feature channels (top, bottom).
        c1_in_channels: Low-level feature channels (top, bottom).
        in_index: Index of the high-level feature in each backbone's outputs.
        c1_in_index: Index of the low-level feature in each backbone's outputs.
        c1_channels: Channels of the low-level 1x1 projection.
        dilations: ASPP dilations; 1 is the 1x1 branch.
        direction: ``'cross'`` (CCL: both receive), ``'top_to_bottom'``
            (FSCN: only the bottom receives) or ``'none'`` (two independent
            networks trained jointly: an ensemble).
        fusion: ``'reduced'`` (default: messages squeezed to 16 channels, the
            best measured on CamVid, docs/method.md), ``'add'``, ``'concat'``
            or a fusion module config
            (``dict(type='ConcatFusion', ...)``, any module registered in
            mmseg's ``MODELS`` taking ``own_channels, other_channels, norm_cfg,
            align_corners`` and, if it has an activation, ``act_cfg``).
        detach: Stop gradients through received features (for study). Off
            by default in every direction: both losses reach both networks,
            in FSCN's one-way cooperation too (the bottom's loss then trains
            the top through the features it sends, which FSCN reports improves
            both networks).
        cooperation_points: The points that exchange, a subset of
            ``COOPERATION_POINTS``; the rest run as in two separate heads.
        exchange_before_classifier: ``False`` leaves the last decoder layer
            out of the exchange, so that each classifier reads only its own
            network's features (ours: a cooperation that keeps the two
            networks' predictions apart, docs/method.md).
        loss_weights: Weights of the top and bottom losses.
        **kwargs: ``channels``, ``num_classes``, ``norm_cfg``, ``loss_decode``
            and the rest of :class:`BaseDecodeHead`'s arguments, shared by both
            branches.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 c1_in_channels: Sequence[int],
                 in_index: Sequence[int] = (-1, -1),
                 c1_in_index: Sequence[int] = (0, 0),
                 c1_channels: int = 48,
                 dilations: Sequence[int] = (1, 6, 12, 18),
                 direction: str = 'cross',
                 fusion: Union[str, dict] = 'reduced',
                 detach: bool = False,
                 cooperation_points: Sequence[str] = COOPERATION_POINTS,
                 exchange_before_classifier: bool = True,
                 loss_weights: Sequence[float] = (1.0, 1.0),
                 init_cfg: Optional[dict] = None,
                 **kwargs) -> None:
        # Each branch owns its classifier and initialises it; this head has none.
        super().__init__(in_channels=in_channels, in_index=in_index, init_cfg=init_cfg, **kwargs)
        del self.conv_seg, self.dropout

        if direction not in DIRECTIONS:
            raise ValueError(f'CrossCooperativeASPPHead: unknown direction {direction!r}; expected one of {DIRECTIONS}')
        unknown = [p for p in cooperation_points if p not in COOPERATION_POINTS]
        if unknown or isinstance(cooperation_points, str):
            raise ValueError(f'CrossCooperativeASPPHead: unknown cooperation_points {unknown or cooperation_points!r}; '
                             f'expected a sequence of {COOPERATION_POINTS}')
        if isinstance(fusion, str):
            if fusion not in FUSIONS:
                raise ValueError(f'CrossCooperativeASPPHead: unknown fusion {fusion!r}; expected one of '
                                 f'{tuple(FUSIONS)} or a config dict')
            fusion = dict(type=FUSIONS[fusion])
        self.c1_in_channels = _pair('c1_in_channels', c1_in_channels)
        self.c1_in_index = _pair('c1_in_index', c1_in_index)
        if min(self.c1_in_channels) <= 0:
            raise ValueError(f'CrossCooperativeASPPHead: c1_in_channels must be positive (DeepLabV3+ decoder), '
                             f'got {self.c1_in_channels}')
        self.loss_weights = _pair('loss_weights', tuple(float(w) for w in loss_weights), float)
        self.detach = detach
        self.cooperation_points = tuple(p for p in COOPERATION_POINTS if p in cooperation_points)

        self.heads = nn.ModuleDict({
            name: DepthwiseSeparableASPPHead(
                in_channels=self.in_channels[b],
                channels=self.channels,
                c1_in_channels=self.c1_in_channels[b],
                c1_channels=c1_channels,
                dilations=dilations,
                num_classes=self.num_classes,
                out_channels=self.out_channels,
                dropout_ratio=self.dropout_ratio,
                conv_cfg=self.conv_cfg,
                norm_cfg=self.norm_cfg,
                act_cfg=self.act_cfg,
                align_corners=self.align_corners)
            for b, name in enumerate(BRANCHES)
        })

        # (receiver, sender) branch indices.
        self.routes: Tuple[Tuple[int, int], ...] = {
            'cross': ((0, 1), (1, 0)),
            'top_to_bottom': ((1, 0), ),
            'none': (),
        }[direction]
        # Each exchanged layer (e.g. 'aspp_modules.2') -> (its point, its index within the point).
        self.exchange_at: Dict[str, Tuple[str, int]] = {}
        for name, point, each in EXCHANGE_LAYERS:
            paths = [f'{name}.{k}' for k in range(len(self.heads['top'].get_submodule(name)))] if each else [name]
            for path in paths:
                self.exchange_at[path] = (point, sum(p == point for p, _ in self.exchange_at.values()))
        if not exchange_before_classifier:
            del self.exchange_at[f'sep_bottleneck.{len(self.heads["top"].sep_bottleneck) - 1}']
        # The head's norm, activation (for fusions that take one) and resize settings.
        shared = dict(norm_cfg=self.norm_cfg, align_corners=self.align_corners)
        if 'act_cfg' in inspect.signature(MODELS.get(fusion['type'])).parameters:
            shared['act_cfg'] = self.act_cfg
        self.fusions = nn.ModuleDict({
            BRANCHES[receiver]: nn.ModuleDict({
                point: nn.ModuleList(
                    MODELS.build(dict(fusion, own_channels=self._out_channels(path, receiver),
                                      other_channels=self._out_channels(path, sender), **shared))
                    for path, (p, _) in self.exchange_at.items() if p == point)
                for point in self.cooperation_points
            })
            for receiver, sender in self.routes
        })

    def _init_inputs(self, in_channels, in_index, input_transform) -> None:
        """Per-branch inputs instead of :class:`BaseDecodeHead`'s single one."""
        if input_transform is not None:
            raise ValueError('CrossCooperativeASPPHead: input_transform is not supported; '
                             'pick each branch\'s features with in_index / c1_in_index')
        self.input_transform = None
        self.in_channels = _pair('in_channels', in_channels)
        self.in_index = _pair('in_index', in_index)

    def _out_channels(self, path: str, branch: int) -> int:
        """Channels of what layer ``path`` of ``branch`` outputs (its last convolution's)."""
        if path == 'backbone':
            return self.in_channels[branch]
        convs = [m for m in self.heads[BRANCHES[branch]].get_submodule(path).modules() if isinstance(m, nn.Conv2d)]
        return convs[-1].out_channels

    def _step(self, path: str, feats: Pair) -> Pair:
        """Both branches apply their layer ``path`` (``'backbone'``: none) to their feature;
        then, if that layer is a cooperation point, each receiver fuses the other's output in."""
        if path != 'backbone':
            feats = tuple(self.heads[name].get_submodule(path)(f) for name, f in zip(BRANCHES, feats))
        point, layer = self.exchange_at.get(path, (None, None))
        if point not in self.cooperation_points:
            return feats
        fused = list(feats)
        for receiver, sender in self.routes:
            other = feats[sender].detach() if self.detach else feats[sender]
            fused[receiver] = self.fusions[BRANCHES[receiver]][point][layer](feats[receiver], other)
        return fused[0], fused[1]

    def check_feature_channels(self, branch: int, channels: Sequence[int]) -> None:
        """Check that ``in_index`` / ``c1_in_index`` of ``branch`` pick features with the
        expected channels, given the channels of each feature its backbone returns."""
        name = BRANCHES[branch]
        for index_key, channels_key in (('in_index', 'in_channels'), ('c1_in_index', 'c1_in_channels')):
            index, expected = getattr(self, index_key)[branch], getattr(self, channels_key)[branch]
            if not -len(channels) <= index < len(channels):
                raise IndexError(f'CrossCooperativeASPPHead: {index_key}[{name}]={index}, but the {name} backbone '
                                 f'returns {len(channels)} features')
            if channels[index] != expected:
                raise ValueError(f'CrossCooperativeASPPHead: {channels_key}[{name}]={expected}, but the {name} '
                                 f'backbone\'s feature {index} has {channels[index]} channels')

    def _transform_inputs(self, inputs: Tuple[Sequence[Tensor], Sequence[Tensor]]) -> Tuple[Pair, Pair]:
        """Pick and check (high-level, low-level) features of each branch."""
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise TypeError('CrossCooperativeASPPHead expects (top_features, bottom_features) from a '
                            f'DualBackbone, got {type(inputs).__name__} of length {len(inputs)}')
        high, low = [], []
        for b, feats in enumerate(inputs):
            self.check_feature_channels(b, [f.shape[1] for f in feats])
            high.append(feats[self.in_index[b]])
            low.append(feats[self.c1_in_index[b]])
        return (high[0], high[1]), (low[0], low[1])

    def forward(self, inputs: Tuple[Sequence[Tensor], Sequence[Tensor]]) -> Pair:
        """Returns the (top, bottom) logits at the low-level feature's stride.

        Both branches run DeepLabV3+ in lockstep; each ``_step`` is one layer of
        both, followed by the exchange ``EXCHANGE_LAYERS`` assigns to it.
        """
        x, c1 = self._transform_inputs(inputs)
        x = self._step('backbone', x)
        # ASPP: image pooling (exchanged at 1x1, then broadcast) and each conv branch, concatenated.
        pooled = self._step('image_pool', x)
        aspp = [tuple(self._resize(p, f) for p, f in zip(pooled, x))]
        aspp += [self._step(f'aspp_modules.{k}', x) for k in range(len(self.heads['top'].aspp_modules))]
        out = self._step('bottleneck', tuple(torch.cat(branch, dim=1) for branch in zip(*aspp)))
        # Decoder: low-level projection, upsampled ASPP output concatenated, separable convs.
        c1 = self._step('c1_bottleneck', c1)
        out = tuple(torch.cat([self._resize(o, c), c], dim=1) for o, c in zip(out, c1))
        for k in range(len(self.heads['top'].sep_bottleneck)):
            out = self._step(f'sep_bottleneck.{k}', out)
        return self.heads['top'].cls_seg(out[0]), self.heads['bottom'].cls_seg(out[1])

    def _resize(self, x: Tensor, like: Tensor) -> Tensor:
        return resize(x, size=like.shape[2:], mode='bilinear', align_corners=self.align_corners)

    def loss_by_feat(self, seg_logits: Pair, batch_data_samples: SampleList) -> dict:
        """``loss_ce_top``, ``loss_ce_bottom`` (weighted; mmengine sums every
        ``loss*`` key) and ``acc_seg_top``, ``acc_seg_bottom``.

        As :meth:`BaseDecodeHead.loss_by_feat` per output, except that the
        labels are stacked once for both, and the accuracy is counted without
        a host-device sync (mmseg's ``accuracy`` indexes by a mask).
        """
        seg_label = self._stack_batch_gt(batch_data_samples)
        labels = seg_label.squeeze(1)
        valid = labels != self.ignore_index
        num_valid = valid.sum().clamp(min=1)
        loss_modules = self.loss_decode if isinstance(self.loss_decode, nn.ModuleList) else [self.loss_decode]
        losses = {}
        for name, logits, weight in zip(BRANCHES, seg_logits, self.loss_weights):
            logits = resize(logits, size=seg_label.shape[2:], mode='bilinear', align_corners=self.align_corners)
            seg_weight = self.sampler.sample(logits, seg_label) if self.sampler is not None else None
            for loss_module in loss_modules:
                key = f'{loss_module.loss_name}_{name}'
                value = loss_module(logits, labels, weight=seg_weight, ignore_index=self.ignore_index)
                value = value * weight if weight != 1.0 else value
                losses[key] = losses[key] + value if key in losses else value
            correct = (logits.argmax(dim=1) == labels) & valid
            losses[f'acc_seg_{name}'] = correct.sum() * 100.0 / num_valid
        return losses

    def predict_by_feat(self, seg_logits: Pair, batch_img_metas: List[dict]) -> Tensor:
        """Top and bottom logits resized to the input, stacked along channels."""
        return torch.cat([super(CrossCooperativeASPPHead, self).predict_by_feat(logits, batch_img_metas)
                          for logits in seg_logits], dim=1)
