"""Export a segmentor's test-time prediction to ONNX, and check the file against PyTorch.

A two-network model (:class:`CooperativeEncoderDecoder`) carries the top and
bottom logits stacked along the channels inside mmseg's inference; an exporter
that took the argmax over all ``2 x num_classes`` channels would return wrong
class ids. :class:`SegmentorForExport` picks one output (``top``, ``bottom`` or
their ``mean``) as the model's ``postprocess_result`` does, and returns its
``num_classes`` logits at the input's size and the label map.
"""
from typing import Dict, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.utils import digit_version
from torch import Tensor

from ..models.segmentors.cooperative_encoder_decoder import output_logits
from ..structures import OUTPUTS

OUTPUT_NAMES = ('logits', 'labels')
# torch's torch.export-based ONNX exporter (``torch.onnx.export(dynamo=True)``) as used here.
MIN_EXPORT_TORCH = '2.6.0'


def check_exporter() -> None:
    """Raise a clear error if the installed torch or the deploy extras cannot export."""
    if digit_version(torch.__version__) < digit_version(MIN_EXPORT_TORCH):
        raise RuntimeError(f'ONNX export needs torch >= {MIN_EXPORT_TORCH} (its torch.export-based exporter); '
                           f'torch {torch.__version__} is installed')
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError as error:
        raise RuntimeError('ONNX export needs the deploy extras: pip install "mmseg_ccl[deploy]" '
                           f'(onnx, onnxruntime, onnxscript): {error}') from error


class SegmentorForExport(nn.Module):
    """``image -> (logits, labels)`` for a built mmseg segmentor, in eval mode.

    The input is what mmseg's data preprocessor receives at test time: a float
    batch ``(N, 3, H, W)`` in the channel order images are loaded in (BGR for
    mmcv), 0-255; the preprocessor's channel flip and normalisation are part of
    the graph, so a deployed model needs only the resize of the test pipeline.
    The outputs are the chosen output's logits ``(N, num_classes, H, W)``
    (resized to the input as mmseg does) and its labels ``(N, H, W)`` (argmax, or
    the sigmoid threshold of a single-channel binary head), int64.

    Args:
        model: An mmseg ``EncoderDecoder`` or :class:`CooperativeEncoderDecoder`.
        output: For a two-network model, ``'top'``, ``'bottom'`` or ``'mean'``;
            ``None`` takes its ``test_cfg.output``.
    """

    def __init__(self, model: nn.Module, output: Optional[str] = None) -> None:
        super().__init__()
        self.model = model.eval()
        two_networks = hasattr(model, 'branch_out_channels')
        if two_networks:
            output = output or model.output
            if output not in OUTPUTS:
                raise ValueError(f'SegmentorForExport: unknown output {output!r}; expected top, bottom or mean')
        elif output not in (None, 'top'):
            raise ValueError(f'SegmentorForExport: a single-network model has one output, not {output!r}')
        self.output = output if two_networks else None
        preprocessor = model.data_preprocessor
        self.flip_channels = bool(preprocessor.channel_conversion)
        self.normalize = bool(preprocessor._enable_normalize)
        if self.normalize:
            self.register_buffer('mean', preprocessor.mean.view(1, -1, 1, 1).clone(), persistent=False)
            self.register_buffer('std', preprocessor.std.view(1, -1, 1, 1).clone(), persistent=False)
        self.threshold = getattr(model.decode_head, 'threshold', None) or 0.3
        self.eval()

    def forward(self, image: Tensor) -> Tuple[Tensor, Tensor]:
        x = image.flip(1) if self.flip_channels else image
        if self.normalize:
            x = (x - self.mean) / self.std
        logits = self.model.decode_head.forward(self.model.extract_feat(x))
        size, align_corners = image.shape[2:], self.model.align_corners
        if self.output is None:
            logits = F.interpolate(logits, size=size, mode='bilinear', align_corners=align_corners)
        else:
            logits = output_logits(*(F.interpolate(t, size=size, mode='bilinear', align_corners=align_corners)
                                     for t in logits))[self.output]
        if logits.shape[1] == 1:
            labels = (logits.sigmoid() > self.threshold).squeeze(1).long()
        else:
            labels = logits.argmax(dim=1)
        return logits, labels


def export_onnx(module: SegmentorForExport, path: str, shape: Tuple[int, int], dynamic: bool = False,
                opset: int = 18) -> None:
    """Write ``module`` to ``path`` for a batch of one ``shape`` (H, W) image with torch's
    ``torch.export``-based exporter; ``dynamic`` leaves the batch size, height and width free
    (from 32 pixels: the coarsest feature map must not vanish). Needs torch >= 2.6."""
    check_exporter()
    dynamic_shapes = None
    if dynamic:
        from torch.export import Dim
        dynamic_shapes = {'image': {0: Dim('batch', min=1, max=1024), 2: Dim('height', min=32, max=8192),
                                    3: Dim('width', min=32, max=8192)}}
    with torch.no_grad():
        torch.onnx.export(module, (torch.zeros(1, 3, *shape), ), path, input_names=['image'],
                          output_names=list(OUTPUT_NAMES), dynamic_shapes=dynamic_shapes, opset_version=opset,
                          dynamo=True, external_data=False)


def run_onnx(path: str, image: np.ndarray) -> Dict[str, np.ndarray]:
    """``{'logits', 'labels'}`` of the ONNX file at ``path`` for ``image`` (N, 3, H, W), on ONNX Runtime's CPU."""
    import onnxruntime
    session = onnxruntime.InferenceSession(path, providers=['CPUExecutionProvider'])
    return dict(zip(OUTPUT_NAMES, session.run(list(OUTPUT_NAMES), {'image': image.astype(np.float32)})))


def compare(module: SegmentorForExport, path: str, image: Tensor) -> Dict[str, float]:
    """ONNX Runtime against PyTorch on ``image``: the largest logit difference relative
    to the logits' range, and the share of pixels whose label differs."""
    with torch.no_grad():
        logits, labels = module(image)
    onnx = run_onnx(path, image.numpy())
    scale = float(logits.max() - logits.min()) or 1.0
    max_abs_diff = float(np.abs(onnx['logits'] - logits.numpy()).max())
    return dict(max_abs_diff=max_abs_diff, relative_diff=max_abs_diff / scale,
                label_mismatch=float((onnx['labels'] != labels.numpy()).mean()))
