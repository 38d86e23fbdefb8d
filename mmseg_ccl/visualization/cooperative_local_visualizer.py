"""mmseg's visualizer, drawing a two-network model's outputs side by side."""
from typing import Optional, Sequence

import cv2
import mmcv
import numpy as np

from mmseg.registry import VISUALIZERS
from mmseg.structures import SegDataSample
from mmseg.visualization import SegLocalVisualizer

from ..datasets.transforms import image_on_eval_crop
from ..structures import OUTPUTS


@VISUALIZERS.register_module()
class CooperativeSegLocalVisualizer(SegLocalVisualizer):
    """:class:`SegLocalVisualizer` that draws ground truth | top | bottom | mean.

    For data samples of a :class:`CooperativeEncoderDecoder` (which carry
    ``pred_sem_seg_top`` / ``_bottom`` / ``_mean``) each output is one tile,
    labelled in its corner; other samples are drawn exactly as mmseg does, so
    the visualizer suits single-model configs too. A sample scored on a centre
    crop (``eval_crop`` in its metainfo, from :class:`EvalCenterCrop`: the VOC
    configs) is drawn on that crop of the image. :meth:`get_image` returns the
    drawing that is shown or saved. ``tools/test.py
    --show-dir`` and ``SegVisualizationHook`` use it through the config's
    ``visualizer``.

    Args:
        name: The instance name (mmengine's visualizers are named singletons).
        outputs: The predictions to draw, in order.
        **kwargs: :class:`SegLocalVisualizer`'s arguments.
    """

    def __init__(self, name: str = 'visualizer', outputs: Sequence[str] = OUTPUTS,
                 **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.outputs = tuple(outputs)

    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample: Optional[SegDataSample] = None,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       step: int = 0,
                       with_labels: Optional[bool] = True) -> None:
        # mmseg's tools pass tensors' views (e.g. browse_dataset.py's CHW -> HWC
        # permute); OpenCV >= 5 refuses to draw on non-contiguous arrays.
        image = np.ascontiguousarray(image)
        if data_sample is not None and 'eval_crop' in data_sample:  # the original image (not yet the crop)
            x1, y1, x2, y2 = data_sample.eval_crop['bbox']
            if image.shape[:2] != (y2 - y1, x2 - x1):
                image = np.ascontiguousarray(image_on_eval_crop(image, data_sample.eval_crop))
        cooperative = data_sample is not None and all(f'pred_sem_seg_{o}' in data_sample for o in self.outputs)
        if not (draw_pred and cooperative):
            return super().add_datasample(name, image, data_sample, draw_gt, draw_pred, show, wait_time, out_file,
                                          step, with_labels)
        classes, palette = self.dataset_meta.get('classes'), self.dataset_meta.get('palette')
        layers = [('ground truth', data_sample.gt_sem_seg)] if draw_gt and 'gt_sem_seg' in data_sample else []
        layers += [(output, data_sample.get(f'pred_sem_seg_{output}')) for output in self.outputs]
        tiles = [self._caption(self._draw_sem_seg(image, seg, classes, palette, with_labels), caption)
                 for caption, seg in layers]
        drawn = np.concatenate(tiles, axis=1)
        self.set_image(drawn)  # what get_image() returns (MMSegInferencer's return_vis): the whole panel
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is not None:
            mmcv.imwrite(mmcv.rgb2bgr(drawn), out_file)
        else:
            self.add_image(name, drawn, step)

    @staticmethod
    def _caption(tile: np.ndarray, text: str) -> np.ndarray:
        """Write ``text`` in the tile's top-left corner, white on a dark box."""
        tile = np.ascontiguousarray(tile)
        scale = max(0.3, tile.shape[0] / 500)
        (w, h), baseline = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        cv2.rectangle(tile, (0, 0), (w + 4, h + baseline + 4), (0, 0, 0), -1)
        cv2.putText(tile, text, (2, h + 2), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA)
        return tile
