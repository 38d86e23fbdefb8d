from .safe_checkpoint import register_safe_globals, safe_globals

__all__ = ['register_safe_globals', 'safe_globals']
