from .cooperative_local_visualizer import CooperativeSegLocalVisualizer

__all__ = ['CooperativeSegLocalVisualizer']
