"""Export a segmentor to ONNX; optionally check it with ONNX Runtime and time both.

    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT --output-file OUT.onnx
        [--shape H W] [--dynamic] [--output top|bottom|mean] [--verify] [--benchmark N]
        [--cfg-options KEY=VALUE ...]

The file computes the test-time prediction of the config's model for the
output ``--output`` (default: the config's ``test_cfg.output``; two-network
models only): ``image`` (N, 3, H, W) float, channels as mmcv loads images (BGR),
0-255 -> ``logits`` (N, num_classes, H, W) and ``labels`` (N, H, W) int64. The
data preprocessor's channel flip and normalisation are inside the graph;
resize images as the config's test pipeline does before feeding them.

``--shape``: the export shape (default: the config's crop, else 512 512).
``--dynamic``: batch size, height and width left free.
``--verify``: runs the file with ONNX Runtime on a random image (at another
shape than the export shape when ``--dynamic``) and compares logits and labels
with PyTorch; exits non-zero if the logits differ by more than 1e-4 of their
range or any label differs.
``--benchmark N``: batch-1 latency of PyTorch and of ONNX Runtime (CPU) on the
same input, N timed rounds after a warm-up, interleaved, with their ratio.
"""
import argparse
import statistics
import sys

import torch
from mmengine.config import Config, DictAction
from mmengine.model import revert_sync_batchnorm
from mmengine.runner import load_checkpoint

import mmseg_ccl  # noqa: F401  (registers the modules)
from mmseg.registry import MODELS
from mmseg.utils import register_all_modules
from mmseg_ccl.analysis.timing import interleaved_times
from mmseg_ccl.apis import SegmentorForExport, check_exporter, compare, export_onnx

TOLERANCE = 1e-4  # largest logit difference, relative to the logits' range


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--output-file', required=True)
    parser.add_argument('--shape', type=int, nargs=2, help='export height and width')
    parser.add_argument('--dynamic', action='store_true', help='free batch size, height and width')
    parser.add_argument('--output', choices=['top', 'bottom', 'mean'], help='two-network models: which output')
    parser.add_argument('--verify', action='store_true', help='compare with PyTorch on ONNX Runtime')
    parser.add_argument('--benchmark', type=int, default=0, metavar='N', help='time N rounds of each')
    parser.add_argument('--opset', type=int, default=18)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={})
    return parser.parse_args(argv)


def build(config: str, checkpoint: str, options: dict) -> torch.nn.Module:
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(options)
    register_all_modules()
    cfg.model.pop('pretrained', None)
    model = revert_sync_batchnorm(MODELS.build(cfg.model))
    load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    return model.eval(), cfg


def main(argv=None) -> dict:
    args = parse_args(argv)
    try:
        check_exporter()
    except RuntimeError as error:
        sys.exit(f'pytorch2onnx: {error}')
    model, cfg = build(args.config, args.checkpoint, args.cfg_options)
    shape = args.shape or list(cfg.get('crop_size', (512, 512)))
    module = SegmentorForExport(model, args.output)
    export_onnx(module, args.output_file, tuple(shape), dynamic=args.dynamic, opset=args.opset)
    print(f'wrote {args.output_file} ({module.output or "single network"}, '
          f'{"dynamic" if args.dynamic else "static"} shape, exported at {shape[0]}x{shape[1]})')
    report = dict(output_file=args.output_file, output=module.output, shape=shape, dynamic=args.dynamic)
    generator = torch.Generator().manual_seed(0)
    check_shape = [s + 16 for s in shape] if args.dynamic else shape
    image = torch.rand(1, 3, *check_shape, generator=generator) * 255
    if args.verify:
        report['verify'] = compare(module, args.output_file, image)
        v = report['verify']
        print(f'ONNX Runtime vs PyTorch at {check_shape[0]}x{check_shape[1]}: largest logit difference '
              f'{v["max_abs_diff"]:.3g} ({v["relative_diff"]:.3g} of the range), labels differing on '
              f'{100 * v["label_mismatch"]:.4f} % of pixels')
    if args.benchmark:
        import onnxruntime
        session = onnxruntime.InferenceSession(args.output_file, providers=['CPUExecutionProvider'])
        array = image.numpy()
        with torch.no_grad():
            times = interleaved_times(dict(pytorch=lambda: module(image),
                                           onnxruntime=lambda: session.run(None, {'image': array})), args.benchmark)
        ratios = [o / p for o, p in zip(times['onnxruntime'], times['pytorch'])]
        report['latency_ms'] = {name: 1e3 * statistics.median(t) for name, t in times.items()}
        report['onnxruntime_to_pytorch'] = statistics.median(ratios)
        print(f'batch-1 latency at {check_shape[0]}x{check_shape[1]}, median of {args.benchmark} rounds: PyTorch '
              f'{report["latency_ms"]["pytorch"]:.1f} ms, ONNX Runtime {report["latency_ms"]["onnxruntime"]:.1f} ms '
              f'(ratio {report["onnxruntime_to_pytorch"]:.2f}x, median of per-round ratios; '
              f'torch threads {torch.get_num_threads()})')
    if args.verify and (report['verify']['relative_diff'] > TOLERANCE or report['verify']['label_mismatch'] > 0):
        sys.exit(f'pytorch2onnx: {args.output_file} differs from PyTorch: {report["verify"]}')
    return report


if __name__ == '__main__':
    main()
