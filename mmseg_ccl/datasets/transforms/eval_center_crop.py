"""The centre crop that a prediction is scored on (the VOC configs' test protocol)."""
from typing import Tuple, Union

import mmcv
import numpy as np
from mmcv.transforms import CenterCrop

from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class EvalCenterCrop(CenterCrop):
    """mmcv's :class:`CenterCrop` for evaluation: the crop becomes the image the
    prediction is made for and scored on.

    It crops only a sample whose label map is loaded (``gt_seg_map``): one
    that is scored (``tools/test.py``, validation, ``--tta``). A sample
    without labels (mmseg's ``inference_model`` and ``MMSegInferencer``, which
    load no annotations) passes through unchanged, so its prediction covers
    the whole image at the image's own size. A sample whose ``seg_map_path`` is
    set but whose label map is not yet loaded is refused: the label must be
    loaded before this step, or the sample would be scored uncropped.

    mmseg's segmentors resize each prediction to ``ori_shape``; after a plain
    crop that is still the uncropped image's size, while the label is the
    crop's. This transform sets ``ori_shape`` to the crop's shape, so the
    prediction, the label and the metric all cover the crop's pixels.

    An image smaller than the crop is padded (bottom and right; labels with
    255, which the metric ignores), so every crop has ``crop_size``.

    Added to the results (pack it with ``PackSegInputs(meta_keys=...)``):
    ``eval_crop``, ``dict(scaled_shape=(h, w), bbox=(x1, y1, x2, y2))``: the
    shape of the image the crop was taken from and the crop's box in it (in
    padded coordinates). :func:`image_on_eval_crop` maps the original image onto
    the crop with it, e.g. to draw predictions.

    Args:
        crop_size: ``(w, h)`` or one int for both.
    """

    def __init__(self, crop_size: Union[int, Tuple[int, int]]) -> None:
        super().__init__(crop_size, auto_pad=True)

    def transform(self, results: dict) -> dict:
        if 'gt_seg_map' not in results:
            if results.get('seg_map_path') is not None:
                raise ValueError(f'{type(self).__name__}: the label map {results["seg_map_path"]} is not loaded '
                                 'yet; put the annotation loading step (LoadCheckedAnnotations) before this one '
                                 'in the pipeline, so that the label is cropped with its image')
            return results  # inference: the whole image
        height, width = results['img'].shape[:2]
        results = super().transform(results)
        padded_h, padded_w = max(height, self.crop_size[1]), max(width, self.crop_size[0])
        # mmcv's CenterCrop's box in the padded image.
        x1 = max(0, int(round((padded_w - self.crop_size[0]) / 2.)))
        y1 = max(0, int(round((padded_h - self.crop_size[1]) / 2.)))
        results['eval_crop'] = dict(scaled_shape=(height, width), bbox=(x1, y1, x1 + self.crop_size[0],
                                                                         y1 + self.crop_size[1]))
        results['ori_shape'] = results['img'].shape[:2]
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(crop_size={self.crop_size})'


def image_on_eval_crop(image: np.ndarray, eval_crop: dict) -> np.ndarray:
    """The original ``image`` (H, W, C) scaled, padded with zeros and cropped as
    :class:`EvalCenterCrop` recorded in ``eval_crop``: the pixels its prediction covers."""
    height, width = eval_crop['scaled_shape']
    x1, y1, x2, y2 = eval_crop['bbox']
    image = mmcv.imresize(image, (width, height))
    image = mmcv.impad(image, shape=(max(height, y2), max(width, x2)), pad_val=0)
    return image[y1:y2, x1:x2]
