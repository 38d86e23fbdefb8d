from .metrics import CooperativeIoUMetric

__all__ = ['CooperativeIoUMetric']
