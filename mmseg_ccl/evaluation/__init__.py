from .iou import class_areas, class_iou
from .metrics import CooperativeIoUMetric
from .results import logged_scalars, newest_metrics

__all__ = ['CooperativeIoUMetric', 'class_areas', 'class_iou', 'logged_scalars', 'newest_metrics']
