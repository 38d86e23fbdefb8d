"""The training engine's safeguards, apart from the method: nothing here is specific to CCL.

* ``ResumableCheckpointHook``, ``AtomicLocalBackend``: checkpoints written
  atomically, resumed exactly;
* ``StopOnInvalidLossHook``: a NaN / Inf loss stops the run before it is saved;
* ``CompileNetworkHook``, ``compile_network``: mmengine's ``compile`` option
  compiles the network, not the whole training step;
* ``register_safe_globals``: torch's ``weights_only`` loading of mmengine
  checkpoints (run when ``mmseg_ccl`` is imported);
* ``run_mmseg_tool``: mmseg's command-line tools with this package registered,
  and data-parallel runs on CPU.
"""
from .atomic_local_backend import AtomicLocalBackend, atomic_write
from .hooks import CompileNetworkHook, ResumableCheckpointHook, StopOnInvalidLossHook, compile_network
from .mmseg_tools import run_mmseg_tool
from .safe_checkpoint import register_safe_globals, safe_globals

__all__ = [
    'AtomicLocalBackend', 'atomic_write', 'CompileNetworkHook', 'compile_network', 'run_mmseg_tool',
    'ResumableCheckpointHook', 'register_safe_globals', 'safe_globals', 'StopOnInvalidLossHook'
]
