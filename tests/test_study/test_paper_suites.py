"""run_comparison.py's voc and cityscapes suites, --quick (2 iterations, batch 2) on synthetic data
in each dataset's layout: the suite's rows as shipped, each config wrapped so that its backbones
are tiny (a 1/8-width ResNet-18 for Xception-65 and ResNet-101) and start untrained."""
import dataclasses
import json
import os

import pytest
from mmengine.config import Config

from ccl_study.suites import SUITES
from helpers import ROOT, load_tool, make_cityscapes_fixture, make_voc_fixture

pytestmark = pytest.mark.slow
TINY = "dict(type='ResNetV1c', depth=18, base_channels=8, stem_channels=8, init_cfg=None"
HEAD = 'decode_head=dict(in_channels={}, c1_in_channels={}, channels=16, c1_channels=8, norm_cfg={})'


def tiny_wrapper(config: str, folder, norm: str = 'SyncBN') -> str:
    """A config that is ``config`` with tiny backbones and ``norm`` layers (written into ``folder``);
    returns its path."""
    backbone = Config.fromfile(os.path.join(ROOT, config)).model.backbone
    norm_cfg = f"dict(type='{norm}', requires_grad=True)"
    top = f'{TINY}, out_indices=(0, 3), norm_cfg={norm_cfg}, _delete_=True)'
    bottom = f'dict(depth=18, base_channels=8, stem_channels=8, init_cfg=None, norm_cfg={norm_cfg})'
    def shrunk(network):  # Xception-65 becomes a tiny ResNet; a ResNet-101 keeps its strides at 18 layers
        return top if network.type == 'Xception65' else bottom

    if backbone.type == 'DualBackbone':
        model = (f'dict(backbone=dict(top={shrunk(backbone.top)}, bottom={shrunk(backbone.bottom)}), '
                 f'{HEAD.format("(64, 64)", "(8, 8)", norm_cfg)})')
    else:
        model = f'dict(backbone={shrunk(backbone)}, {HEAD.format(64, 8, norm_cfg)})'
    path = os.path.join(folder, os.path.basename(config))
    with open(path, 'w') as f:
        f.write(f"_base_ = '{os.path.join(ROOT, config)}'\nmodel = {model}\n")
    return path


@pytest.fixture
def tiny_suite(tmp_path, monkeypatch):
    """Replace SUITES[name] by the same suite on tiny-backbone wrappers of its configs."""
    def make(name, norm='SyncBN'):
        suite = SUITES[name]

        def tiny(config):
            return tiny_wrapper(config, tmp_path, norm)

        rows = {key: row if row.config is None else dataclasses.replace(row, config=tiny(row.config))
                for key, row in suite.rows.items() if key in suite.paper_rows}
        monkeypatch.setitem(SUITES, name, dataclasses.replace(suite, rows=rows,
                                                              ensemble_config=tiny(suite.ensemble_config)))
    return make


def run_quick(monkeypatch, tmp_path, suite, data, rows, *extra):
    work = tmp_path / 'work'
    monkeypatch.setattr('sys.argv', ['run_comparison.py', '--suite', suite, '--quick', '--data', str(data),
                                     '--work-dir', str(work), '--rows', *rows, *extra])
    load_tool('tools/study/run_comparison.py').main()
    with open(work / 'comparison.json') as f:
        return json.load(f), (work / 'comparison.md').read_text()


def test_voc_suite_singles_posthoc_and_ccl(tiny_suite, tmp_path, monkeypatch):
    """The singles, their post-hoc ensemble (merged and tested) and CCL on the VOC layout (the
    training set a ConcatDataset of VOC's and SBD's labels, --data its VOC2012 folder)."""
    tiny_suite('voc')
    voc = make_voc_fixture(tmp_path / 'data', train=((150, 200), (120, 160)), val=((160, 120), (100, 140)))
    results, table = run_quick(monkeypatch, tmp_path, 'voc', voc, ['single_top', 'single_bottom', 'posthoc', 'ccl'])
    assert results['suite'] == 'voc' and results['iters'] == 2
    scores = {name: row['runs']['0']['scores'] for name, row in results['rows'].items()}
    assert set(scores['single_top']) == {'top'} and set(scores['single_bottom']) == {'bottom'}
    assert set(scores['ccl']) == set(scores['posthoc']) == {'top', 'bottom', 'mean'}
    # The post-hoc ensemble's top and bottom are the singles' own outputs, scored again on the merged model.
    assert scores['posthoc']['top'] == pytest.approx(scores['single_top']['top'], abs=0.01)
    assert scores['posthoc']['bottom'] == pytest.approx(scores['single_bottom']['bottom'], abs=0.01)
    assert all(0 <= v <= 100 for s in scores.values() for v in s.values())
    assert '| single DeepLabV3+, Xception-65 | 1 |' in table and 'CCL, full (reduced fusion)' in table


def test_cityscapes_suite_distributed(tiny_suite, tmp_path, monkeypatch):
    """The joint ensemble and FSCN on the Cityscapes layout, each trained by tools/dist_train.sh on two
    processes (--gpus 2; gloo on a machine without GPUs, where torch's SyncBN cannot run: BN here)."""
    tiny_suite('cityscapes', norm='BN')
    cityscapes = make_cityscapes_fixture(tmp_path / 'data', train=2, val=1, size=(256, 512))
    monkeypatch.setenv('PORT', '29533')
    monkeypatch.setenv('CUDA_VISIBLE_DEVICES', '')
    results, _ = run_quick(monkeypatch, tmp_path, 'cityscapes', cityscapes, ['ensemble', 'fscn'], '--gpus', '2')
    for name in ('ensemble', 'fscn'):
        assert set(results['rows'][name]['runs']['0']['scores']) == {'top', 'bottom', 'mean'}
        log = (tmp_path / 'work' / 'seed0' / name / 'train.log').read_text()
        assert 'Distributed training: True' in log and 'GPU number: 2' in log
