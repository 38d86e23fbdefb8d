"""Time ReducedFusion against the same fusion written with plain 1x1 convolutions.

    python tools/study/benchmark_fusion.py [--channels 512] [--size 129 129] [--batch 2] [--rounds 15]

``ReducedFusion`` computes ``own + expand(resize(ReLU(BN(reduce(other)))))`` with
both 1x1 convolutions as batched matrix products (and the addition in the same
kernel); the reference here is that formula with ``nn.Conv2d`` and an
addition. Forward and backward of each, interleaved round by round (the order
flipped every other round), at a decoder-sized map (default: the paper's
setting, 512 channels at 129x129, batch 2). Prints the medians and the median
of the per-round ratios (reference / ReducedFusion) with its range.
"""
import argparse
import statistics

import torch
import torch.nn as nn
import torch.nn.functional as F

import mmseg_ccl  # noqa: F401  (registers ReducedFusion)
from mmseg.registry import MODELS
from mmseg_ccl.analysis.timing import interleaved_times


class ConvReducedFusion(nn.Module):
    """The reference: ReducedFusion's formula with nn.Conv2d (no norm on the expanding side)."""

    def __init__(self, own_channels: int, other_channels: int, message_channels: int = 16) -> None:
        super().__init__()
        self.reduce = nn.Conv2d(other_channels, message_channels, 1, bias=False)
        self.norm = nn.BatchNorm2d(message_channels)
        self.expand = nn.Conv2d(message_channels, own_channels, 1, bias=False)

    def forward(self, own: torch.Tensor, other: torch.Tensor) -> torch.Tensor:
        message = F.relu(self.norm(self.reduce(other)))
        if message.shape[2:] != own.shape[2:]:
            message = F.interpolate(message, size=own.shape[2:], mode='bilinear', align_corners=False)
        return own + self.expand(message)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--channels', type=int, default=512)
    parser.add_argument('--size', type=int, nargs=2, default=[129, 129])
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--rounds', type=int, default=15)
    args = parser.parse_args()
    torch.manual_seed(0)
    c = args.channels
    modules = {'ReducedFusion': MODELS.build(dict(type='ReducedFusion', own_channels=c, other_channels=c,
                                                  norm_cfg=dict(type='BN'))),
               'nn.Conv2d reference': ConvReducedFusion(c, c)}
    own = torch.randn(args.batch, c, *args.size, requires_grad=True)
    other = torch.randn(args.batch, c, *args.size, requires_grad=True)

    calls = {name: lambda m=module: m(own, other).sum().backward() for name, module in modules.items()}
    times = interleaved_times(calls, args.rounds)
    ratios = [r / f for f, r in zip(times['ReducedFusion'], times['nn.Conv2d reference'])]
    print(f'forward + backward, {args.batch}x{c}x{args.size[0]}x{args.size[1]}, {args.rounds} rounds, '
          f'torch {torch.__version__}, {torch.get_num_threads()} threads')
    for name, samples in times.items():
        print(f'  {name}: median {1e3 * statistics.median(samples):.1f} ms')
    print(f'  reference / ReducedFusion: {statistics.median(ratios):.2f}x (per-round range '
          f'{min(ratios):.2f}-{max(ratios):.2f})')


if __name__ == '__main__':
    main()
