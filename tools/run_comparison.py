"""The paper's comparison at demo scale: every row, several seeds, one table.

    python tools/run_comparison.py [--seeds 0 1 2] [--iters 600] [--work-dir work_dirs/comparison] [--quick]

Trains and scores, with the same data, schedule and seeds, the rows of the
paper (Tables 1-3) on the synthetic demo data: single DeepLabV3+ with each of
the two demo backbones, FSCN (one-way, top -> bottom), the jointly trained
ensemble (no exchange, mean output), the post-hoc ensemble of the two singles
(tools/merge_singles.py), CCL without Connection 1/2, with each, and full;
``--rows`` adds variants of full CCL (add / reduced fusion, reduced with a zero-initialised
expanding conv, detached features).
Every run is ``tools/train.py`` (and ``tools/test.py`` for the post-hoc
ensemble) on the shipped demo configs, as a user would type them. Writes
``comparison.md`` and ``comparison.json`` (mean +- std of the top, bottom and
mean outputs' mIoU, training time) to the work directory.

``--quick``: 2 iterations, one seed, a few images; a smoke test, not a result.
"""
import argparse
import glob
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time
from typing import Dict, List, Optional

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
OUTPUTS = ('top', 'bottom', 'mean')
CCL = 'configs/ccl/demo_ccl.py'
POINTS_NO_CONNECTION = '[aspp,decoder]'  # Connection 1 = 'backbone', Connection 2 = 'aspp_out'
# name -> (label, config, --cfg-options overrides, outputs it has)
ROWS = {
    'single_top': ('single DeepLabV3+, top backbone', 'configs/ccl/demo_single_top.py', [], ('top', )),
    'single_bottom': ('single DeepLabV3+, bottom backbone', 'configs/ccl/demo_single_bottom.py', [], ('bottom', )),
    'posthoc': ('post-hoc ensemble of the two singles', None, [], OUTPUTS),
    'ensemble': ('ensemble, trained jointly (no exchange)', 'configs/ccl/demo_ensemble.py', [], OUTPUTS),
    'fscn': ('FSCN, one-way top -> bottom', CCL, ['model.decode_head.direction=top_to_bottom'], OUTPUTS),
    'ccl_noconn': ('CCL without Connection 1 and 2', CCL,
                   [f'model.decode_head.cooperation_points={POINTS_NO_CONNECTION}'], OUTPUTS),
    'ccl_conn1': ('CCL with Connection 1', CCL, ['model.decode_head.cooperation_points=[backbone,aspp,decoder]'],
                  OUTPUTS),
    'ccl_conn2': ('CCL with Connection 2', CCL, ['model.decode_head.cooperation_points=[aspp,aspp_out,decoder]'],
                  OUTPUTS),
    'ccl': ('CCL, full (concat fusion)', CCL, [], OUTPUTS),
    # Variants of full CCL (not rows of the paper; pick them with --rows).
    'ccl_add': ('CCL, full, add fusion', CCL, ['model.decode_head.fusion=add'], OUTPUTS),
    'ccl_reduced': ('CCL, full, reduced fusion', CCL, ['model.decode_head.fusion=reduced'], OUTPUTS),
    'ccl_reduced_zero': ('CCL, full, reduced fusion, zero-initialised expand', CCL,
                         ['model.decode_head.fusion._delete_=True', 'model.decode_head.fusion.type=ReducedFusion',
                          'model.decode_head.fusion.zero_init=True'], OUTPUTS),
    'ccl_detach': ('CCL, full, received features detached', CCL, ['model.decode_head.detach=True'], OUTPUTS),
}
PAPER_ROWS = ('single_top', 'single_bottom', 'posthoc', 'ensemble', 'fscn', 'ccl_noconn', 'ccl_conn1', 'ccl_conn2',
              'ccl')


def run(args: List[str], log: str) -> float:
    """Run ``python ARGS`` from the repository root, output to ``log``; return seconds taken."""
    start = time.perf_counter()
    with open(log, 'w') as f:
        result = subprocess.run([sys.executable, *args], cwd=ROOT, stdout=f, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        sys.exit(f'run_comparison: {" ".join(args[:2])} failed (exit {result.returncode}); see {log}')
    return time.perf_counter() - start


def final_scores(work_dir: str, outputs: tuple) -> Dict[str, float]:
    """mIoU of each output from the last validation a run logged (single models log plain ``mIoU``)."""
    logs = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')) +
                  glob.glob(osp.join(work_dir, '*', '*.json')), key=osp.getmtime)
    with open(logs[-1]) as f:
        lines = [json.loads(line) for line in f if 'mIoU' in line]
    scores = lines[-1]
    if 'mIoU_mean' in scores:
        return {o: scores[f'mIoU_{o}'] for o in outputs}
    return {outputs[0]: scores['mIoU']}


def data_options(data_root: str, iters: int, seed: int, batch: Optional[int]) -> List[str]:
    options = [f'{loader}.dataset.data_root={data_root}' for loader in ('train_dataloader', 'val_dataloader',
                                                                        'test_dataloader')]
    options += [f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={iters}',
                f'default_hooks.checkpoint.interval={iters}', f'param_scheduler.0.end={iters}',
                f'randomness.seed={seed}']
    return options + ([f'train_dataloader.batch_size={batch}'] if batch else [])


def summarise(values: List[float]) -> str:
    if not values:
        return '—'
    if len(values) == 1:
        return f'{values[0]:.2f}'
    return f'{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--iters', type=int, default=600, help='training iterations per run')
    parser.add_argument('--work-dir', default='work_dirs/comparison')
    parser.add_argument('--data', help='demo data directory (made if missing)')
    parser.add_argument('--rows', nargs='+', choices=list(ROWS), default=list(PAPER_ROWS),
                        help='rows to run (default: the paper\'s); variants: '
                        + ' '.join(row for row in ROWS if row not in PAPER_ROWS))
    parser.add_argument('--quick', action='store_true', help='2 iterations, one seed, 8 images: a smoke test')
    parser.add_argument('--report', action='store_true', help='only rewrite comparison.md from comparison.json')
    args = parser.parse_args()
    work_dir = osp.abspath(args.work_dir)
    if args.report:
        with open(osp.join(work_dir, 'comparison.json')) as f:
            report(json.load(f), work_dir)
        return
    os.makedirs(work_dir, exist_ok=True)
    batch = None
    if args.quick:
        args.seeds, args.iters, batch = args.seeds[:1], 2, 4
    data = osp.abspath(args.data or osp.join(work_dir, 'data'))
    if not osp.isdir(data):
        size = ['--train', '8', '--val', '4'] if args.quick else []
        run(['tools/make_demo_data.py', '--out', data, *size], osp.join(work_dir, 'make_data.log'))
    rows = list(args.rows)
    if 'posthoc' in rows:  # needs the singles' checkpoints
        rows = [r for r in rows if r not in ('single_top', 'single_bottom', 'posthoc')]
        rows = ['single_top', 'single_bottom', 'posthoc'] + rows

    results: Dict[str, Dict] = {r: dict(label=ROWS[r][0], scores={o: [] for o in OUTPUTS}, seconds=[]) for r in rows}
    for seed in args.seeds:
        for row in rows:
            label, config, overrides, outputs = ROWS[row]
            run_dir = osp.join(work_dir, f'seed{seed}', row)
            options = data_options(data, args.iters, seed, batch)
            if row == 'posthoc':
                singles = [osp.join(work_dir, f'seed{seed}', s, f'iter_{args.iters}.pth')
                           for s in ('single_top', 'single_bottom')]
                merged = osp.join(run_dir, 'merged.pth')
                os.makedirs(run_dir, exist_ok=True)
                run(['tools/merge_singles.py', *singles, merged], osp.join(run_dir, 'merge.log'))
                run(['tools/test.py', 'configs/ccl/demo_ensemble.py', merged, '--work-dir', run_dir, '--cfg-options',
                     *options], osp.join(run_dir, 'test.log'))
            else:
                seconds = run(['tools/train.py', config, '--work-dir', run_dir, '--cfg-options', *options, *overrides],
                              osp.join(work_dir, f'seed{seed}_{row}.log'))
                results[row]['seconds'].append(seconds)
            for output, value in final_scores(run_dir, outputs).items():
                results[row]['scores'][output].append(value)
            print(f'seed {seed} {row}: ' + ', '.join(f'{o} {v[-1]:.2f}' for o, v in results[row]['scores'].items()
                                                     if v), flush=True)

    report(dict(seeds=args.seeds, iters=args.iters, rows=results), work_dir)


def report(result: dict, work_dir: str) -> str:
    """Write ``comparison.json`` and ``comparison.md`` (training time as the median over seeds, with its
    range: on a shared machine the load, not the model, moves the mean)."""
    header = ('| row | mIoU top | mIoU bottom | mIoU mean | training time (s), median (min-max) |\n'
              '|---|---|---|---|---|\n')
    lines = []
    for row in result['rows'].values():
        seconds = row['seconds']
        time_text = (f'{statistics.median(seconds):.0f} ({min(seconds):.0f}-{max(seconds):.0f})' if seconds else
                     '— (no training)')
        lines.append(f'| {row["label"]} | ' + ' | '.join(summarise(row['scores'][o]) for o in OUTPUTS) +
                     f' | {time_text} |')
    seeds = result['seeds']
    table = header + '\n'.join(lines) + '\n' + (
        f'\n{len(seeds)} seed(s) {seeds}, {result["iters"]} iterations each; mIoU mean ± std over seeds.\n')
    with open(osp.join(work_dir, 'comparison.md'), 'w') as f:
        f.write(table)
    with open(osp.join(work_dir, 'comparison.json'), 'w') as f:
        json.dump(result, f, indent=2)
    print(table)
    return table


if __name__ == '__main__':
    main()
