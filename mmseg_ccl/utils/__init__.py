from .mmseg_tools import run_mmseg_tool
from .safe_checkpoint import register_safe_globals, safe_globals

__all__ = ['run_mmseg_tool', 'register_safe_globals', 'safe_globals']
