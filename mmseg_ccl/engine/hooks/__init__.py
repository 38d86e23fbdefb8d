from .compile_network_hook import CompileNetworkHook, compile_network
from .resumable_checkpoint_hook import ResumableCheckpointHook, is_complete_checkpoint
from .stop_on_invalid_loss_hook import StopOnInvalidLossHook

__all__ = ['CompileNetworkHook', 'compile_network', 'ResumableCheckpointHook', 'is_complete_checkpoint',
           'StopOnInvalidLossHook']
