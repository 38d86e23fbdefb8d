"""tools/analysis_tools/analyze_cooperation.py, the docs' inference example and the side-by-side
visualizer (mmseg's APIs and tools on every config family: test_clients.py)."""
import glob
import importlib.util
import json
import os
import re

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from PIL import Image

from mmseg.apis import inference_model, init_model
from mmseg.registry import VISUALIZERS
from mmseg.structures import SegDataSample

from helpers import ROOT, load_tool

MMSEG_TOOLS = os.path.join(os.path.dirname(importlib.util.find_spec('mmseg').origin), '.mim', 'tools',
                           'analysis_tools')
CONFIG = os.path.join(ROOT, 'configs/ccl/demo_ccl.py')


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    """A demo CCL with seeded random weights: unlike a briefly trained one, which
    predicts background everywhere, its two networks disagree on many pixels."""
    from mmseg_ccl.datasets import CCLDemoDataset
    torch.manual_seed(0)
    model = init_model(Config.fromfile(CONFIG), device='cpu')
    path = tmp_path_factory.mktemp('analysis_ccl') / 'random.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {'dataset_meta': CCLDemoDataset.METAINFO}}, path)
    return str(path)


def load_analyzer():
    return load_tool('tools/analysis_tools/analyze_cooperation.py')


def test_analysis_matches_numpy_and_oracle_bounds_both(demo_data, checkpoint, tmp_path):
    out, show = tmp_path / 'out', tmp_path / 'panels'
    result = load_analyzer().main([CONFIG, checkpoint, '--out', str(out), '--show-dir', str(show), '--device', 'cpu',
                                   '--cfg-options', f'test_dataloader.dataset.data_root={demo_data}'])

    # Independent: mmseg's inference API per image, numpy counts.
    model = init_model(Config.fromfile(CONFIG), checkpoint, device='cpu')
    n = 5
    matrices = {o: np.zeros((n, n)) for o in ('top', 'bottom', 'mean')}
    hits, misses, false_alarms = np.zeros(n), np.zeros(n), np.zeros(n)
    shares = dict(only_top=0, only_bottom=0, both=0, neither=0)
    images = sorted(glob.glob(str(demo_data / 'img_dir' / 'val' / '*.png')))
    for path in images:
        sample = inference_model(model, path)
        label = np.array(Image.open(path.replace('img_dir', 'ann_dir'))).ravel()
        logits = {o: sample.get(f'seg_logits_{o}').data for o in ('top', 'bottom')}
        logits['mean'] = (logits['top'] + logits['bottom']) / 2
        pred = {o: v.argmax(0).numpy().ravel() for o, v in logits.items()}
        for o in matrices:
            np.add.at(matrices[o], (label, pred[o]), 1)
        top_ok, bottom_ok = pred['top'] == label, pred['bottom'] == label
        for c in range(n):
            hits[c] += np.sum((label == c) & (top_ok | bottom_ok))
            misses[c] += np.sum((label == c) & ~top_ok & ~bottom_ok)
            false_alarms[c] += np.sum((label != c) & (pred['top'] == c) & (pred['bottom'] == c))
        shares['only_top'] += np.sum(top_ok & ~bottom_ok)
        shares['only_bottom'] += np.sum(bottom_ok & ~top_ok)
        shares['both'] += np.sum(top_ok & bottom_ok)
        shares['neither'] += np.sum(~top_ok & ~bottom_ok)

    with np.errstate(invalid='ignore'):
        expected = {o: 100 * np.diag(m) / (m.sum(0) + m.sum(1) - np.diag(m)) for o, m in matrices.items()}
        expected['oracle'] = 100 * hits / (hits + misses + false_alarms)
    for output, values in expected.items():
        got = np.array([np.nan if v is None else v for v in result['iou'][output]])
        np.testing.assert_allclose(got, values, atol=1e-6, err_msg=output)
    total = sum(shares.values())
    for key, count in shares.items():
        assert result['pixel_shares'][key] == pytest.approx(100 * count / total), key
    assert shares['only_top'] + shares['only_bottom'] > 0, shares  # the networks disagree: the oracle differs

    iou = {o: np.array([np.nan if v is None else v for v in result['iou'][o]]) for o in result['iou']}
    defined = ~np.isnan(iou['oracle'])
    assert (iou['oracle'][defined] >= np.fmax(iou['top'], iou['bottom'])[defined] - 1e-9).all()

    saved = json.loads((out / 'cooperation.json').read_text())
    assert saved['miou'] == pytest.approx(result['miou'])
    table = (out / 'cooperation.md').read_text()
    assert '| stripes |' in table and 'only top' in table
    assert Image.open(out / 'cooperation_iou.png').size[0] > 300
    panels = sorted(os.listdir(show))
    assert panels == [os.path.basename(p) for p in images]
    assert Image.open(show / panels[0]).size[0] > 5 * Image.open(images[0]).size[0]


def usage_example():
    with open(os.path.join(ROOT, 'docs', 'usage.md')) as f:
        text = f.read()
    return re.search(r'<!-- inference example -->\n```python\n(.*?)```', text, re.S).group(1)


def test_usage_inference_example_runs(demo_data, checkpoint, tmp_path):
    code = usage_example()
    image = str(demo_data / 'img_dir' / 'val' / '0001.png')
    for name, value in (('config', CONFIG), ('checkpoint', checkpoint), ('image', image)):
        code, replaced = re.subn(rf"^{name} = '.*'$", f'{name} = {value!r}', code, flags=re.M)
        assert replaced == 1, name
    code = code.replace("'work_dirs/inference'", repr(str(tmp_path)))
    namespace = {}
    exec(compile(code, 'docs/usage.md', 'exec'), namespace)
    assert namespace['prediction'].shape == (1, 64, 64)
    assert (tmp_path / 'vis' / '0001.png').exists()


@pytest.mark.parametrize('cooperative', [True, False])
def test_visualizer_draws_outputs_side_by_side(cooperative, tmp_path):
    visualizer = VISUALIZERS.build(dict(type='CooperativeSegLocalVisualizer', name=f'vis_{cooperative}'))
    visualizer.dataset_meta = dict(classes=('a', 'b', 'c'), palette=[[0, 0, 0], [255, 0, 0], [0, 0, 255]])
    sample = SegDataSample(gt_sem_seg=PixelData(data=torch.zeros(1, 40, 50, dtype=torch.long)),
                           pred_sem_seg=PixelData(data=torch.ones(1, 40, 50, dtype=torch.long)))
    if cooperative:
        for k, output in enumerate(('top', 'bottom', 'mean')):
            sample.set_data({f'pred_sem_seg_{output}': PixelData(data=torch.full((1, 40, 50), k, dtype=torch.long))})
    image = np.zeros((3, 40, 50), np.uint8).transpose(1, 2, 0)  # a non-contiguous view, as mmseg's tools pass
    out = tmp_path / 'drawn.png'
    visualizer.add_datasample('x', image, sample, out_file=str(out))
    drawn = np.array(Image.open(out))
    assert drawn.shape == (40, 50 * (4 if cooperative else 2), 3)
    if cooperative:  # the bottom tile (label 1) is red where the top tile (label 0) is black
        assert drawn[30, 2 * 50 + 25, 0] > 100 and drawn[30, 50 + 25, 0] < 50
