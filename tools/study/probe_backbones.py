"""How good are a backbone's ImageNet features for a dataset, before any training? A linear probe.

    python tools/study/probe_backbones.py CONFIG[#KEY=VALUE...] [CONFIG...] --data DIR
                                   [--train N] [--steps 300] [--seed 0] [--out FILE]

For each single-network config (``EncoderDecoder``; ``#KEY=VALUE`` overrides one
config as in ``benchmark.py``), the backbone is built and initialised as the
config says (its ImageNet weights), frozen, and fed the images exactly as the
config's model sees them: its test pipeline and data preprocessor
(normalisation). The decode head's input feature (``in_index``) of every
training image is kept; a 1x1 convolution on the standardised features is
trained on them (Adam at 0.01, ``--steps`` batches of 32, plain cross-entropy) and its
logits, upsampled to the image, are scored on the validation split (mIoU over
the classes present). Each config's features and probe see the same images, in
the same order, from the same seed.

The probe asks whether the pretrained features, with the config's
normalisation, padding and output stride, carry the dataset's classes; a
fine-tuned model's score depends on much more (learning rate, BN, head).
Prints a table; ``--out FILE.json`` writes it as JSON and as ``FILE.md`` too.
"""
import argparse
import json
import os.path as osp
import sys
from typing import Dict, List, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope

import mmseg_ccl  # noqa: F401  (registers the modules)
from mmseg.registry import DATASETS, MODELS
from mmseg_ccl.analysis import class_areas, class_iou
from mmseg_ccl.apis import load_config


def build_backbone(cfg: Config) -> torch.nn.Module:
    """The config's model, frozen, in eval mode (its backbone's weights load with ``init_weights``)."""
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = revert_sync_batchnorm(MODELS.build(cfg.model))
    if not hasattr(model, 'extract_feat') or isinstance(model.decode_head.in_index, (list, tuple)):
        sys.exit(f'probe_backbones: {cfg.filename} is not a single-network EncoderDecoder config')
    return model.eval().requires_grad_(False)


def split(cfg: Config, data: str, img_path: str, seg_map_path: str, limit: int = 0):
    """The config's test dataset on one split of ``data``."""
    dataset = dict(cfg.test_dataloader.dataset, data_root=data,
                   data_prefix=dict(img_path=img_path, seg_map_path=seg_map_path))
    if limit:
        dataset['indices'] = limit
    return DATASETS.build(dataset)


@torch.no_grad()
def features(model: torch.nn.Module, dataset) -> Tuple[torch.Tensor, torch.Tensor]:
    """The head's input feature of every image, and its label map at the model's input size (uint8,
    ``ignore`` where unlabelled)."""
    feats, labels = [], []
    for i in range(len(dataset)):
        item = dataset[i]
        batch = model.data_preprocessor(dict(inputs=[item['inputs']], data_samples=[item['data_samples']]), False)
        x = batch['inputs']
        feats.append(model.extract_feat(x)[model.decode_head.in_index])
        label = item['data_samples'].gt_sem_seg.data[None].float()
        labels.append(F.interpolate(label, size=x.shape[-2:], mode='nearest')[0, 0].to(torch.uint8))
    return torch.cat(feats), torch.stack(labels)


def probe(train: Tuple[torch.Tensor, torch.Tensor], val: Tuple[torch.Tensor, torch.Tensor], num_classes: int,
          ignore_index: int, steps: int, seed: int) -> float:
    """mIoU (%) on ``val`` of a 1x1 convolution trained on ``train``'s standardised features."""
    generator = torch.Generator().manual_seed(seed)
    (x, y), (vx, vy) = train, val
    mean, std = x.mean((0, 2, 3), keepdim=True), x.std((0, 2, 3), keepdim=True) + 1e-5
    x, vx = (x - mean) / std, (vx - mean) / std
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        classifier = torch.nn.Conv2d(x.shape[1], num_classes, 1)
    optimizer = torch.optim.Adam(classifier.parameters(), lr=1e-2)
    for _ in range(steps):
        idx = torch.randint(0, len(x), (min(32, len(x)), ), generator=generator)
        logits = F.interpolate(classifier(x[idx]), size=y.shape[-2:], mode='bilinear', align_corners=False)
        loss = F.cross_entropy(logits, y[idx].long(), ignore_index=ignore_index)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        pred = F.interpolate(classifier(vx), size=vy.shape[-2:], mode='bilinear', align_corners=False).argmax(1)
    areas = class_areas(pred.numpy(), vy.long().numpy(), num_classes, ignore_index)
    return float(np.nanmean(class_iou(areas, present_only=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('configs', nargs='+', metavar='CONFIG[#KEY=VALUE...]')
    parser.add_argument('--data', required=True, help='the dataset folder (data_root)')
    parser.add_argument('--train', type=int, default=0, help='first N training images only (default: all)')
    parser.add_argument('--steps', type=int, default=300)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', help='write the results as JSON here too')
    args = parser.parse_args()
    try:
        configs = [load_config(spec, {}) for spec in args.configs]
    except (FileNotFoundError, ValueError) as error:
        sys.exit(f'probe_backbones.py: {error}')
    models = [build_backbone(cfg) for cfg in configs]  # every config checked before the first is probed
    results: List[Dict] = []
    for spec, cfg, model in zip(args.configs, configs, models):
        model.backbone.init_weights()
        val_prefix = cfg.val_dataloader.dataset.data_prefix
        train_prefix = cfg.train_dataloader.dataset.data_prefix
        train = split(cfg, args.data, train_prefix['img_path'], train_prefix['seg_map_path'], args.train)
        val = split(cfg, args.data, val_prefix['img_path'], val_prefix['seg_map_path'])
        seen = features(model, train)
        miou = probe(seen, features(model, val), model.decode_head.num_classes, model.decode_head.ignore_index,
                     args.steps, args.seed)
        shape = tuple(seen[0].shape[1:])
        results.append(dict(config=spec, feature=list(shape), miou=round(miou, 2)))
        print(f'{spec}: feature {shape}, probe mIoU {miou:.2f}', flush=True)
    setting = dict(data=osp.basename(osp.abspath(args.data)), train=len(train), val=len(val), steps=args.steps,
                   seed=args.seed)
    table = '| config | feature (C, h, w) | probe mIoU |\n|---|---|---|\n' + ''.join(
        f'| `{r["config"]}` | {tuple(r["feature"])} | {r["miou"]:.2f} |\n' for r in results)
    table += (f'\nLinear probe of the frozen features: {setting["train"]} training images, scored on '
              f'{setting["val"]} validation images of {setting["data"]}; {args.steps} steps, seed {args.seed}.\n')
    print('\n' + table)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(setting=setting, results=results), f, indent=1)
            f.write('\n')
        with open(osp.splitext(args.out)[0] + '.md', 'w') as f:
            f.write(table)


if __name__ == '__main__':
    main()
