from .atomic_local_backend import AtomicLocalBackend, atomic_write
from .mmseg_tools import run_mmseg_tool
from .safe_checkpoint import register_safe_globals, safe_globals

__all__ = ['AtomicLocalBackend', 'atomic_write', 'run_mmseg_tool', 'register_safe_globals', 'safe_globals']
