"""Label loading that refuses bad label maps with a message naming the file."""
from typing import Optional

import numpy as np
from mmengine import fileio

from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadCheckedAnnotations(LoadAnnotations):
    """mmseg's :class:`LoadAnnotations`, plus checks that stop on a bad sample.

    Raises, naming the label file (and its image):

    - :class:`FileNotFoundError` if the label map does not exist;
    - :class:`ValueError` if it cannot be decoded, is not a single-channel
      index map, differs in size from its image (load the image first), or
      holds values ``>= num_classes`` other than ``ignore_index`` (after
      ``reduce_zero_label`` and ``label_map``, i.e. the labels the loss and
      the metric would see).

    Results without ``seg_map_path`` (images given to ``inference_model`` or
    ``MMSegInferencer``) pass through unchanged.

    A bad sample stops the run rather than being skipped: skipping would
    silently change the dataset, and an out-of-range label would otherwise be
    an index error in the loss (a device-side assert on CUDA) or be dropped
    from the IoU counts without a word.

    Args:
        num_classes: Classes of the dataset; ``None`` skips the value check.
        ignore_index: The label that marks pixels to ignore.
        **kwargs: :class:`LoadAnnotations`'s arguments.
    """

    def __init__(self, num_classes: Optional[int] = None, ignore_index: int = 255, **kwargs) -> None:
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.ignore_index = ignore_index

    def _load_seg_map(self, results: dict) -> None:
        if results.get('seg_map_path') is None:
            return  # inference (mmseg.apis): an image without labels
        path, image = results['seg_map_path'], results.get('img_path', '?')
        if not fileio.exists(path, backend_args=self.backend_args):
            raise FileNotFoundError(f'label map {path} (for image {image}) does not exist')
        try:
            super()._load_seg_map(results)
        except Exception as error:  # the decoders fail in many ways; the file is what the user needs
            raise ValueError(f'cannot decode label map {path} (for image {image}): {error!r}') from error
        labels = results['gt_seg_map']
        if labels.ndim != 2:
            raise ValueError(f'label map {path} has shape {labels.shape}; expected a single-channel map of '
                             'class indices (a colour-coded label image must be converted first)')
        # ``ori_shape``: the decoded image's size, also when a Resize ran before this.
        if 'ori_shape' in results and labels.shape != tuple(results['ori_shape'][:2]):
            raise ValueError(f'label map {path} is {labels.shape[0]}x{labels.shape[1]} but its image {image} '
                             f'is {results["ori_shape"][0]}x{results["ori_shape"][1]}')
        if self.num_classes is not None:
            bad = np.unique(labels[(labels >= self.num_classes) & (labels != self.ignore_index)])
            if bad.size:
                raise ValueError(f'label map {path} has label values {bad.tolist()[:10]} >= num_classes='
                                 f'{self.num_classes} that are not the ignore index {self.ignore_index} '
                                 '(check num_classes, reduce_zero_label and label_map)')

    def __repr__(self) -> str:
        return f'{super().__repr__()[:-1]}, num_classes={self.num_classes}, ignore_index={self.ignore_index})'
