"""Tables and curves from a results file: mean ± std over seeds, cost, per-class IoU, the
deciding differences with their intervals, validation curves."""
import json
import math
import os.path as osp
import statistics
from typing import Dict, List, Optional

from mmseg_ccl.utils import OUTPUTS

from .suites import ROOT, Suite


def summarise(values: List[float]) -> str:
    if not values:
        return '—'
    if len(values) == 1:
        return f'{values[0]:.2f}'
    return f'{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}'


def ordered_rows(results: dict, suite: Suite) -> List[str]:
    """The results' rows in the suite's order (rows the suite does not know last)."""
    known = [name for name in suite.rows if name in results['rows']]
    return known + [name for name in results['rows'] if name not in known]


def main_output(row: dict) -> Optional[str]:
    """The output a row is judged by: ``mean`` for two networks, else its one output."""
    outputs = {o for run in row['runs'].values() for o in run['scores']}
    return 'mean' if 'mean' in outputs else next((o for o in OUTPUTS if o in outputs), None)


def last_fifth_change(row: dict) -> List[float]:
    """Per seed, how much the main output's val mIoU moved over the last fifth of training:
    the last validation minus the last one at or before 4/5 of the iterations."""
    output, changes = main_output(row), []
    for run in row['runs'].values():
        curve = run.get('curve') or []
        if len(curve) < 2:
            continue
        before = [point for point in curve if point['iter'] <= 0.8 * curve[-1]['iter']]
        if before:
            changes.append(curve[-1][output] - before[-1][output])
    return changes


def report(results: dict, results_path: str, suite: Suite) -> str:
    """Write the table beside the results file (``.md``): mIoU mean ± std over seeds, the change
    over the last fifth of training, parameters, FLOPs, the side-by-side timing (``--timing``),
    training time as the median over seeds with its range; per-class IoU; the validation curves
    (``_curves.png``); the deciding differences with their intervals; where the results file names
    another (``against``, recorded by ``--report --against``), each row's difference to the same row
    there. Returns the table."""
    against = results.get('against') and osp.join(osp.dirname(results_path), results['against'])
    lines = ['| row | seeds | mIoU top | mIoU bottom | mIoU mean | last fifth Δ | params (M) | GFLOPs | '
             'train step (×) | latency (×) | train memory (MiB) | training time (min), median (min-max) |',
             '|---' * 12 + '|']
    names = ordered_rows(results, suite)
    for name in names:
        row = results['rows'][name]
        runs = list(row['runs'].values())
        scores = {o: [r['scores'][o] for r in runs if o in r['scores']] for o in OUTPUTS}
        seconds = [r['seconds'] for r in runs if r.get('seconds')]
        time_text = (f'{statistics.median(seconds) / 60:.1f} ({min(seconds) / 60:.1f}-{max(seconds) / 60:.1f})'
                     if seconds else '— (no training)')
        cost = (f'{row["params"] / 1e6:.2f} | {row["flops"] / 1e9:.2f}' if 'params' in row else '— | —')
        change = last_fifth_change(row)
        change_text = f'{statistics.mean(change):+.2f}' if change else '—'
        memory = (row.get('timing') or {}).get('memory_mib')
        memory_text = f'{memory:.0f}' if memory is not None and not math.isnan(memory) else '—'
        lines.append(f'| {row["label"]} | {len(runs)} | ' + ' | '.join(summarise(scores[o]) for o in OUTPUTS) +
                     f' | {change_text} | {cost} | {timing_ratio(row, "step")} | {timing_ratio(row, "latency")} | '
                     f'{memory_text} | {time_text} |')
    iters = results['iters'] or "the configs'"
    table = ('\n'.join(lines) + f'\n\n{results["suite"]}, {iters} iterations a run; mIoU mean ± std over seeds; '
             'last fifth Δ: change of the main output (mean for two networks) over the last fifth of training, '
             'mean over seeds.\n' + setting_note(results) + timing_note(results))
    per_class = per_class_table(results, names)
    table += '\nPer-class IoU (%), mean over seeds:\n\n' + per_class if per_class else ''
    agreement = agreement_table(results, names)
    table += ('\nHow the two networks agree (labelled val pixels, mean ± std over seeds) and the oracle '
              '(right wherever either network is right):\n\n' + agreement if agreement else '')
    differences = differences_table(results, suite)
    table += '\nDeciding differences of the main output\'s mIoU:\n\n' + differences if differences else ''
    if against and not osp.isfile(against):
        table += f'\nNo table against `{osp.relpath(against, ROOT)}`, which this file names: it is gone.\n'
    elif against:
        table += against_table(results, against)
    with open(osp.splitext(results_path)[0] + '.md', 'w') as f:
        f.write(table)
    print(table)
    curve_rows = [n for n in names if not suite.curve_rows or n in suite.curve_rows]
    if any(run.get('curve') for n in curve_rows for run in results['rows'][n]['runs'].values()):
        plot_curves(results, curve_rows, osp.splitext(results_path)[0] + '_curves.png')
    return table


def main_scores(row: dict) -> Dict[str, float]:
    """The main output's mIoU per seed."""
    output = main_output(row)
    return {seed: run['scores'][output] for seed, run in row['runs'].items() if output in run['scores']}


def differences_table(results: dict, suite: Suite) -> str:
    """The comparisons docs/method.md decides with: each jointly trained two-network row with two or
    more seeds shared with ``suite.paired_reference``, paired over those seeds, at Holm-corrected
    levels across ``suite.holm_rows`` (at 95 % outside them); CCL against each of ``suite.welch_rows``,
    Welch, at 95 %."""
    from mmseg_ccl.evaluation.intervals import holm_levels, paired_interval, welch_interval
    rows = results['rows']
    if suite.paired_reference not in rows:
        return ''
    reference = main_scores(rows[suite.paired_reference])
    paired = {}
    for name in ordered_rows(results, suite):
        spec = suite.rows.get(name)
        scores = main_scores(rows[name])
        seeds = sorted(set(scores) & set(reference))
        if (name == suite.paired_reference or spec is None or spec.config is None or spec.outputs != OUTPUTS
                or len(seeds) < 2):
            continue
        paired[name] = ([scores[s] for s in seeds], [reference[s] for s in seeds])
    lines = []
    family = [name for name in paired
              if suite.holm_rows is None or not of_shipped_configs(results) or name in suite.holm_rows]
    levels = dict(zip(family, holm_levels([paired_interval(*paired[name]).p for name in family])))
    against = rows[suite.paired_reference]['label']
    for name, pair in paired.items():
        lines.append(interval_line(f'{rows[name]["label"]} − {against}', 'paired, Holm' if name in levels else 'paired',
                                   paired_interval(*pair, level=levels.get(name, 0.95))))
    ccl = list(main_scores(rows['ccl']).values()) if 'ccl' in rows else []
    for name in suite.welch_rows:
        other = list(main_scores(rows[name]).values()) if name in rows else []
        if len(ccl) >= 2 and len(other) >= 2:
            lines.append(interval_line(f'{rows["ccl"]["label"]} − {rows[name]["label"]}', 'Welch',
                                       welch_interval(ccl, other)))
    if not lines:
        return ''
    return INTERVAL_HEADER + '\n'.join(lines) + '\n'


def against_table(results: dict, path: str) -> str:
    """Each row that ``results`` and the results file ``path`` both hold with two or more shared seeds:
    the difference of its main output's mIoU, this file's minus that one's, paired over those seeds, at 95 %."""
    from mmseg_ccl.evaluation.intervals import paired_interval
    with open(path) as f:
        other = json.load(f)
    lines = []
    for name, row in results['rows'].items():
        scores, theirs = main_scores(row), main_scores(other['rows'].get(name, dict(runs={})))
        seeds = sorted(set(scores) & set(theirs), key=int)
        if len(seeds) >= 2:
            interval = paired_interval([scores[s] for s in seeds], [theirs[s] for s in seeds])
            lines.append(interval_line(f'{row["label"]} (seeds {", ".join(seeds)})', 'paired', interval))
    setting = ' '.join(options_note(other).split()) or 'Its runs are of the configs as they are.'
    header = (f'\nThis file\'s rows against the same rows in `{osp.relpath(path, ROOT)}`, main output\'s mIoU. '
              f'That file: {setting}\n\n')
    return header + INTERVAL_HEADER + ('\n'.join(lines) + '\n' if lines else '| no row with two shared seeds |||||||\n')


INTERVAL_HEADER = ('| difference | test | seeds | estimate | interval | level | excludes 0 |\n'
                   '|---|---|---|---|---|---|---|\n')


def interval_line(name: str, test: str, interval) -> str:
    return (f'| {name} | {test} | {" / ".join(map(str, interval.n))} | {interval.difference:+.2f} | '
            f'[{interval.low:+.2f}, {interval.high:+.2f}] | {100 * interval.level:.1f} % | '
            f'{"yes" if interval.excludes_zero() else "no"} |')


def timing_ratio(row: dict, kind: str) -> str:
    """A row's ``step`` or ``latency`` ratio to the timing's reference, ± the IQR of the per-round ratios."""
    timing = row.get('timing')
    return f'{timing[kind]:.2f} ± {timing[kind + "_iqr"]:.2f}' if timing else '—'


def setting_note(results: dict) -> str:
    """How the file's runs differ from the shipped configs, if they do: its ``options_note`` and the runs
    adopted from another file (``run_comparison.py --adopt``) with the options they ran with."""
    adopted = {}  # (file, options) -> {seeds: [rows]}
    for name, row in results['rows'].items():
        seeds = {}  # (file, options) -> [seeds of this row]
        for seed, run in row['runs'].items():
            if run.get('adopted'):
                source = run['adopted']
                seeds.setdefault((source['file'], ' '.join(source['cfg_options'])), []).append(seed)
        for source, row_seeds in seeds.items():
            adopted.setdefault(source, {}).setdefault(tuple(row_seeds), []).append(name)

    def runs(by_seeds: Dict[tuple, List[str]]) -> str:
        return '; '.join(f'{", ".join(names)} seed{"s" * (len(seeds) > 1)} {", ".join(seeds)}'
                         for seeds, names in by_seeds.items())

    return options_note(results) + ''.join(
        f'{runs(by_seeds)}: from `{source}`, run with `--cfg-options {options}`, which the configs had taken when '
        'the runs were adopted.\n' for (source, options), by_seeds in adopted.items())


def of_shipped_configs(results: dict) -> bool:
    """Whether a results file's runs are of the configs as shipped: no ``--cfg-options`` and no other
    ``setting``."""
    return not (results.get('cfg_options') or results.get('setting'))


def options_note(results: dict) -> str:
    """The ``--cfg-options`` every run of the file had, and its ``setting`` (a sentence, for runs of the
    configs as they were before a change)."""
    options = results.get('cfg_options')
    note = f'Every row ran with `--cfg-options {" ".join(options)}`.\n' if options else ''
    return note + (f'{results["setting"]}\n' if results.get('setting') else '')


def timing_note(results: dict) -> str:
    if 'timing' not in results:
        return ''
    timing = results['timing']
    reference = results['rows'][timing['reference']]['label']
    return (f'Train step (forward, backward and SGD step of a training batch) and latency (inference of one image): '
            f'ratios to "{reference}", timed side by side in one run (`--timing`: median ± IQR of the per-round '
            f'ratios; {timing["setting"]}); train memory: peak resident memory growth over two training steps.\n')


def per_class_table(results: dict, names: List[str]) -> str:
    """Per-class IoU (mean over seeds) of the analysed two-network rows: top, bottom and mean, and
    for the post-hoc ensemble also the oracle (right wherever either single is right)."""
    lines, classes = [], None
    for name in names:
        row = results['rows'][name]
        analysed = [r['cooperation'] for r in row['runs'].values() if 'cooperation' in r]
        if not analysed:
            continue
        classes = analysed[0]['classes']
        outputs = (*OUTPUTS, 'oracle') if name == 'posthoc' else OUTPUTS
        for output in outputs:
            per_seed = [[v if v is not None else float('nan') for v in a['iou'][output]] for a in analysed]
            values = [statistics.mean(v) for v in zip(*per_seed)]
            lines.append(f'| {row["label"]}, {output} | {len(analysed)} | ' + ' | '.join(f'{v:.1f}' for v in values) +
                         ' |')
    if not lines:
        return ''
    header = '| output | seeds | ' + ' | '.join(classes) + ' |\n|' + '---|' * (len(classes) + 2) + '\n'
    return header + '\n'.join(lines) + '\n'


def agreement_table(results: dict, names: List[str]) -> str:
    """Per analysed two-network row: the labelled val pixels that only the top, only the bottom and
    only one of the two networks get right (%), and the oracle's mIoU, each mean ± std over seeds."""
    lines = []
    for name in names:
        row = results['rows'][name]
        analysed = [r['cooperation'] for r in row['runs'].values() if r.get('cooperation', {}).get('pixel_shares')]
        if not analysed:
            continue
        shares = [a['pixel_shares'] for a in analysed]
        columns = ([s['only_top'] + s['only_bottom'] for s in shares], [s['only_top'] for s in shares],
                   [s['only_bottom'] for s in shares],
                   [statistics.mean(v for v in a['iou']['oracle'] if v is not None and not math.isnan(v))
                    for a in analysed])
        lines.append(f'| {row["label"]} | {len(analysed)} | ' + ' | '.join(summarise(c) for c in columns) + ' |')
    if not lines:
        return ''
    return ('| row | seeds | right for only one network (%) | only top (%) | only bottom (%) | mIoU oracle |\n'
            '|---|---|---|---|---|---|\n' + '\n'.join(lines) + '\n')


def plot_curves(results: dict, names: List[str], path: str) -> None:
    """Validation mIoU against iteration (seeds averaged): a line per row and output, the
    style telling the output (top solid, bottom dashed, mean dotted)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    styles = dict(top='-', bottom='--', mean=':')
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    for name in names:
        row = results['rows'][name]
        curves = [run['curve'] for run in row['runs'].values() if run.get('curve')]
        if not curves:
            continue
        color, iters = None, [point['iter'] for point in curves[0]]
        for output in (o for o in OUTPUTS if o in curves[0][-1]):
            values = [statistics.mean(c[i][output] for c in curves if len(c) > i) for i in range(len(iters))]
            line, = ax.plot(iters, values, styles[output], marker='o', markersize=3, color=color,
                            label=f'{row["label"]} ({output})')
            color = line.get_color()
    ax.set_xlabel('iteration')
    ax.set_ylabel('val mIoU (%)')
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)

