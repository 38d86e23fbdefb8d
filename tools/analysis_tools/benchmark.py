"""Compare segmentors side by side: parameters, FLOPs, latency, training step time, peak memory.

    python tools/analysis_tools/benchmark.py CONFIG [CONFIG ...] --reference CONFIG
        [--shape 513 513] [--batch 2] [--rounds 5] [--warmup 1] [--device cpu|cuda]
        [--amp] [--amp-dtype float16|bfloat16] [--channels-last] [--compile [--compile-backend NAME]]
        [--profile STEPS] [--trace-dir DIR] [--cfg-options KEY=VALUE ...] [--out results.json]

A config is a file path or one of mmseg's shipped configs as ``mmseg::<dir>/<file>.py``,
optionally followed by overrides for it alone, each after a ``#``:
``configs/ccl/voc_xcep_r101.py#model.decode_head.fusion=reduced``.
Timings are taken in one run and interleaved (A, B, C, C, B, A, A, B, C, ...: every
round times each model once, every other round in reverse order), so that the machine's
noise hits every model alike; each figure is also given as a ratio to the ``--reference``
model. Time ratios are paired: the median over rounds of (model's time / reference's time
in the same round), with the inter-quartile range of those per-round ratios, which drift
of the machine's speed between rounds does not widen, and a distribution-free 95 %
interval for that median (order statistics; bounded from 6 rounds on, 30 rounds give the
10th and 21st smallest ratios). Auxiliary heads are removed (they
do not predict and are not part of the method); SyncBN becomes BN.

* FLOPs: mmengine's ``FlopAnalyzer`` (multiply-adds, as mmseg's ``get_flops.py``
  reports them; ``mmseg_ccl.analysis.complexity``) of one image of ``--shape``.
* latency: ``predict`` of one image (batch 1), median and spread (IQR) over the rounds.
* step: forward + backward + SGD step at ``--batch`` images of ``--shape``, which
  the config's data preprocessor pads to its training crop (``size``) as in training.
* memory: CUDA peak allocated during a training step on GPU; on CPU the growth of
  the peak resident set size over two training steps after the model is built
  (activations, gradients, optimiser state), measured for each model in a fresh
  process (peak RSS only ever grows within one process).
* profile (``--profile STEPS``): ``torch.profiler`` of that many training steps of each
  model after ``--warmup`` ones, one step a profile, interleaved as the timing is; per
  step, by part of the model (data, backbone, head, exchange, loss, optimiser; backward
  operations with their forward's part) and by kind of operation (convolution, resize,
  concatenation, synchronisation, ...): CPU time in operations, GPU kernel time and
  kernel launches, against the reference (``mmseg_ccl.analysis.step_profile``);
  ``--trace-dir`` also writes each model's last profiled step as a Chrome trace.
"""
import argparse
import functools
import json
import logging
import math
import multiprocessing as mp
import os
import resource
import statistics
import sys
import warnings
from typing import Dict, List, Optional

import torch
from mmengine.config import Config, DictAction
from mmengine.logging import MMLogger
from mmengine.model import revert_sync_batchnorm
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

import mmseg_ccl  # noqa: F401
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg_ccl.analysis.complexity import count_flops
from mmseg_ccl.analysis.step_profile import breakdown_table, mean_breakdown, profile_steps
from mmseg_ccl.analysis.timing import interleaved_times, median_interval
from mmseg_ccl.apis import load_config
from mmseg_ccl.engine import compile_network


def build(cfg: Config, args: argparse.Namespace) -> torch.nn.Module:
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model_cfg = cfg.model
    if model_cfg.get('auxiliary_head') is not None:
        model_cfg.auxiliary_head = None
    model = revert_sync_batchnorm(MODELS.build(model_cfg)).to(args.device)
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
    if args.compile:
        compile_network(model, backend=args.compile_backend)  # as tools/train.py's compile option does
    return model


def make_batch(model: torch.nn.Module, batch: int, shape: List[int], device: str) -> dict:
    num_classes = model.decode_head.num_classes
    samples = []
    for _ in range(batch):
        sample = SegDataSample(gt_sem_seg=PixelData(data=torch.randint(0, num_classes, (1, *shape), device=device)))
        sample.set_metainfo(dict(img_shape=tuple(shape), ori_shape=tuple(shape), pad_shape=tuple(shape)))
        samples.append(sample)
    return dict(inputs=[torch.randint(0, 256, (3, *shape), device=device).float() for _ in range(batch)],
                data_samples=samples)


class Bench:
    """One model with its data and optimiser, timed step by step."""

    def __init__(self, name: str, cfg: Config, args: argparse.Namespace) -> None:
        self.name, self.args = name, args
        self.model = build(cfg, args)
        self.params = sum(p.numel() for p in self.model.parameters())
        self.train_data = make_batch(self.model, args.batch, args.shape, args.device)
        self.test_data = self.model.data_preprocessor(make_batch(self.model, 1, args.shape, args.device), False)
        if args.channels_last:
            self.test_data['inputs'] = self.test_data['inputs'].contiguous(memory_format=torch.channels_last)
        optimizer = torch.optim.SGD(self.model.parameters(), lr=1e-4, momentum=0.9)
        # fp16: mmengine's AmpOptimWrapper (autocast and loss scaling, as ``tools/train.py --amp``), GPUs only;
        # bf16: autocast alone, no loss scaling.
        dtype = getattr(torch, args.amp_dtype)
        loss_scaling = args.amp and dtype == torch.float16
        self.optim = AmpOptimWrapper(optimizer=optimizer) if loss_scaling else OptimWrapper(optimizer)
        self.autocast = torch.autocast(args.device.split(':')[0], dtype=dtype, enabled=args.amp and not loss_scaling)
        self.latency: List[float] = []
        self.step: List[float] = []
        self.memory = float('nan')
        self.profile: Optional[dict] = None

    def flops(self) -> float:
        self.model.eval()
        logger = MMLogger.get_current_instance()
        level = logger.level
        logger.setLevel(logging.ERROR)  # the counter warns about every op it does not count (norms, resizes)
        try:
            return count_flops(self.model, self.test_data['inputs'])
        finally:
            logger.setLevel(level)

    def predict(self) -> None:
        """Inference of one image."""
        self.model.eval()
        with torch.no_grad(), self.autocast:
            self.model.predict(self.test_data['inputs'], self.test_data['data_samples'])

    def train_step(self) -> None:
        """Forward, backward and SGD step of a training batch; on CUDA, its peak memory."""
        self.model.train()
        on_gpu = self.args.device.startswith('cuda')
        if on_gpu:
            torch.cuda.reset_peak_memory_stats()
        with self.autocast:
            self.model.train_step(self.train_data, self.optim)
        if on_gpu:
            self.memory = torch.cuda.max_memory_allocated() / 2**20


def peak_rss_mib() -> float:
    """This process's peak resident set size. ``VmHWM`` rather than ``ru_maxrss``,
    which a spawned child inherits from its parent across ``exec``."""
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_peak_rss_growth(config_name: str, args: argparse.Namespace, queue: mp.Queue) -> None:
    bench = Bench(config_name, load_config(config_name, args.cfg_options), args)
    before = peak_rss_mib()
    bench.train_step()  # activations, gradients and optimiser state
    bench.train_step()
    queue.put(peak_rss_mib() - before)


def cpu_memory(config_name: str, args: argparse.Namespace) -> float:
    """Peak-RSS growth (MiB) over two training steps after building, in a fresh process."""
    context = mp.get_context('spawn')
    queue = context.Queue()
    process = context.Process(target=_cpu_peak_rss_growth, args=(config_name, args, queue))
    process.start()
    process.join()
    return queue.get() if process.exitcode == 0 else float('nan')


def summarise(values: List[float]) -> Dict[str, float]:
    if not values:
        return dict(median=float('nan'), iqr=float('nan'), n=0)
    values = sorted(values)
    quartiles = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
    return dict(median=statistics.median(values), iqr=quartiles[2] - quartiles[0], n=len(values))


def paired_ratio(values: List[float], reference: List[float]) -> Dict[str, float]:
    """Median, IQR and 95 % interval of the median (``ci95``, ``None`` where unbounded) of the
    per-round ratios ``values[i] / reference[i]``."""
    ratios = [v / r for v, r in zip(values, reference)]
    interval = median_interval(ratios)
    return dict(summarise(ratios), ci95=None if math.isinf(interval[0]) else list(interval))


def profile_interleaved(benches: List[Bench], args: argparse.Namespace) -> None:
    """Each model's ``--profile`` training steps, one step a profile, interleaved as the timing is,
    after ``--warmup`` steps; the last step of each is also written as a Chrome trace to ``--trace-dir``."""
    if args.trace_dir:
        os.makedirs(args.trace_dir, exist_ok=True)
    profiles: Dict[str, List[dict]] = {bench.name: [] for bench in benches}

    def profiled(index: int, bench: Bench) -> None:
        done = profiles[bench.name]
        last = args.trace_dir and len(done) == args.profile - 1
        trace = os.path.join(args.trace_dir, f'{index}_{slug(bench.name)}.trace.json') if last else None
        done.append(profile_steps(bench.model, bench.train_step, 1, args.device, trace))

    for bench in benches:
        for _ in range(args.warmup):
            bench.train_step()
    interleaved_times({bench.name: functools.partial(profiled, index, bench) for index, bench in enumerate(benches)},
                      args.profile, warmup=0)
    for bench in benches:
        bench.profile = mean_breakdown(profiles[bench.name])


def slug(name: str) -> str:
    """A file name for a config name with its overrides."""
    return ''.join(c if c.isalnum() or c in '-_.=' else '_' for c in os.path.basename(name))


def interval(result: dict, kind: str) -> str:
    """A ratio's 95 % interval of the median for the table, where it is bounded."""
    bounds = result['ratio_ci95'][kind]
    return f' [{bounds[0]:.3f}, {bounds[1]:.3f}]' if bounds else ''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('configs', nargs='+')
    parser.add_argument('--reference', help='config the ratios refer to (default: the first)')
    parser.add_argument('--shape', type=int, nargs=2, default=[513, 513])
    parser.add_argument('--batch', type=int, default=2, help='images per training step')
    parser.add_argument('--rounds', type=int, default=5, help='timed rounds; 0: no timing')
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--amp', action='store_true', help='mixed precision, in --amp-dtype')
    parser.add_argument('--amp-dtype', choices=['float16', 'bfloat16'],
                        help='float16: autocast with loss scaling (mmengine AmpOptimWrapper, as tools/train.py --amp; '
                        'CUDA only, the default there); bfloat16: autocast without loss scaling (the default on CPU)')
    parser.add_argument('--channels-last', action='store_true')
    parser.add_argument('--compile', action='store_true', help='torch.compile the backbone and the head')
    parser.add_argument('--compile-backend', default='inductor', help='torch.compile\'s backend')
    parser.add_argument('--no-memory', action='store_true', help='skip the CPU memory processes')
    parser.add_argument('--profile', type=int, default=0, metavar='STEPS',
                        help='profile this many training steps of each model (torch.profiler)')
    parser.add_argument('--trace-dir', help='with --profile: write each model\'s Chrome trace here')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={})
    parser.add_argument('--out', help='write the results as JSON here too')
    args = parser.parse_args()
    on_gpu = args.device.startswith('cuda')
    args.amp_dtype = args.amp_dtype or ('float16' if on_gpu else 'bfloat16')
    if args.amp and args.amp_dtype == 'float16' and not on_gpu:
        parser.error('--amp-dtype float16 (loss scaling with mmengine\'s AmpOptimWrapper) runs on CUDA only')
    warnings.filterwarnings('ignore', category=UserWarning)
    reference = args.reference or args.configs[0]
    names = list(dict.fromkeys(args.configs + [reference]))
    torch.manual_seed(0)

    try:
        benches = [Bench(name, load_config(name, args.cfg_options), args) for name in names]
    except (FileNotFoundError, ValueError) as error:
        sys.exit(f'benchmark.py: {error}')
    flops = {b.name: b.flops() for b in benches}
    if args.rounds:
        calls = {(b.name, 'latency'): b.predict for b in benches}
        calls.update({(b.name, 'step'): b.train_step for b in benches})
        sync = torch.cuda.synchronize if args.device.startswith('cuda') else None
        times = interleaved_times(calls, args.rounds, args.warmup, sync)
        for bench in benches:
            bench.latency, bench.step = times[(bench.name, 'latency')], times[(bench.name, 'step')]
    if args.profile:
        profile_interleaved(benches, args)
    if args.device == 'cpu' and args.rounds and not args.no_memory:
        for bench in benches:
            bench.memory = cpu_memory(bench.name, args)

    results = {}
    ref_bench = next(b for b in benches if b.name == reference)
    for bench in benches:
        latency_ratio = paired_ratio(bench.latency, ref_bench.latency)
        step_ratio = paired_ratio(bench.step, ref_bench.step)
        results[bench.name] = dict(
            params=bench.params, flops=flops[bench.name], latency=summarise(bench.latency),
            step=summarise(bench.step), memory_mib=bench.memory,
            samples=dict(latency=bench.latency, step=bench.step),
            ratio_iqr=dict(latency=latency_ratio['iqr'], step=step_ratio['iqr']),
            ratio_ci95=dict(latency=latency_ratio['ci95'], step=step_ratio['ci95']), profile=bench.profile)
        results[bench.name]['ratio'] = dict(
            params=bench.params / ref_bench.params, flops=flops[bench.name] / flops[reference],
            latency=latency_ratio['median'], step=step_ratio['median'],
            memory=bench.memory / ref_bench.memory if ref_bench.memory else float('nan'))

    setting = (f'device={args.device} shape={args.shape[0]}x{args.shape[1]} (train steps padded to each '
               f'config\'s crop) train batch={args.batch} '
               f'rounds={args.rounds} amp={args.amp and args.amp_dtype} channels_last={args.channels_last} '
               f'compile={args.compile and args.compile_backend} '
               f'torch={torch.__version__} threads={torch.get_num_threads()}')
    memory_kind = 'CUDA peak' if args.device.startswith('cuda') else 'peak RSS growth'
    print(f'\n{setting}\nratios (x) to {reference}; time ratios paired by round: median ± IQR '
          f'[95 % interval of the median]\n')
    print(f'| config | params (M) | FLOPs (G) | latency bs1 (ms, median ± IQR) | train step (ms, median ± IQR) '
          f'| memory (MiB, {memory_kind}) |')
    print('|---|---|---|---|---|---|')
    for name, r in results.items():
        x = r['ratio']
        print(f'| {os.path.basename(name).replace("|", "/")} | {r["params"] / 1e6:.2f} ({x["params"]:.3f}x) '
              f'| {r["flops"] / 1e9:.4g} ({x["flops"]:.3f}x) '
              f'| {r["latency"]["median"] * 1e3:.0f} ± {r["latency"]["iqr"] * 1e3:.0f} '
              f'({x["latency"]:.2f}x ± {r["ratio_iqr"]["latency"]:.2f}{interval(r, "latency")}) '
              f'| {r["step"]["median"] * 1e3:.0f} ± {r["step"]["iqr"] * 1e3:.0f} '
              f'({x["step"]:.2f}x ± {r["ratio_iqr"]["step"]:.2f}{interval(r, "step")}) '
              f'| {r["memory_mib"]:.0f} ({x["memory"]:.2f}x) |')
    if args.profile:
        profiles = {name: r['profile'] for name, r in results.items()}
        for name in names:
            if name != reference:
                print(f'\nprofile of {args.profile} training steps, per step: {name} against {reference}\n\n'
                      + breakdown_table(profiles, name, reference))
    report = dict(setting=setting, reference=reference, results=results)
    print('\n' + json.dumps(report, indent=1))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(report, f, indent=1)


if __name__ == '__main__':
    main()
