"""tools/analysis_tools/compare_loss_curves.py: the loss-curve rule of docs/experiments.md on
hand-written logs in mmengine's format, its false-alarm rate on exchangeable runs, and the
command on real training runs, one of them resumed."""
import json
import math
import os
import random
import shutil
import statistics

import pytest

from helpers import load_tool, run

TOOL = 'tools/analysis_tools/compare_loss_curves.py'
curves = load_tool(TOOL)


def write_log(work_dir, losses, sitting='20260101_000000', mtime=None):
    """One sitting's ``vis_data/scalars.json`` as mmengine writes it: a line per logged iteration
    and a validation line at the end."""
    folder = work_dir / sitting / 'vis_data'
    folder.mkdir(parents=True)
    lines = [dict(lr=0.01, loss=loss, time=0.1, iter=step, step=step) for step, loss in losses.items()]
    lines.append(dict(mIoU=10.0, step=max(losses)))
    path = folder / 'scalars.json'
    path.write_text(''.join(json.dumps(line) + '\n' for line in lines))
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return str(work_dir)


def curve(level, steps=40):
    """A falling loss that ends near ``level``."""
    return {step: level + 1.0 / step for step in range(1, steps + 1)}


def runs(levels, steps=40):
    return {f'run{k}': curve(level, steps) for k, level in enumerate(levels)}


OLD = (1.00, 1.02, 1.04)


@pytest.mark.parametrize('new, decision, lower', [
    ((1.10, 1.12, 1.15), 'trains worse', False),
    ((1.01, 1.03, 1.05), 'stays within', False),
    ((1.03, 1.20, 1.30), 'stays within', False),  # its mean is above every old run, one run is not
    ((0.90, 0.92, 0.95), 'stays within', True),
])
def test_new_setting_trains_worse_only_when_every_run_is_above_every_old_one(new, decision, lower):
    result = curves.compare(runs(OLD), {f'new{k}': v for k, v in runs(new).items()}, last=20, window=10)
    assert result['decision'].startswith(decision) and result['all_new_lower'] is lower
    assert result['summary_iterations'] == [21, 40]
    expected = statistics.fmean(OLD[1] + 1.0 / step for step in range(21, 41))
    assert result['summaries']['old']['run1'] == pytest.approx(expected)


def test_windows_describe_each_setting_by_mean_lowest_and_highest():
    result = curves.compare(runs(OLD, steps=25), {f'new{k}': v for k, v in runs((2.0, 3.0), steps=25).items()},
                            last=5, window=10)
    assert [(w['first'], w['last']) for w in result['windows']] == [(1, 10), (11, 20), (21, 25)]
    last = result['windows'][-1]
    tail = [statistics.fmean(level + 1.0 / step for step in range(21, 26)) for level in (2.0, 3.0)]
    assert last['new'] == pytest.approx(dict(mean=statistics.fmean(tail), min=tail[0], max=tail[1]))
    assert result['false_alarm'] == pytest.approx(1 / math.comb(5, 2))


@pytest.mark.parametrize('diverged, decision', [(3, 'trains worse'), (1, 'stays within')])
def test_a_run_whose_loss_is_not_finite_counts_as_above_every_finite_one(diverged, decision):
    new = {f'new{k}': curve(1.02) for k in range(3)}
    for k in range(diverged):
        new[f'new{k}'][40] = math.nan
    result = curves.compare(runs(OLD), new, last=10)
    assert result['decision'].startswith(decision)
    assert sum(math.isinf(v) for v in result['summaries']['new'].values()) == diverged


def test_false_alarms_on_runs_that_train_alike_match_the_stated_rate():
    """Six runs of one setting, three called old and three new: 'trains worse' 1 time in 20."""
    rng = random.Random(0)
    trials = 4000
    worse = 0
    for _ in range(trials):
        levels = [rng.gauss(1.0, 0.05) for _ in range(6)]
        result = curves.compare(runs(levels[:3], steps=10), {f'new{k}': v for k, v in runs(levels[3:], 10).items()},
                                last=5, window=5)
        worse += result['decision'] == 'trains worse'
    assert result['false_alarm'] == pytest.approx(0.05)
    assert abs(worse / trials - 0.05) < 4 * math.sqrt(0.05 * 0.95 / trials)


def test_a_resumed_run_is_read_over_its_sittings(tmp_path):
    """The later sitting's entry replaces the earlier one's for an iteration logged twice."""
    first = {step: 2.0 for step in range(1, 7)}
    second = {step: 1.0 for step in range(5, 11)}
    write_log(tmp_path, first, '20260101_000000', mtime=1_000_000)
    write_log(tmp_path, second, '20260101_010000', mtime=2_000_000)
    losses = curves.training_losses(str(tmp_path))
    assert list(losses) == list(range(1, 11))
    assert [losses[s] for s in (4, 5, 10)] == [2.0, 1.0, 1.0]


def test_bad_input_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path / 'none')):
        curves.training_losses(str(tmp_path / 'none'))
    no_loss = tmp_path / 'noloss' / '20260101_000000' / 'vis_data'
    no_loss.mkdir(parents=True)
    (no_loss / 'scalars.json').write_text(json.dumps(dict(mIoU=1.0, step=1)) + '\n')
    with pytest.raises(ValueError, match='noloss.*logs no training loss'):
        curves.training_losses(str(tmp_path / 'noloss'))
    short = {'short': curve(1.0, steps=30), 'other': curve(1.0)}
    with pytest.raises(ValueError, match='short and run0 logged different iterations'):
        curves.compare(runs(OLD), short)
    with pytest.raises(ValueError, match='--last 50'):
        curves.compare(runs(OLD), {f'new{k}': v for k, v in runs(OLD).items()}, last=50)


@pytest.mark.parametrize('args, message', [
    (['--old', 'a', '--new', 'b', 'c'], '--old needs the work dirs of at least two runs'),
    (['--old', 'a', 'b', '--new', 'c', 'a'], 'a work dir is named twice'),
    (['--old', 'a', 'b', '--new', 'c', 'd', '--window', '0'], '--window must be positive'),
])
def test_command_line_refuses_a_design_it_cannot_decide(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        curves.parse_args(args)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.slow
def test_command_on_real_training_runs(demo_data, tmp_path):
    """A demo CCL trained for 4 iterations and resumed to 6, logging each iteration's loss; copies
    of it as the other runs. Copies train alike; copies whose logged losses are half as high
    again train worse. Nothing else under the output's folder is touched."""
    work = tmp_path / 'run'
    options = ['--cfg-options', *(f'{split}_dataloader.dataset.data_root={demo_data}' for split in ('train', 'val',
                                                                                                  'test')),
               'train_cfg.val_interval=100', 'default_hooks.checkpoint.interval=2', 'default_hooks.logger.interval=1',
               'log_processor.window_size=1', 'train_dataloader.batch_size=2']
    run('tools/train.py', 'configs/ccl/demo_ccl.py', '--work-dir', str(work), *options, 'train_cfg.max_iters=4')
    run('tools/train.py', 'configs/ccl/demo_ccl.py', '--work-dir', str(work), '--resume', *options,
        'train_cfg.max_iters=6')
    copies = []
    for k in range(3):
        copies.append(tmp_path / f'copy{k}')
        shutil.copytree(work, copies[-1])
    out = tmp_path / 'results' / 'curves.json'
    out.parent.mkdir()
    kept = out.parent / 'kept.json'
    kept.write_text('{}')
    args = ['--last', '4', '--window', '2', '--out', str(out)]
    result = run(TOOL, '--old', str(work), str(copies[0]), '--new', str(copies[1]), str(copies[2]), *args)
    alike = json.loads(out.read_text())
    assert alike['iterations'] == 6 and alike['summary_iterations'] == [3, 6]
    assert [w['first'] for w in alike['windows']] == [1, 3, 5]
    assert len(set(alike['summaries']['old'].values()) | set(alike['summaries']['new'].values())) == 1
    assert alike['decision'].startswith('stays within') and 'Decision: the new setting stays within' in result.stdout
    for copy in copies[1:]:
        for log in copy.glob('*/vis_data/scalars.json'):
            entries = [json.loads(line) for line in log.read_text().splitlines()]
            log.write_text(''.join(json.dumps({**e, 'loss': e['loss'] * 1.5} if 'loss' in e else e) + '\n'
                                   for e in entries))
    run(TOOL, '--old', str(work), str(copies[0]), '--new', str(copies[1]), str(copies[2]), *args)
    worse = json.loads(out.read_text())
    assert worse['decision'] == 'trains worse'
    assert worse['windows'][0]['new']['mean'] == pytest.approx(1.5 * alike['windows'][0]['new']['mean'])
    assert kept.read_text() == '{}'
