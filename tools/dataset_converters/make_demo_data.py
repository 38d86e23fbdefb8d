"""Make the built-in demo dataset: small synthetic images, deterministic from a seed.

    python tools/dataset_converters/make_demo_data.py [--out data/ccl_demo] [--train 300] [--val 60]
                                                      [--size 64] [--seed 0]

It is synthetic and only for trying the method end to end on a CPU in minutes
(and for tests); its numbers say nothing about real images. Each image has a
smooth, noisy background and a few objects of four classes built so that the
two cues the method is about are both needed:

* ``stripes`` vs ``checker``: regions of the same random blob shapes and
  colours, told apart only by their fine texture (2-3 px period);
* ``disk`` vs ``square``: large flat-coloured objects of the same colours and
  sizes, told apart only by their overall shape.

Written in mmseg's layout (``img_dir/{train,val}/*.png``,
``ann_dir/{train,val}/*.png`` with class indices), loaded by
``CCLDemoDataset`` (``mmseg_ccl/datasets/ccl_demo.py``, classes and palette); see
``configs/_base_/datasets/ccl_demo.py``.
"""
import argparse
import os
from typing import Tuple

import numpy as np
from PIL import Image

from mmseg_ccl.datasets import CCLDemoDataset

CLASSES = CCLDemoDataset.METAINFO['classes']


def _blob(rng: np.random.Generator, size: int) -> np.ndarray:
    """A random ellipse mask, about a tenth of the image."""
    yy, xx = np.mgrid[:size, :size]
    cy, cx = rng.uniform(0.15, 0.85, 2) * size
    ry, rx = rng.uniform(0.12, 0.25, 2) * size
    angle = rng.uniform(0, np.pi)
    dy, dx = yy - cy, xx - cx
    u = dx * np.cos(angle) + dy * np.sin(angle)
    v = -dx * np.sin(angle) + dy * np.cos(angle)
    return (u / rx)**2 + (v / ry)**2 <= 1


def _texture(rng: np.random.Generator, size: int, kind: str) -> np.ndarray:
    """A two-colour fine texture over the whole image, (size, size, 3)."""
    yy, xx = np.mgrid[:size, :size]
    period = int(rng.integers(2, 4))
    if kind == 'stripes':
        angle = rng.choice([0, np.pi / 2, np.pi / 4, 3 * np.pi / 4])
        phase = (xx * np.cos(angle) + yy * np.sin(angle)) // period
    else:
        phase = xx // period + yy // period
    colours = rng.uniform(40, 215, (2, 3))
    return np.where((phase % 2 == 0)[..., None], colours[0], colours[1])


def _shape(rng: np.random.Generator, size: int, kind: str) -> np.ndarray:
    """A large disk or axis-aligned square of equal area, as a mask."""
    yy, xx = np.mgrid[:size, :size]
    half = rng.uniform(0.14, 0.24) * size  # half side of the square
    cy, cx = rng.uniform(half, size - half, 2)
    if kind == 'disk':
        radius = half * 2 / np.sqrt(np.pi)
        return (yy - cy)**2 + (xx - cx)**2 <= radius**2
    return (np.abs(yy - cy) <= half) & (np.abs(xx - cx) <= half)


def make_sample(rng: np.random.Generator, size: int) -> Tuple[np.ndarray, np.ndarray]:
    """One (image uint8 HxWx3, label uint8 HxW) pair."""
    yy, xx = np.mgrid[:size, :size] / size
    corners = rng.uniform(60, 200, (4, 3))
    image = (corners[0] * ((1 - yy) * (1 - xx))[..., None] + corners[1] * ((1 - yy) * xx)[..., None] +
             corners[2] * (yy * (1 - xx))[..., None] + corners[3] * (yy * xx)[..., None])
    label = np.zeros((size, size), np.uint8)
    for _ in range(int(rng.integers(2, 5))):
        class_index = int(rng.integers(1, len(CLASSES)))
        kind = CLASSES[class_index]
        if kind in ('stripes', 'checker'):
            mask = _blob(rng, size)
            image[mask] = _texture(rng, size, kind)[mask]
        else:
            mask = _shape(rng, size, kind)
            image[mask] = rng.uniform(40, 215, 3)
        label[mask] = class_index
    image += rng.normal(0, 6, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8), label


def write_split(root: str, split: str, count: int, size: int, rng: np.random.Generator) -> None:
    for sub in ('img_dir', 'ann_dir'):
        os.makedirs(os.path.join(root, sub, split), exist_ok=True)
    for i in range(count):
        image, label = make_sample(rng, size)
        Image.fromarray(image).save(os.path.join(root, 'img_dir', split, f'{i:04d}.png'))
        Image.fromarray(label).save(os.path.join(root, 'ann_dir', split, f'{i:04d}.png'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', default='data/ccl_demo')
    parser.add_argument('--train', type=int, default=300)
    parser.add_argument('--val', type=int, default=60)
    parser.add_argument('--size', type=int, default=64)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    # Independent streams per split: the val set does not change with --train.
    train_rng, val_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(args.seed).spawn(2))
    write_split(args.out, 'train', args.train, args.size, train_rng)
    write_split(args.out, 'val', args.val, args.size, val_rng)
    print(f'wrote {args.train} train and {args.val} val images of {args.size}x{args.size} to {args.out}')


if __name__ == '__main__':
    main()
