from .onnx_export import SegmentorForExport, compare, export_onnx, run_onnx

__all__ = ['SegmentorForExport', 'compare', 'export_onnx', 'run_onnx']
