"""Tables and curves from a results file: mean ± std over seeds, cost, per-class IoU, the
deciding differences with their intervals, validation curves."""
import json
import math
import os.path as osp
import statistics
from typing import Dict, List, Optional

from mmseg_ccl.structures import OUTPUTS

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
    """Write the tables of :func:`report_text` beside the results file (``.md``) and the validation
    curves (``_curves.png``). Returns the tables."""
    table = report_text(results, results_path, suite)
    with open(osp.splitext(results_path)[0] + '.md', 'w') as f:
        f.write(table)
    print(table)
    curve_rows = [n for n in ordered_rows(results, suite) if not suite.curve_rows or n in suite.curve_rows]
    if any(run.get('curve') for n in curve_rows for run in results['rows'][n]['runs'].values()):
        plot_curves(results, curve_rows, osp.splitext(results_path)[0] + '_curves.png')
    return table


def report_text(results: dict, results_path: str, suite: Suite) -> str:
    """The tables of a results file: mIoU mean ± std over seeds, the change over the last fifth of
    training, parameters, FLOPs, the side-by-side timing (``--timing``), training time as the median
    over seeds with its range; per-class IoU; how the networks agree; the deciding differences with
    their intervals, and the other comparisons the documents describe; where the results file names
    another (``against``, recorded by ``--report --against``), each row's difference to the same row
    there."""
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
    table += described_table(results, suite)
    if against and not osp.isfile(against):
        table += f'\nNo table against `{osp.relpath(against, ROOT)}`, which this file names: it is gone.\n'
    elif against:
        table += against_table(results, against)
    return table


def main_scores(row: dict) -> Dict[str, float]:
    """The main output's mIoU per seed."""
    output = main_output(row)
    return {seed: run['scores'][output] for seed, run in row['runs'].items() if output in run['scores']}


def differences_table(results: dict, suite: Suite) -> str:
    """The comparisons docs/method.md decides with, each with its 95 % interval and p-value: every
    jointly trained two-network row with two or more seeds shared with ``suite.paired_reference``,
    paired over those seeds; CCL against each of ``suite.welch_rows``, Welch. Two families are
    decided by Holm's test at a family-wise 5 %, with Bonferroni's simultaneous intervals: the paired
    rows of ``suite.holm_rows`` (every paired row for a file of another setting; other rows are
    listed outside it) and the Welch rows. Below the table: the decisions, where pairing widened an
    interval, and how many paired seeds would resolve a gain of one point."""
    from .intervals import correlation, paired_interval, welch_interval
    rows = results['rows']
    if suite.paired_reference not in rows:
        return ''
    reference = main_scores(rows[suite.paired_reference])
    paired, family = {}, []
    for name in ordered_rows(results, suite):
        spec = suite.rows.get(name)
        scores = main_scores(rows[name])
        seeds = sorted(set(scores) & set(reference))
        if (name == suite.paired_reference or spec is None or spec.config is None or spec.outputs != OUTPUTS
                or len(seeds) < 2):
            continue
        key = (rows[name]['label'], rows[suite.paired_reference]['label'])
        paired[key] = ([scores[s] for s in seeds], [reference[s] for s in seeds])
        if suite.holm_rows is None or not of_shipped_configs(results) or name in suite.holm_rows:
            family.append(key)
    ccl = list(main_scores(rows['ccl']).values()) if 'ccl' in rows else []
    welch = {(rows['ccl']['label'], rows[name]['label']): (ccl, list(main_scores(rows[name]).values()))
             for name in suite.welch_rows if name in rows and len(ccl) >= 2 and len(main_scores(rows[name])) >= 2}
    paired_lines, paired_rejected = decided_lines('paired', paired_interval, paired, family)
    welch_lines, welch_rejected = decided_lines('Welch', welch_interval, welch, list(welch))
    if not paired_lines + welch_lines:
        return ''
    text = DECISION_HEADER + '\n'.join(paired_lines + welch_lines) + '\n\n'
    text += decisions_sentence([('paired', family, paired_rejected), ('Welch', list(welch), welch_rejected)])
    for (a, b), pair in paired.items():
        r = correlation(*pair)
        if r < 0:
            text += (f'\n{a} − {b}: over its {len(pair[0])} seeds the two rows\' scores are negatively correlated '
                     f'(r = {r:+.2f}), so pairing widened the interval: paired 95 % '
                     f'{bounds(paired_interval(*pair))}, unpaired (Welch) 95 % {bounds(welch_interval(*pair))}.\n')
    ccl_label = rows['ccl']['label'] if 'ccl' in rows else None
    return text + resolution_note(paired, sorted(family, key=lambda key: key[0] != ccl_label))


MEASURES = {'top': 'mIoU top', 'bottom': 'mIoU bottom', 'mean': 'mIoU mean',
            'only_one': 'share of pixels right for only one network (%)', 'oracle': 'mIoU oracle'}


def measure_scores(row: dict, measure: str) -> Dict[str, float]:
    """Per seed, one of ``MEASURES`` (or ``only_top``, ``only_bottom``: the share right for that network
    alone) of a row's runs; seeds without it left out."""
    values = {}
    for seed, run in row['runs'].items():
        cooperation = run.get('cooperation') or {}
        shares = cooperation.get('pixel_shares')
        if measure in OUTPUTS and measure in run['scores']:
            values[seed] = run['scores'][measure]
        elif measure == 'oracle' and shares:
            values[seed] = statistics.mean(v for v in cooperation['iou']['oracle']
                                           if v is not None and not math.isnan(v))
        elif measure not in OUTPUTS and shares:
            values[seed] = shares['only_top'] + shares['only_bottom'] if measure == 'only_one' else shares[measure]
    return values


def described_table(results: dict, suite: Suite) -> str:
    """The comparisons of ``suite.described`` that the results hold, each with its 95 % interval and
    p-value: paired over the shared seeds where both rows are jointly trained two-network rows (as the
    deciding differences pair), else Welch; Holm's test over them as one family, with Bonferroni's
    simultaneous intervals, and a sentence naming what it rejects."""
    from .intervals import holm, paired_interval, welch_interval
    rows, compared = results['rows'], {}  # (label a, label b) -> (test, function, (a's scores, b's))
    for a, b, measure in suite.described:
        if a not in rows or b not in rows:
            continue
        x, y = measure_scores(rows[a], measure), measure_scores(rows[b], measure)
        joint = all(suite.rows.get(n) and suite.rows[n].config and suite.rows[n].outputs == OUTPUTS for n in (a, b))
        seeds = sorted(set(x) & set(y), key=int)
        key = (rows[a]['label'], f'{rows[b]["label"]}: {MEASURES[measure]}')
        if joint and len(seeds) >= 2:
            compared[key] = ('paired', paired_interval, ([x[s] for s in seeds], [y[s] for s in seeds]))
        elif len(x) >= 2 and len(y) >= 2:
            compared[key] = ('Welch', welch_interval, (list(x.values()), list(y.values())))
    if not compared:
        return ''
    rejected = dict(zip(compared, holm([function(*pair).p for _, function, pair in compared.values()])))
    lines = [comparison_line(key, test, function, pair, f'described, {len(compared)}', len(compared), rejected[key])
             for key, (test, function, pair) in compared.items()]
    decided = [f'{a} − {b}' for (a, b), rejects in rejected.items() if rejects]
    return ('\nOther comparisons the documents describe (in no decision rule; described, not decided by a rule '
            'fixed before the runs):\n\n' + DECISION_HEADER + '\n'.join(lines) + '\n\n'
            f'Holm\'s test over these {len(compared)} at a family-wise 5 % rejects '
            + (f'{len(decided)}: ' + '; '.join(decided) if decided else 'none') + '.\n')


def comparison_line(key: tuple, test: str, function, pair: tuple, family: str, size: int,
                    rejected: Optional[bool]) -> str:
    """A table line of the comparison ``key`` ((label a, label b)) of ``pair`` (a's scores, b's) by
    ``function``, a member of ``family`` (of ``size`` comparisons) with Holm's decision ``rejected``, or
    of none (``rejected`` None)."""
    from .intervals import bonferroni_level
    interval = function(*pair)
    decision = ('— | — | —' if rejected is None else
                f'{family} | {"yes" if rejected else "no"} | '
                f'{bounds(function(*pair, level=bonferroni_level(size)))} ({100 * bonferroni_level(size):.1f} % each)')
    return (f'| {key[0]} − {key[1]} | {test} | {" / ".join(map(str, interval.n))} | {interval.difference:+.2f} | '
            f'{bounds(interval)} | {interval.p:.3f} | {decision} |')


def decided_lines(test: str, function, comparisons: Dict[tuple, tuple], family: List[tuple]):
    """Table lines of ``comparisons`` ((label a, label b) -> (a's scores, b's)) compared by ``function``;
    those in ``family`` are decided together by Holm's test, with Bonferroni's simultaneous intervals.
    Returns the lines and the rejected pairs."""
    from .intervals import holm
    rejected = dict(zip(family, holm([function(*comparisons[key]).p for key in family])))
    lines = [comparison_line(key, test, function, pair, f'{test}, {len(family)}', len(family), rejected.get(key))
             for key, pair in comparisons.items()]
    return lines, [key for key, rejects in rejected.items() if rejects]


def bounds(interval) -> str:
    return f'[{interval.low:+.2f}, {interval.high:+.2f}]'


def decisions_sentence(families: List[tuple]) -> str:
    """What Holm's test decides in each family ((test, members, rejected)): the only place a
    generated text says that one row beats another."""
    parts = []
    for test, members, rejected in families:
        if not members:
            continue
        beats = '; '.join(f'{a} beats {b}' for a, b in rejected)
        parts.append(f'of the {len(members)} {test} comparisons in its family it rejects '
                     + (f'{len(rejected)}: {beats}' if rejected else 'none'))
    return ("Holm's test at a family-wise 5 %: " + '; '.join(parts) + '.\n') if parts else ''


def resolution_note(paired: Dict[tuple, tuple], family: List[tuple], gain: float = 1.0) -> str:
    """For the first paired comparison of the family (CCL's, where it is in it): how many paired seeds
    would detect a gain of ``gain`` at 80 % power, at the spread of its per-seed differences."""
    from .intervals import pairs_needed
    if not family:
        return ''
    (a, b), (x, y) = family[0], paired[family[0]]
    sd = statistics.stdev([i - j for i, j in zip(x, y)])
    if sd == 0:
        return ''
    return (f'\nWhat the study can resolve: at the spread of {a} − {b} per seed (sd {sd:.2f} over {len(x)} seeds), '
            f'a paired gain of {gain:.1f} point would be detected with 80 % power by about '
            f'{pairs_needed(sd, gain, 0.05)} paired seeds at 5 %, {pairs_needed(sd, gain, 0.05 / len(family))} '
            f'at 5 % / {len(family)} (Holm\'s first step).\n')


def against_table(results: dict, path: str) -> str:
    """Each row that ``results`` and the results file ``path`` both hold with two or more shared seeds:
    the difference of its main output's mIoU, this file's minus that one's, paired over those seeds, at 95 %
    each (descriptive: in no family, nothing decided)."""
    from .intervals import paired_interval
    with open(path) as f:
        other = json.load(f)
    lines = []
    for name, row in results['rows'].items():
        scores, theirs = main_scores(row), main_scores(other['rows'].get(name, dict(runs={})))
        seeds = sorted(set(scores) & set(theirs), key=int)
        if len(seeds) >= 2:
            interval = paired_interval([scores[s] for s in seeds], [theirs[s] for s in seeds])
            lines.append(f'| {row["label"]} (seeds {", ".join(seeds)}) | paired | {len(seeds)} | '
                         f'{interval.difference:+.2f} | {bounds(interval)} | {interval.p:.3f} | — | — | — |')
    setting = ' '.join(options_note(other).split()) or 'Its runs are of the configs as they are.'
    header = (f'\nThis file\'s rows against the same rows in `{osp.relpath(path, ROOT)}`, main output\'s mIoU. '
              f'That file: {setting}\n\n')
    return header + DECISION_HEADER + ('\n'.join(lines) + '\n' if lines else
                                       '| no row with two shared seeds |||||||||\n')


DECISION_HEADER = ('| difference | test | seeds | estimate | 95 % interval | p | family | Holm rejects | '
                   'simultaneous interval (Bonferroni) |\n' + '|---' * 9 + '|\n')


def timing_ratio(row: dict, kind: str) -> str:
    """A row's ``step`` or ``latency`` ratio to the timing's reference, ± the IQR of the per-round ratios,
    and the 95 % interval of their median where the run had enough rounds to bound one."""
    timing = row.get('timing')
    if not timing:
        return '—'
    interval = timing.get(kind + '_ci95')
    return f'{timing[kind]:.2f} ± {timing[kind + "_iqr"]:.2f}' + (
        f' [{interval[0]:.2f}, {interval[1]:.2f}]' if interval else '')


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
    bounded = any((row.get('timing') or {}).get('step_ci95') for row in results['rows'].values())
    interval = ' [95 % interval of their median]' if bounded else ''
    return (f'Train step (forward, backward and SGD step of a training batch) and latency (inference of one image): '
            f'ratios to "{reference}", timed side by side in one run (`--timing`: median ± IQR of the per-round '
            f'ratios{interval}; {timing["setting"]}); train memory: peak resident memory growth over two training '
            'steps.\n')


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
    """Per analysed two-network row: the labelled val pixels that only one of the two networks, only the
    top and only the bottom get right (%), and the oracle's mIoU, each mean ± std over seeds."""
    lines = []
    for name in names:
        row = results['rows'][name]
        columns = [list(measure_scores(row, m).values()) for m in ('only_one', 'only_top', 'only_bottom', 'oracle')]
        if columns[0]:
            lines.append(f'| {row["label"]} | {len(columns[0])} | ' + ' | '.join(summarise(c) for c in columns) + ' |')
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

