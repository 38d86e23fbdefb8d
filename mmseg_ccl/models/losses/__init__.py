from .class_weighted_cross_entropy_loss import ClassWeightedCrossEntropyLoss

__all__ = ['ClassWeightedCrossEntropyLoss']
