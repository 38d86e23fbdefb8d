from .resumable_checkpoint_hook import ResumableCheckpointHook
from .stop_on_invalid_loss_hook import StopOnInvalidLossHook

__all__ = ['ResumableCheckpointHook', 'StopOnInvalidLossHook']
