"""Two DeepLabV3+ heads that exchange feature maps at every layer.

Ikedo and Hotta, "Fusion of Different Features by Cross Cooperative Learning
for Semantic Segmentation", VISAPP 2022 (CCL); and the one-way predecessor,
"Feature Sharing Cooperative Network for Semantic Segmentation", VISAPP 2021
(FSCN). See docs/method.md for what the papers say and what is our choice.
"""
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from torch import Tensor

from mmseg.models.decode_heads import DepthwiseSeparableASPPHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import SampleList

from ...structures import BRANCHES
from .dual_branch_decode_head import DualBranchDecodeHead, Pair, check_pair

# Per direction, the (receiver, sender) branch indices of each exchange.
ROUTES = {'cross': ((0, 1), (1, 0)), 'top_to_bottom': ((1, 0), ), 'none': ()}
FUSIONS = {'concat': 'ConcatFusion', 'add': 'AddFusion', 'reduced': 'ReducedFusion'}
# Where the branches exchange (docs/method.md), in the order a forward pass meets them: Connection 1
# (the backbone feature entering the ASPP), the ASPP's image pooling and conv branches, Connection 2
# (the ASPP output entering the decoder), and the decoder's low-level projection and separable convs.
COOPERATION_POINTS = ('backbone', 'aspp', 'aspp_out', 'decoder')


def _one_of(key: str, value: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise ValueError(f'CrossCooperativeASPPHead: unknown {key} {value!r}; expected one of {tuple(allowed)}')
    return value


@MODELS.register_module()
class CrossCooperativeASPPHead(DualBranchDecodeHead):
    """Cross Cooperative Learning head: two DeepLabV3+ heads in lockstep.

    Each branch is an mmseg :class:`DepthwiseSeparableASPPHead` (so one
    branch's weights load into a single DeepLabV3+ and back). At every enabled
    cooperation point both branches first compute their layer, then each one
    that receives (``direction``) fuses the other's result into its own
    (``fusion``) before going on. The two classifier outputs stay separate and
    are trained with ``Loss = w_top * Loss_top + w_bottom * Loss_bottom``
    (paper, eq. 1; the weights are ours).

    Why it is built this way, not leaner: each branch stays an unmodified
    mmseg head, so that its state dict is a single DeepLabV3+'s (the post-hoc
    ensemble and the FSCN / single rows load and merge them;
    ``tools/model_converters/merge_singles.py``), and the head stays a
    :class:`BaseDecodeHead`, whose ``loss`` / ``predict`` contract mmseg's
    segmentors, test-time augmentation and tools call. So the base's own
    classifier and dropout are removed (each branch has its own), and the two
    branch heads' loss and sampler modules are built but unused: they hold no
    parameters, and :meth:`loss_by_feat` applies this head's ``loss_decode`` to
    both outputs.

    Args:
        in_channels, c1_in_channels, in_index, c1_in_index: Each branch's
            features, as :class:`DualBranchDecodeHead` takes them.
        c1_channels: Channels of the low-level 1x1 projection.
        dilations: ASPP dilations; 1 is the 1x1 branch.
        direction: ``'cross'`` (CCL: both receive), ``'top_to_bottom'`` (FSCN:
            the bottom receives) or ``'none'`` (a jointly trained ensemble).
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
            out of the exchange: each classifier reads only its own network.
        loss_weights: Weights of the top and bottom losses.
        **kwargs: :class:`BaseDecodeHead`'s arguments (``channels``,
            ``num_classes``, ``loss_decode``, ...), shared by both branches.
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
        super().__init__(in_channels, c1_in_channels, in_index, c1_in_index, init_cfg=init_cfg, **kwargs)
        del self.conv_seg, self.dropout

        fusion = dict(type=FUSIONS[_one_of('fusion', fusion, FUSIONS)]) if isinstance(fusion, str) else fusion
        if isinstance(cooperation_points, str) or not set(cooperation_points) <= set(COOPERATION_POINTS):
            raise ValueError(f'CrossCooperativeASPPHead: unknown cooperation_points '
                             f'{[p for p in cooperation_points if p not in COOPERATION_POINTS] or cooperation_points!r}'
                             f'; expected a sequence of {COOPERATION_POINTS}')
        self.loss_weights = check_pair(type(self).__name__, 'loss_weights', tuple(map(float, loss_weights)), float)
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

    def exchange_modules(self) -> Iterator[nn.Module]:
        """Every fusion module: the exchange's own share of the head (the profiler labels these)."""
        for points in self.fusions.values():
            for fusions in points.values():
                yield from fusions

    def _exchange(self, point: str, layer: int, feats: Pair) -> Pair:
        """Each receiver fuses the sender's feature into its own at ``layer`` of ``point``
        (its index among the point's exchanges); unchanged where the point is off."""
        fused = list(feats)
        for receiver, sender in self.routes:
            fusions = self.fusions[BRANCHES[receiver]]
            if point in fusions:
                other = feats[sender].detach() if self.detach else feats[sender]
                fused[receiver] = fusions[point][layer](feats[receiver], other)
        return fused[0], fused[1]

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
        last = len(top.sep_bottleneck)
        for k, (top_conv, bottom_conv) in enumerate(zip(top.sep_bottleneck, bottom.sep_bottleneck), start=1):
            out = (top_conv(out[0]), bottom_conv(out[1]))
            if k < last or self.exchange_before_classifier:
                out = self._exchange('decoder', k, out)
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
