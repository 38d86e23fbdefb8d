"""Small builders for inputs and data samples, and helpers to run the tools."""
import glob
import json
import os
import subprocess
import sys

import numpy as np
import torch
from mmengine.structures import PixelData

from mmseg.structures import SegDataSample

from conftest import NUM_CLASSES

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = sys.executable


def data_samples(batch, size, generator=None, num_classes=NUM_CLASSES):
    samples = []
    for _ in range(batch):
        label = torch.randint(0, num_classes, (1, size, size), generator=generator)
        sample = SegDataSample(gt_sem_seg=PixelData(data=label))
        sample.set_metainfo(dict(img_shape=(size, size), ori_shape=(size, size), pad_shape=(size, size),
                                 padding_size=[0, 0, 0, 0]))
        samples.append(sample)
    return samples


def features(batch, specs, generator=None):
    """Random backbone features, one (channels, size) per entry of ``specs``."""
    return tuple(torch.randn(batch, c, s, s, generator=generator) for c, s in specs)


def load_tool(relative_path):
    """A tool script (``tools/...py``) imported as a module, for its functions."""
    import importlib.util
    name = os.path.splitext(os.path.basename(relative_path))[0]
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, relative_path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(*args, cwd=ROOT):
    """Run ``python ARGS`` in the repository; fail the test with its output if it fails."""
    result = subprocess.run([PY, *args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, f'{args}\nSTDOUT:\n{result.stdout[-3000:]}\nSTDERR:\n{result.stderr[-3000:]}'
    return result


def data_options(data_root, iters, checkpoint_interval=2):
    """``--cfg-options`` pointing a demo config at ``data_root`` for a run of ``iters`` iterations."""
    return ['--cfg-options', f'train_dataloader.dataset.data_root={data_root}',
            f'val_dataloader.dataset.data_root={data_root}', f'test_dataloader.dataset.data_root={data_root}',
            f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={iters}',
            f'default_hooks.checkpoint.interval={checkpoint_interval}', 'default_hooks.logger.interval=1',
            'train_dataloader.batch_size=4']


def newest_metrics(work_dir):
    path = max(glob.glob(os.path.join(work_dir, '*', '*.json')), key=os.path.getmtime)
    with open(path) as f:
        return json.load(f)


def make_camvid_fixture(root, train=4, val=2, size=(90, 120), seed=0):
    """A tiny folder laid out as SegNet's CamVid: ``{train,val}/*.png`` RGB images and
    ``{train,val}annot/*.png`` label maps of classes 0-10 and void (11), in blocks."""
    from PIL import Image
    rng = np.random.default_rng(seed)
    for split, count in (('train', train), ('val', val)):
        os.makedirs(os.path.join(root, split), exist_ok=True)
        os.makedirs(os.path.join(root, split + 'annot'), exist_ok=True)
        for i in range(count):
            blocks = rng.integers(0, 12, (size[0] // 15, size[1] // 15))
            label = np.kron(blocks, np.ones((15, 15), np.int64)).astype(np.uint8)
            image = (label[..., None] * 20 + rng.integers(0, 30, (*size, 3))).astype(np.uint8)
            Image.fromarray(image).save(os.path.join(root, split, f'{i:04d}.png'))
            Image.fromarray(label).save(os.path.join(root, split + 'annot', f'{i:04d}.png'))
    return root
