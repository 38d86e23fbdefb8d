"""Two DeepLabV3+ heads that exchange feature maps at every layer.

Ikedo and Hotta, "Fusion of Different Features by Cross Cooperative Learning
for Semantic Segmentation", VISAPP 2022 (CCL); and the one-way predecessor,
"Feature Sharing Cooperative Network for Semantic Segmentation", VISAPP 2021
(FSCN). See docs/method.md for what the papers say and what is our choice.
"""
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

# Per direction, the (receiver, sender) branch indices of each exchange.
ROUTES = {'cross': ((0, 1), (1, 0)), 'top_to_bottom': ((1, 0), ), 'none': ()}
FUSIONS = {'concat': 'ConcatFusion', 'add': 'AddFusion', 'reduced': 'ReducedFusion'}
# Where the branches exchange (docs/method.md), in the order a forward pass meets them: Connection 1
# (the backbone feature entering the ASPP), the ASPP's image pooling and conv branches, Connection 2
# (the ASPP output entering the decoder), and the decoder's low-level projection and separable convs.
COOPERATION_POINTS = ('backbone', 'aspp', 'aspp_out', 'decoder')

Pair = Tuple[Tensor, Tensor]


def _pair(key: str, value: Sequence, kind: type = int) -> tuple:
    """Check that ``value`` is one entry per branch, (top, bottom)."""
    if not isinstance(value, (list, tuple)) or len(value) != 2 or not all(isinstance(v, kind) for v in value):
        raise TypeError(f'CrossCooperativeASPPHead: {key} must be a pair of {kind.__name__} (top, bottom), '
                        f'got {value!r}')
    return tuple(value)


def _one_of(key: str, value: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise ValueError(f'CrossCooperativeASPPHead: unknown {key} {value!r}; expected one of {tuple(allowed)}')
    return value


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
        fusion: ``'reduced'`` (default, docs/method.md), ``'add'``,
            ``'concat'`` or a fusion config: any module in mmseg's ``MODELS``
            built with ``own_channels, other_channels, norm_cfg,
            align_corners`` (its activation, if any, set in the config) and
            called as ``fusion(own, other)``.
        detach: Stop gradients through received features (for study). Off by
            default: both losses reach both networks, in FSCN too.
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

        fusion = dict(type=FUSIONS[_one_of('fusion', fusion, FUSIONS)]) if isinstance(fusion, str) else fusion
        if isinstance(cooperation_points, str) or not set(cooperation_points) <= set(COOPERATION_POINTS):
            raise ValueError(f'CrossCooperativeASPPHead: unknown cooperation_points '
                             f'{[p for p in cooperation_points if p not in COOPERATION_POINTS] or cooperation_points!r}'
                             f'; expected a sequence of {COOPERATION_POINTS}')
        self.c1_in_channels = _pair('c1_in_channels', c1_in_channels)
        self.c1_in_index = _pair('c1_in_index', c1_in_index)
        if min(self.c1_in_channels) <= 0:
            raise ValueError(f'CrossCooperativeASPPHead: c1_in_channels must be positive (DeepLabV3+ decoder), '
                             f'got {self.c1_in_channels}')
        self.loss_weights = _pair('loss_weights', tuple(float(w) for w in loss_weights), float)
        self.detach = detach
        self.exchange_before_classifier = exchange_before_classifier

        shared = dict(channels=self.channels, c1_channels=c1_channels, dilations=dilations,
                      num_classes=self.num_classes, out_channels=self.out_channels, dropout_ratio=self.dropout_ratio,
                      conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg, act_cfg=self.act_cfg,
                      align_corners=self.align_corners)
        self.heads = nn.ModuleDict({
            name: DepthwiseSeparableASPPHead(in_channels=self.in_channels[b], c1_in_channels=self.c1_in_channels[b],
                                             **shared)
            for b, name in enumerate(BRANCHES)
        })
        self.routes = ROUTES[_one_of('direction', direction, ROUTES)]
        # fusions[receiver][point][k]: the k-th exchange of that point, in the order forward meets them.
        channels = [self._exchanged_channels(b) for b in range(2)]
        self.fusions = nn.ModuleDict({
            BRANCHES[receiver]: nn.ModuleDict({
                point: nn.ModuleList(
                    MODELS.build(dict(fusion, own_channels=own, other_channels=other, norm_cfg=self.norm_cfg,
                                      align_corners=self.align_corners))
                    for own, other in zip(channels[receiver][point], channels[sender][point]))
                for point in COOPERATION_POINTS if point in cooperation_points
            })
            for receiver, sender in self.routes
        })

    def _exchanged_channels(self, branch: int) -> Dict[str, List[int]]:
        """Channels of each feature ``branch`` exchanges, per cooperation point, in forward's order."""
        head = self.heads[BRANCHES[branch]]
        decoder = [head.c1_bottleneck.out_channels] + [head.channels] * len(head.sep_bottleneck)
        return dict(backbone=[self.in_channels[branch]], aspp=[head.channels] * (1 + len(head.aspp_modules)),
                    aspp_out=[head.channels],
                    decoder=decoder if self.exchange_before_classifier else decoder[:-1])

    def _init_inputs(self, in_channels, in_index, input_transform) -> None:
        """Per-branch inputs instead of :class:`BaseDecodeHead`'s single one."""
        if input_transform is not None:
            raise ValueError('CrossCooperativeASPPHead: input_transform is not supported; '
                             'pick each branch\'s features with in_index / c1_in_index')
        self.input_transform = None
        self.in_channels = _pair('in_channels', in_channels)
        self.in_index = _pair('in_index', in_index)

    def _exchange(self, point: str, layer: int, feats: Pair) -> Pair:
        """Each receiver fuses the sender's feature into its own at ``layer`` of ``point``
        (its index among the point's exchanges); unchanged where the point is off or the layer
        is not exchanged."""
        fused = list(feats)
        for receiver, sender in self.routes:
            fusions = self.fusions[BRANCHES[receiver]]
            if point in fusions and layer < len(fusions[point]):
                other = feats[sender].detach() if self.detach else feats[sender]
                fused[receiver] = fusions[point][layer](feats[receiver], other)
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
        for b, feats in enumerate(inputs):
            self.check_feature_channels(b, [f.shape[1] for f in feats])
        top, bottom = inputs
        return ((top[self.in_index[0]], bottom[self.in_index[1]]),
                (top[self.c1_in_index[0]], bottom[self.c1_in_index[1]]))

    def forward(self, inputs: Tuple[Sequence[Tensor], Sequence[Tensor]]) -> Pair:
        """Returns the (top, bottom) logits at the low-level feature's stride.

        Both branches run DeepLabV3+ layer by layer; after each exchanged layer
        the receivers fuse the other branch's output in (``_exchange``).
        """
        top, bottom = self.heads['top'], self.heads['bottom']
        x, c1 = self._transform_inputs(inputs)
        x = self._exchange('backbone', 0, x)  # Connection 1
        # ASPP: image pooling (exchanged at 1x1, then broadcast) and each conv branch, concatenated.
        pooled = self._exchange('aspp', 0, (top.image_pool(x[0]), bottom.image_pool(x[1])))
        aspp = [(self._resize(pooled[0], x[0]), self._resize(pooled[1], x[1]))]
        for k, (top_conv, bottom_conv) in enumerate(zip(top.aspp_modules, bottom.aspp_modules), start=1):
            aspp.append(self._exchange('aspp', k, (top_conv(x[0]), bottom_conv(x[1]))))
        aspp = tuple(torch.cat(branch, dim=1) for branch in zip(*aspp))
        out = self._exchange('aspp_out', 0, (top.bottleneck(aspp[0]), bottom.bottleneck(aspp[1])))  # Connection 2
        # Decoder: low-level projection, the upsampled ASPP output concatenated, separable convs.
        c1 = self._exchange('decoder', 0, (top.c1_bottleneck(c1[0]), bottom.c1_bottleneck(c1[1])))
        out = tuple(torch.cat([self._resize(o, c), c], dim=1) for o, c in zip(out, c1))
        for k, (top_conv, bottom_conv) in enumerate(zip(top.sep_bottleneck, bottom.sep_bottleneck), start=1):
            out = self._exchange('decoder', k, (top_conv(out[0]), bottom_conv(out[1])))
        return top.cls_seg(out[0]), bottom.cls_seg(out[1])

    def _resize(self, x: Tensor, like: Tensor) -> Tensor:
        return resize(x, size=like.shape[2:], mode='bilinear', align_corners=self.align_corners)

    def loss_by_feat(self, seg_logits: Pair, batch_data_samples: SampleList) -> dict:
        """:meth:`BaseDecodeHead.loss_by_feat` per output (``loss_ce_top``, ``acc_seg_top``, ...;
        losses weighted), with the labels stacked once and the accuracy counted without the
        host-device sync of mmseg's ``accuracy``."""
        seg_label = self._stack_batch_gt(batch_data_samples)
        labels = seg_label.squeeze(1)
        valid = labels != self.ignore_index
        loss_modules = self.loss_decode if isinstance(self.loss_decode, nn.ModuleList) else [self.loss_decode]
        losses = {}
        for name, logits, weight in zip(BRANCHES, seg_logits, self.loss_weights):
            logits = resize(logits, size=seg_label.shape[2:], mode='bilinear', align_corners=self.align_corners)
            seg_weight = self.sampler.sample(logits, seg_label) if self.sampler is not None else None
            for loss in loss_modules:
                value = weight * loss(logits, labels, weight=seg_weight, ignore_index=self.ignore_index)
                losses[f'{loss.loss_name}_{name}'] = losses.get(f'{loss.loss_name}_{name}', 0) + value
            correct = (logits.argmax(dim=1) == labels) & valid
            losses[f'acc_seg_{name}'] = correct.sum() * 100.0 / valid.sum().clamp(min=1)
        return losses

    def predict_by_feat(self, seg_logits: Pair, batch_img_metas: List[dict]) -> Tensor:
        """Top and bottom logits resized to the input, stacked along channels."""
        return torch.cat([super(CrossCooperativeASPPHead, self).predict_by_feat(logits, batch_img_metas)
                          for logits in seg_logits], dim=1)
