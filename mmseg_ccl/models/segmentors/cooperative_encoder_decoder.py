"""Encoder-decoder with two networks and two outputs (CCL, FSCN, ensemble)."""
from typing import Dict, Optional

import torch
from mmengine.structures import PixelData
from torch import Tensor

from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import ConfigType, OptConfigType, OptMultiConfig, OptSampleList, SampleList

from ...structures import BRANCHES, OUTPUTS

# Test-time outputs: each network's logits and their average (docs/method.md, "Outputs at test time").


def logits_to_pred(logits: Tensor, threshold: float) -> Tensor:
    """(C, H, W) logits to a (1, H, W) label map, as mmseg does: argmax, or a
    sigmoid threshold for a single-channel (binary) output."""
    if logits.shape[0] > 1:
        return logits.argmax(dim=0, keepdim=True)
    return (logits.sigmoid() > threshold).to(logits)


def output_logits(top: Tensor, bottom: Tensor) -> Dict[str, Tensor]:
    """Each test-time output's logits: each network's, and their average (``mean``)."""
    return dict(top=top, bottom=bottom, mean=(top + bottom) / 2)


def store_outputs(sample: SegDataSample, logits: Dict[str, Tensor], preds: Dict[str, Tensor], chosen: str) -> None:
    """Put every output's ``seg_logits_*`` and ``pred_sem_seg_*`` in ``sample``, and ``chosen``'s as
    its ``seg_logits`` and ``pred_sem_seg``."""
    for name in OUTPUTS:
        sample.set_data({f'seg_logits_{name}': PixelData(data=logits[name]),
                         f'pred_sem_seg_{name}': PixelData(data=preds[name])})
    sample.set_data({'seg_logits': sample.get(f'seg_logits_{chosen}'),
                     'pred_sem_seg': sample.get(f'pred_sem_seg_{chosen}')})


@MODELS.register_module()
class CooperativeEncoderDecoder(EncoderDecoder):
    """:class:`EncoderDecoder` for a :class:`DualBackbone` and a two-output head
    such as :class:`CrossCooperativeASPPHead`.

    Training adds the losses of both outputs (the head names them
    ``loss_*_top`` / ``loss_*_bottom``). At test time one pass (``whole`` or
    ``slide``; flip / multi-scale through :class:`CooperativeSegTTAModel`)
    yields the top, bottom and mean logits; ``test_cfg.output`` (``'top'``,
    ``'bottom'`` or ``'mean'``, default ``'mean'``) picks the one stored as
    ``seg_logits`` / ``pred_sem_seg``, and all three are stored as
    ``seg_logits_{top,bottom,mean}`` / ``pred_sem_seg_{top,bottom,mean}`` for
    :class:`CooperativeIoUMetric`.

    If the backbone is a :class:`DualBackbone` with per-branch normalisation,
    its ``input_norm`` is taken from ``data_preprocessor`` unless given.

    ``channels_last=True`` keeps the whole model and its inputs in the NHWC
    memory layout, which tensor cores and oneDNN prefer.

    ``out_channels`` is twice the head's classes: the head's ``predict`` stacks
    the (top, bottom) logits along channels, so that mmseg's whole and slide
    inference, padding removal, flip and resize carry both networks' logits
    unchanged, and :meth:`postprocess_result` splits them after mmseg's. The
    argmax mmseg's ``postprocess_result`` takes over the stacked channels is
    discarded: one pass over the logits, against a copy of mmseg's code.
    """

    def __init__(self,
                 backbone: ConfigType,
                 decode_head: ConfigType,
                 neck: OptConfigType = None,
                 auxiliary_head: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 pretrained: Optional[str] = None,
                 channels_last: bool = False,
                 init_cfg: OptMultiConfig = None) -> None:
        for key, value in (('neck', neck), ('auxiliary_head', auxiliary_head)):
            if value is not None:
                raise ValueError(f'CooperativeEncoderDecoder: {key} is not supported (got {value}); '
                                 'the decode head works on both networks\' features')
        if pretrained is not None:
            raise ValueError(f'CooperativeEncoderDecoder: pretrained={pretrained!r} names one checkpoint for two '
                             "backbones; give each its own: backbone.top.init_cfg=dict(type='Pretrained', "
                             'checkpoint=...) and backbone.bottom.init_cfg likewise')
        output = (test_cfg or {}).get('output', 'mean')
        if output not in OUTPUTS:
            raise ValueError(f'CooperativeEncoderDecoder: unknown test_cfg.output {output!r}; '
                             f'expected one of {OUTPUTS}')
        super().__init__(
            backbone=self._with_input_norm(backbone, data_preprocessor),
            decode_head=decode_head,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.output = output
        self._check_channels_at_build()
        self.branch_out_channels = self.out_channels
        # The head's predict stacks (top, bottom) logits along channels, so that
        # mmseg's whole / slide inference carry both through unchanged.
        self.out_channels = 2 * self.branch_out_channels
        self.channels_last = channels_last
        if channels_last:
            self.to(memory_format=torch.channels_last)

    def extract_feat(self, inputs: Tensor):
        if self.channels_last:
            inputs = inputs.contiguous(memory_format=torch.channels_last)
        return super().extract_feat(inputs)

    def _check_channels_at_build(self) -> None:
        """The head's channel checks, now, for backbones that declare their
        ``out_channels`` (e.g. :class:`Xception65`); others are checked at the first forward."""
        for b, name in enumerate(BRANCHES):
            declared = getattr(getattr(self.backbone, name, None), 'out_channels', None)
            if isinstance(declared, tuple) and hasattr(self.decode_head, 'check_feature_channels'):
                self.decode_head.check_feature_channels(b, declared)

    @staticmethod
    def _with_input_norm(backbone: ConfigType, data_preprocessor: OptConfigType) -> ConfigType:
        wants_norm = backbone.get('top_norm') is not None or backbone.get('bottom_norm') is not None
        if not wants_norm or backbone.get('input_norm') is not None or data_preprocessor is None:
            return backbone
        if data_preprocessor.get('mean') is None or data_preprocessor.get('std') is None:
            raise ValueError('CooperativeEncoderDecoder: backbone.top_norm / bottom_norm need the data_preprocessor '
                             f'to normalise (mean and std), got {data_preprocessor}')
        return dict(backbone, input_norm=dict(mean=data_preprocessor['mean'], std=data_preprocessor['std']))

    def postprocess_result(self, seg_logits: Tensor, data_samples: OptSampleList = None) -> SampleList:
        # mmseg removes padding, undoes flips and resizes the stacked logits; we split them.
        data_samples = super().postprocess_result(seg_logits, data_samples)
        threshold = getattr(self.decode_head, 'threshold', None)
        for sample in data_samples:
            logits = output_logits(*sample.seg_logits.data.split(self.branch_out_channels))
            store_outputs(sample, logits, {name: logits_to_pred(x, threshold) for name, x in logits.items()},
                          self.output)
        return data_samples
