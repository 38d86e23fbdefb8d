"""Test-time augmentation for the two-output segmentor."""
from typing import List

import torch

from mmseg.models.segmentors import SegTTAModel
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import SampleList

from ...structures import OUTPUTS
from .cooperative_encoder_decoder import logits_to_pred, store_outputs


@MODELS.register_module()
class CooperativeSegTTAModel(SegTTAModel):
    """mmseg's :class:`SegTTAModel` for :class:`CooperativeEncoderDecoder`:
    averages the softmax (sigmoid for one channel) of each output over the
    augmented views separately, so top, bottom and mean are all scored."""

    def merge_preds(self, data_samples_list: List[SampleList]) -> SampleList:
        threshold = getattr(self.module.decode_head, 'threshold', None)
        predictions = []
        for data_samples in data_samples_list:
            merged, probs = SegDataSample(), {}
            for name in OUTPUTS:
                logits = torch.stack([sample.get(f'seg_logits_{name}').data for sample in data_samples])
                probs[name] = (logits.softmax(dim=1) if logits.shape[1] > 1 else logits.sigmoid()).mean(dim=0)
            # logits_to_pred applies a sigmoid to one channel; give it logits again.
            store_outputs(merged, probs, {name: logits_to_pred(p if p.shape[0] > 1 else torch.logit(p), threshold)
                                          for name, p in probs.items()}, self.module.output)
            if 'gt_sem_seg' in data_samples[0]:
                merged.gt_sem_seg = data_samples[0].gt_sem_seg
            merged.set_metainfo(data_samples[0].metainfo)
            predictions.append(merged)
        return predictions
