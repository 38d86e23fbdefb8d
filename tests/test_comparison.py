"""tools/analysis_tools/run_comparison.py: every row's config as the table runs it; --quick end to end,
on the demo data and on a tiny CamVid-format folder; resuming a table."""
import json
import os

import pytest
import torch
from mmengine.config import Config, DictAction

from mmseg.registry import MODELS

from helpers import ROOT, load_tool, make_camvid_fixture, run

run_comparison = load_tool('tools/analysis_tools/run_comparison.py')
ROWS = [(suite, name) for suite, s in run_comparison.SUITES.items() for name, row in s.rows.items() if row.config]


@pytest.mark.parametrize('suite, name', ROWS, ids=[f'{s}-{n}' for s, n in ROWS])
def test_every_row_builds_with_its_overrides(suite, name):
    """Each row's config with its overrides applied builds (on the meta device), and
    the override is what the built model has."""
    row = run_comparison.SUITES[suite].rows[name]
    cfg = Config.fromfile(os.path.join(ROOT, row.config))
    for override in row.overrides:
        key, value = override.split('=', 1)
        cfg.merge_from_dict({key: DictAction._parse_iterable(value)})
    device = 'cpu' if suite == 'demo' else 'meta'  # the demo's ConvNeXt cannot be built on meta
    with torch.device(device):
        model = MODELS.build(cfg.model)
    head = model.decode_head
    two_networks = hasattr(head, 'direction')
    assert row.outputs == (('top', 'bottom', 'mean') if two_networks else
                           ('bottom', ) if name == 'single_bottom' else ('top', ))
    if name == 'fscn':
        assert head.direction == 'top_to_bottom' and not head.detach
    if name == 'ensemble':
        assert head.direction == 'none'
    if name in ('ccl_detach', ):
        assert head.detach
    if name == 'single_top_plain_ce':
        assert type(head.loss_decode).__name__ == 'CrossEntropyLoss' and head.loss_decode.class_weight is None


def results(path):
    with open(path) as f:
        return json.load(f)


def test_quick_demo_table_and_resume(demo_data, tmp_path):
    """Two singles and their post-hoc ensemble; a second call adds a row, keeps the rows it
    has, and resumes a run cut off after its checkpoint instead of starting it again."""
    args = ['tools/analysis_tools/run_comparison.py', '--quick', '--data', str(demo_data), '--work-dir', str(tmp_path)]
    run(*args, '--rows', 'single_top', 'single_bottom', 'posthoc')
    first = results(tmp_path / 'comparison.json')
    assert first['suite'] == 'demo' and first['iters'] == 2
    rows = first['rows']
    assert list(rows) == ['single_top', 'single_bottom', 'posthoc']
    assert set(rows['single_top']['runs']['0']['scores']) == {'top'}
    assert set(rows['single_bottom']['runs']['0']['scores']) == {'bottom'}
    # The post-hoc ensemble's top and bottom are the two singles, unchanged.
    posthoc = rows['posthoc']['runs']['0']
    assert posthoc['scores']['top'] == rows['single_top']['runs']['0']['scores']['top']
    assert posthoc['scores']['bottom'] == rows['single_bottom']['runs']['0']['scores']['bottom']
    assert posthoc['seconds'] is None and len(posthoc['cooperation']['iou']['oracle']) == 5
    assert rows['posthoc']['params'] == rows['single_top']['params'] + rows['single_bottom']['params']
    curve = rows['single_top']['runs']['0']['curve']
    assert [point['iter'] for point in curve] == [2]
    assert curve[-1]['top'] == rows['single_top']['runs']['0']['scores']['top']

    # As if the bottom single had been cut off after its checkpoint: the table lacks it.
    del first['rows']['single_bottom']['runs']['0']
    (tmp_path / 'comparison.json').write_text(json.dumps(first))
    top_log = tmp_path / 'seed0' / 'single_top' / 'train.log'
    size = top_log.stat().st_size
    run(*args, '--rows', 'single_top', 'single_bottom', 'ensemble')
    second = results(tmp_path / 'comparison.json')
    assert top_log.stat().st_size == size  # not trained again
    assert second['rows']['single_top'] == rows['single_top']
    assert 'resumed epoch: 0, iter: 2' in (tmp_path / 'seed0' / 'single_bottom' / 'train.log').read_text()
    assert second['rows']['single_bottom']['runs']['0']['resumed'] is True
    assert set(second['rows']) == {'single_top', 'single_bottom', 'posthoc', 'ensemble'}
    assert set(second['rows']['ensemble']['runs']['0']['scores']) == {'top', 'bottom', 'mean'}
    table, per_class = (tmp_path / 'comparison.md').read_text().split('Per-class IoU')
    assert table.count('\n| ') == 4  # one line per row after the header
    assert 'ensemble, trained jointly' in table
    # Per class: the post-hoc ensemble's three outputs (the two singles and their mean), the joint ensemble's mean.
    assert per_class.count('\n| ') == 1 + 3 + 1 and '| ensemble, trained jointly (no exchange), mean | 1 |' in per_class
    assert (tmp_path / 'comparison_curves.png').stat().st_size > 0


def test_quick_camvid_on_a_camvid_format_folder(tmp_path):
    """The CamVid suite's configs, with their ImageNet weights, on a tiny folder laid out as CamVid."""
    data = make_camvid_fixture(tmp_path / 'camvid')
    run('tools/analysis_tools/run_comparison.py', '--suite', 'camvid', '--quick', '--data', str(data), '--work-dir',
        str(tmp_path / 'work'), '--rows', 'single_top', 'single_bottom', 'posthoc')
    rows = results(tmp_path / 'work' / 'comparison.json')['rows']
    posthoc = rows['posthoc']['runs']['0']
    assert posthoc['cooperation']['classes'][-1] == 'bicyclist' and len(posthoc['cooperation']['classes']) == 11
    assert posthoc['scores']['top'] == rows['single_top']['runs']['0']['scores']['top']
    assert rows['single_top']['flops'] > 0 and rows['posthoc']['params'] == (rows['single_top']['params'] +
                                                                            rows['single_bottom']['params'])
