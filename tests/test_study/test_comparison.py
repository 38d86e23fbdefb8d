"""tools/study/run_comparison.py: every row's config as the table runs it; --quick end to end,
on the demo data and on a tiny CamVid-format folder; resuming a table."""
import json
import math
import os
import subprocess

import pytest
import torch
import yaml
from mmengine.config import Config, DictAction

from mmseg.registry import MODELS
from mmseg_ccl.models.decode_heads.cross_cooperative_aspp_head import FUSIONS

from ccl_study.model_zoo import update_model_zoo
from ccl_study.report import differences_table, report, setting_note
from ccl_study.runner import last_checkpoint
from ccl_study.suites import SUITES
from helpers import PY, ROOT, load_tool, make_camvid_fixture, run

ROWS = [(suite, name) for suite, s in SUITES.items() for name, row in s.rows.items() if row.config]


@pytest.mark.parametrize('suite, name', ROWS, ids=[f'{s}-{n}' for s, n in ROWS])
def test_every_row_builds_with_its_overrides(suite, name):
    """Each row's config with its overrides applied builds (on the meta device), and
    the override is what the built model has."""
    row = SUITES[suite].rows[name]
    cfg = Config.fromfile(os.path.join(ROOT, row.config))
    for override in row.overrides:
        key, value = override.split('=', 1)
        cfg.merge_from_dict({key: DictAction._parse_iterable(value)})
    device = 'cpu' if suite == 'demo' else 'meta'  # the demo's ConvNeXt cannot be built on meta
    with torch.device(device):
        model = MODELS.build(cfg.model)
    head = model.decode_head
    two_networks = hasattr(head, 'routes')
    assert row.outputs == (('top', 'bottom', 'mean') if two_networks else
                           ('bottom', ) if name == 'single_bottom' else ('top', ))
    if name == 'fscn':
        assert head.routes == ((1, 0), ) and not head.detach  # only the bottom receives
    if name == 'ensemble':
        assert head.routes == ()
    if name in ('ccl_detach', ):
        assert head.detach
    named_fusion = [f for f in FUSIONS if f'{f} fusion' in row.label]
    if named_fusion:  # the label's fusion is the one every exchange uses
        fusions = {type(m).__name__ for m in head.fusions.modules() if type(m).__name__.endswith('Fusion')}
        assert fusions == {FUSIONS[named_fusion[0]]}
    if name == 'single_top_plain_ce':
        assert type(head.loss_decode).__name__ == 'CrossEntropyLoss' and head.loss_decode.class_weight is None


def results(path):
    with open(path) as f:
        return json.load(f)


@pytest.mark.slow
def test_quick_demo_table_and_resume(demo_data, tmp_path):
    """Two singles and their post-hoc ensemble; a second call adds a row, keeps the rows it
    has, and resumes a run cut off after its checkpoint instead of starting it again."""
    args = ['tools/study/run_comparison.py', '--quick', '--data', str(demo_data), '--work-dir', str(tmp_path)]
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
    # As if the joint ensemble had been cut off before its first checkpoint: its time starts again with it.
    (tmp_path / 'seed0' / 'ensemble').mkdir()
    (tmp_path / 'seed0' / 'ensemble' / 'train_seconds.json').write_text('1e6')
    run(*args, '--rows', 'single_top', 'single_bottom', 'ensemble')
    second = results(tmp_path / 'comparison.json')
    assert top_log.stat().st_size == size  # not trained again
    assert second['rows']['single_top'] == rows['single_top']
    assert 'resumed epoch: 0, iter: 2' in (tmp_path / 'seed0' / 'single_bottom' / 'train.log').read_text()
    assert second['rows']['single_bottom']['runs']['0']['resumed'] is True
    assert set(second['rows']) == {'single_top', 'single_bottom', 'posthoc', 'ensemble'}
    assert set(second['rows']['ensemble']['runs']['0']['scores']) == {'top', 'bottom', 'mean'}
    assert second['rows']['ensemble']['runs']['0']['seconds'] < 1e6
    table, rest = (tmp_path / 'comparison.md').read_text().split('Per-class IoU')
    per_class, agreement = rest.split('How the two networks agree')
    assert table.count('\n| ') == 4  # one line per row after the header
    assert 'ensemble, trained jointly' in table
    # Per class: the post-hoc ensemble's outputs (the two singles, their mean, the oracle), the joint ensemble's three.
    assert per_class.count('\n| ') == 1 + 4 + 3 and '| ensemble, trained jointly (no exchange), mean | 1 |' in per_class
    # Pixels right for only one network and the oracle: the two analysed two-network rows, from their runs.
    shares = second['rows']['ensemble']['runs']['0']['cooperation']['pixel_shares']
    assert agreement.count('\n| ') == 1 + 2
    only_one = shares['only_top'] + shares['only_bottom']
    assert f'| ensemble, trained jointly (no exchange) | 1 | {only_one:.2f} |' in agreement
    assert (tmp_path / 'comparison_curves.png').stat().st_size > 0


def test_last_checkpoint_of_a_moved_run_folder(tmp_path):
    """``last_checkpoint`` holds an absolute path: after the run folder moved, the checkpoint of that
    name in the folder is the one (as resuming finds it); one still where it was named stays."""
    old, moved = tmp_path / 'old' / 'single_top', tmp_path / 'new' / 'single_top'
    for run_dir in (old, moved):
        run_dir.mkdir(parents=True)
        (run_dir / 'iter_2.pth').write_bytes(b'weights')
        (run_dir / 'last_checkpoint').write_text(str(old / 'iter_2.pth'))
    assert last_checkpoint(str(old)) == str(old / 'iter_2.pth')
    (old / 'iter_2.pth').unlink()
    assert last_checkpoint(str(moved)) == str(moved / 'iter_2.pth')


@pytest.mark.slow
def test_quick_camvid_on_a_camvid_format_folder(tmp_path):
    """The CamVid suite's configs, with their ImageNet weights, on a tiny folder laid out as CamVid;
    ``--cfg-options`` reaches every run, is recorded, and a rerun without it is refused. (The post-hoc
    ensemble, which passes the same options to its test run, is run on the demo data above.)"""
    data = make_camvid_fixture(tmp_path / 'camvid')
    args = ['tools/study/run_comparison.py', '--suite', 'camvid', '--quick', '--data', str(data),
            '--work-dir', str(tmp_path / 'work'), '--rows', 'single_top', 'single_bottom']
    dilations = 'model.decode_head.dilations=(1,3,5,7)'  # the configs have (1, 2, 4, 6)
    run(*args, '--cfg-options', dilations)
    table = results(tmp_path / 'work' / 'comparison.json')
    assert table['cfg_options'] == [dilations]
    for name in ('single_top', 'single_bottom'):  # as each run dumped its config
        dumped, = (tmp_path / 'work' / 'seed0' / name).glob('*/vis_data/config.py')
        assert Config.fromfile(str(dumped)).model.decode_head.dilations == (1, 3, 5, 7)
    refused = subprocess.run([PY, *args], cwd=ROOT, capture_output=True, text=True)
    assert refused.returncode != 0 and "with --cfg-options ['model.decode_head.dilations=(1,3,5,7)']" in refused.stderr
    rows = table['rows']
    assert set(rows['single_bottom']['runs']['0']['scores']) == {'bottom'}
    assert rows['single_top']['flops'] > 0 and rows['single_bottom']['params'] > rows['single_top']['params']


@pytest.mark.slow
def test_timing_records_every_row_side_by_side(tmp_path):
    """--timing trains nothing and times the rows in one benchmark run, as ratios to the first; a row
    timed in an earlier run loses its timing (not measured side by side with these)."""
    path = tmp_path / 'comparison.json'
    stale = dict(step=9.0, step_iqr=0.0, latency=9.0, latency_iqr=0.0, memory_mib=1.0)
    path.write_text(json.dumps(dict(suite='demo', iters=600, rows=dict(
        ccl=dict(label='CCL', params=1, flops=1, runs={}, timing=stale)))))
    run('tools/study/run_comparison.py', '--timing', '1', '--rows', 'single_top', 'ensemble',
        '--work-dir', str(tmp_path), '--results', str(path))
    results = json.loads(path.read_text())
    rows = results['rows']
    assert results['timing']['reference'] == 'single_top' and 'rounds=1' in results['timing']['setting']
    assert rows['single_top']['timing']['step'] == 1.0 and rows['single_top']['timing']['latency'] == 1.0
    # A ratio measured in one noisy round: check that it was measured, not how large it came out.
    assert all(math.isfinite(rows['ensemble']['timing'][k]) and rows['ensemble']['timing'][k] > 0
               for k in ('step', 'latency', 'memory_mib'))
    assert rows['ensemble']['timing']['step_ci95'] is None  # one round bounds no 95 % interval of the median
    assert rows['ensemble']['params'] > rows['single_top']['params'] and rows['ensemble']['runs'] == {}
    assert rows['ccl']['timing'] is None
    assert not (tmp_path / 'seed0').exists()  # nothing trained
    assert '| ensemble, trained jointly (no exchange) | 0 |' in (tmp_path / 'comparison.md').read_text()


def synthetic_results():
    """A CamVid results file as the tool writes it, with made-up scores: two seeds of the
    MobileNetV2 single, one of the post-hoc ensemble and of CCL (rows out of the suite's order)."""
    classes = ['c0', 'c1']

    def analysed(top, bottom, only_top, only_bottom):
        return dict(classes=classes, iou=dict(top=top, bottom=bottom, mean=[50.0, 60.0], oracle=[70.0, 80.0]),
                    pixel_shares=dict(only_top=only_top, only_bottom=only_bottom, both=80.0,
                                      neither=20.0 - only_top - only_bottom))

    def curve(output, values):
        return [dict(iter=200 * (i + 1), **{output: v}) for i, v in enumerate(values)]

    return dict(suite='camvid', iters=None, rows=dict(
        ccl=dict(label='CCL', params=3e6, flops=2e9, timing=dict(
            step=2.5, step_iqr=0.1, step_ci95=[2.41, 2.62], latency=2.0, latency_iqr=0.05, latency_ci95=None,
            memory_mib=float('nan')), runs={'0': dict(
            scores=dict(top=55.0, bottom=53.0, mean=58.0), seconds=600.0,
            curve=[dict(iter=200 * (i + 1), top=v, bottom=v, mean=v) for i, v in enumerate([40, 50, 54, 57, 58])],
            cooperation=analysed([30.0, 40.0], [20.0, 30.0], 2.0, 1.0))}),
        posthoc=dict(label='post-hoc', params=2e6, flops=1e9, runs={'0': dict(
            scores=dict(top=56.0, bottom=52.0, mean=57.0), seconds=None,
            cooperation=analysed([10.0, 20.0], [12.0, 22.0], 4.0, 3.0))}),
        single_top=dict(label='single', params=1e6, flops=5e8, timing=dict(
            step=1.0, step_iqr=0.0, latency=1.0, latency_iqr=0.0, memory_mib=100.0), runs={
            '0': dict(scores=dict(top=56.0), seconds=300.0, curve=curve('top', [40, 50, 55, 55.5, 56.0])),
            '1': dict(scores=dict(top=58.0), seconds=360.0, curve=curve('top', [40, 50, 55, 57.0, 58.0]))}),
    ), timing=dict(setting='device=cpu rounds=3', reference='single_top'))


def test_report_orders_rows_and_fills_the_readme(tmp_path):
    """The table lists rows in the suite's order with mean ± std and the last fifth's change;
    update_model_zoo fills the model-zoo table and the per-class block and keeps the rest of the file."""
    results = synthetic_results()
    path = tmp_path / 'camvid.json'
    path.write_text(json.dumps(results))
    readme = tmp_path / 'configs' / 'ccl' / 'README.md'
    readme.parent.mkdir(parents=True)
    readme.write_text('intro\n<!-- camvid table -->\nold\n<!-- /camvid table -->\nmiddle\n'
                      '<!-- camvid per-class -->\nold\n<!-- /camvid per-class -->\n'
                      '<!-- camvid agreement -->\nold\n<!-- /camvid agreement -->\nend\n')
    single, ccl, add = (f'configs/ccl/{c}_1xb8-1k_camvid-180x240.py' for c in (
        'deeplabv3plus_mobilenetv2-os16', 'ccl_mobilenetv2-effnetlite0', 'ccl-add_mobilenetv2-effnetlite0'))
    other = dict(Name='ccl-add', Results=[], Config=add)
    metafile = readme.parent / 'metafile.yaml'
    metafile.write_text(yaml.safe_dump(dict(Collections=[dict(Name='CCL')], Models=[
        dict(Name='single', Results=[], Config=single), dict(Name='ccl', Results=[], Config=ccl), other])))
    suite = SUITES['camvid']
    table = report(results, str(path), suite)
    update_model_zoo(results, suite, str(readme))

    lines = [line for line in table.split('\n\n')[0].splitlines()[2:]]
    assert [line.split(' | ')[0] for line in lines] == ['| single', '| post-hoc', '| CCL']
    # Two seeds of the single: 56 and 58; last fifth: 56 - 55.5 and 58 - 57, mean +0.75.
    assert lines[0].startswith('| single | 2 | 57.00 ± 1.41 | — | — | +0.75 | 1.00 | 0.50 | 1.00 ± 0.00 | 1.00 ± 0.00 '
                               '| 100 |')
    assert '| post-hoc | 1 | 56.00 | 52.00 | 57.00 | — | 2.00 | 1.00 | — | — | — |' in lines[1]  # not timed
    assert ('| CCL | 1 | 55.00 | 53.00 | 58.00 | +1.00 | 3.00 | 2.00 | 2.50 ± 0.10 [2.41, 2.62] | 2.00 ± 0.05 | — |'
            in lines[2])  # the step's interval of the median; the latency's was unbounded
    assert 'ratios to "single", timed side by side' in table and 'device=cpu rounds=3' in table
    assert 'per-round ratios [95 % interval of their median]; ' in table
    assert (tmp_path / 'camvid.md').read_text() == table and (tmp_path / 'camvid_curves.png').stat().st_size > 0

    text = readme.read_text()
    assert text.startswith('intro\n') and '\nmiddle\n' in text and text.endswith('end\n') and 'old' not in text
    zoo = text.split('<!-- camvid table -->\n')[1].split('<!-- /camvid table -->')[0].splitlines()[2:]
    assert zoo[0].startswith('| single | MobileNetV2 | 180x240 | 1k | 2 | 1.00 | 0.50 | 1.00 ± 0.00 | 1.00 ± 0.00 '
                             '| 57.00 ± 1.41 | — | — | ')
    link = zoo[0].split('[config](')[1].split(')')[0]  # relative to the README, wherever it is
    assert os.path.samefile(readme.parent / link,
                            os.path.join(ROOT, 'configs/ccl/deeplabv3plus_mobilenetv2-os16_1xb8-1k_camvid-180x240.py'))
    assert zoo[1].startswith('| post-hoc | MobileNetV2 / EfficientNet-Lite0 |') and zoo[1].endswith(' + merge |')
    per_class = text.split('<!-- camvid per-class -->\n')[1].split('<!-- /camvid per-class -->')[0].splitlines()
    assert per_class[0] == '| output | seeds | c0 | c1 |'
    assert per_class[2:] == ['| post-hoc, top | 1 | 10.0 | 20.0 |', '| post-hoc, bottom | 1 | 12.0 | 22.0 |',
                             '| post-hoc, mean | 1 | 50.0 | 60.0 |', '| post-hoc, oracle | 1 | 70.0 | 80.0 |',
                             '| CCL, top | 1 | 30.0 | 40.0 |', '| CCL, bottom | 1 | 20.0 | 30.0 |',
                             '| CCL, mean | 1 | 50.0 | 60.0 |']
    # Pixels right for only one network (top + bottom) and the oracle's mIoU, in the report and the README.
    agreement = ['| post-hoc | 1 | 7.00 | 4.00 | 3.00 | 75.00 |', '| CCL | 1 | 3.00 | 2.00 | 1.00 | 75.00 |']
    assert table.split('How the two networks agree')[1].splitlines()[4:6] == agreement
    assert text.split('<!-- camvid agreement -->\n')[1].split('<!-- /camvid')[0].splitlines()[2:] == agreement
    # The metafile: results of the configs run as shipped (two seeds of the single averaged), the rest untouched.
    models = yaml.safe_load(metafile.read_text())['Models']
    assert models[0]['Results'] == [dict(Task='Semantic Segmentation', Dataset='CamVid', Metrics={'mIoU': 57.0})]
    assert models[1]['Results'][0]['Metrics'] == {'mIoU': 58.0, 'mIoU(top)': 55.0, 'mIoU(bottom)': 53.0}
    assert models[2] == other


def test_results_of_another_setting_are_labelled_and_leave_the_metafile(tmp_path):
    """Results run with --cfg-options, or of a setting the file names, say so under both tables, and the metafile
    does not give them as the shipped configs' results."""
    results = dict(synthetic_results(), cfg_options=['model.decode_head.dilations=(1,6,12,18)'],
                   setting='An earlier setting.')
    readme = tmp_path / 'README.md'
    readme.write_text('<!-- camvid table -->\n<!-- /camvid table -->\n<!-- camvid per-class -->\n'
                      '<!-- /camvid per-class -->\n')
    single = 'configs/ccl/deeplabv3plus_mobilenetv2-os16_1xb8-1k_camvid-180x240.py'
    metafile = tmp_path / 'metafile.yaml'
    earlier = [dict(Task='Semantic Segmentation', Dataset='CamVid', Metrics={'mIoU': 1.0})]
    metafile.write_text(yaml.safe_dump(dict(Models=[dict(Name='single', Results=earlier, Config=single)])))
    table = report(results, str(tmp_path / 'camvid.json'), SUITES['camvid'])
    update_model_zoo(results, SUITES['camvid'], str(readme))
    note = 'Every row ran with `--cfg-options model.decode_head.dilations=(1,6,12,18)`.\nAn earlier setting.\n'
    assert note in table
    assert note in readme.read_text().split('<!-- /camvid table -->')[0]
    assert yaml.safe_load(metafile.read_text())['Models'] == [dict(Name='single', Config=single)]
    # Runs of the shipped configs are not added to a file of another setting.
    path = tmp_path / 'earlier.json'
    path.write_text(json.dumps(results))
    before = path.read_text()
    refused = subprocess.run([PY, 'tools/study/run_comparison.py', '--suite', 'camvid', '--quick',
                              '--rows', 'single_top', '--results', str(path), '--work-dir', str(tmp_path / 'work')],
                             cwd=ROOT, capture_output=True, text=True)
    assert refused.returncode != 0 and 'holds runs of another setting (An earlier setting.)' in refused.stderr
    assert path.read_text() == before and not (tmp_path / 'work' / 'seed0').exists()


def test_adopt_takes_runs_whose_options_the_configs_have_now(tmp_path, monkeypatch):
    """--adopt adds another file's runs where its --cfg-options leave every config as it is now (the
    shipped dilations), keeps the runs the file has, marks where each came from and says so under the
    table; options that change a config (a learning rate) are refused and nothing is written."""
    run_comparison = load_tool('tools/study/run_comparison.py')
    source = dict(synthetic_results(), cfg_options=['model.decode_head.dilations=(1,2,4,6)'])
    source_path, target_path = tmp_path / 'setting.json', tmp_path / 'camvid.json'
    source_path.write_text(json.dumps(source))
    own = dict(scores=dict(top=60.0), seconds=1.0, curve=[])
    target_path.write_text(json.dumps(dict(suite='camvid', iters=None, cfg_options=[], rows=dict(
        single_top=dict(label='single', params=1e6, flops=5e8, runs={'1': own})))))
    args = ['run_comparison.py', '--suite', 'camvid', '--results', str(target_path), '--work-dir', str(tmp_path)]
    monkeypatch.setattr('sys.argv', [*args, '--adopt', str(source_path)])
    run_comparison.main()
    rows = results(target_path)['rows']
    assert set(rows) == {'single_top', 'ccl', 'posthoc'} and rows['single_top']['runs']['1'] == own
    origin = dict(file=os.path.relpath(source_path, ROOT), cfg_options=source['cfg_options'])
    for name, row in source['rows'].items():
        assert rows[name]['params'] == row['params']
        for seed, entry in row['runs'].items():
            if (name, seed) != ('single_top', '1'):
                assert rows[name]['runs'][seed] == dict(entry, adopted=origin)
    assert (f'single_top, ccl, posthoc seed 0: from `{origin["file"]}`, run with `--cfg-options '
            'model.decode_head.dilations=(1,2,4,6)`') in (tmp_path / 'camvid.md').read_text()

    other = dict(synthetic_results(), cfg_options=['optim_wrapper.optimizer.lr=0.01'])
    source_path.write_text(json.dumps(other))
    target_path.write_text(json.dumps(dict(suite='camvid', iters=None, cfg_options=[], rows={})))
    before = target_path.read_text()
    with pytest.raises(SystemExit, match='optim_wrapper.optimizer.lr=0.01.*change the config of row ccl'):
        run_comparison.main()
    assert target_path.read_text() == before


def test_setting_note_groups_adopted_runs_by_row_and_seeds():
    """Adopted runs are named once per source file: the rows that share seeds together."""
    origin = dict(file='docs/results/a.json', cfg_options=['optim_wrapper.optimizer.lr=0.02'])
    adopted = dict(scores=dict(top=1.0), adopted=origin)
    rows = dict(single_top=dict(runs={'0': adopted, '1': adopted, '2': dict(scores=dict(top=1.0))}),
                single_bottom=dict(runs={'0': adopted, '1': adopted}), ccl=dict(runs={'0': adopted}))
    assert setting_note(dict(rows=rows)) == (
        'single_top, single_bottom seeds 0, 1; ccl seed 0: from `docs/results/a.json`, run with `--cfg-options '
        'optim_wrapper.optimizer.lr=0.02`, which the configs had taken when the runs were adopted.\n')


def test_report_against_another_file_pairs_each_row_over_shared_seeds(tmp_path):
    """--report --against: each row held by both files with two or more shared seeds, this file's
    minus the other's, paired by seed at 95 %; the other file's options are named."""
    def single(**per_seed):
        return dict(label='single', runs={seed: dict(scores=dict(top=v)) for seed, v in per_seed.items()})

    def ccl(**per_seed):
        return dict(label='CCL', runs={s: dict(scores=dict(top=v, bottom=v, mean=v)) for s, v in per_seed.items()})

    other = dict(suite='camvid', iters=None, cfg_options=['optim_wrapper.optimizer.lr=0.02'],
                 rows=dict(single_top=single(**{'0': 56.0, '1': 57.0, '2': 58.0, '3': 50.0}), ccl=ccl(**{'0': 1.0})))
    path = tmp_path / 'other.json'
    path.write_text(json.dumps(other))
    results = dict(suite='camvid', iters=None, against='other.json', rows=dict(
        single_top=single(**{'0': 57.0, '1': 59.0, '2': 61.0, '4': 0.0}), ccl=ccl(**{'0': 2.0, '1': 3.0})))
    table = report(results, str(tmp_path / 'camvid.json'), SUITES['camvid'])
    against = table.split('against the same rows in')[1]
    assert 'That file: Every row ran with `--cfg-options optim_wrapper.optimizer.lr=0.02`' in against.splitlines()[0]
    lines = [line for line in against.splitlines() if line.startswith('| ') and '(seeds' in line]
    # Differences 1, 2, 3 over seeds 0-2: mean 2, standard error 1 / sqrt(3), t(0.975, 2) = 4.303.
    assert [c.strip() for c in lines[0].strip('|').split('|')] == [
        'single (seeds 0, 1, 2)', 'paired', '3', '+2.00', '[-0.48, +4.48]', '0.074', '—', '—', '—']
    assert len(lines) == 1  # CCL shares one seed: no line


def test_report_against_is_recorded_and_kept_by_later_reports(tmp_path, monkeypatch):
    """--report --against records the other file (relative to this one) in the results file, so that
    a later report without it (as every training run writes) keeps the table; a missing FILE is refused
    and the results file is left as it was."""
    run_comparison = load_tool('tools/study/run_comparison.py')

    def rows(*values):
        runs = {str(seed): dict(scores=dict(top=value)) for seed, value in enumerate(values)}
        return dict(single_top=dict(label='single', runs=runs))

    (tmp_path / 'other').mkdir()
    other, path = tmp_path / 'other' / 'lr.json', tmp_path / 'camvid.json'
    other.write_text(json.dumps(dict(suite='camvid', iters=None, cfg_options=[], rows=rows(50.0, 51.0))))
    path.write_text(json.dumps(dict(suite='camvid', iters=None, cfg_options=[], rows=rows(52.0, 54.0))))
    monkeypatch.setattr('sys.argv', ['run_comparison.py', '--suite', 'camvid', '--report', '--results', str(path),
                                     '--against', str(tmp_path / 'gone.json')])
    with pytest.raises(SystemExit, match='gone.json: no such results file'):
        run_comparison.main()
    assert 'against' not in json.loads(path.read_text()) and not (tmp_path / 'camvid.md').exists()
    monkeypatch.setattr('sys.argv', ['run_comparison.py', '--suite', 'camvid', '--report', '--results', str(path),
                                     '--against', str(other)])
    run_comparison.main()
    assert json.loads(path.read_text())['against'] == os.path.join('other', 'lr.json')
    table = report(json.loads(path.read_text()), str(path), SUITES['camvid'])
    assert '| single (seeds 0, 1) | paired | 2 | +2.50 |' in table.split('against the same rows in')[1]
    other.unlink()
    assert 'which this file names: it is gone' in report(json.loads(path.read_text()), str(path), SUITES['camvid'])


def test_against_without_report_is_refused(tmp_path, monkeypatch, capsys):
    run_comparison = load_tool('tools/study/run_comparison.py')
    monkeypatch.setattr('sys.argv', ['run_comparison.py', '--suite', 'camvid', '--against', str(tmp_path / 'x.json'),
                                     '--work-dir', str(tmp_path)])
    with pytest.raises(SystemExit):
        run_comparison.main()
    assert '--against goes with --report' in capsys.readouterr().err and not list(tmp_path.iterdir())


def test_report_names_a_readme_without_the_block(tmp_path):
    path = tmp_path / 'camvid.json'
    path.write_text(json.dumps(synthetic_results()))
    readme = tmp_path / 'README.md'
    readme.write_text('no blocks here\n')
    with pytest.raises(SystemExit, match=r'README.md has no <!-- camvid table -->'):
        update_model_zoo(synthetic_results(), SUITES['camvid'], str(readme))
    assert readme.read_text() == 'no blocks here\n'


def test_differences_pair_joint_rows_and_compare_ccl_with_welch(tmp_path):
    """Jointly trained two-network rows against the joint ensemble over their shared seeds, each at
    95 %, decided by Holm's test across the suite's family with Bonferroni intervals (other rows
    outside it; a file of another setting: every paired row); CCL against the singles and the
    post-hoc ensemble (Welch), a family of its own; too few seeds: no line."""
    def row(label, **per_seed):
        return dict(label=label, runs={seed: dict(scores=scores) for seed, scores in per_seed.items()})

    two = lambda v: dict(top=v - 1, bottom=v - 2, mean=v)  # noqa: E731
    results = dict(suite='camvid', iters=None, rows=dict(
        ensemble=row('E', **{'0': two(58.1), '1': two(57.35), '2': two(56.98)}),
        ccl=row('C', **{'0': two(58.2), '1': two(57.23), '2': two(57.14), '3': two(60.0)}),
        ccl_add=row('A', **{'1': two(58.65), '2': two(56.59)}),
        ccl_gated=row('G', **{'2': two(59.0)}),  # one shared seed: not compared
        single_top=row('S', **{'0': dict(top=56.7), '1': dict(top=58.2), '2': dict(top=58.3)}),
        posthoc=row('P', **{'0': two(56.8)}),  # one seed: not compared
    ))

    def cells(results):
        lines = differences_table(results, SUITES['camvid']).splitlines()[2:]
        return [[c.strip() for c in line.strip('|').split('|')] for line in lines if line.startswith('| ')]

    # The camvid family is CCL and the two variants that keep the networks apart: A is outside it.
    # Seed 3 has no pair; C alone in the family: Holm is the plain test, Bonferroni's level 95 %.
    shipped = cells(results)
    assert [c[:3] for c in shipped] == [['C − E', 'paired', '3'], ['A − E', 'paired', '2'],
                                        ['C − S', 'Welch', '4 / 3']]
    assert shipped[0][3:] == ['+0.05', '[-0.32, +0.41]', '0.639', 'paired, 1', 'no', '[-0.32, +0.41] (95.0 % each)']
    assert shipped[1][6:] == ['—', '—', '—'] and shipped[2][6:8] == ['Welch, 1', 'no']
    # A file of another setting keeps its family, every paired row: Bonferroni's level 1 - 0.05 / 2.
    earlier = cells(dict(results, setting='An earlier setting.'))
    assert [c[6] for c in earlier[:2]] == ['paired, 2', 'paired, 2']
    assert earlier[0][4] == '[-0.32, +0.41]' and earlier[0][8] == '[-0.48, +0.57] (97.5 % each)'


def test_differences_state_holm_decisions_and_what_pairing_did():
    """The sentence under the table says 'beats' exactly where Holm rejects; a negative per-seed
    correlation is noted with the paired and the unpaired interval; the seeds a one-point gain needs."""
    def row(label, **per_seed):
        return dict(label=label, runs={seed: dict(scores=scores) for seed, scores in per_seed.items()})

    two = lambda v: dict(top=v, bottom=v, mean=v)  # noqa: E731
    seeds = [str(s) for s in range(5)]
    ensemble = [56.0, 57.0, 58.0, 57.5, 56.5]
    results = dict(suite='camvid', iters=None, rows=dict(
        ensemble=row('E', **{s: two(v) for s, v in zip(seeds, ensemble)}),
        ccl=row('C', **{s: two(v + 3 + 0.1 * i) for i, (s, v) in enumerate(zip(seeds, ensemble))}),  # clear gain
        ccl_gated=row('G', **{s: two(v) for s, v in zip(seeds, [58.0, 57.0, 56.0, 56.5, 57.5])}),  # r < 0
        single_top=row('S', **{s: dict(top=v) for s, v in zip(seeds, [59.0, 60.5, 59.8, 60.1, 59.2])}),
    ))
    text = differences_table(results, SUITES['camvid'])
    decision = next(line for line in text.splitlines() if line.startswith("Holm's test"))
    assert decision == ("Holm's test at a family-wise 5 %: of the 2 paired comparisons in its family it rejects 1: "
                        'C beats E; of the 1 Welch comparisons in its family it rejects none.')
    note = next(line for line in text.splitlines() if line.startswith('G − E'))
    assert 'negatively correlated (r = -1.00)' in note and 'unpaired (Welch) 95 %' in note
    assert 'C − E' not in [line[:5] for line in text.splitlines() if 'correlated' in line]
    assert 'What the study can resolve: at the spread of C − E per seed (sd 0.16 over 5 seeds)' in text
