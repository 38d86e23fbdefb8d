"""Test-time augmentation for the two-output segmentor."""
from typing import List

import torch
from mmengine.structures import PixelData

from mmseg.models.segmentors import SegTTAModel
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import SampleList

from ...utils import OUTPUTS
from .cooperative_encoder_decoder import logits_to_pred


@MODELS.register_module()
class CooperativeSegTTAModel(SegTTAModel):
    """mmseg's :class:`SegTTAModel` for :class:`CooperativeEncoderDecoder`:
    averages the softmax (sigmoid for one channel) of each output over the
    augmented views separately, so top, bottom and mean are all scored."""

    def merge_preds(self, data_samples_list: List[SampleList]) -> SampleList:
        threshold = getattr(self.module.decode_head, 'threshold', None)
        predictions = []
        for data_samples in data_samples_list:
            merged = SegDataSample()
            for name in OUTPUTS:
                logits = torch.stack([sample.get(f'seg_logits_{name}').data for sample in data_samples])
                probs = logits.softmax(dim=1) if logits.shape[1] > 1 else logits.sigmoid()
                probs = probs.mean(dim=0)
                # logits_to_pred applies a sigmoid to one channel; give it logits again.
                pred = logits_to_pred(probs if probs.shape[0] > 1 else torch.logit(probs), threshold)
                merged.set_data({f'seg_logits_{name}': PixelData(data=probs),
                                 f'pred_sem_seg_{name}': PixelData(data=pred)})
            merged.set_data({
                'seg_logits': merged.get(f'seg_logits_{self.module.output}'),
                'pred_sem_seg': merged.get(f'pred_sem_seg_{self.module.output}'),
            })
            if 'gt_sem_seg' in data_samples[0]:
                merged.gt_sem_seg = data_samples[0].gt_sem_seg
            merged.set_metainfo(data_samples[0].metainfo)
            predictions.append(merged)
        return predictions
