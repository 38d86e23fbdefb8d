"""What the tools measure and read, apart from the models and metrics (as ``mmengine.analysis``
serves its counters): per-class IoU outside an evaluator, a run's logs and metrics, interleaved
timing with its interval, the step profile, and FLOP counting.

``tools/analysis_tools/`` (``benchmark.py``, ``print_metrics.py``, ``compare_loss_curves.py``,
``analyze_cooperation.py``), ``tools/deployment/pytorch2onnx.py`` and the study use them; no
config, model or metric does, and ``import mmseg_ccl`` does not import them.
"""
from .iou import class_areas, class_iou
from .logs import logged_scalars, newest_metrics

__all__ = ['class_areas', 'class_iou', 'logged_scalars', 'newest_metrics']
