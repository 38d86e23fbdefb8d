"""Small builders for models, inputs and data samples, and helpers to run the tools."""
import copy
import glob
import os
import subprocess
import sys

import numpy as np
import torch
from mmengine.config import ConfigDict
from mmengine.structures import PixelData

from mmseg.structures import SegDataSample

# Shared tiny model configs: small enough to train a few steps on a CPU.
NORM_CFG = dict(type='BN', requires_grad=True)
NUM_CLASSES = 4


def tiny_resnet(out_indices=(0, 3)):
    """ResNet-18 (V1c) at 1/8 width: 8, 16, 32, 64 channels at strides 4..32."""
    return dict(type='ResNetV1c', depth=18, base_channels=8, stem_channels=8, num_stages=4,
                out_indices=out_indices, norm_cfg=NORM_CFG)


def tiny_convnext(out_indices=(0, 3)):
    """mmpretrain ConvNeXt, one block a stage: 12, 24, 48, 96 channels at strides 4..32."""
    return dict(type='mmpretrain.ConvNeXt', arch=dict(depths=[1, 1, 1, 1], channels=[12, 24, 48, 96]),
                out_indices=out_indices, gap_before_final_norm=False)


def head_cfg(in_channels=(64, 64), c1_in_channels=(8, 8), **kwargs):
    cfg = dict(type='CrossCooperativeASPPHead', in_channels=in_channels, c1_in_channels=c1_in_channels,
               in_index=(1, 1), c1_in_index=(0, 0), channels=16, c1_channels=8, dilations=(1, 2, 3),
               num_classes=NUM_CLASSES, norm_cfg=NORM_CFG, align_corners=False, dropout_ratio=0.0,
               loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0))
    cfg.update(kwargs)
    return cfg


def segmentor_cfg(top=None, bottom=None, head=None, output='mean', mode='whole', **backbone_kwargs):
    top = top or tiny_resnet()
    bottom = bottom or tiny_resnet()
    return ConfigDict(
        type='CooperativeEncoderDecoder',
        data_preprocessor=dict(type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53],
                               std=[58.395, 57.12, 57.375], bgr_to_rgb=True, pad_val=0, seg_pad_val=255,
                               size=(32, 32)),
        backbone=dict(type='DualBackbone', top=top, bottom=bottom, **backbone_kwargs),
        decode_head=head or head_cfg(),
        train_cfg=dict(),
        test_cfg=dict(mode=mode, output=output, crop_size=(32, 32), stride=(24, 24)))


def clone(cfg):
    return copy.deepcopy(cfg)


# The paper's models (Xception-65 x ResNet-101) at end-to-end-test size, as --cfg-options: the datasets,
# pipelines, evaluator, segmentor, head and test_cfg stay the shipped ones.
TINY = dict(type='ResNetV1c', depth=18, base_channels=8, stem_channels=8)  # 8..64 channels
SHRUNK = [
    # Xception-65 (top) becomes a tiny ResNet whose out_indices give the head's in_index (1) and c1_in_index (0).
    'model.backbone.top._delete_=True', *(f'model.backbone.top.{k}={v}' for k, v in TINY.items()),
    'model.backbone.top.out_indices=(0,3)', 'model.backbone.top.norm_cfg.type=SyncBN',
    # ResNet-101 (bottom) keeps its strides, dilations and SyncBN at 18 layers and 1/8 width.
    *(f'model.backbone.bottom.{k}={v}' for k, v in TINY.items() if k != 'type'), 'model.backbone.bottom.init_cfg=None',
    'model.decode_head.in_channels=(64,64)', 'model.decode_head.c1_in_channels=(8,8)', 'model.decode_head.channels=16',
    'model.decode_head.c1_channels=8', 'train_dataloader.batch_size=2', 'default_hooks.logger.interval=1',
]


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = sys.executable
# Every shipped config, as a path relative to ROOT.
CONFIGS = sorted(os.path.relpath(p, ROOT) for folder in ('ccl', 'mmseg_heads')
                 for p in glob.glob(os.path.join(ROOT, 'configs', folder, '*.py')))


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


def block_labels(rng, size, num_classes, block=15, ignore=None):
    """A (height, width) uint8 label map of ``block``-pixel squares of random classes, some
    ``ignore`` if given."""
    values = list(range(num_classes)) + ([ignore] if ignore is not None else [])
    blocks = rng.choice(values, (-(-size[0] // block), -(-size[1] // block)))
    return np.kron(blocks, np.ones((block, block), np.int64))[:size[0], :size[1]].astype(np.uint8)


def image_for(label, rng):
    """An RGB image whose colour follows its labels, so that a model can learn something."""
    return (label[..., None].astype(np.int64) * 11 % 226 + rng.integers(0, 30, (*label.shape, 3))).astype(np.uint8)


def make_camvid_fixture(root, train=4, val=2, size=(90, 120), seed=0, test=0):
    """A tiny folder laid out as SegNet's CamVid: ``{train,val,test}/*.png`` RGB images and
    ``{train,val,test}annot/*.png`` label maps of classes 0-10 and void (11), in blocks."""
    from PIL import Image
    rng = np.random.default_rng(seed)
    for split, count in (('train', train), ('val', val), ('test', test)):
        if not count:
            continue
        os.makedirs(os.path.join(root, split), exist_ok=True)
        os.makedirs(os.path.join(root, split + 'annot'), exist_ok=True)
        for i in range(count):
            blocks = rng.integers(0, 12, (size[0] // 15, size[1] // 15))
            label = np.kron(blocks, np.ones((15, 15), np.int64)).astype(np.uint8)
            image = (label[..., None] * 20 + rng.integers(0, 30, (*size, 3))).astype(np.uint8)
            Image.fromarray(image).save(os.path.join(root, split, f'{i:04d}.png'))
            Image.fromarray(label).save(os.path.join(root, split + 'annot', f'{i:04d}.png'))
    return root


def make_voc_fixture(root, train=((150, 200), ), val=((160, 120), ), aug=((140, 180), ), seed=0):
    """``root``/VOCdevkit/VOC2012 laid out as VOC 2012 after mmseg's ``voc_aug`` converter, one
    image per (height, width) given: ``JPEGImages/*.jpg``; ``SegmentationClass/*.png``, palette PNGs
    of classes 0-20 with 255 on object borders, for VOC's ``train`` and ``val`` images;
    ``SegmentationClassAug/*.png``, single-channel, for SBD's images (``aug``, and ``train`` as
    SBD covers them); ``ImageSets/Segmentation/{train,val,trainval,aug}.txt``, where ``aug.txt``
    lists SBD's images outside VOC's train and val. Returns the VOC2012 folder."""
    from PIL import Image

    from mmseg.datasets import PascalVOCDataset
    rng = np.random.default_rng(seed)
    voc = os.path.join(root, 'VOCdevkit', 'VOC2012')
    folders = {name: os.path.join(voc, name) for name in
               ('JPEGImages', 'SegmentationClass', 'SegmentationClassAug', 'ImageSets/Segmentation')}
    for folder in folders.values():
        os.makedirs(folder, exist_ok=True)
    palette = [v for colour in PascalVOCDataset.METAINFO['palette'] for v in colour]
    splits = {}
    for split, sizes, year in (('train', train, 2007), ('val', val, 2008), ('aug', aug, 2009)):
        splits[split] = [f'{year}_{i:06d}' for i in range(len(sizes))]
        for name, size in zip(splits[split], sizes):
            label = block_labels(rng, size, 21, block=10, ignore=255)
            Image.fromarray(image_for(label, rng)).save(os.path.join(folders['JPEGImages'], name + '.jpg'))
            if split != 'aug':
                indexed = Image.frombytes('P', (size[1], size[0]), label.tobytes())
                indexed.putpalette(palette)
                indexed.save(os.path.join(folders['SegmentationClass'], name + '.png'))
            if split != 'val':
                Image.fromarray(np.where(label == 255, 0, label).astype(np.uint8)).save(
                    os.path.join(folders['SegmentationClassAug'], name + '.png'))  # SBD has no borders
    splits['trainval'] = splits['train'] + splits['val']
    for split, listed in splits.items():
        with open(os.path.join(folders['ImageSets/Segmentation'], split + '.txt'), 'w') as f:
            f.write(''.join(n + '\n' for n in listed))
    return voc


def make_cityscapes_fixture(root, train=2, val=1, size=(128, 256), seed=0):
    """``root``/cityscapes laid out as Cityscapes after mmseg's ``cityscapes`` converter:
    ``leftImg8bit/{train,val}/CITY/*_leftImg8bit.png`` and ``gtFine/{train,val}/CITY/`` with
    ``*_gtFine_labelTrainIds.png`` (classes 0-18, 255 ignored) beside ``*_gtFine_labelIds.png``.
    ``size`` is (height, width); the real images are 1024x2048. Returns the cityscapes folder."""
    from PIL import Image
    rng = np.random.default_rng(seed)
    cityscapes = os.path.join(root, 'cityscapes')
    for split, count, city in (('train', train, 'aachen'), ('val', val, 'frankfurt')):
        images = os.path.join(cityscapes, 'leftImg8bit', split, city)
        labels = os.path.join(cityscapes, 'gtFine', split, city)
        os.makedirs(images, exist_ok=True)
        os.makedirs(labels, exist_ok=True)
        for i in range(count):
            stem = f'{city}_{i:06d}_000019'
            label = block_labels(rng, size, 19, block=16, ignore=255)
            Image.fromarray(image_for(label, rng)).save(os.path.join(images, stem + '_leftImg8bit.png'))
            Image.fromarray(label).save(os.path.join(labels, stem + '_gtFine_labelTrainIds.png'))
            Image.fromarray(np.where(label == 255, 0, label + 7).astype(np.uint8)).save(
                os.path.join(labels, stem + '_gtFine_labelIds.png'))
    return cityscapes
