from .cooperative_iou_metric import CooperativeIoUMetric

__all__ = ['CooperativeIoUMetric']
