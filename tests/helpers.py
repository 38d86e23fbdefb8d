"""Small builders for inputs and data samples."""
import torch
from mmengine.structures import PixelData

from mmseg.structures import SegDataSample

from conftest import NUM_CLASSES


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
