from .eval_center_crop import EvalCenterCrop, image_on_eval_crop
from .loading import LoadCheckedAnnotations

__all__ = ['EvalCenterCrop', 'LoadCheckedAnnotations', 'image_on_eval_crop']
