from .iou import class_areas, class_iou
from .metrics import CooperativeIoUMetric
from .results import newest_metrics, scalar_logs

__all__ = ['CooperativeIoUMetric', 'class_areas', 'class_iou', 'newest_metrics', 'scalar_logs']
