"""mmseg's cross-entropy with class weights, on labels that hold the ignore index."""
from typing import Optional

from torch import Tensor

from mmseg.models.losses import CrossEntropyLoss
from mmseg.registry import MODELS


@MODELS.register_module()
class ClassWeightedCrossEntropyLoss(CrossEntropyLoss):
    """:class:`mmseg.models.losses.CrossEntropyLoss` with ``class_weight``, averaged
    as PyTorch's ``F.cross_entropy(weight=..., ignore_index=...)`` averages: the sum
    of the weighted pixel losses over the sum of the weights of the labelled pixels.

    mmseg 1.2.2 computes that denominator by indexing ``class_weight`` with every
    label, the ignore index included, which fails on any label map with ignored
    pixels (open-mmlab/mmsegmentation#3734); this computes it over the labelled
    pixels only and passes it on as ``avg_factor``. Takes the same arguments.
    """

    def forward(self,
                cls_score: Tensor,
                label: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                ignore_index: int = -100,
                **kwargs) -> Tensor:
        reduction = reduction_override or self.reduction
        weighted_mean = self.class_weight is not None and reduction == 'mean' and avg_factor is None
        if weighted_mean and not (self.use_sigmoid or self.use_mask):
            class_weight = cls_score.new_tensor(self.class_weight)
            avg_factor = class_weight[label[label != ignore_index]].sum()
        return super().forward(cls_score, label, weight, avg_factor, reduction_override, ignore_index, **kwargs)
