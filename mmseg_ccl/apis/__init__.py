from .config import load_config
from .onnx_export import SegmentorForExport, check_exporter, compare, export_onnx, run_onnx

__all__ = ['SegmentorForExport', 'check_exporter', 'compare', 'export_onnx', 'load_config', 'run_onnx']
