"""Where is each network right? Complementarity of the top and bottom outputs.

    python tools/analysis_tools/analyze_cooperation.py CONFIG CHECKPOINT [--out DIR] [--show-dir DIR] [--max-show N]
                                        [--device cpu] [--cfg-options KEY=VALUE ...]

Over the config's test split, for a two-network model (``CooperativeEncoderDecoder``):

* per-class IoU of the top, bottom and mean outputs, and of the *oracle*: a
  pixel counts as right if either network is right on it. Where both are
  wrong, the pixel is a miss of its true class, and a false positive of class
  c only where both networks said c. So the oracle is the ceiling of any
  fusion that picks, per pixel, one of the two networks' labels, and its IoU
  is at least the top's and the bottom's for every class;
* the share of labelled pixels that only the top, only the bottom, both or
  neither get right (the paper's Figures 6 and 7, counted).

Writes ``cooperation.md`` (tables), ``cooperation.json`` and
``cooperation_iou.png`` (bar chart) to ``--out``. ``--show-dir`` also writes,
per image, a panel: image | ground truth | top | bottom | the model's output
(``test_cfg.output``, mean by default) | where only the top (or only the bottom)
is right, in the dataset's class colours.
"""
import argparse
import json
import os
import os.path as osp
from typing import Dict, List, Sequence

import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import mmseg_ccl  # noqa: F401  (registers the modules)
from mmseg.apis import init_model
from mmseg_ccl.analysis import class_areas, class_iou
from mmseg_ccl.structures import OUTPUTS

ANALYSED = (*OUTPUTS, 'oracle')  # the model's outputs and the oracle of the two networks
AGREEMENT = ('only_top', 'only_bottom', 'both', 'neither')
# Overlay colours (RGB): pixels only the top / only the bottom gets right.
ONLY_TOP_COLOUR, ONLY_BOTTOM_COLOUR = (255, 140, 0), (0, 200, 255)


class CooperationCounter:
    """Accumulates, image by image, what :func:`main` reports."""

    def __init__(self, num_classes: int, ignore_index: int = 255) -> None:
        self.num_classes, self.ignore_index = num_classes, ignore_index
        # Per output and for the oracle: summed (intersection, union, prediction, label) per class.
        self.areas = {o: np.zeros((4, num_classes)) for o in ANALYSED}
        self.agreement = dict.fromkeys(AGREEMENT, 0)

    def add(self, label: np.ndarray, top: np.ndarray, bottom: np.ndarray, mean: np.ndarray) -> None:
        for name, pred in zip(OUTPUTS, (top, bottom, mean)):
            self.areas[name] += class_areas(pred, label, self.num_classes, self.ignore_index)
        valid = label != self.ignore_index
        label, top, bottom = (a[valid].astype(np.int64) for a in (label, top, bottom))
        top_right, bottom_right = top == label, bottom == label
        either = top_right | bottom_right
        # The oracle (module docstring): a hit where either network is right; else a miss of the true
        # class, and a false positive of class c where both said c.
        n = self.num_classes
        hits, misses = np.bincount(label[either], minlength=n), np.bincount(label[~either], minlength=n)
        false_alarms = np.bincount(top[~either & (top == bottom)], minlength=n)
        self.areas['oracle'] += np.stack([hits, hits + misses + false_alarms, hits + false_alarms, hits + misses])
        for key, mask in zip(AGREEMENT, (top_right & ~bottom_right, bottom_right & ~top_right,
                                         top_right & bottom_right, ~either)):
            self.agreement[key] += int(mask.sum())

    def iou(self) -> Dict[str, np.ndarray]:
        """Per-class IoU (%) of each output; NaN for a class absent from labels and predictions."""
        return {name: class_iou(areas) for name, areas in self.areas.items()}

    def shares(self) -> Dict[str, float]:
        total = sum(self.agreement.values())
        return {k: 100 * v / total if total else float('nan') for k, v in self.agreement.items()}


def markdown(classes: Sequence[str], iou: Dict[str, np.ndarray], shares: Dict[str, float]) -> str:
    lines = ['| class | IoU top | IoU bottom | IoU mean | IoU oracle |', '|---|---|---|---|---|']
    for c, name in enumerate(classes):
        lines.append(f'| {name} | ' + ' | '.join(f'{iou[o][c]:.2f}' for o in ANALYSED) + ' |')
    lines.append('| **mIoU** | ' + ' | '.join(f'**{np.nanmean(iou[o]):.2f}**' for o in ANALYSED) + ' |')
    lines += ['', '| pixels right | only top | only bottom | both | neither |', '|---|---|---|---|---|',
              '| share (%) | ' + ' | '.join(f'{shares[k]:.2f}' for k in AGREEMENT) + ' |']
    return '\n'.join(lines) + '\n'


def _pyplot():
    """matplotlib's pyplot on the file-only Agg backend (no display needed)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def bar_chart(classes: Sequence[str], iou: Dict[str, np.ndarray], path: str) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(classes)), 3.5), dpi=100)
    width = 0.2
    x = np.arange(len(classes))
    for k, name in enumerate(ANALYSED):
        ax.bar(x + (k - 1.5) * width, np.nan_to_num(iou[name]), width, label=name)
    ax.set_xticks(x, classes, rotation=30, ha='right')
    ax.set_ylabel('IoU (%)')
    ax.set_ylim(0, 100)
    ax.legend(ncol=4, fontsize=8, loc='upper center', bbox_to_anchor=(0.5, 1.15), frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def colourise(labels: np.ndarray, palette: np.ndarray, ignore_index: int = 255) -> np.ndarray:
    image = np.zeros((*labels.shape, 3), np.uint8)
    valid = labels != ignore_index
    image[valid] = palette[labels[valid]]
    return image


def panel(image: np.ndarray, label: np.ndarray, preds: Dict[str, np.ndarray], output: str, classes: Sequence[str],
          palette: np.ndarray, path: str, ignore_index: int = 255) -> None:
    """image | ground truth | top | bottom | output | only-top / only-bottom overlay, with legends."""
    from matplotlib.patches import Patch
    plt = _pyplot()
    valid = label != ignore_index
    only_top = valid & (preds['top'] == label) & (preds['bottom'] != label)
    only_bottom = valid & (preds['bottom'] == label) & (preds['top'] != label)
    overlay = (0.4 * image).astype(np.uint8)
    overlay[only_top], overlay[only_bottom] = ONLY_TOP_COLOUR, ONLY_BOTTOM_COLOUR
    tiles = [('image', image), ('ground truth', colourise(label, palette, ignore_index)),
             ('top', colourise(preds['top'], palette)), ('bottom', colourise(preds['bottom'], palette)),
             (f'CCL ({output})', colourise(preds[output], palette)), ('only one right', overlay)]
    fig, axes = plt.subplots(1, len(tiles), figsize=(2.0 * len(tiles), 2.75), dpi=80)
    for ax, (title, tile) in zip(axes, tiles):
        ax.imshow(tile, interpolation='nearest')
        ax.set_title(title, fontsize=9)
        ax.axis('off')
    class_patches = [Patch(color=np.array(palette[c]) / 255, label=name) for c, name in enumerate(classes)]
    overlay_patches = [Patch(color=np.array(ONLY_TOP_COLOUR) / 255, label='only top right'),
                       Patch(color=np.array(ONLY_BOTTOM_COLOUR) / 255, label='only bottom right')]
    fig.legend(handles=class_patches + overlay_patches, loc='lower center', ncol=min(8, len(classes) + 2),
               fontsize=8, frameon=False)
    fig.subplots_adjust(left=0.01, right=0.99, top=0.88, bottom=0.2, wspace=0.05)
    fig.savefig(path)
    plt.close(fig)


def analyze(model: torch.nn.Module, dataloader, classes: Sequence[str], palette: np.ndarray,
            show_dir: str = None, max_show: int = 20) -> CooperationCounter:
    """Run ``model`` over ``dataloader`` and count; draw up to ``max_show`` panels into ``show_dir``."""
    ignore_index = getattr(model.decode_head, 'ignore_index', 255)
    counter = CooperationCounter(len(classes), ignore_index)
    shown = 0
    for batch in dataloader:
        with torch.no_grad():
            samples = model.test_step(batch)
        for sample in samples:
            if not hasattr(sample, 'pred_sem_seg_top'):
                raise TypeError('analyze_cooperation: the model has no top / bottom outputs; use a config whose '
                                'model is a CooperativeEncoderDecoder')
            label = sample.gt_sem_seg.data[0].cpu().numpy()
            preds = {o: sample.get(f'pred_sem_seg_{o}').data[0].cpu().numpy() for o in OUTPUTS}
            counter.add(label, preds['top'], preds['bottom'], preds['mean'])
            if show_dir and shown < max_show:
                import mmcv
                image = mmcv.imread(sample.img_path, channel_order='rgb')
                name = osp.splitext(osp.basename(sample.img_path))[0]
                panel(image, label, preds, model.output, classes, palette, osp.join(show_dir, f'{name}.png'),
                      ignore_index)
                shown += 1
    return counter


def parse_args(argv: List[str] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', default='work_dirs/cooperation', help='directory for the tables and chart')
    parser.add_argument('--show-dir', help='also draw one panel per image here')
    parser.add_argument('--max-show', type=int, default=20, help='at most this many panels')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config settings')
    return parser.parse_args(argv)


def main(argv: List[str] = None) -> dict:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    model = init_model(cfg, args.checkpoint, device=args.device)
    dataloader = Runner.build_dataloader(cfg.test_dataloader)
    meta = dataloader.dataset.metainfo
    classes = meta['classes']
    palette = np.array(meta.get('palette') or np.random.default_rng(0).integers(0, 255, (len(classes), 3)), np.uint8)
    for directory in filter(None, (args.out, args.show_dir)):
        os.makedirs(directory, exist_ok=True)
    counter = analyze(model, dataloader, classes, palette, args.show_dir, args.max_show)
    iou, shares = counter.iou(), counter.shares()
    result = dict(classes=list(classes), iou={o: [None if np.isnan(v) else float(v) for v in iou[o]] for o in ANALYSED},
                  miou={o: float(np.nanmean(iou[o])) for o in ANALYSED}, pixel_shares=shares,
                  config=args.config, checkpoint=args.checkpoint)
    table = markdown(classes, iou, shares)
    with open(osp.join(args.out, 'cooperation.md'), 'w') as f:
        f.write(table)
    with open(osp.join(args.out, 'cooperation.json'), 'w') as f:
        json.dump(result, f, indent=2)
    bar_chart(classes, iou, osp.join(args.out, 'cooperation_iou.png'))
    print(table)
    print(f'written to {args.out}' + (f'; panels in {args.show_dir}' if args.show_dir else ''))
    return result


if __name__ == '__main__':
    main()
